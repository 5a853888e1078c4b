/*
 * ami_util.h - the pure rules of the ec2_ami resource and data source: name and enumeration checks,
 * ARNs, RFC 3339 instants, tag differences and the texts that explain per-snapshot destroy results.
 *
 * Nothing here talks to EC2 or reads the provider: each function maps inputs to outputs, so the
 * unit tests (tests/unit/provider/test_ami_util.c) pin every rule. res_ami.c, ds_ami.c, ami_plan.c
 * and ami_destroy.c call these instead of carrying their own copies.
 */
#ifndef TF_AMI_UTIL_H
#define TF_AMI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec2.h"
#include "value.h"

/* EC2's rule for image names: 3 to 128 characters of letters, digits, ( ) [ ] space . / - ' @ _.
 * Returns 0, or -1 with a one-line reason in why (may be NULL). */
int tf_ami_check_name(const char *name, char *why, size_t why_size);

/* NULL-terminated lists of the values EC2 accepts, for validation messages and checks. */
extern const char *const tf_ami_architectures[];
extern const char *const tf_ami_boot_modes[];
extern const char *const tf_ami_imds_supports[];
extern const char *const tf_ami_sriov_net_supports[];
extern const char *const tf_ami_tpm_supports[];
extern const char *const tf_ami_virtualization_types[];
extern const char *const tf_ami_protection_modes[];
extern const char *const tf_ami_volume_types[];

/* True when value is one of the NULL-terminated list. */
bool tf_ami_one_of(const char *value, const char *const *allowed);
/* The list as `"a", "b" or "c"` into buf (always NUL-terminated); returns buf. */
const char *tf_ami_list_text(char *buf, size_t size, const char *const *allowed);

/* The image ARN, arn:<partition>:ec2:<region>::image/<id>, the partition following the region
 * (cn-* -> aws-cn, us-gov-* -> aws-us-gov, us-iso-* -> aws-iso, us-isob-* -> aws-iso-b, else aws).
 * Returns 0, or -1 when an argument is NULL/empty or buf is too small. */
int tf_ami_arn(char *buf, size_t size, const char *region, const char *image_id);

/* Parse an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 'T'/'Z' in either
 * case) into seconds since the epoch.
 * [out] out_seconds: set on success only. [out] has_fraction (may be NULL): a non-zero fraction.
 * Returns 0, or -1 when text is not a valid RFC 3339 instant. */
int tf_ami_parse_time(int64_t *out_seconds, bool *has_fraction, const char *text);

/* The text to store for deprecation_time: `kept` when it denotes the same instant as `remote` (so
 * EC2's "2030-01-01T00:00:00.000Z" does not show a diff against the configured
 * "2030-01-01T00:00:00Z"), else `remote`. Either may be NULL. Borrowed pointers, no allocation. */
const char *tf_ami_same_instant(const char *kept, const char *remote);

/* What CreateTags/DeleteTags must do to turn tags `from` into `to` (both map(string) values; null
 * or unknown counts as no tags): `remove` the keys absent from `to` (values NULL), `set` the keys
 * that are new or changed. Arrays and strings are borrowed from the values or allocated in a.
 * Null map elements count as "". Returns 0, or -1 on allocation failure. */
struct tf_ami_tag_diff {
    struct ec2_tag *remove;
    size_t n_remove;
    struct ec2_tag *set;
    size_t n_set;
};
int tf_ami_tag_diff(struct tf_ami_tag_diff *out, struct tf_arena *a, const struct tf_value *from,
                    const struct tf_value *to);

/* One snapshot's outcome after DeregisterImage with DeleteAssociatedSnapshots. */
struct tf_ami_snapshot_outcome {
    const char *snapshot_id;
    const char *return_code;         /* as EC2 sent it: success, skipped, ... */
    const char *const *other_images; /* skipped: images that still use the snapshot */
    size_t n_other_images;
    int retries;               /* internal-error: DeleteSnapshot attempts made (0: none) */
    bool retry_deleted;        /* internal-error: a retry deleted the snapshot */
    const char *retry_error;   /* internal-error: the last retry's error, formatted */
    const char *error_message; /* client-error: what EC2 said about it, or NULL */
};

/* The diagnostic texts for one outcome: a one-line summary naming the snapshot and the code, and a
 * detail that explains it and what to do. Allocated in a; returns 0, or -1 on allocation failure.
 */
int tf_ami_snapshot_text(const char **summary, const char **detail, struct tf_arena *a,
                         const struct tf_ami_snapshot_outcome *o);

#endif
