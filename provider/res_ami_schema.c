/*
 * res_ami_schema.c - the schemas of the ec2_ami resource and the ec2_ami data source, as data.
 *
 * Kept apart from the behaviour (res_ami.c, ds_ami.c) so the attribute list reads as one table:
 * what a user may set, what forces a new image, what EC2 computes.
 */
#include "res_ami.h"

#define R  TF_ATTR_REQUIRED
#define O  TF_ATTR_OPTIONAL
#define C  TF_ATTR_COMPUTED
#define FN TF_ATTR_FORCE_NEW

static const struct tf_type map_of_strings = {.kind = TF_MAP, .elem = &tf_type_string};
static const struct tf_type list_of_strings = {.kind = TF_LIST, .elem = &tf_type_string};

/* ---- Resource -------------------------------------------------------------------------------- */

static const struct tf_schema_attr ebs_attrs[] = {
    {"device_name", &tf_type_string, R, "Device name, e.g. /dev/xvda."},
    {"snapshot_id", &tf_type_string, O, "Snapshot to create the volume from."},
    {"volume_size", &tf_type_number, O | C, "Volume size in GiB (default: the snapshot's size)."},
    {"volume_type", &tf_type_string, O | C, "gp2, gp3, io1, io2, st1, sc1 or standard."},
    {"iops", &tf_type_number, O | C, "Provisioned IOPS (io1, io2, gp3)."},
    {"throughput", &tf_type_number, O | C, "Throughput in MiB/s (gp3)."},
    {"delete_on_termination", &tf_type_bool, O | C,
     "Whether the volume is deleted when the instance terminates (default true)."},
    {"encrypted", &tf_type_bool, O | C, "Whether the volume is encrypted."},
    {"kms_key_id", &tf_type_string, O | C, "KMS key for an encrypted volume."},
};
static const struct tf_schema_block ebs_block = {
    .attrs = ebs_attrs,
    .n_attrs = TF_COUNTOF(ebs_attrs),
    .description = "An EBS volume of the image's block device mapping.",
};

static const struct tf_schema_attr ephemeral_attrs[] = {
    {"device_name", &tf_type_string, R, "Device name, e.g. /dev/sdb."},
    {"virtual_name", &tf_type_string, R, "Instance store name, ephemeralN."},
};
static const struct tf_schema_block ephemeral_block = {
    .attrs = ephemeral_attrs,
    .n_attrs = TF_COUNTOF(ephemeral_attrs),
    .description = "An instance store volume of the image's block device mapping.",
};

static const struct tf_schema_attr timeouts_attrs[] = {
    {"create", &tf_type_string, O, "How long to wait for a new image to be available (40m)."},
    {"update", &tf_type_string, O, "How long an in-place update may take (40m)."},
    {"delete", &tf_type_string, O, "How long to wait for a deregistered image to be gone (90m)."},
};
static const struct tf_schema_block timeouts_block = {
    .attrs = timeouts_attrs,
    .n_attrs = TF_COUNTOF(timeouts_attrs),
    .description = "Durations such as \"30s\", \"40m\" or \"1h30m\".",
};

static const struct tf_schema_nested ami_blocks[] = {
    {"ebs_block_device", TF_NEST_SET, &ebs_block, 0, 0, FN},
    {"ephemeral_block_device", TF_NEST_SET, &ephemeral_block, 0, 0, FN},
    {"timeouts", TF_NEST_SINGLE, &timeouts_block, 0, 0, 0},
};

static const struct tf_schema_attr ami_attrs[] = {
    {"id", &tf_type_string, C, "The AMI id."},
    {"name", &tf_type_string, R | FN,
     "Name of the image: 3 to 128 characters of letters, digits, ( ) [ ] space . / - ' @ _."},
    {"description", &tf_type_string, O, "Description of the image (up to 255 characters)."},
    {"architecture", &tf_type_string, O | C | FN,
     "i386, x86_64, arm64, x86_64_mac or arm64_mac (default x86_64)."},
    {"boot_mode", &tf_type_string, O | C | FN, "legacy-bios, uefi or uefi-preferred."},
    {"ena_support", &tf_type_bool, O | C | FN, "Whether enhanced networking with ENA is enabled."},
    {"imds_support", &tf_type_string, O | C | FN,
     "\"v2.0\" makes instances launched from the image require IMDSv2."},
    {"kernel_id", &tf_type_string, O | C | FN, "Kernel id (paravirtual images)."},
    {"ramdisk_id", &tf_type_string, O | C | FN, "RAM disk id (paravirtual images)."},
    {"root_device_name", &tf_type_string, O | C | FN, "Root device name, e.g. /dev/xvda."},
    {"sriov_net_support", &tf_type_string, O | C | FN,
     "\"simple\" enables Intel 82599 enhanced networking."},
    {"tpm_support", &tf_type_string, O | C | FN, "\"v2.0\" enables NitroTPM."},
    {"uefi_data", &tf_type_string, O | FN, "Base64 UEFI variable store (write only in EC2)."},
    {"virtualization_type", &tf_type_string, O | C | FN, "hvm (default) or paravirtual."},
    {"image_location", &tf_type_string, O | C | FN,
     "S3 manifest location for instance-store images."},
    {"tags", &map_of_strings, O, "Tags of the image."},
    {"deprecation_time", &tf_type_string, O,
     "RFC 3339 time at which the image is deprecated (EC2 keeps minutes; seconds must be 0)."},
    {"deregistration_protection", &tf_type_string, O | C,
     "\"disabled\" (default), \"enabled\" or \"enabled-with-cooldown\"."},
    {"delete_snapshots", &tf_type_bool, O | C,
     "On destroy, also delete the snapshots only this image uses (DeleteAssociatedSnapshots). "
     "Default false. Changing it never replaces the image."},
    {"arn", &tf_type_string, C, "ARN of the image."},
    {"owner_id", &tf_type_string, C, "AWS account id of the owner."},
    {"image_owner_alias", &tf_type_string, C, "Owner alias (amazon, aws-marketplace), if any."},
    {"image_type", &tf_type_string, C, "machine, kernel or ramdisk."},
    {"platform", &tf_type_string, C, "\"windows\" for Windows images, else null."},
    {"platform_details", &tf_type_string, C, "Platform details, e.g. Linux/UNIX."},
    {"usage_operation", &tf_type_string, C, "Billing operation, e.g. RunInstances."},
    {"hypervisor", &tf_type_string, C, "ovm or xen."},
    {"public", &tf_type_bool, C, "Whether the image has public launch permissions."},
    {"root_snapshot_id", &tf_type_string, C, "Snapshot of the root device, if EBS-backed."},
    {"creation_date", &tf_type_string, C, "When the image was created."},
    {"state", &tf_type_string, C, "State of the image (available once created)."},
};

const struct tf_schema tf_ami_schema = {
    .version = 0,
    .block =
        {
            .attrs = ami_attrs,
            .n_attrs = TF_COUNTOF(ami_attrs),
            .blocks = ami_blocks,
            .n_blocks = TF_COUNTOF(ami_blocks),
            .description = "An Amazon Machine Image registered from snapshots (or an S3 manifest). "
                           "Destroy deregisters it and, with delete_snapshots, deletes its "
                           "snapshots, reporting each snapshot's outcome.",
        },
};

/* ---- Data source ----------------------------------------------------------------------------- */

static const struct tf_schema_attr filter_attrs[] = {
    {"name", &tf_type_string, R, "EC2 filter name, e.g. name, architecture, tag:Team."},
    {"values", &list_of_strings, R, "Accepted values; * and ? are wildcards."},
};
static const struct tf_schema_block filter_block = {
    .attrs = filter_attrs,
    .n_attrs = TF_COUNTOF(filter_attrs),
    .description = "A DescribeImages filter.",
};
static const struct tf_schema_nested ds_blocks[] = {
    {"filter", TF_NEST_SET, &filter_block, 0, 0, 0},
};

static const struct tf_attr_type block_device_object_attrs[] = {
    TF_ATTR("device_name", &tf_type_string),
    TF_ATTR("snapshot_id", &tf_type_string),
    TF_ATTR("volume_size", &tf_type_number),
    TF_ATTR("volume_type", &tf_type_string),
    TF_ATTR("iops", &tf_type_number),
    TF_ATTR("throughput", &tf_type_number),
    TF_ATTR("delete_on_termination", &tf_type_bool),
    TF_ATTR("encrypted", &tf_type_bool),
    TF_ATTR("kms_key_id", &tf_type_string),
    TF_ATTR("virtual_name", &tf_type_string),
    TF_ATTR("no_device", &tf_type_bool),
};
static const struct tf_type block_device_object = {
    .kind = TF_OBJECT,
    .n = TF_COUNTOF(block_device_object_attrs),
    .attrs = block_device_object_attrs,
};
static const struct tf_type list_of_block_devices = {.kind = TF_LIST, .elem = &block_device_object};

static const struct tf_schema_attr ds_attrs[] = {
    {"owners", &list_of_strings, O,
     "Account ids or aliases (self, amazon, aws-marketplace) that own the images."},
    {"executable_users", &list_of_strings, O,
     "Only images these accounts may launch (an account id, or self, or all)."},
    {"name_regex", &tf_type_string, O,
     "POSIX extended regular expression the image name must match (applied after EC2's filters)."},
    {"most_recent", &tf_type_bool, O,
     "When several images match, take the newest by creation date instead of failing."},
    {"include_deprecated", &tf_type_bool, O, "Include deprecated images (default false)."},
    {"id", &tf_type_string, C, "The AMI id."},
    {"name", &tf_type_string, C, "Name of the image."},
    {"description", &tf_type_string, C, "Description of the image."},
    {"architecture", &tf_type_string, C, "Architecture."},
    {"boot_mode", &tf_type_string, C, "Boot mode."},
    {"ena_support", &tf_type_bool, C, "ENA support."},
    {"imds_support", &tf_type_string, C, "IMDS support."},
    {"kernel_id", &tf_type_string, C, "Kernel id."},
    {"ramdisk_id", &tf_type_string, C, "RAM disk id."},
    {"root_device_name", &tf_type_string, C, "Root device name."},
    {"root_device_type", &tf_type_string, C, "ebs or instance-store."},
    {"sriov_net_support", &tf_type_string, C, "SR-IOV support."},
    {"tpm_support", &tf_type_string, C, "TPM support."},
    {"virtualization_type", &tf_type_string, C, "hvm or paravirtual."},
    {"image_location", &tf_type_string, C, "Image location."},
    {"deprecation_time", &tf_type_string, C, "Deprecation time, if set."},
    {"deregistration_protection", &tf_type_string, C, "Deregistration protection."},
    {"arn", &tf_type_string, C, "ARN of the image."},
    {"owner_id", &tf_type_string, C, "Owner account id."},
    {"image_owner_alias", &tf_type_string, C, "Owner alias."},
    {"image_type", &tf_type_string, C, "Image type."},
    {"platform", &tf_type_string, C, "Platform."},
    {"platform_details", &tf_type_string, C, "Platform details."},
    {"usage_operation", &tf_type_string, C, "Usage operation."},
    {"hypervisor", &tf_type_string, C, "Hypervisor."},
    {"public", &tf_type_bool, C, "Whether the image is public."},
    {"root_snapshot_id", &tf_type_string, C, "Snapshot of the root device."},
    {"creation_date", &tf_type_string, C, "Creation date."},
    {"state", &tf_type_string, C, "State."},
    {"block_device_mappings", &list_of_block_devices, C, "The image's block device mapping."},
    {"tags", &map_of_strings, C, "Tags of the image."},
};

const struct tf_schema tf_ami_data_schema = {
    .version = 0,
    .block =
        {
            .attrs = ds_attrs,
            .n_attrs = TF_COUNTOF(ds_attrs),
            .blocks = ds_blocks,
            .n_blocks = TF_COUNTOF(ds_blocks),
            .description = "Looks up one AMI by owners, filters and a name pattern.",
        },
};
