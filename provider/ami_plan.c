/*
 * ami_plan.c - plan-time DryRun of a create or an in-place update (provider setting plan_dry_run),
 * plus a DescribeSnapshots check of the snapshots a new image names.
 *
 * The plan sends the very requests apply would send, with DryRun=true, so a missing IAM permission
 * or a parameter EC2 rejects (a snapshot that does not exist, a name already taken) fails the plan
 * instead of half-way through an apply. DryRun never changes anything in EC2. A request is only
 * sent when every value it needs is known at plan time; a value that depends on another resource
 * is never guessed, the check is skipped instead. Destroy plans are checked in ami_destroy.c.
 */
#include "ami_internal.h"

#include "log.h"

/* A DryRun answers at once; a plan should not hang on a slow endpoint either. */
#define DRY_RUN_TIMEOUT_MS ((int64_t)120 * 1000)

/* The configuration arguments RegisterImage sends. */
static const char *const register_args[] = {
    "name",
    "description",
    "architecture",
    "boot_mode",
    "ena_support",
    "imds_support",
    "kernel_id",
    "ramdisk_id",
    "root_device_name",
    "sriov_net_support",
    "tpm_support",
    "uefi_data",
    "virtualization_type",
    "image_location",
    "tags",
    "ebs_block_device",
    "ephemeral_block_device",
};

static bool register_args_known(const struct tf_value *config)
{
    for (size_t i = 0; i < TF_COUNTOF(register_args); i++) {
        if (tf_value_contains_unknown(tf_value_get(config, register_args[i])))
            return false;
    }
    return true;
}

/* DryRun checks permissions, not whether the snapshots exist: ask DescribeSnapshots, so a mistyped
 * or deleted snapshot fails the plan on the ebs_block_device block rather than the apply. */
static void check_snapshots(struct tf_call *call, const struct ec2_register_image_input *in)
{
    struct ec2_describe_snapshots_input q = {0};
    struct ec2_describe_snapshots_output out = {0};
    struct ec2_call_opts opts = tf_ami_call_opts(call, DRY_RUN_TIMEOUT_MS, false);
    struct tf_path path = tf_path_attr("ebs_block_device");
    const char **ids;
    struct ec2_error err;
    int rc;

    if (in->n_block_device_mappings == 0)
        return;
    ids = tf_arena_alloc(call->arena, in->n_block_device_mappings * sizeof(*ids));
    if (ids == NULL) {
        call->diags.oom = true;
        return;
    }
    for (size_t i = 0; i < in->n_block_device_mappings; i++) {
        const struct ec2_ebs_block_device *ebs = in->block_device_mappings[i].ebs;
        if (ebs != NULL && ebs->snapshot_id != NULL)
            ids[q.n_snapshot_ids++] = ebs->snapshot_id;
    }
    if (q.n_snapshot_ids == 0)
        return;
    q.snapshot_ids = ids;
    ec2_error_init(&err);
    rc = ec2_describe_snapshots(&out, call->provider->ec2, &q, &opts, &err);
    ec2_describe_snapshots_output_dispose(&out);
    if (rc == 0)
        return;
    if (err.error_class == EC2_CLASS_NOT_FOUND || err.error_class == EC2_CLASS_CLIENT)
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, &path, "Snapshot not found", &err);
    else
        tf_ami_ec2_diag(call, TF_DIAG_WARNING, &path, "Could not check the snapshots at plan time",
                        &err);
}

static void dry_run_create(struct tf_call *call, struct tf_plan_op *op)
{
    struct ec2_register_image_input in;
    struct ec2_register_image_output out = {0};
    struct ec2_call_opts opts = tf_ami_call_opts(call, DRY_RUN_TIMEOUT_MS, true);
    struct ec2_error err;
    int rc;

    if (!register_args_known(op->config)) {
        tf_log(TF_LOG_DEBUG, "ec2_ami: RegisterImage DryRun skipped: arguments unknown at plan");
        return;
    }
    if (tf_ami_register_input(&in, call, op->planned) <= 0)
        return;
    ec2_error_init(&err);
    rc = ec2_register_image(&out, call->provider->ec2, &in, &opts, &err);
    ec2_register_image_output_dispose(&out);
    if (tf_ami_check_call(call, rc, &err, true, "RegisterImage", NULL, "cannot register the image"))
        check_snapshots(call, &in);
}

void tf_ami_plan_dry_run(struct tf_call *call, struct tf_plan_op *op)
{
    if (!call->provider->plan_dry_run)
        return;
    if (tf_value_is_null(op->prior)) {
        dry_run_create(call, op);
    } else if (op->requires_replace.n == 0) {
        /* A replacement is planned again as a create (prior null), which checks it then. */
        const char *image_id = tf_value_get_str(op->prior, "id", NULL);
        struct ec2_call_opts opts = tf_ami_call_opts(call, DRY_RUN_TIMEOUT_MS, true);
        if (image_id != NULL)
            tf_ami_update_calls(call, image_id, op->prior, op->planned, &opts);
    }
}
