/*
 * ami_state.c - what the ec2_ami resource and data source share (ami_internal.h): one mapping from
 * an EC2 image to Terraform attributes, one mapping from an EC2 error to a diagnostic, per-call
 * options (deadline, stop flag, DryRun) and the two DescribeImages questions both ask.
 */
#include "ami_internal.h"

#include <stdio.h>

#include <stddef.h>
#include <string.h>

#include "duration.h"

/* ---- Errors ---- */

void tf_ami_ec2_diag(struct tf_call *call, enum tf_severity severity, const struct tf_path *path,
                     const char *summary, const struct ec2_error *err)
{
    char text[1024];

    ec2_error_format(text, sizeof(text), err);
    if (err->error_class == EC2_CLASS_CANCELLED) {
        tf_diag_error(&call->diags, path, "Operation cancelled",
                      "Terraform asked the provider to stop while this was in progress: %s. %s",
                      summary, text);
        return;
    }
    /* Say when retries were spent, so a throttled account is told apart from a one-off error. */
    char tries[64] = "";
    if (err->attempts > 1)
        snprintf(tries, sizeof(tries), " (after %d attempts)", err->attempts);
    if (err->ec2_code[0] != '\0')
        tf_diag_add(&call->diags, severity, path, summary, "%s%s", text, tries);
    else
        tf_diag_add(&call->diags, severity, path, summary, "%s: %s%s", ec2_error_name(err->code),
                    text, tries);
}

/* Which attribute an EC2 message talks about, by the words it uses. */
static const struct {
    const char *word;
    const char *attr;
} message_words[] = {
    {"snapshot", "ebs_block_device"},
    {"BlockDeviceMapping", "ebs_block_device"},
    {"block device", "ebs_block_device"},
    {"RootDeviceName", "root_device_name"},
    {"root device", "root_device_name"},
    {"rchitecture", "architecture"},
    {"BootMode", "boot_mode"},
    {"boot mode", "boot_mode"},
    {"ImdsSupport", "imds_support"},
    {"TpmSupport", "tpm_support"},
    {"UefiData", "uefi_data"},
    {"irtualization", "virtualization_type"},
    {"ImageLocation", "image_location"},
    {"manifest", "image_location"},
    {"ernel", "kernel_id"},
    {"amdisk", "ramdisk_id"},
    {"eprecat", "deprecation_time"},
    {"escription", "description"},
    {"Tag", "tags"},
    {"tag", "tags"},
};

const char *tf_ami_blame_attr(const struct ec2_error *err, const char *fallback)
{
    const char *code = err->ec2_code;

    if (strncmp(code, "InvalidSnapshot", 15) == 0)
        return "ebs_block_device";
    if (strncmp(code, "InvalidAMIName", 14) == 0)
        return "name";
    if (strncmp(code, "InvalidKernel", 13) == 0)
        return "kernel_id";
    if (strncmp(code, "InvalidRamDisk", 14) == 0 || strncmp(code, "InvalidRamdisk", 14) == 0)
        return "ramdisk_id";
    if (strncmp(code, "InvalidParameter", 16) == 0 || strcmp(code, "MissingParameter") == 0) {
        for (size_t i = 0; i < TF_COUNTOF(message_words); i++) {
            if (strstr(err->message, message_words[i].word) != NULL)
                return message_words[i].attr;
        }
    }
    return fallback;
}

bool tf_ami_check_call(struct tf_call *call, int rc, const struct ec2_error *err, bool dry_run,
                       const char *action, const char *attr, const char *summary)
{
    struct tf_path path;
    const char *blamed;

    if (rc == 0 || (dry_run && err->error_class == EC2_CLASS_DRY_RUN_OK))
        return true;
    blamed = tf_ami_blame_attr(err, attr);
    path = tf_path_attr(blamed != NULL ? blamed : "");
    if (!dry_run) {
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, blamed != NULL ? &path : NULL, summary, err);
        return false;
    }
    switch (err->error_class) {
    case EC2_CLASS_UNAUTHORIZED: {
        char *sum = tf_arena_sprintf(call->arena, "Missing permission ec2:%s", action);
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, attr != NULL ? &path : NULL,
                        sum != NULL ? sum : "Missing permission", err);
        return false;
    }
    case EC2_CLASS_CLIENT:
    case EC2_CLASS_NOT_FOUND: {
        char *sum = tf_arena_sprintf(call->arena, "EC2 would reject %s: %s", action, summary);
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, blamed != NULL ? &path : NULL,
                        sum != NULL ? sum : summary, err);
        return false;
    }
    case EC2_CLASS_CANCELLED:
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL, summary, err);
        return false;
    default: {
        char *sum = tf_arena_sprintf(call->arena, "Could not check ec2:%s at plan time", action);
        tf_ami_ec2_diag(call, TF_DIAG_WARNING, NULL, sum != NULL ? sum : summary, err);
        return true;
    }
    }
}

/* ---- Image -> attributes ---- */

static const struct {
    const char *attr;
    size_t offset;
} string_fields[] = {
    {"id", offsetof(struct ec2_image, image_id)},
    {"name", offsetof(struct ec2_image, name)},
    {"description", offsetof(struct ec2_image, description)},
    {"architecture", offsetof(struct ec2_image, architecture)},
    {"boot_mode", offsetof(struct ec2_image, boot_mode)},
    {"imds_support", offsetof(struct ec2_image, imds_support)},
    {"kernel_id", offsetof(struct ec2_image, kernel_id)},
    {"ramdisk_id", offsetof(struct ec2_image, ramdisk_id)},
    {"root_device_name", offsetof(struct ec2_image, root_device_name)},
    {"root_device_type", offsetof(struct ec2_image, root_device_type)},
    {"sriov_net_support", offsetof(struct ec2_image, sriov_net_support)},
    {"tpm_support", offsetof(struct ec2_image, tpm_support)},
    {"virtualization_type", offsetof(struct ec2_image, virtualization_type)},
    {"image_location", offsetof(struct ec2_image, image_location)},
    {"deprecation_time", offsetof(struct ec2_image, deprecation_time)},
    {"owner_id", offsetof(struct ec2_image, owner_id)},
    {"image_owner_alias", offsetof(struct ec2_image, owner_alias)},
    {"image_type", offsetof(struct ec2_image, image_type)},
    {"platform", offsetof(struct ec2_image, platform)},
    {"platform_details", offsetof(struct ec2_image, platform_details)},
    {"usage_operation", offsetof(struct ec2_image, usage_operation)},
    {"hypervisor", offsetof(struct ec2_image, hypervisor)},
    {"creation_date", offsetof(struct ec2_image, creation_date)},
    {"state", offsetof(struct ec2_image, state)},
};

static struct tf_value *str_or_null(struct tf_arena *a, const char *s)
{
    return s != NULL ? tf_value_string(a, s) : tf_value_null(a, &tf_type_string);
}

static struct tf_value *bool_or_null(struct tf_arena *a, enum ec2_bool b)
{
    return b == EC2_BOOL_UNSET ? tf_value_null(a, &tf_type_bool)
                               : tf_value_bool(a, b == EC2_BOOL_TRUE);
}

static struct tf_value *num_or_null(struct tf_arena *a, int32_t n)
{
    return n != 0 ? tf_value_int(a, n) : tf_value_null(a, &tf_type_number);
}

/* The type of attribute name of an object type, or NULL. */
static const struct tf_type *attr_type(const struct tf_type *object, const char *name)
{
    int i = tf_type_attr_index(object, name);
    return i >= 0 ? object->attrs[i].type : NULL;
}

/* EC2 answers enabled-with-cooldown, enabled-without-cooldown, disabled (or disabled-until <time>
 * during a cooldown); the attribute speaks in what the user sets. */
static const char *protection_mode(const char *remote)
{
    if (remote == NULL || strncmp(remote, "disabled", 8) == 0)
        return "disabled";
    if (strcmp(remote, "enabled-with-cooldown") == 0)
        return "enabled-with-cooldown";
    return "enabled";
}

/* One block device as an object of type t, which may be the resource's ebs or ephemeral block or
 * the data source's block_device_mappings element: attributes t lacks are skipped. */
static struct tf_value *block_device(struct tf_arena *a, const struct tf_type *t,
                                     const struct ec2_block_device *bd)
{
    struct tf_value *o = tf_value_object(a, t);
    struct tf_value *vals[11];
    const char *names[11] = {"device_name",           "virtual_name", "no_device", "snapshot_id",
                             "volume_size",           "volume_type",  "iops",      "throughput",
                             "delete_on_termination", "encrypted",    "kms_key_id"};

    if (o == NULL)
        return NULL;
    vals[0] = str_or_null(a, bd->device_name);
    vals[1] = str_or_null(a, bd->virtual_name);
    vals[2] = tf_value_bool(a, bd->no_device != NULL);
    vals[3] = str_or_null(a, bd->has_ebs ? bd->snapshot_id : NULL);
    vals[4] = num_or_null(a, bd->has_ebs ? bd->volume_size : 0);
    vals[5] = str_or_null(a, bd->has_ebs ? bd->volume_type : NULL);
    vals[6] = num_or_null(a, bd->has_ebs ? bd->iops : 0);
    vals[7] = num_or_null(a, bd->has_ebs ? bd->throughput : 0);
    vals[8] = bool_or_null(a, bd->has_ebs ? bd->delete_on_termination : EC2_BOOL_UNSET);
    vals[9] = bool_or_null(a, bd->has_ebs ? bd->encrypted : EC2_BOOL_UNSET);
    vals[10] = str_or_null(a, bd->has_ebs ? bd->kms_key_id : NULL);
    for (size_t i = 0; i < TF_COUNTOF(vals); i++) {
        if (vals[i] == NULL)
            return NULL;
        tf_value_set(o, names[i], vals[i]); /* -1 for attributes t does not have: skipped */
    }
    return o;
}

enum bd_kind { BD_ALL, BD_EBS, BD_EPHEMERAL };

static bool bd_matches(const struct ec2_block_device *bd, enum bd_kind kind)
{
    if (kind == BD_EBS)
        return bd->has_ebs;
    if (kind == BD_EPHEMERAL)
        return !bd->has_ebs && bd->virtual_name != NULL;
    return true;
}

/* Sets attribute name (a list or set of objects) from the image's mappings of the given kind. */
static int set_block_devices(struct tf_call *call, struct tf_value *obj, const char *name,
                             const struct ec2_image *img, enum bd_kind kind)
{
    const struct tf_type *t = attr_type(obj->type, name);
    struct tf_value *coll;
    size_t n = 0;

    if (t == NULL)
        return 0;
    for (size_t i = 0; i < img->n_block_devices; i++)
        n += bd_matches(&img->block_devices[i], kind);
    if ((coll = tf_value_collection(call->arena, t, n)) == NULL)
        return -1;
    n = 0;
    for (size_t i = 0; i < img->n_block_devices; i++) {
        if (!bd_matches(&img->block_devices[i], kind))
            continue;
        if ((coll->u.coll.items[n++] =
                 block_device(call->arena, t->elem, &img->block_devices[i])) == NULL)
            return -1;
    }
    tf_value_set(obj, name, coll);
    return 0;
}

static int set_tags(struct tf_call *call, struct tf_value *obj, const struct ec2_image *img)
{
    const struct tf_type *t = attr_type(obj->type, "tags");
    struct tf_value *m;

    if (t == NULL)
        return 0;
    /* No tags is null, as a configuration without tags is. */
    if (img->n_tags == 0) {
        if ((m = tf_value_null(call->arena, t)) == NULL)
            return -1;
        tf_value_set(obj, "tags", m);
        return 0;
    }
    if ((m = tf_value_map(call->arena, t, img->n_tags)) == NULL)
        return -1;
    for (size_t i = 0; i < img->n_tags; i++) {
        m->u.map.keys[i] = tf_arena_strdup(call->arena, img->tags[i].key ? img->tags[i].key : "");
        m->u.map.vals[i] =
            tf_value_string(call->arena, img->tags[i].value ? img->tags[i].value : "");
        if (m->u.map.keys[i] == NULL || m->u.map.vals[i] == NULL)
            return -1;
    }
    tf_value_map_sort(m);
    tf_value_set(obj, "tags", m);
    return 0;
}

static const char *root_snapshot(const struct ec2_image *img)
{
    for (size_t i = 0; img->root_device_name != NULL && i < img->n_block_devices; i++) {
        const struct ec2_block_device *bd = &img->block_devices[i];
        if (bd->has_ebs && bd->device_name != NULL &&
            strcmp(bd->device_name, img->root_device_name) == 0)
            return bd->snapshot_id;
    }
    return NULL;
}

int tf_ami_image_to_state(struct tf_call *call, struct tf_value *obj, const struct ec2_image *img)
{
    struct tf_arena *a = call->arena;
    char arn[256];
    struct tf_value *v;

    for (size_t i = 0; i < TF_COUNTOF(string_fields); i++) {
        const char *s = *(char *const *)((const char *)img + string_fields[i].offset);
        if ((v = str_or_null(a, s)) == NULL)
            goto oom;
        tf_value_set(obj, string_fields[i].attr, v);
    }
    if ((v = bool_or_null(a, img->ena_support)) == NULL)
        goto oom;
    tf_value_set(obj, "ena_support", v);
    if ((v = tf_value_bool(a, img->is_public == EC2_BOOL_TRUE)) == NULL)
        goto oom;
    tf_value_set(obj, "public", v);
    if ((v = tf_value_string(a, protection_mode(img->deregistration_protection))) == NULL)
        goto oom;
    tf_value_set(obj, "deregistration_protection", v);
    if ((v = str_or_null(a, root_snapshot(img))) == NULL)
        goto oom;
    tf_value_set(obj, "root_snapshot_id", v);
    if (call->provider != NULL && img->image_id != NULL &&
        tf_ami_arn(arn, sizeof(arn), ec2_client_region(call->provider->ec2), img->image_id) == 0) {
        if ((v = tf_value_string(a, arn)) == NULL)
            goto oom;
        tf_value_set(obj, "arn", v);
    }
    if (set_tags(call, obj, img) < 0 ||
        set_block_devices(call, obj, "ebs_block_device", img, BD_EBS) < 0 ||
        set_block_devices(call, obj, "ephemeral_block_device", img, BD_EPHEMERAL) < 0 ||
        set_block_devices(call, obj, "block_device_mappings", img, BD_ALL) < 0)
        goto oom;
    return 0;
oom:
    call->diags.oom = true;
    return -1;
}

/* ---- Calls and timeouts ---- */

int64_t tf_ami_timeout_ms(const struct tf_value *state, const char *kind, int64_t default_ms)
{
    const char *text = tf_value_get_str(tf_value_get(state, "timeouts"), kind, NULL);
    int64_t ms;

    /* ValidateResourceConfig rejected bad text; one that slipped through keeps the default. */
    if (text == NULL || tf_duration_parse(&ms, text, NULL, 0) != 0)
        return default_ms;
    return ms;
}

struct ec2_call_opts tf_ami_call_opts(const struct tf_call *call, int64_t timeout_ms, bool dry_run)
{
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;

    opts.cancel = tf_provider_cancel_flag();
    opts.dry_run = dry_run ? EC2_BOOL_TRUE : EC2_BOOL_UNSET;
    if (timeout_ms > 0)
        opts.deadline_ms = ec2_client_monotonic_ms(call->provider->ec2) + timeout_ms;
    return opts;
}

int tf_ami_strip_unknown(struct tf_call *call, struct tf_value *v)
{
    if (v == NULL || v->state != TF_VALUE_KNOWN)
        return 0;
    switch (v->type->kind) {
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
    case TF_OBJECT:
        for (size_t i = 0; i < v->u.coll.n; i++) {
            struct tf_value *item = v->u.coll.items[i];
            if (tf_value_is_unknown(item)) {
                if ((v->u.coll.items[i] = tf_value_null(call->arena, item->type)) == NULL)
                    goto oom;
            } else if (tf_ami_strip_unknown(call, item) < 0) {
                return -1;
            }
        }
        return 0;
    case TF_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            struct tf_value *item = v->u.map.vals[i];
            if (tf_value_is_unknown(item)) {
                if ((v->u.map.vals[i] = tf_value_null(call->arena, item->type)) == NULL)
                    goto oom;
            } else if (tf_ami_strip_unknown(call, item) < 0) {
                return -1;
            }
        }
        return 0;
    default:
        return 0;
    }
oom:
    call->diags.oom = true;
    return -1;
}

/* ---- DescribeImages ---- */

int tf_ami_describe_one(struct ec2_image *out, struct tf_call *call, const char *image_id,
                        const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_describe_images_input in = {0};
    struct ec2_describe_images_output res = {0};
    const char *ids[1] = {image_id};
    int rc;

    in.image_ids = ids;
    in.n_image_ids = 1;
    /* A deprecated or disabled image is still ours to manage. */
    in.include_deprecated = EC2_BOOL_TRUE;
    in.include_disabled = EC2_BOOL_TRUE;
    rc = ec2_describe_images(&res, call->provider->ec2, &in, opts, err);
    if (rc == EC2_ERR_NOT_FOUND || (rc < 0 && err->error_class == EC2_CLASS_NOT_FOUND))
        return 0;
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < res.n_images; i++) {
        struct ec2_image *img = &res.images[i];
        if (img->image_id == NULL || strcmp(img->image_id, image_id) != 0)
            continue;
        if (img->state != NULL && strcmp(img->state, "deregistered") == 0)
            break;
        /* Move the image out so disposing the rest leaves it intact. */
        *out = *img;
        memset(img, 0, sizeof(*img));
        ec2_describe_images_output_dispose(&res);
        return 1;
    }
    ec2_describe_images_output_dispose(&res);
    return 0;
}

int tf_ami_snapshot_users(const char ***out, size_t *n_out, struct tf_call *call,
                          const char *snapshot_id, const char *exclude_id,
                          const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_describe_images_input in = {0};
    struct ec2_describe_images_output res = {0};
    const char *values[1] = {snapshot_id};
    struct ec2_filter filter = {"block-device-mapping.snapshot-id", values, 1};
    const char **ids = NULL;
    size_t n = 0;
    int rc;

    in.filters = &filter;
    in.n_filters = 1;
    in.include_deprecated = EC2_BOOL_TRUE;
    in.include_disabled = EC2_BOOL_TRUE;
    rc = ec2_describe_images(&res, call->provider->ec2, &in, opts, err);
    if (rc < 0)
        return rc;
    if (res.n_images > 0 &&
        (ids = tf_arena_alloc(call->arena, res.n_images * sizeof(*ids))) == NULL) {
        ec2_describe_images_output_dispose(&res);
        call->diags.oom = true;
        return EC2_ERR_NOMEM;
    }
    for (size_t i = 0; i < res.n_images; i++) {
        const struct ec2_image *img = &res.images[i];
        if (img->image_id == NULL || (exclude_id != NULL && strcmp(img->image_id, exclude_id) == 0))
            continue;
        if (img->state != NULL && strcmp(img->state, "deregistered") == 0)
            continue;
        if ((ids[n] = tf_arena_strdup(call->arena, img->image_id)) == NULL) {
            ec2_describe_images_output_dispose(&res);
            call->diags.oom = true;
            return EC2_ERR_NOMEM;
        }
        n++;
    }
    ec2_describe_images_output_dispose(&res);
    *out = ids;
    *n_out = n;
    return 0;
}
