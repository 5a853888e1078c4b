/*
 * ami_util.c - pure rules of the ec2_ami resource and data source (ami_util.h). No EC2 calls, no
 * provider state: everything here is decided from the arguments alone.
 */
#include "ami_util.h"

#include <stdio.h>
#include <string.h>

const char *const tf_ami_architectures[] = {"i386",       "x86_64",    "arm64",
                                            "x86_64_mac", "arm64_mac", NULL};
const char *const tf_ami_boot_modes[] = {"legacy-bios", "uefi", "uefi-preferred", NULL};
const char *const tf_ami_imds_supports[] = {"v2.0", NULL};
const char *const tf_ami_sriov_net_supports[] = {"simple", NULL};
const char *const tf_ami_tpm_supports[] = {"v2.0", NULL};
const char *const tf_ami_virtualization_types[] = {"hvm", "paravirtual", NULL};
const char *const tf_ami_protection_modes[] = {"disabled", "enabled", "enabled-with-cooldown",
                                               NULL};
const char *const tf_ami_volume_types[] = {"standard", "io1", "io2", "gp2",
                                           "gp3",      "sc1", "st1", NULL};

int tf_ami_check_name(const char *name, char *why, size_t why_size)
{
    static const char extra[] = "()[] ./-'@_";
    size_t len = name != NULL ? strlen(name) : 0;

    if (len < 3 || len > 128) {
        if (why != NULL && why_size > 0)
            snprintf(why, why_size, "The name has %zu characters; EC2 accepts 3 to 128.", len);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c != '\0' && strchr(extra, c) != NULL);
        if (!ok) {
            if (why != NULL && why_size > 0) {
                if (c >= 0x20 && c < 0x7f)
                    snprintf(why, why_size,
                             "Character '%c' at position %zu is not allowed; use letters, digits, "
                             "spaces and ( ) [ ] . / - ' @ _.",
                             c, i + 1);
                else
                    snprintf(why, why_size,
                             "The byte 0x%02x at position %zu is not allowed; use letters, digits, "
                             "spaces and ( ) [ ] . / - ' @ _.",
                             c, i + 1);
            }
            return -1;
        }
    }
    return 0;
}

bool tf_ami_one_of(const char *value, const char *const *allowed)
{
    for (size_t i = 0; value != NULL && allowed[i] != NULL; i++) {
        if (strcmp(value, allowed[i]) == 0)
            return true;
    }
    return false;
}

const char *tf_ami_list_text(char *buf, size_t size, const char *const *allowed)
{
    size_t used = 0;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; allowed[i] != NULL && used < size; i++) {
        const char *sep = i == 0 ? "" : allowed[i + 1] == NULL ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s\"%s\"", sep, allowed[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int tf_ami_arn(char *buf, size_t size, const char *region, const char *image_id)
{
    const char *partition = "aws";
    int n;

    if (region == NULL || *region == '\0' || image_id == NULL || *image_id == '\0')
        return -1;
    if (starts_with(region, "cn-"))
        partition = "aws-cn";
    else if (starts_with(region, "us-gov-"))
        partition = "aws-us-gov";
    else if (starts_with(region, "us-isob-"))
        partition = "aws-iso-b";
    else if (starts_with(region, "us-iso-"))
        partition = "aws-iso";
    n = snprintf(buf, size, "arn:%s:ec2:%s::image/%s", partition, region, image_id);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* ---- RFC 3339 ---- */

/* Exactly n digits at *p, advancing it. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's method). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int tf_ami_parse_time(int64_t *out_seconds, bool *has_fraction, const char *text)
{
    const char *p = text;
    int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
    bool frac = false;

    if (text == NULL)
        return -1;
    if (digits(&p, 4, &y) || expect(&p, '-') || digits(&p, 2, &mo) || expect(&p, '-') ||
        digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't')
        return -1;
    p++;
    if (digits(&p, 2, &h) || expect(&p, ':') || digits(&p, 2, &mi) || expect(&p, ':') ||
        digits(&p, 2, &s))
        return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++)
            frac = frac || *p != '0';
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (digits(&p, 2, &oh) || expect(&p, ':') || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
    } else {
        return -1;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        s > 60)
        return -1;
    /* A leap second names the same instant as the next second's start for our purposes. */
    *out_seconds =
        days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - sign * (oh * 3600 + om * 60);
    if (has_fraction != NULL)
        *has_fraction = frac;
    return 0;
}

const char *tf_ami_same_instant(const char *kept, const char *remote)
{
    int64_t a, b;
    bool fa, fb;

    if (kept == NULL || remote == NULL)
        return remote;
    if (tf_ami_parse_time(&a, &fa, kept) == 0 && tf_ami_parse_time(&b, &fb, remote) == 0 &&
        a == b && !fa && !fb)
        return kept;
    return remote;
}

/* ---- Tags ---- */

static const char *tag_value(const struct tf_value *v)
{
    return tf_value_is_known(v) ? v->u.str : "";
}

static size_t map_len(const struct tf_value *m)
{
    return tf_value_is_known(m) ? m->u.map.n : 0;
}

int tf_ami_tag_diff(struct tf_ami_tag_diff *out, struct tf_arena *a, const struct tf_value *from,
                    const struct tf_value *to)
{
    struct tf_ami_tag_diff d = {0};
    size_t n_from = map_len(from), n_to = map_len(to);

    if (n_from > 0 && (d.remove = tf_arena_alloc(a, n_from * sizeof(*d.remove))) == NULL)
        return -1;
    if (n_to > 0 && (d.set = tf_arena_alloc(a, n_to * sizeof(*d.set))) == NULL)
        return -1;
    for (size_t i = 0; i < n_from; i++) {
        const char *key = from->u.map.keys[i];
        if (n_to == 0 || tf_value_map_get(to, key) == NULL)
            d.remove[d.n_remove++] = (struct ec2_tag){key, NULL};
    }
    for (size_t i = 0; i < n_to; i++) {
        const char *key = to->u.map.keys[i];
        const char *value = tag_value(to->u.map.vals[i]);
        const struct tf_value *old = n_from > 0 ? tf_value_map_get(from, key) : NULL;
        if (old == NULL || strcmp(tag_value(old), value) != 0)
            d.set[d.n_set++] = (struct ec2_tag){key, value};
    }
    *out = d;
    return 0;
}

/* ---- Snapshot outcomes ---- */

/* "ami-1, ami-2" in the arena. */
static char *join(struct tf_arena *a, const char *const *items, size_t n)
{
    char *s = tf_arena_strdup(a, "");
    for (size_t i = 0; s != NULL && i < n; i++)
        s = tf_arena_sprintf(a, "%s%s%s", s, i > 0 ? ", " : "", items[i]);
    return s;
}

int tf_ami_snapshot_text(const char **summary, const char **detail, struct tf_arena *a,
                         const struct tf_ami_snapshot_outcome *o)
{
    const char *id = o->snapshot_id != NULL ? o->snapshot_id : "(unknown snapshot)";
    const char *code = o->return_code != NULL ? o->return_code : "(no code)";
    char *sum = NULL, *det = NULL;

    if (strcmp(code, "success") == 0) {
        sum = tf_arena_sprintf(a, "Snapshot %s deleted", id);
        det = tf_arena_sprintf(a, "success: EC2 deleted snapshot %s together with the image.", id);
    } else if (strcmp(code, "skipped") == 0) {
        char *users = join(a, o->other_images, o->n_other_images);
        sum = tf_arena_sprintf(a, "Snapshot %s was kept (skipped)", id);
        if (users != NULL && o->n_other_images > 0)
            det = tf_arena_sprintf(
                a,
                "skipped: EC2 did not delete snapshot %s because other images still use it: %s. "
                "It will be deleted with the last of them (if that one is destroyed with "
                "delete_snapshots = true), or delete it yourself once they are deregistered.",
                id, users);
        else if (users != NULL)
            det = tf_arena_sprintf(
                a,
                "skipped: EC2 did not delete snapshot %s because another image still used it "
                "(none is visible to this account now). Delete it yourself if nothing needs it: "
                "aws ec2 delete-snapshot --snapshot-id %s.",
                id, id);
    } else if (strcmp(code, "missing-permissions") == 0) {
        sum = tf_arena_sprintf(a, "Snapshot %s was kept (missing-permissions)", id);
        det = tf_arena_sprintf(
            a,
            "missing-permissions: the image was deregistered, but these credentials may not "
            "delete snapshot %s. Grant the IAM action ec2:DeleteSnapshot on it and delete it "
            "(aws ec2 delete-snapshot --snapshot-id %s), or it keeps costing storage.",
            id, id);
    } else if (strcmp(code, "internal-error") == 0) {
        if (o->retry_deleted) {
            sum = tf_arena_sprintf(a, "Snapshot %s deleted on retry (internal-error)", id);
            det = tf_arena_sprintf(
                a,
                "internal-error: EC2 failed to delete snapshot %s with the image; the provider "
                "retried DeleteSnapshot and attempt %d of %d deleted it. Nothing left to do.",
                id, o->retries, o->retries);
        } else {
            sum = tf_arena_sprintf(a, "Snapshot %s was kept (internal-error)", id);
            det = tf_arena_sprintf(
                a,
                "internal-error: EC2 failed to delete snapshot %s with the image. The provider "
                "retried DeleteSnapshot %d time(s) without success%s%s. Delete it later with "
                "aws ec2 delete-snapshot --snapshot-id %s.",
                id, o->retries, o->retry_error != NULL ? "; last error: " : "",
                o->retry_error != NULL ? o->retry_error : "", id);
        }
    } else if (strcmp(code, "client-error") == 0) {
        sum = tf_arena_sprintf(a, "Snapshot %s was kept (client-error)", id);
        if (o->error_message != NULL)
            det = tf_arena_sprintf(a,
                                   "client-error: EC2 did not delete snapshot %s: %s. Fix the "
                                   "cause and delete it with aws ec2 delete-snapshot "
                                   "--snapshot-id %s if it is no longer needed.",
                                   id, o->error_message, id);
        else
            det = tf_arena_sprintf(
                a,
                "client-error: EC2 did not delete snapshot %s and gave no reason (it may belong "
                "to another account, be in use, or already be gone). Inspect it with aws ec2 "
                "describe-snapshots --snapshot-ids %s and delete it yourself if it is no longer "
                "needed.",
                id, id);
    } else {
        sum = tf_arena_sprintf(a, "Snapshot %s: unexpected result %s", id, code);
        det = tf_arena_sprintf(a,
                               "%s: EC2 answered a result this provider does not know for "
                               "snapshot %s. Inspect it with aws ec2 describe-snapshots "
                               "--snapshot-ids %s.",
                               code, id, id);
    }
    if (sum == NULL || det == NULL)
        return -1;
    *summary = sum;
    *detail = det;
    return 0;
}
