/*
 * ops_image.c - image operations: RegisterImage, DescribeImages (all pages), DeregisterImage,
 * ModifyImageAttribute, Enable/DisableImageDeprecation,
 * Enable/DisableImageDeregistrationProtection, CopyImage; their bodies and answer parsers.
 *
 * Parameter names follow the EC2 Query API (ec2-wire.md): flattened 1-based lists whose member
 * names never appear (BlockDeviceMapping.1.Ebs.SnapshotId, ImageId.1, Owner.1).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops.h"
#include "xml.h"

/* ------------------------------------------------------------------ parsing ------------- */

static const struct {
    const char *xml;
    size_t offset;
} image_strings[] = {
    {"imageId", offsetof(struct ec2_image, image_id)},
    {"imageLocation", offsetof(struct ec2_image, image_location)},
    {"imageState", offsetof(struct ec2_image, state)},
    {"imageOwnerId", offsetof(struct ec2_image, owner_id)},
    {"imageOwnerAlias", offsetof(struct ec2_image, owner_alias)},
    {"creationDate", offsetof(struct ec2_image, creation_date)},
    {"architecture", offsetof(struct ec2_image, architecture)},
    {"imageType", offsetof(struct ec2_image, image_type)},
    {"kernelId", offsetof(struct ec2_image, kernel_id)},
    {"ramdiskId", offsetof(struct ec2_image, ramdisk_id)},
    {"platform", offsetof(struct ec2_image, platform)},
    {"platformDetails", offsetof(struct ec2_image, platform_details)},
    {"usageOperation", offsetof(struct ec2_image, usage_operation)},
    {"name", offsetof(struct ec2_image, name)},
    {"description", offsetof(struct ec2_image, description)},
    {"rootDeviceType", offsetof(struct ec2_image, root_device_type)},
    {"rootDeviceName", offsetof(struct ec2_image, root_device_name)},
    {"virtualizationType", offsetof(struct ec2_image, virtualization_type)},
    {"hypervisor", offsetof(struct ec2_image, hypervisor)},
    {"sriovNetSupport", offsetof(struct ec2_image, sriov_net_support)},
    {"bootMode", offsetof(struct ec2_image, boot_mode)},
    {"tpmSupport", offsetof(struct ec2_image, tpm_support)},
    {"imdsSupport", offsetof(struct ec2_image, imds_support)},
    {"deprecationTime", offsetof(struct ec2_image, deprecation_time)},
    {"deregistrationProtection", offsetof(struct ec2_image, deregistration_protection)},
    {"sourceImageId", offsetof(struct ec2_image, source_image_id)},
    {"lastLaunchedTime", offsetof(struct ec2_image, last_launched_time)},
};

static void block_device_dispose(struct ec2_block_device *b)
{
    free(b->device_name);
    free(b->virtual_name);
    free(b->no_device);
    free(b->snapshot_id);
    free(b->volume_type);
    free(b->kms_key_id);
}

void ec2_image_dispose(struct ec2_image *image)
{
    if (image == NULL)
        return;
    for (size_t i = 0; i < sizeof(image_strings) / sizeof(image_strings[0]); i++)
        free(*(char **)((char *)image + image_strings[i].offset));
    free(image->state_reason_code);
    free(image->state_reason_message);
    for (size_t i = 0; i < image->n_block_devices; i++)
        block_device_dispose(&image->block_devices[i]);
    free(image->block_devices);
    ec2_tags_free(image->tags, image->n_tags);
    memset(image, 0, sizeof(*image));
}

static int parse_block_device(struct ec2_block_device *b, const xmlNode *item)
{
    xmlNode *ebs = ec2_xml_child(item, "ebs");
    int rc;

    rc = ec2_xml_get_str(&b->device_name, item, "deviceName");
    if (rc == 0)
        rc = ec2_xml_get_str(&b->virtual_name, item, "virtualName");
    if (rc == 0)
        rc = ec2_xml_get_str(&b->no_device, item, "noDevice");
    if (rc < 0 || ebs == NULL)
        return rc;
    b->has_ebs = true;
    rc = ec2_xml_get_str(&b->snapshot_id, ebs, "snapshotId");
    if (rc == 0)
        rc = ec2_xml_get_str(&b->volume_type, ebs, "volumeType");
    if (rc == 0)
        rc = ec2_xml_get_str(&b->kms_key_id, ebs, "kmsKeyId");
    if (rc == 0)
        rc = ec2_xml_get_int32(&b->volume_size, ebs, "volumeSize");
    if (rc == 0)
        rc = ec2_xml_get_int32(&b->iops, ebs, "iops");
    if (rc == 0)
        rc = ec2_xml_get_int32(&b->throughput, ebs, "throughput");
    if (rc == 0)
        rc = ec2_xml_get_bool(&b->delete_on_termination, ebs, "deleteOnTermination");
    if (rc == 0)
        rc = ec2_xml_get_bool(&b->encrypted, ebs, "encrypted");
    return rc;
}

static int parse_image(void *out, const xmlNode *item, struct ec2_error *err)
{
    struct ec2_image *img = out;
    xmlNode *reason = ec2_xml_child(item, "stateReason");
    xmlNode *bdm = ec2_xml_child(item, "blockDeviceMapping");
    int rc = 0;

    memset(img, 0, sizeof(*img));
    for (size_t i = 0; i < sizeof(image_strings) / sizeof(image_strings[0]) && rc == 0; i++)
        rc = ec2_xml_get_str((char **)((char *)img + image_strings[i].offset), item,
                             image_strings[i].xml);
    if (rc == 0)
        rc = ec2_xml_get_str(&img->state_reason_code, reason, "code");
    if (rc == 0)
        rc = ec2_xml_get_str(&img->state_reason_message, reason, "message");
    if (rc == 0)
        rc = ec2_xml_get_bool(&img->is_public, item, "isPublic");
    if (rc == 0)
        rc = ec2_xml_get_bool(&img->ena_support, item, "enaSupport");
    if (rc == 0 && ec2_parse_count_items(bdm) > 0) {
        img->block_devices = calloc(ec2_parse_count_items(bdm), sizeof(*img->block_devices));
        if (img->block_devices == NULL)
            rc = EC2_ERR_NOMEM;
        for (xmlNode *it = ec2_xml_child(bdm, "item"); it != NULL && rc == 0;
             it = ec2_xml_next(it, "item"))
            rc = parse_block_device(&img->block_devices[img->n_block_devices++], it);
    }
    if (rc == 0)
        rc = ec2_parse_tags(&img->tags, &img->n_tags, item, err);
    if (rc < 0) {
        ec2_image_dispose(img);
        if (rc == EC2_ERR_NOMEM)
            return ec2_error_set(err, rc, EC2_CLASS_LOCAL, "out of memory");
        return ec2_error_set(err, rc, EC2_CLASS_CLIENT,
                             "EC2 image description has a malformed number or boolean");
    }
    return 0;
}

void ec2_describe_images_output_dispose(struct ec2_describe_images_output *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < out->n_images; i++)
        ec2_image_dispose(&out->images[i]);
    free(out->images);
    free(out->next_token);
    memset(out, 0, sizeof(*out));
}

int ec2_parse_describe_images_page(struct ec2_describe_images_output *out, char **next_token,
                                   const xmlDoc *doc, struct ec2_error *err)
{
    /* Grown through a void * of its own: the array is not accessed as another pointer type. */
    void *items = out->images;
    int rc = ec2_parse_describe_page(&items, &out->n_images, sizeof(*out->images), parse_image,
                                     "imagesSet", "images", out->request_id, next_token, doc, err);
    out->images = items;
    return rc;
}

int ec2_parse_register_image(struct ec2_register_image_output *out, const xmlDoc *doc,
                             struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    struct ec2_register_image_output r;

    memset(&r, 0, sizeof(r));
    if (ec2_xml_get_str(&r.image_id, root, "imageId") < 0)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    if (r.image_id == NULL || r.image_id[0] == '\0') {
        free(r.image_id);
        return ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                             "EC2 answer to RegisterImage lacks <imageId>");
    }
    ec2_parse_request_id(r.request_id, sizeof(r.request_id), doc);
    *out = r;
    return 0;
}

void ec2_register_image_output_dispose(struct ec2_register_image_output *out)
{
    if (out == NULL)
        return;
    free(out->image_id);
    memset(out, 0, sizeof(*out));
}

void ec2_deregister_image_output_dispose(struct ec2_deregister_image_output *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < out->n_snapshot_results; i++) {
        free(out->snapshot_results[i].snapshot_id);
        free(out->snapshot_results[i].return_code);
    }
    free(out->snapshot_results);
    memset(out, 0, sizeof(*out));
}

int ec2_parse_deregister_image(struct ec2_deregister_image_output *out, const xmlDoc *doc,
                               struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    xmlNode *set = ec2_xml_child(root, "deleteSnapshotResultSet");
    size_t count = ec2_parse_count_items(set);
    struct ec2_deregister_image_output r;
    struct ec2_unit_output unit;
    int rc;

    memset(&r, 0, sizeof(r));
    rc = ec2_parse_unit(&unit, doc, err);
    if (rc < 0)
        return rc;
    r.ret = unit.ret;
    memcpy(r.request_id, unit.request_id, sizeof(r.request_id));
    if (count > 0) {
        r.snapshot_results = calloc(count, sizeof(*r.snapshot_results));
        if (r.snapshot_results == NULL)
            return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    }
    for (xmlNode *it = ec2_xml_child(set, "item"); it != NULL; it = ec2_xml_next(it, "item")) {
        struct ec2_snapshot_result *s = &r.snapshot_results[r.n_snapshot_results++];
        if (ec2_xml_get_str(&s->snapshot_id, it, "snapshotId") < 0 ||
            ec2_xml_get_str(&s->return_code, it, "returnCode") < 0) {
            ec2_deregister_image_output_dispose(&r);
            return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        }
    }
    *out = r;
    return 0;
}

int ec2_parse_protection(struct ec2_protection_output *out, const xmlDoc *doc,
                         struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    struct ec2_protection_output r;

    memset(&r, 0, sizeof(r));
    ec2_xml_copy_str(r.ret, sizeof(r.ret), root, "return");
    if (r.ret[0] == '\0')
        return ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                             "EC2 answer to %s lacks <return>", (const char *)root->name);
    ec2_parse_request_id(r.request_id, sizeof(r.request_id), doc);
    if (out != NULL)
        *out = r;
    return 0;
}

int ec2_parse_copy_image(struct ec2_copy_image_output *out, const xmlDoc *doc,
                         struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    char *image_id = NULL;

    if (ec2_xml_get_str(&image_id, root, "imageId") < 0)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    if (image_id == NULL || image_id[0] == '\0') {
        free(image_id);
        return ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                             "EC2 answer to CopyImage lacks <imageId>");
    }
    out->image_id = image_id;
    ec2_parse_request_id(out->request_id, sizeof(out->request_id), doc);
    return 0;
}

void ec2_copy_image_output_dispose(struct ec2_copy_image_output *out)
{
    if (out == NULL)
        return;
    free(out->image_id);
    memset(out, 0, sizeof(*out));
}

static void launch_permissions_free(struct ec2_launch_permission_owned *perms, size_t n)
{
    for (size_t i = 0; i < n && perms != NULL; i++) {
        free(perms[i].user_id);
        free(perms[i].group);
        free(perms[i].organization_arn);
        free(perms[i].organizational_unit_arn);
    }
    free(perms);
}

void ec2_image_attribute_output_dispose(struct ec2_image_attribute_output *out)
{
    if (out == NULL)
        return;
    free(out->image_id);
    free(out->description);
    launch_permissions_free(out->launch_permissions, out->n_launch_permissions);
    free(out->value);
    memset(out, 0, sizeof(*out));
}

int ec2_parse_image_attribute(struct ec2_image_attribute_output *out, const xmlDoc *doc,
                              struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    xmlNode *perms = ec2_xml_child(root, "launchPermission");
    size_t count = ec2_parse_count_items(perms);
    struct ec2_image_attribute_output r;
    int rc;

    memset(&r, 0, sizeof(r));
    ec2_parse_request_id(r.request_id, sizeof(r.request_id), doc);
    rc = ec2_xml_get_str(&r.image_id, root, "imageId");
    if (rc == 0)
        rc = ec2_xml_get_str(&r.description, ec2_xml_child(root, "description"), "value");
    /* Any other attribute comes as <name><value>..</value></name>: take the first such. */
    for (xmlNode *c = root->children; c != NULL && rc == 0 && r.value == NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "description") == 0)
            continue;
        rc = ec2_xml_get_str(&r.value, c, "value");
    }
    if (rc == 0 && count > 0) {
        r.launch_permissions = calloc(count, sizeof(*r.launch_permissions));
        if (r.launch_permissions == NULL)
            rc = EC2_ERR_NOMEM;
    }
    for (xmlNode *it = ec2_xml_child(perms, "item"); it != NULL && rc == 0;
         it = ec2_xml_next(it, "item")) {
        struct ec2_launch_permission_owned *p = &r.launch_permissions[r.n_launch_permissions++];
        rc = ec2_xml_get_str(&p->user_id, it, "userId");
        if (rc == 0)
            rc = ec2_xml_get_str(&p->group, it, "group");
        if (rc == 0)
            rc = ec2_xml_get_str(&p->organization_arn, it, "organizationArn");
        if (rc == 0)
            rc = ec2_xml_get_str(&p->organizational_unit_arn, it, "organizationalUnitArn");
    }
    if (rc < 0) {
        ec2_image_attribute_output_dispose(&r);
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    }
    *out = r;
    return 0;
}

/* ------------------------------------------------------------------ bodies -------------- */

void ec2_build_register_image(struct ec2_query *q, const struct ec2_register_image_input *in,
                              const struct ec2_call_opts *opts)
{
    ec2_query_init(q, "RegisterImage");
    ec2_query_add(q, in->name, "Name");
    ec2_query_add(q, in->description, "Description");
    ec2_query_add(q, in->image_location, "ImageLocation");
    ec2_query_add(q, in->architecture, "Architecture");
    ec2_query_add(q, in->kernel_id, "KernelId");
    ec2_query_add(q, in->ramdisk_id, "RamdiskId");
    ec2_query_add(q, in->root_device_name, "RootDeviceName");
    ec2_query_add(q, in->virtualization_type, "VirtualizationType");
    ec2_query_add(q, in->sriov_net_support, "SriovNetSupport");
    ec2_query_add_opt_bool(q, in->ena_support, "EnaSupport");
    ec2_query_add(q, in->boot_mode, "BootMode");
    ec2_query_add(q, in->tpm_support, "TpmSupport");
    ec2_query_add(q, in->uefi_data, "UefiData");
    ec2_query_add(q, in->imds_support, "ImdsSupport");
    for (size_t i = 0; i < in->n_block_device_mappings && in->block_device_mappings != NULL; i++) {
        const struct ec2_block_device_mapping *m = &in->block_device_mappings[i];
        const struct ec2_ebs_block_device *e = m->ebs;
        size_t n = i + 1;
        ec2_query_add(q, m->device_name, "BlockDeviceMapping.%zu.DeviceName", n);
        ec2_query_add(q, m->virtual_name, "BlockDeviceMapping.%zu.VirtualName", n);
        ec2_query_add(q, m->no_device, "BlockDeviceMapping.%zu.NoDevice", n);
        if (e == NULL)
            continue;
        ec2_query_add(q, e->snapshot_id, "BlockDeviceMapping.%zu.Ebs.SnapshotId", n);
        if (e->volume_size > 0)
            ec2_query_add_int(q, e->volume_size, "BlockDeviceMapping.%zu.Ebs.VolumeSize", n);
        ec2_query_add(q, e->volume_type, "BlockDeviceMapping.%zu.Ebs.VolumeType", n);
        if (e->iops > 0)
            ec2_query_add_int(q, e->iops, "BlockDeviceMapping.%zu.Ebs.Iops", n);
        if (e->throughput > 0)
            ec2_query_add_int(q, e->throughput, "BlockDeviceMapping.%zu.Ebs.Throughput", n);
        ec2_query_add_opt_bool(q, e->delete_on_termination,
                               "BlockDeviceMapping.%zu.Ebs.DeleteOnTermination", n);
        ec2_query_add_opt_bool(q, e->encrypted, "BlockDeviceMapping.%zu.Ebs.Encrypted", n);
        ec2_query_add(q, e->kms_key_id, "BlockDeviceMapping.%zu.Ebs.KmsKeyId", n);
    }
    ec2_query_add_tag_specifications(q, in->tag_specifications, in->n_tag_specifications);
    ec2_ops_add_dry_run(q, opts);
}

void ec2_build_describe_images(struct ec2_query *q, const struct ec2_describe_images_input *in,
                               const char *next_token, const struct ec2_call_opts *opts)
{
    ec2_query_init(q, "DescribeImages");
    ec2_query_add_list(q, "ExecutableBy", in->executable_by, in->n_executable_by);
    ec2_query_add_filters(q, in->filters, in->n_filters);
    ec2_query_add_list(q, "ImageId", in->image_ids, in->n_image_ids);
    ec2_query_add_list(q, "Owner", in->owners, in->n_owners);
    ec2_query_add_opt_bool(q, in->include_deprecated, "IncludeDeprecated");
    ec2_query_add_opt_bool(q, in->include_disabled, "IncludeDisabled");
    if (in->max_results > 0)
        ec2_query_add_int(q, in->max_results, "MaxResults");
    ec2_query_add(q, next_token, "NextToken");
    ec2_ops_add_dry_run(q, opts);
}

static void add_launch_permissions(struct ec2_query *q, const char *verb,
                                   const struct ec2_launch_permission *perms, size_t n)
{
    for (size_t i = 0; i < n && perms != NULL; i++) {
        ec2_query_add(q, perms[i].user_id, "LaunchPermission.%s.%zu.UserId", verb, i + 1);
        ec2_query_add(q, perms[i].group, "LaunchPermission.%s.%zu.Group", verb, i + 1);
        ec2_query_add(q, perms[i].organization_arn, "LaunchPermission.%s.%zu.OrganizationArn", verb,
                      i + 1);
        ec2_query_add(q, perms[i].organizational_unit_arn,
                      "LaunchPermission.%s.%zu.OrganizationalUnitArn", verb, i + 1);
    }
}

void ec2_build_modify_image_attribute(struct ec2_query *q,
                                      const struct ec2_modify_image_attribute_input *in,
                                      const struct ec2_call_opts *opts)
{
    ec2_query_init(q, "ModifyImageAttribute");
    ec2_query_add(q, in->description, "Description.Value");
    ec2_query_add(q, in->image_id, "ImageId");
    add_launch_permissions(q, "Add", in->launch_permission_add, in->n_launch_permission_add);
    add_launch_permissions(q, "Remove", in->launch_permission_remove,
                           in->n_launch_permission_remove);
    ec2_ops_add_dry_run(q, opts);
}

void ec2_build_copy_image(struct ec2_query *q, const struct ec2_copy_image_input *in,
                          const char *client_token, const struct ec2_call_opts *opts)
{
    ec2_query_init(q, "CopyImage");
    ec2_query_add(q, client_token, "ClientToken");
    ec2_query_add(q, in->description, "Description");
    ec2_query_add_opt_bool(q, in->encrypted, "Encrypted");
    ec2_query_add(q, in->kms_key_id, "KmsKeyId");
    ec2_query_add(q, in->name, "Name");
    ec2_query_add(q, in->source_image_id, "SourceImageId");
    ec2_query_add(q, in->source_region, "SourceRegion");
    ec2_query_add_opt_bool(q, in->copy_image_tags, "CopyImageTags");
    ec2_query_add_tag_specifications(q, in->tag_specifications, in->n_tag_specifications);
    ec2_ops_add_dry_run(q, opts);
}

/* ------------------------------------------------------------------ operations ---------- */

int ec2_register_image(struct ec2_register_image_output *out, struct ec2_client *client,
                       const struct ec2_register_image_input *in, const struct ec2_call_opts *opts,
                       struct ec2_error *err)
{
    struct ec2_query q;
    xmlDoc *doc = NULL;
    int rc;

    if (out == NULL || client == NULL || in == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "RegisterImage needs out, client and input");
    rc = ec2_ops_require(in->name, "RegisterImage Name", err);
    if (rc < 0)
        return rc;
    ec2_build_register_image(&q, in, opts);
    rc = ec2_client_send(&doc, client, "RegisterImage", &q, opts, err);
    if (rc == 0)
        rc = ec2_parse_register_image(out, doc, err);
    xmlFreeDoc(doc);
    ec2_query_dispose(&q);
    return rc;
}

static void build_images_page(struct ec2_query *q, const void *in, const char *token,
                              const struct ec2_call_opts *opts)
{
    ec2_build_describe_images(q, in, token, opts);
}

static int parse_images_page(void *out, char **next, xmlDoc *doc, struct ec2_error *err)
{
    return ec2_parse_describe_images_page(out, next, doc, err);
}

static void dispose_images(void *out)
{
    ec2_describe_images_output_dispose(out);
}

int ec2_describe_images(struct ec2_describe_images_output *out, struct ec2_client *client,
                        const struct ec2_describe_images_input *in,
                        const struct ec2_call_opts *opts, struct ec2_error *err)
{
    static const struct ec2_describe_images_input empty;
    static const struct ec2_pager pager = {"DescribeImages",
                                           build_images_page,
                                           parse_images_page,
                                           dispose_images,
                                           sizeof(struct ec2_describe_images_output),
                                           offsetof(struct ec2_describe_images_output, next_token)};

    if (in == NULL)
        in = &empty;
    return ec2_ops_describe(out, client, &pager, in, in->next_token, in->max_pages, opts, err);
}

int ec2_deregister_image(struct ec2_deregister_image_output *out, struct ec2_client *client,
                         const struct ec2_deregister_image_input *in,
                         const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    xmlDoc *doc = NULL;
    int rc;

    if (out == NULL || client == NULL || in == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "DeregisterImage needs out, client and input");
    rc = ec2_ops_require(in->image_id, "DeregisterImage ImageId", err);
    if (rc < 0)
        return rc;
    ec2_query_init(&q, "DeregisterImage");
    ec2_query_add(&q, in->image_id, "ImageId");
    ec2_query_add_opt_bool(&q, in->delete_associated_snapshots, "DeleteAssociatedSnapshots");
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_client_send(&doc, client, "DeregisterImage", &q, opts, err);
    if (rc == 0)
        rc = ec2_parse_deregister_image(out, doc, err);
    xmlFreeDoc(doc);
    ec2_query_dispose(&q);
    return rc;
}

int ec2_describe_image_attribute(struct ec2_image_attribute_output *out, struct ec2_client *client,
                                 const char *image_id, const char *attribute,
                                 const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    xmlDoc *doc = NULL;
    int rc;

    if (out == NULL || client == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "DescribeImageAttribute needs out and client");
    rc = ec2_ops_require(image_id, "DescribeImageAttribute ImageId", err);
    if (rc == 0)
        rc = ec2_ops_require(attribute, "DescribeImageAttribute Attribute", err);
    if (rc < 0)
        return rc;
    ec2_query_init(&q, "DescribeImageAttribute");
    ec2_query_add(&q, attribute, "Attribute");
    ec2_query_add(&q, image_id, "ImageId");
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_client_send(&doc, client, "DescribeImageAttribute", &q, opts, err);
    if (rc == 0)
        rc = ec2_parse_image_attribute(out, doc, err);
    xmlFreeDoc(doc);
    ec2_query_dispose(&q);
    return rc;
}

int ec2_modify_image_attribute(struct ec2_unit_output *out, struct ec2_client *client,
                               const struct ec2_modify_image_attribute_input *in,
                               const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    int rc;

    if (client == NULL || in == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "ModifyImageAttribute needs client and input");
    rc = ec2_ops_require(in->image_id, "ModifyImageAttribute ImageId", err);
    if (rc < 0)
        return rc;
    ec2_build_modify_image_attribute(&q, in, opts);
    rc = ec2_ops_unit(out, client, "ModifyImageAttribute", &q, opts, err);
    ec2_query_dispose(&q);
    return rc;
}

/* The image-id-only operations share one shape. */
static int image_unit(struct ec2_unit_output *out, struct ec2_client *client, const char *action,
                      const char *image_id, const int64_t *deprecate_at,
                      const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    int rc;

    if (client == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL, "%s needs a client",
                             action);
    rc = ec2_ops_require(image_id, "ImageId", err);
    if (rc < 0)
        return rc;
    ec2_query_init(&q, action);
    if (deprecate_at != NULL)
        ec2_query_add_time(&q, *deprecate_at, "DeprecateAt");
    ec2_query_add(&q, image_id, "ImageId");
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_ops_unit(out, client, action, &q, opts, err);
    ec2_query_dispose(&q);
    return rc;
}

int ec2_enable_image_deprecation(struct ec2_unit_output *out, struct ec2_client *client,
                                 const char *image_id, int64_t deprecate_at,
                                 const struct ec2_call_opts *opts, struct ec2_error *err)
{
    return image_unit(out, client, "EnableImageDeprecation", image_id, &deprecate_at, opts, err);
}

int ec2_disable_image_deprecation(struct ec2_unit_output *out, struct ec2_client *client,
                                  const char *image_id, const struct ec2_call_opts *opts,
                                  struct ec2_error *err)
{
    return image_unit(out, client, "DisableImageDeprecation", image_id, NULL, opts, err);
}

static int protection(struct ec2_protection_output *out, struct ec2_client *client,
                      const char *action, const char *image_id, enum ec2_bool with_cooldown,
                      const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    xmlDoc *doc = NULL;
    int rc;

    if (client == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL, "%s needs a client",
                             action);
    rc = ec2_ops_require(image_id, "ImageId", err);
    if (rc < 0)
        return rc;
    ec2_query_init(&q, action);
    ec2_query_add(&q, image_id, "ImageId");
    ec2_query_add_opt_bool(&q, with_cooldown, "WithCooldown");
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_client_send(&doc, client, action, &q, opts, err);
    if (rc == 0)
        rc = ec2_parse_protection(out, doc, err);
    xmlFreeDoc(doc);
    ec2_query_dispose(&q);
    return rc;
}

int ec2_enable_image_deregistration_protection(struct ec2_protection_output *out,
                                               struct ec2_client *client, const char *image_id,
                                               enum ec2_bool with_cooldown,
                                               const struct ec2_call_opts *opts,
                                               struct ec2_error *err)
{
    return protection(out, client, "EnableImageDeregistrationProtection", image_id, with_cooldown,
                      opts, err);
}

int ec2_disable_image_deregistration_protection(struct ec2_protection_output *out,
                                                struct ec2_client *client, const char *image_id,
                                                const struct ec2_call_opts *opts,
                                                struct ec2_error *err)
{
    return protection(out, client, "DisableImageDeregistrationProtection", image_id, EC2_BOOL_UNSET,
                      opts, err);
}

int ec2_copy_image(struct ec2_copy_image_output *out, struct ec2_client *client,
                   const struct ec2_copy_image_input *in, const struct ec2_call_opts *opts,
                   struct ec2_error *err)
{
    struct ec2_copy_image_output r;
    struct ec2_query q;
    xmlDoc *doc = NULL;
    int rc;

    if (out == NULL || client == NULL || in == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "CopyImage needs out, client and input");
    rc = ec2_ops_require(in->name, "CopyImage Name", err);
    if (rc == 0)
        rc = ec2_ops_require(in->source_image_id, "CopyImage SourceImageId", err);
    if (rc == 0)
        rc = ec2_ops_require(in->source_region, "CopyImage SourceRegion", err);
    if (rc < 0)
        return rc;
    memset(&r, 0, sizeof(r));
    if (in->client_token != NULL && in->client_token[0] != '\0') {
        if (strlen(in->client_token) >= sizeof(r.client_token))
            return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                                 "CopyImage ClientToken is longer than 63 characters");
        memcpy(r.client_token, in->client_token, strlen(in->client_token) + 1);
    } else if (ec2_uuid4(r.client_token) < 0) {
        return ec2_error_set(err, EC2_ERR_GENERIC, EC2_CLASS_LOCAL,
                             "cannot generate a ClientToken");
    }
    /* The body, token included, is built once: every retry re-sends the same token, so EC2
     * never starts two copies for one logical request. */
    ec2_build_copy_image(&q, in, r.client_token, opts);
    rc = ec2_client_send(&doc, client, "CopyImage", &q, opts, err);
    if (rc == 0)
        rc = ec2_parse_copy_image(&r, doc, err);
    xmlFreeDoc(doc);
    ec2_query_dispose(&q);
    if (rc == 0)
        *out = r;
    return rc;
}
