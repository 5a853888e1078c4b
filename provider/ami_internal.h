/*
 * ami_internal.h - what the files of the ec2_ami resource and data source share (private to them):
 *
 *   ami_state.c    EC2 image -> Terraform attributes; EC2 error -> diagnostic; per-call options and
 *                  timeouts; describing one image; finding the images that use a snapshot.
 *   ami_plan.c     plan-time DryRun of create and update.
 *   ami_destroy.c  plan-time forecast and apply of a destroy (deregistration, snapshot reports).
 *   res_ami.c      the resource's callbacks, and the in-place update calls (also dry-run by plan).
 *   ds_ami.c       the data source.
 *
 * Every function takes the call (its arena, diagnostics and configured provider); values returned
 * live in the call's arena unless stated.
 */
#ifndef TF_AMI_INTERNAL_H
#define TF_AMI_INTERNAL_H

#include "ami_util.h"
#include "ec2.h"
#include "provider.h"
#include "res_ami.h"

/* Defaults of the timeouts block, in milliseconds. */
#define TF_AMI_CREATE_TIMEOUT_MS ((int64_t)40 * 60 * 1000)
#define TF_AMI_UPDATE_TIMEOUT_MS ((int64_t)40 * 60 * 1000)
#define TF_AMI_DELETE_TIMEOUT_MS ((int64_t)90 * 60 * 1000)

/* ---- ami_state.c ------------------------------------------------------------------------------
 */

/* Adds a diagnostic for a failed EC2 call: summary as given (one line), detail starting with EC2's
 * code verbatim, then its message and request id (ec2_error_format). A cancelled call always
 * becomes the error "Operation cancelled", whatever severity was asked. path may be NULL. */
void tf_ami_ec2_diag(struct tf_call *call, enum tf_severity severity, const struct tf_path *path,
                     const char *summary, const struct ec2_error *err);

/* The attribute an EC2 parameter error is most likely about (InvalidSnapshot.* -> ebs_block_device,
 * InvalidAMIName.* -> name, ...), or fallback when nothing points anywhere. */
const char *tf_ami_blame_attr(const struct ec2_error *err, const char *fallback);

/* What a plan-time DryRun or an apply call said, as diagnostics. With dry_run: "would succeed" is
 * fine; a denial is the error "Missing permission ec2:<action>"; a parameter error is an error on
 * the blamed attribute; throttling, network trouble and timeouts only warn (the plan cannot be
 * checked, but nothing is known to be wrong). Without dry_run every failure is an error with the
 * given summary. Returns true when the caller may go on. */
bool tf_ami_check_call(struct tf_call *call, int rc, const struct ec2_error *err, bool dry_run,
                       const char *action, const char *attr, const char *summary);

/* Sets every attribute of obj (an ec2_ami resource or data source object) that EC2 reports for
 * img; attributes the object's type lacks are skipped, the others not touched (delete_snapshots,
 * timeouts, uefi_data, the data source's arguments). Returns 0, or -1 on out-of-memory (oom set).
 */
int tf_ami_image_to_state(struct tf_call *call, struct tf_value *obj, const struct ec2_image *img);

/* A timeouts block duration ("create", "update", "delete") of state, or the default when unset. */
int64_t tf_ami_timeout_ms(const struct tf_value *state, const char *kind, int64_t default_ms);

/* Options for an EC2 call of this call: the provider's stop flag, DryRun as given, and a deadline
 * timeout_ms from now (0: none). */
struct ec2_call_opts tf_ami_call_opts(const struct tf_call *call, int64_t timeout_ms, bool dry_run);

/* Replaces every unknown inside v with a null of the same type, in place (for a state that must be
 * wholly known, e.g. after a create that failed half-way). Returns 0, or -1 on out-of-memory. */
int tf_ami_strip_unknown(struct tf_call *call, struct tf_value *v);

/* DescribeImages for one id. Returns 1 with *out filled (dispose it) when the image exists and is
 * not deregistered; 0 when it is gone (not found, or deregistered); a negative EC2 code with err
 * filled otherwise. */
int tf_ami_describe_one(struct ec2_image *out, struct tf_call *call, const char *image_id,
                        const struct ec2_call_opts *opts, struct ec2_error *err);

/* Ids of the images other than exclude_id that use snapshot_id (DescribeImages filter
 * block-device-mapping.snapshot-id), in the arena. Returns 0 or a negative EC2 code (err). */
int tf_ami_snapshot_users(const char ***out, size_t *n_out, struct tf_call *call,
                          const char *snapshot_id, const char *exclude_id,
                          const struct ec2_call_opts *opts, struct ec2_error *err);

/* ---- res_ami.c --------------------------------------------------------------------------------
 */

/* Builds RegisterImage's input from a planned (or config) object. Returns 1 when built, 0 when a
 * value it needs is unknown (plan: skip the DryRun), -1 on out-of-memory. */
int tf_ami_register_input(struct ec2_register_image_input *in, struct tf_call *call,
                          const struct tf_value *planned);

/* The in-place update calls that turn prior into planned (description, tags, deprecation,
 * deregistration protection), for real or with DryRun. Returns 0, or -1 after adding diagnostics.
 * A dry run skips calls whose values are unknown. */
int tf_ami_update_calls(struct tf_call *call, const char *image_id, const struct tf_value *prior,
                        const struct tf_value *planned, const struct ec2_call_opts *opts);

/* ---- ami_plan.c / ami_destroy.c ----------------------------------------------------------------
 */

void tf_ami_plan_dry_run(struct tf_call *call, struct tf_plan_op *op);
void tf_ami_plan_destroy(struct tf_call *call, struct tf_plan_op *op);
void tf_ami_destroy(struct tf_call *call, struct tf_apply_op *op);

#endif
