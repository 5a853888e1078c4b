/*
 * ami_destroy.c - destroying an ec2_ami: DeregisterImage with DeleteAssociatedSnapshots as the
 * state says, then one diagnostic per snapshot EC2 did not delete, on the delete_snapshots
 * attribute.
 *
 * The image is deregistered whatever happens to its snapshots, so snapshot problems are warnings
 * and the destroy succeeds; each warning says why the snapshot is left and what to do. A plan for a
 * destroy (plan_destroy capability) sends the same request with DryRun and forecasts each
 * snapshot's fate. Protection against deregistration is an error that says how to lift it.
 */
#include "ami_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Retries of DeleteSnapshot after EC2 reported internal-error for a snapshot. */
#define SNAPSHOT_RETRIES       3
#define SNAPSHOT_RETRY_BASE_MS 500
#define DRY_RUN_TIMEOUT_MS     ((int64_t)120 * 1000)

static bool is_protected_error(const struct ec2_error *err, const char *protection)
{
    if (err->error_class != EC2_CLASS_CLIENT)
        return false;
    return strcmp(err->ec2_code, "OperationNotPermitted") == 0 ||
           strstr(err->message, "protection") != NULL ||
           (protection != NULL && strcmp(protection, "disabled") != 0);
}

static void report_protected(struct tf_call *call, const char *image_id, const char *protection,
                             const struct ec2_error *err)
{
    char text[1024];
    bool cooldown = (protection != NULL && strcmp(protection, "enabled-with-cooldown") == 0) ||
                    strstr(err->message, "cooldown") != NULL;

    ec2_error_format(text, sizeof(text), err);
    tf_diag_attr(&call->diags, TF_DIAG_ERROR, "deregistration_protection",
                 "Image is protected against deregistration",
                 "%s\n\nImage %s cannot be destroyed while deregistration protection is on. Set "
                 "deregistration_protection = \"disabled\" on this resource and apply, then "
                 "destroy.%s",
                 text, image_id,
                 cooldown ? " The protection was enabled with a cooldown: after it is disabled, "
                            "EC2 keeps the image undeletable for the cooldown period (24 hours), "
                            "so the destroy succeeds only after that."
                          : "");
}

/* Sleeps ms, waking early when Terraform asks the provider to stop. Returns false when stopped. */
static bool pause_ms(int64_t ms)
{
    while (ms > 0 && !tf_provider_stopping()) {
        int64_t step = ms < 100 ? ms : 100;
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
    return !tf_provider_stopping();
}

/* EC2 could not delete the snapshot for an internal reason: try DeleteSnapshot ourselves. */
static void retry_delete(struct tf_call *call, struct tf_ami_snapshot_outcome *o,
                         const struct ec2_call_opts *opts)
{
    struct ec2_error err;
    char text[600];

    for (int i = 0; i < SNAPSHOT_RETRIES; i++) {
        if (!pause_ms((int64_t)SNAPSHOT_RETRY_BASE_MS << i))
            break;
        o->retries = i + 1;
        ec2_error_init(&err);
        int rc = ec2_delete_snapshot(NULL, call->provider->ec2, o->snapshot_id, opts, &err);
        /* Gone already is what we wanted. */
        if (rc == 0 || err.error_class == EC2_CLASS_NOT_FOUND) {
            o->retry_deleted = true;
            return;
        }
        ec2_error_format(text, sizeof(text), &err);
        o->retry_error = tf_arena_strdup(call->arena, text);
        if (err.error_class != EC2_CLASS_TRANSIENT && err.error_class != EC2_CLASS_THROTTLING)
            return; /* retrying cannot fix a denial or a snapshot in use */
    }
}

/* What EC2 can tell about a snapshot it refused to delete with client-error. */
static const char *client_error_reason(struct tf_call *call, const char *snapshot_id,
                                       const char *image_owner, const struct ec2_call_opts *opts)
{
    struct ec2_describe_snapshots_input in = {0};
    struct ec2_describe_snapshots_output out = {0};
    const char *ids[1] = {snapshot_id};
    const char *reason = NULL;
    struct ec2_error err;

    ec2_error_init(&err);
    in.snapshot_ids = ids;
    in.n_snapshot_ids = 1;
    int rc = ec2_describe_snapshots(&out, call->provider->ec2, &in, opts, &err);
    if (rc < 0 && err.error_class == EC2_CLASS_NOT_FOUND)
        return "the snapshot no longer exists (InvalidSnapshot.NotFound)";
    if (rc == 0 && out.n_snapshots == 1 && out.snapshots[0].owner_id != NULL &&
        image_owner != NULL && strcmp(out.snapshots[0].owner_id, image_owner) != 0)
        reason = tf_arena_sprintf(call->arena, "the snapshot belongs to account %s",
                                  out.snapshots[0].owner_id);
    else if (rc == 0 && out.n_snapshots == 1 && out.snapshots[0].state_message != NULL)
        reason = tf_arena_strdup(call->arena, out.snapshots[0].state_message);
    ec2_describe_snapshots_output_dispose(&out);
    return reason;
}

static void report_snapshot(struct tf_call *call, const char *image_id, const char *image_owner,
                            const struct ec2_snapshot_result *r, const struct ec2_call_opts *opts)
{
    struct tf_ami_snapshot_outcome o = {0};
    struct ec2_error err;
    const char *summary, *detail;
    struct tf_path path = tf_path_attr("delete_snapshots");

    o.snapshot_id = r->snapshot_id;
    o.return_code = r->return_code != NULL ? r->return_code : "";
    ec2_error_init(&err);
    if (strcmp(o.return_code, "success") == 0) {
        if (call->provider->snapshot_report != TF_SNAPSHOT_REPORT_ALL)
            return;
    } else if (strcmp(o.return_code, "skipped") == 0 && r->snapshot_id != NULL) {
        const char **users = NULL;
        if (tf_ami_snapshot_users(&users, &o.n_other_images, call, r->snapshot_id, image_id, opts,
                                  &err) == 0)
            o.other_images = users;
    } else if (strcmp(o.return_code, "internal-error") == 0 && r->snapshot_id != NULL) {
        retry_delete(call, &o, opts);
    } else if (strcmp(o.return_code, "client-error") == 0 && r->snapshot_id != NULL) {
        o.error_message = client_error_reason(call, r->snapshot_id, image_owner, opts);
    }
    if (tf_ami_snapshot_text(&summary, &detail, call->arena, &o) < 0) {
        call->diags.oom = true;
        return;
    }
    tf_diag_warning(&call->diags, &path, summary, "%s", detail);
}

/* True when a snapshot with this id still exists (or when EC2 cannot say: then it may). */
static bool snapshot_exists(struct tf_call *call, const char *snapshot_id,
                            const struct ec2_call_opts *opts)
{
    struct ec2_describe_snapshots_input in = {0};
    struct ec2_describe_snapshots_output out = {0};
    const char *ids[1] = {snapshot_id};
    struct ec2_error err;

    ec2_error_init(&err);
    in.snapshot_ids = ids;
    in.n_snapshot_ids = 1;
    int rc = ec2_describe_snapshots(&out, call->provider->ec2, &in, opts, &err);
    bool exists = rc < 0 ? err.error_class != EC2_CLASS_NOT_FOUND : out.n_snapshots > 0;
    ec2_describe_snapshots_output_dispose(&out);
    return exists;
}

/* DeregisterImage ran but its answer was lost (a dropped connection or a cut body, which the EC2
 * library retries): the retry finds the image already deregistered. EC2's per-snapshot results
 * went with the lost answer, so the user is told which of the image's snapshots still exist. */
static void report_lost_answer(struct tf_call *call, const char *image_id,
                               const struct tf_value *prior, const struct ec2_call_opts *opts)
{
    bool delete_snapshots = tf_value_get_bool(prior, "delete_snapshots", false);
    struct tf_path path = tf_path_attr("delete_snapshots");
    const struct tf_value *ebs = tf_value_get(prior, "ebs_block_device");

    tf_diag_warning(&call->diags, NULL, "Image was already deregistered",
                    "EC2 reports image %s as deregistered (InvalidAMIID.Unavailable): an earlier "
                    "attempt of this destroy most likely succeeded but its answer was lost, so "
                    "EC2's per-snapshot results are not known.%s",
                    image_id,
                    delete_snapshots ? " The image's snapshots were checked one by one instead."
                                     : "");
    if (!delete_snapshots || !tf_value_is_known(ebs))
        return;
    for (size_t i = 0; i < ebs->u.coll.n; i++) {
        const char *snap = tf_value_get_str(ebs->u.coll.items[i], "snapshot_id", NULL);
        if (snap == NULL || !snapshot_exists(call, snap, opts))
            continue;
        char *sum = tf_arena_sprintf(call->arena, "Snapshot %s still exists", snap);
        tf_diag_warning(&call->diags, &path, sum != NULL ? sum : "Snapshot still exists",
                        "Snapshot %s of image %s was not deleted: another image may still use it, "
                        "or EC2 could not delete it. Delete it with DeleteSnapshot once nothing "
                        "needs it.",
                        snap, image_id);
    }
}

void tf_ami_destroy(struct tf_call *call, struct tf_apply_op *op)
{
    const char *image_id = tf_value_get_str(op->prior, "id", NULL);
    const char *protection = tf_value_get_str(op->prior, "deregistration_protection", NULL);
    const char *owner = tf_value_get_str(op->prior, "owner_id", NULL);
    int64_t timeout = tf_ami_timeout_ms(op->prior, "delete", TF_AMI_DELETE_TIMEOUT_MS);
    struct ec2_call_opts opts = tf_ami_call_opts(call, timeout, false);
    struct ec2_deregister_image_input in = {0};
    struct ec2_deregister_image_output out = {0};
    struct ec2_wait_result wr = {0};
    struct ec2_error err;
    int rc;

    if (image_id == NULL) {
        op->new_state = NULL;
        return;
    }
    ec2_error_init(&err);
    in.image_id = image_id;
    in.delete_associated_snapshots =
        tf_value_get_bool(op->prior, "delete_snapshots", false) ? EC2_BOOL_TRUE : EC2_BOOL_FALSE;
    rc = ec2_deregister_image(&out, call->provider->ec2, &in, &opts, &err);
    if (rc < 0) {
        if (err.error_class == EC2_CLASS_NOT_FOUND) {
            tf_diag_warning(&call->diags, NULL, "Image already gone",
                            "Image %s no longer exists in EC2 (InvalidAMIID.NotFound); nothing was "
                            "deregistered and its snapshots were not touched.",
                            image_id);
            op->new_state = NULL;
        } else if (strcmp(err.ec2_code, "InvalidAMIID.Unavailable") == 0) {
            report_lost_answer(call, image_id, op->prior, &opts);
            op->new_state = NULL;
        } else if (is_protected_error(&err, protection)) {
            report_protected(call, image_id, protection, &err);
        } else {
            tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL,
                            err.error_class == EC2_CLASS_UNAUTHORIZED
                                ? "Missing permission ec2:DeregisterImage"
                                : "Cannot deregister image",
                            &err);
        }
        return;
    }
    for (size_t i = 0; i < out.n_snapshot_results; i++)
        report_snapshot(call, image_id, owner, &out.snapshot_results[i], &opts);
    ec2_deregister_image_output_dispose(&out);

    rc = ec2_wait_image_deregistered(&wr, call->provider->ec2, image_id, NULL, &opts, &err);
    if (rc < 0) {
        /* Deregistered but not yet confirmed gone: keep the state so a later destroy finishes
         * (it will find the image gone and succeed). */
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL,
                        rc == EC2_ERR_TIMEOUT ? "Timed out waiting for the image to be gone"
                                              : "Error waiting for the image to be gone",
                        &err);
        return;
    }
    op->new_state = NULL;
}

/* ---- Plan ---- */

/* Announces what the destroy will do with each snapshot of the image. The snapshots come from the
 * prior state, which Terraform refreshed just before this plan: no second DescribeImages. */
static void forecast_snapshots(struct tf_call *call, const char *image_id,
                               const struct tf_value *prior, const struct ec2_call_opts *opts)
{
    const struct tf_value *ebs = tf_value_get(prior, "ebs_block_device");
    struct ec2_error err;
    struct tf_path path = tf_path_attr("delete_snapshots");
    struct ec2_call_opts real = *opts;

    if (!tf_value_is_known(ebs))
        return;
    real.dry_run = EC2_BOOL_UNSET; /* DescribeImages only reads */
    ec2_error_init(&err);
    for (size_t i = 0; i < ebs->u.coll.n; i++) {
        const char *snapshot = tf_value_get_str(ebs->u.coll.items[i], "snapshot_id", NULL);
        const char *device = tf_value_get_str(ebs->u.coll.items[i], "device_name", "?");
        const char **users = NULL;
        size_t n = 0;
        if (snapshot == NULL)
            continue;
        if (tf_ami_snapshot_users(&users, &n, call, snapshot, image_id, &real, &err) < 0) {
            tf_ami_ec2_diag(call, TF_DIAG_WARNING, &path, "Cannot forecast a snapshot's fate",
                            &err);
            continue;
        }
        if (n > 0) {
            char *list = tf_arena_strdup(call->arena, "");
            for (size_t j = 0; list != NULL && j < n; j++)
                list = tf_arena_sprintf(call->arena, "%s%s%s", list, j > 0 ? ", " : "", users[j]);
            char *sum = tf_arena_sprintf(call->arena, "Snapshot %s will be kept", snapshot);
            tf_diag_warning(&call->diags, &path, sum != NULL ? sum : "Snapshot will be kept",
                            "Snapshot %s (%s) will be kept: images %s also use it, so EC2 skips "
                            "it when %s is deregistered.",
                            snapshot, device, list != NULL ? list : "?", image_id);
        } else {
            char *sum = tf_arena_sprintf(call->arena, "Snapshot %s will be deleted", snapshot);
            tf_diag_warning(&call->diags, &path, sum != NULL ? sum : "Snapshot will be deleted",
                            "Snapshot %s (%s) will be deleted with image %s (delete_snapshots = "
                            "true).",
                            snapshot, device, image_id);
        }
    }
}

void tf_ami_plan_destroy(struct tf_call *call, struct tf_plan_op *op)
{
    const char *image_id = tf_value_get_str(op->prior, "id", NULL);
    const char *protection = tf_value_get_str(op->prior, "deregistration_protection", NULL);
    struct ec2_call_opts opts;
    struct ec2_deregister_image_input in = {0};
    struct ec2_deregister_image_output out = {0};
    struct ec2_error err;
    int rc;

    if (!call->provider->plan_dry_run || image_id == NULL)
        return;
    /* The state was just refreshed: a protected image would fail the apply, so fail the plan. */
    if (protection != NULL && strcmp(protection, "disabled") != 0) {
        struct ec2_error none;
        ec2_error_init(&none);
        snprintf(none.message, sizeof(none.message),
                 "Image %s has deregistration protection \"%s\".", image_id, protection);
        report_protected(call, image_id, protection, &none);
        return;
    }
    opts = tf_ami_call_opts(call, DRY_RUN_TIMEOUT_MS, true);
    ec2_error_init(&err);
    in.image_id = image_id;
    in.delete_associated_snapshots =
        tf_value_get_bool(op->prior, "delete_snapshots", false) ? EC2_BOOL_TRUE : EC2_BOOL_FALSE;
    rc = ec2_deregister_image(&out, call->provider->ec2, &in, &opts, &err);
    ec2_deregister_image_output_dispose(&out);
    if (rc < 0 && err.error_class == EC2_CLASS_NOT_FOUND)
        return; /* already gone: the destroy will just forget it */
    if (rc < 0 && is_protected_error(&err, protection)) {
        report_protected(call, image_id, protection, &err);
        return;
    }
    if (!tf_ami_check_call(call, rc, &err, true, "DeregisterImage", NULL,
                           "cannot deregister the image"))
        return;
    if (in.delete_associated_snapshots == EC2_BOOL_TRUE)
        forecast_snapshots(call, image_id, op->prior, &opts);
}
