/*
 * c_ops.c - ec2-conformance-ops: runs the cases of cases.json through the C EC2 client.
 *
 * Usage: ec2-conformance-ops <endpoint-url> <cases.json>
 * Each case is {"name", "operation", "input"} with `input` in the AWS SDK v3 input shape. The
 * input is mapped onto the library's request struct, the operation is called once against the
 * endpoint (credentials AKIDEXAMPLE, region us-east-1, no retries: one request per case), and
 * one JSON line {"name", "ok", "error_code"} is printed. The emulator records the request
 * bodies; test_params_match.py compares them with the SDK's. Exit 0 once every case ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ec2.h"

#define ACCESS_KEY "AKIDEXAMPLE"
#define SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

/* Every allocation of one case, freed together after the call. */
struct arena {
    void **blocks;
    size_t n;
    size_t cap;
};

static void *arena_alloc(struct arena *a, size_t count, size_t size)
{
    void *p;

    if (a->n == a->cap) {
        size_t cap = a->cap != 0 ? a->cap * 2 : 16;
        void **grown = realloc(a->blocks, cap * sizeof(*grown));
        if (grown == NULL) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        a->blocks = grown;
        a->cap = cap;
    }
    p = calloc(count != 0 ? count : 1, size);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    a->blocks[a->n++] = p;
    return p;
}

static void arena_free(struct arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->blocks[i]);
    free(a->blocks);
    memset(a, 0, sizeof(*a));
}

static struct json_object *field(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;

    if (obj == NULL || !json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

/* Strings stay owned by the JSON document, alive for the whole case. */
static const char *str(struct json_object *obj, const char *key)
{
    struct json_object *v = field(obj, key);

    return v != NULL && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static enum ec2_bool opt_bool(struct json_object *obj, const char *key)
{
    struct json_object *v = field(obj, key);

    if (v == NULL || !json_object_is_type(v, json_type_boolean))
        return EC2_BOOL_UNSET;
    return json_object_get_boolean(v) ? EC2_BOOL_TRUE : EC2_BOOL_FALSE;
}

static int32_t int_field(struct json_object *obj, const char *key)
{
    struct json_object *v = field(obj, key);

    return v != NULL ? json_object_get_int(v) : 0;
}

static size_t array_len(struct json_object *arr)
{
    return arr != NULL && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr)
                                                                    : 0;
}

static const char *const *str_list(struct arena *a, struct json_object *obj, const char *key,
                                   size_t *n)
{
    struct json_object *arr = field(obj, key);
    const char **out;

    *n = array_len(arr);
    out = arena_alloc(a, *n, sizeof(*out));
    for (size_t i = 0; i < *n; i++)
        out[i] = json_object_get_string(json_object_array_get_idx(arr, i));
    return out;
}

static const struct ec2_tag *tags(struct arena *a, struct json_object *arr, size_t *n)
{
    struct ec2_tag *out;

    *n = array_len(arr);
    out = arena_alloc(a, *n, sizeof(*out));
    for (size_t i = 0; i < *n; i++) {
        struct json_object *t = json_object_array_get_idx(arr, i);
        out[i].key = str(t, "Key");
        out[i].value = str(t, "Value");
    }
    return out;
}

static const struct ec2_tag_specification *tag_specs(struct arena *a, struct json_object *in,
                                                     size_t *n)
{
    struct json_object *arr = field(in, "TagSpecifications");
    struct ec2_tag_specification *out;

    *n = array_len(arr);
    out = arena_alloc(a, *n, sizeof(*out));
    for (size_t i = 0; i < *n; i++) {
        struct json_object *s = json_object_array_get_idx(arr, i);
        out[i].resource_type = str(s, "ResourceType");
        out[i].tags = tags(a, field(s, "Tags"), &out[i].n_tags);
    }
    return out;
}

static const struct ec2_filter *filters(struct arena *a, struct json_object *in, size_t *n)
{
    struct json_object *arr = field(in, "Filters");
    struct ec2_filter *out;

    *n = array_len(arr);
    out = arena_alloc(a, *n, sizeof(*out));
    for (size_t i = 0; i < *n; i++) {
        struct json_object *f = json_object_array_get_idx(arr, i);
        out[i].name = str(f, "Name");
        out[i].values = str_list(a, f, "Values", &out[i].n_values);
    }
    return out;
}

static const struct ec2_launch_permission *permissions(struct arena *a, struct json_object *arr,
                                                       size_t *n)
{
    struct ec2_launch_permission *out;

    *n = array_len(arr);
    out = arena_alloc(a, *n, sizeof(*out));
    for (size_t i = 0; i < *n; i++) {
        struct json_object *p = json_object_array_get_idx(arr, i);
        out[i].user_id = str(p, "UserId");
        out[i].group = str(p, "Group");
        out[i].organization_arn = str(p, "OrganizationArn");
        out[i].organizational_unit_arn = str(p, "OrganizationalUnitArn");
    }
    return out;
}

static int op_register_image(struct ec2_client *c, struct json_object *in, struct arena *a,
                             const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_register_image_input r;
    struct ec2_register_image_output out;
    struct json_object *arr = field(in, "BlockDeviceMappings");
    struct ec2_block_device_mapping *m;
    int rc;

    memset(&r, 0, sizeof(r));
    r.name = str(in, "Name");
    r.description = str(in, "Description");
    r.image_location = str(in, "ImageLocation");
    r.architecture = str(in, "Architecture");
    r.kernel_id = str(in, "KernelId");
    r.ramdisk_id = str(in, "RamdiskId");
    r.root_device_name = str(in, "RootDeviceName");
    r.virtualization_type = str(in, "VirtualizationType");
    r.sriov_net_support = str(in, "SriovNetSupport");
    r.ena_support = opt_bool(in, "EnaSupport");
    r.boot_mode = str(in, "BootMode");
    r.tpm_support = str(in, "TpmSupport");
    r.uefi_data = str(in, "UefiData");
    r.imds_support = str(in, "ImdsSupport");
    r.n_block_device_mappings = array_len(arr);
    m = arena_alloc(a, r.n_block_device_mappings, sizeof(*m));
    for (size_t i = 0; i < r.n_block_device_mappings; i++) {
        struct json_object *bm = json_object_array_get_idx(arr, i), *ebs = field(bm, "Ebs");
        m[i].device_name = str(bm, "DeviceName");
        m[i].virtual_name = str(bm, "VirtualName");
        m[i].no_device = str(bm, "NoDevice");
        if (ebs != NULL) {
            struct ec2_ebs_block_device *e = arena_alloc(a, 1, sizeof(*e));
            e->snapshot_id = str(ebs, "SnapshotId");
            e->volume_size = int_field(ebs, "VolumeSize");
            e->volume_type = str(ebs, "VolumeType");
            e->iops = int_field(ebs, "Iops");
            e->throughput = int_field(ebs, "Throughput");
            e->delete_on_termination = opt_bool(ebs, "DeleteOnTermination");
            e->encrypted = opt_bool(ebs, "Encrypted");
            e->kms_key_id = str(ebs, "KmsKeyId");
            m[i].ebs = e;
        }
    }
    r.block_device_mappings = m;
    r.tag_specifications = tag_specs(a, in, &r.n_tag_specifications);
    rc = ec2_register_image(&out, c, &r, opts, err);
    if (rc == 0)
        ec2_register_image_output_dispose(&out);
    return rc;
}

static int op_describe_images(struct ec2_client *c, struct json_object *in, struct arena *a,
                              const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_describe_images_input r;
    struct ec2_describe_images_output out;
    int rc;

    memset(&r, 0, sizeof(r));
    r.image_ids = str_list(a, in, "ImageIds", &r.n_image_ids);
    r.owners = str_list(a, in, "Owners", &r.n_owners);
    r.executable_by = str_list(a, in, "ExecutableUsers", &r.n_executable_by);
    r.filters = filters(a, in, &r.n_filters);
    r.include_deprecated = opt_bool(in, "IncludeDeprecated");
    r.include_disabled = opt_bool(in, "IncludeDisabled");
    r.max_results = int_field(in, "MaxResults");
    r.next_token = str(in, "NextToken");
    r.max_pages = 1; /* one request per case, as the SDK's single call makes */
    rc = ec2_describe_images(&out, c, &r, opts, err);
    if (rc == 0)
        ec2_describe_images_output_dispose(&out);
    return rc;
}

static int op_deregister_image(struct ec2_client *c, struct json_object *in,
                               const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_deregister_image_input r;
    struct ec2_deregister_image_output out;
    int rc;

    memset(&r, 0, sizeof(r));
    r.image_id = str(in, "ImageId");
    r.delete_associated_snapshots = opt_bool(in, "DeleteAssociatedSnapshots");
    rc = ec2_deregister_image(&out, c, &r, opts, err);
    if (rc == 0)
        ec2_deregister_image_output_dispose(&out);
    return rc;
}

static int op_tags(struct ec2_client *c, struct json_object *in, struct arena *a, bool create,
                   const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_tags_input r;

    memset(&r, 0, sizeof(r));
    r.resource_ids = str_list(a, in, "Resources", &r.n_resource_ids);
    r.tags = tags(a, field(in, "Tags"), &r.n_tags);
    return create ? ec2_create_tags(NULL, c, &r, opts, err)
                  : ec2_delete_tags(NULL, c, &r, opts, err);
}

static int op_modify_image_attribute(struct ec2_client *c, struct json_object *in, struct arena *a,
                                     const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_modify_image_attribute_input r;
    struct json_object *lp = field(in, "LaunchPermission");

    memset(&r, 0, sizeof(r));
    r.image_id = str(in, "ImageId");
    r.description = str(field(in, "Description"), "Value");
    r.launch_permission_add = permissions(a, field(lp, "Add"), &r.n_launch_permission_add);
    r.launch_permission_remove = permissions(a, field(lp, "Remove"), &r.n_launch_permission_remove);
    return ec2_modify_image_attribute(NULL, c, &r, opts, err);
}

static int op_describe_image_attribute(struct ec2_client *c, struct json_object *in,
                                       const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_image_attribute_output out;
    int rc =
        ec2_describe_image_attribute(&out, c, str(in, "ImageId"), str(in, "Attribute"), opts, err);

    if (rc == 0)
        ec2_image_attribute_output_dispose(&out);
    return rc;
}

static int op_enable_deprecation(struct ec2_client *c, struct json_object *in,
                                 const struct ec2_call_opts *opts, struct ec2_error *err)
{
    int64_t when = 0;
    const char *at = str(in, "DeprecateAt");

    if (at == NULL || ec2_time_parse(&when, at) < 0) {
        snprintf(err->message, sizeof(err->message), "DeprecateAt is not an ISO-8601 time");
        err->code = EC2_ERR_INVALID_ARGUMENT;
        return err->code;
    }
    return ec2_enable_image_deprecation(NULL, c, str(in, "ImageId"), when, opts, err);
}

static int op_protection(struct ec2_client *c, struct json_object *in, bool enable,
                         const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_protection_output out;

    if (enable)
        return ec2_enable_image_deregistration_protection(&out, c, str(in, "ImageId"),
                                                          opt_bool(in, "WithCooldown"), opts, err);
    return ec2_disable_image_deregistration_protection(&out, c, str(in, "ImageId"), opts, err);
}

static int op_describe_snapshots(struct ec2_client *c, struct json_object *in, struct arena *a,
                                 const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_describe_snapshots_input r;
    struct ec2_describe_snapshots_output out;
    int rc;

    memset(&r, 0, sizeof(r));
    r.snapshot_ids = str_list(a, in, "SnapshotIds", &r.n_snapshot_ids);
    r.owners = str_list(a, in, "OwnerIds", &r.n_owners);
    r.restorable_by = str_list(a, in, "RestorableByUserIds", &r.n_restorable_by);
    r.filters = filters(a, in, &r.n_filters);
    r.max_results = int_field(in, "MaxResults");
    r.next_token = str(in, "NextToken");
    r.max_pages = 1;
    rc = ec2_describe_snapshots(&out, c, &r, opts, err);
    if (rc == 0)
        ec2_describe_snapshots_output_dispose(&out);
    return rc;
}

static int op_create_snapshot(struct ec2_client *c, struct json_object *in, struct arena *a,
                              const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_create_snapshot_input r;
    struct ec2_create_snapshot_output out;
    int rc;

    memset(&r, 0, sizeof(r));
    r.volume_id = str(in, "VolumeId");
    r.description = str(in, "Description");
    r.tag_specifications = tag_specs(a, in, &r.n_tag_specifications);
    rc = ec2_create_snapshot(&out, c, &r, opts, err);
    if (rc == 0)
        ec2_create_snapshot_output_dispose(&out);
    return rc;
}

static int op_copy_image(struct ec2_client *c, struct json_object *in, struct arena *a,
                         const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_copy_image_input r;
    struct ec2_copy_image_output out;
    int rc;

    memset(&r, 0, sizeof(r));
    r.name = str(in, "Name");
    r.source_image_id = str(in, "SourceImageId");
    r.source_region = str(in, "SourceRegion");
    r.client_token = str(in, "ClientToken");
    r.description = str(in, "Description");
    r.encrypted = opt_bool(in, "Encrypted");
    r.kms_key_id = str(in, "KmsKeyId");
    r.copy_image_tags = opt_bool(in, "CopyImageTags");
    r.tag_specifications = tag_specs(a, in, &r.n_tag_specifications);
    rc = ec2_copy_image(&out, c, &r, opts, err);
    if (rc == 0)
        ec2_copy_image_output_dispose(&out);
    return rc;
}

/* Returns the call's result, or 1 for an operation this program does not know. */
static int run_case(struct ec2_client *c, const char *op, struct json_object *in,
                    struct ec2_error *err)
{
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct arena a = {NULL, 0, 0};
    int rc;

    opts.dry_run = opt_bool(in, "DryRun");
    if (strcmp(op, "RegisterImage") == 0)
        rc = op_register_image(c, in, &a, &opts, err);
    else if (strcmp(op, "DescribeImages") == 0)
        rc = op_describe_images(c, in, &a, &opts, err);
    else if (strcmp(op, "DeregisterImage") == 0)
        rc = op_deregister_image(c, in, &opts, err);
    else if (strcmp(op, "CreateTags") == 0 || strcmp(op, "DeleteTags") == 0)
        rc = op_tags(c, in, &a, strcmp(op, "CreateTags") == 0, &opts, err);
    else if (strcmp(op, "ModifyImageAttribute") == 0)
        rc = op_modify_image_attribute(c, in, &a, &opts, err);
    else if (strcmp(op, "DescribeImageAttribute") == 0)
        rc = op_describe_image_attribute(c, in, &opts, err);
    else if (strcmp(op, "EnableImageDeprecation") == 0)
        rc = op_enable_deprecation(c, in, &opts, err);
    else if (strcmp(op, "DisableImageDeprecation") == 0)
        rc = ec2_disable_image_deprecation(NULL, c, str(in, "ImageId"), &opts, err);
    else if (strcmp(op, "EnableImageDeregistrationProtection") == 0 ||
             strcmp(op, "DisableImageDeregistrationProtection") == 0)
        rc = op_protection(c, in, op[0] == 'E', &opts, err);
    else if (strcmp(op, "DescribeSnapshots") == 0)
        rc = op_describe_snapshots(c, in, &a, &opts, err);
    else if (strcmp(op, "CreateSnapshot") == 0)
        rc = op_create_snapshot(c, in, &a, &opts, err);
    else if (strcmp(op, "DeleteSnapshot") == 0)
        rc = ec2_delete_snapshot(NULL, c, str(in, "SnapshotId"), &opts, err);
    else if (strcmp(op, "CopyImage") == 0)
        rc = op_copy_image(c, in, &a, &opts, err);
    else
        rc = 1;
    arena_free(&a);
    return rc;
}

int main(int argc, char **argv)
{
    struct json_object *cases = NULL;
    struct ec2_client *client = NULL;
    struct ec2_config config;
    struct ec2_error err;
    size_t n;
    int status = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: %s <endpoint-url> <cases.json>\n", argv[0]);
        return 2;
    }
    if (ec2_global_init() < 0) {
        fprintf(stderr, "cannot initialise libcurl/libxml2\n");
        return 2;
    }
    cases = json_object_from_file(argv[2]);
    if (cases == NULL || !json_object_is_type(cases, json_type_array)) {
        fprintf(stderr, "%s: not a JSON array of cases\n", argv[2]);
        status = 2;
        goto cleanup;
    }
    ec2_config_init(&config);
    config.endpoint = argv[1];
    config.region = "us-east-1";
    config.access_key = ACCESS_KEY;
    config.secret_key = SECRET_KEY;
    config.max_attempts = 1; /* one request per case: the emulator records each one */
    ec2_error_init(&err);
    if (ec2_client_new(&client, &config, &err) < 0) {
        fprintf(stderr, "cannot create the EC2 client: %s\n", err.message);
        status = 2;
        goto cleanup;
    }
    n = json_object_array_length(cases);
    for (size_t i = 0; i < n; i++) {
        struct json_object *c = json_object_array_get_idx(cases, i);
        struct json_object *line = json_object_new_object();
        const char *name = str(c, "name"), *op = str(c, "operation");
        int rc;

        ec2_error_init(&err);
        rc = op != NULL ? run_case(client, op, field(c, "input"), &err) : 1;
        if (line == NULL) {
            status = 2;
            break;
        }
        json_object_object_add(line, "name", json_object_new_string(name != NULL ? name : ""));
        json_object_object_add(line, "ok", json_object_new_boolean(rc == 0));
        json_object_object_add(line, "error_code",
                               json_object_new_string(rc == 1   ? "UnsupportedOperation"
                                                      : rc == 0 ? ""
                                                      : err.ec2_code[0] != '\0'
                                                          ? err.ec2_code
                                                          : ec2_error_name(rc)));
        if (rc < 0 && err.ec2_code[0] == '\0')
            json_object_object_add(line, "message", json_object_new_string(err.message));
        printf("%s\n", json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN));
        fflush(stdout);
        json_object_put(line);
    }
cleanup:
    ec2_client_free(client);
    json_object_put(cases);
    ec2_global_cleanup();
    return status;
}
