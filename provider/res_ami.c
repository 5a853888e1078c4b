/*
 * res_ami.c - the ec2_ami resource: validate, plan, register, read, update in place, import
 * (destroy lives in ami_destroy.c, plan-time DryRun in ami_plan.c, the image -> attributes mapping
 * in ami_state.c).
 *
 * Guarantees:
 * - Once RegisterImage returned an id, every exit of apply returns a state carrying that id (wholly
 *   known), so a failed or cancelled create leaves a tainted resource, never an orphaned AMI.
 * - Attributes that are not EC2's (delete_snapshots, timeouts, uefi_data, which EC2 never shows)
 *   come from the plan or the prior state; everything else is refreshed from DescribeImages.
 * - deprecation_time keeps the configured text when EC2 reports the same instant in its own form.
 */
#include "ami_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"

/* How recent an image named like ours must be to be taken as the result of our own lost
 * RegisterImage response (see adopt_duplicate). */
#define ADOPT_WINDOW_SECONDS (15 * 60)

/* ---- Validation ---- */

static void check_enum(struct tf_call *call, const struct tf_value *obj, const char *attr,
                       const char *const *allowed, const struct tf_path *path)
{
    const char *v = tf_value_get_str(obj, attr, NULL);
    char list[256];

    if (v == NULL || tf_ami_one_of(v, allowed))
        return;
    tf_ami_list_text(list, sizeof(list), allowed);
    if (path != NULL)
        tf_diag_error(&call->diags, path, "Invalid value", "%s = \"%s\" is not valid; use %s.",
                      attr, v, list);
    else
        tf_diag_attr(&call->diags, TF_DIAG_ERROR, attr, "Invalid value",
                     "%s = \"%s\" is not valid; use %s.", attr, v, list);
}

static void check_ebs(struct tf_call *call, const struct tf_value *bd)
{
    /* Set elements have no stable address Terraform can show: point at the block. */
    struct tf_path path = tf_path_attr("ebs_block_device");
    const char *device = tf_value_get_str(bd, "device_name", "(unknown device)");
    const char *snap = tf_value_get_str(bd, "snapshot_id", NULL);
    const char *type = tf_value_get_str(bd, "volume_type", NULL);
    const char *nums[] = {"volume_size", "iops", "throughput"};

    check_enum(call, bd, "volume_type", tf_ami_volume_types, &path);
    if (snap != NULL && strncmp(snap, "snap-", 5) != 0)
        tf_diag_error(&call->diags, &path, "Invalid snapshot id",
                      "ebs_block_device %s: snapshot_id \"%s\" is not a snapshot id (snap-...).",
                      device, snap);
    if (tf_value_is_null(tf_value_get(bd, "snapshot_id")) &&
        tf_value_is_null(tf_value_get(bd, "volume_size")))
        tf_diag_error(&call->diags, &path, "Missing snapshot_id or volume_size",
                      "ebs_block_device %s needs a snapshot_id, a volume_size, or both.", device);
    for (size_t i = 0; i < TF_COUNTOF(nums); i++) {
        const struct tf_value *n = tf_value_get(bd, nums[i]);
        int64_t x;
        if (tf_value_is_known(n) && (tf_value_as_int(n, &x) != 0 || x <= 0 || x > INT32_MAX))
            tf_diag_error(&call->diags, &path, "Invalid number",
                          "ebs_block_device %s: %s must be a positive whole number.", device,
                          nums[i]);
    }
    if (type != NULL && tf_value_is_known(tf_value_get(bd, "iops")) && strcmp(type, "io1") != 0 &&
        strcmp(type, "io2") != 0 && strcmp(type, "gp3") != 0)
        tf_diag_error(&call->diags, &path, "iops not supported",
                      "ebs_block_device %s: iops applies to io1, io2 and gp3 volumes only.",
                      device);
    if (type != NULL && tf_value_is_known(tf_value_get(bd, "throughput")) &&
        strcmp(type, "gp3") != 0)
        tf_diag_error(&call->diags, &path, "throughput not supported",
                      "ebs_block_device %s: throughput applies to gp3 volumes only.", device);
}

static void check_ephemeral(struct tf_call *call, const struct tf_value *bd)
{
    struct tf_path path = tf_path_attr("ephemeral_block_device");
    const char *v = tf_value_get_str(bd, "virtual_name", NULL);
    size_t i = 9;

    if (v == NULL)
        return;
    if (strncmp(v, "ephemeral", 9) == 0 && v[9] != '\0')
        while (v[i] >= '0' && v[i] <= '9')
            i++;
    if (strncmp(v, "ephemeral", 9) != 0 || i == 9 || v[i] != '\0')
        tf_diag_error(&call->diags, &path, "Invalid virtual_name",
                      "virtual_name \"%s\" is not an instance store name; use ephemeral0, "
                      "ephemeral1, ...",
                      v);
}

static void check_time(struct tf_call *call, const struct tf_value *config)
{
    const char *v = tf_value_get_str(config, "deprecation_time", NULL);
    int64_t t;
    bool frac;

    if (v == NULL)
        return;
    if (tf_ami_parse_time(&t, &frac, v) != 0)
        tf_diag_attr(&call->diags, TF_DIAG_ERROR, "deprecation_time", "Invalid time",
                     "\"%s\" is not an RFC 3339 time such as \"2030-01-01T00:00:00Z\".", v);
    else if (frac || t % 60 != 0)
        tf_diag_attr(&call->diags, TF_DIAG_ERROR, "deprecation_time", "Invalid time",
                     "\"%s\" has seconds; EC2 keeps deprecation times to the minute, so write "
                     "seconds as 00 (e.g. \"2030-01-01T00:00:00Z\").",
                     v);
}

static void check_timeouts(struct tf_call *call, const struct tf_value *config)
{
    const struct tf_value *t = tf_value_get(config, "timeouts");
    const char *kinds[] = {"create", "update", "delete"};

    for (size_t i = 0; i < TF_COUNTOF(kinds); i++) {
        const char *v = tf_value_get_str(t, kinds[i], NULL);
        char why[256];
        int64_t ms;
        if (v != NULL && tf_duration_parse(&ms, v, why, sizeof(why)) != 0) {
            struct tf_path path = tf_path_attr("timeouts");
            tf_path_push_attr(&path, kinds[i]);
            tf_diag_error(&call->diags, &path, "Invalid duration", "%s", why);
        }
    }
}

static void ami_validate(struct tf_call *call, const struct tf_value *config)
{
    static const struct {
        const char *attr;
        const char *const *allowed;
    } enums[] = {
        {"architecture", tf_ami_architectures},
        {"boot_mode", tf_ami_boot_modes},
        {"imds_support", tf_ami_imds_supports},
        {"sriov_net_support", tf_ami_sriov_net_supports},
        {"tpm_support", tf_ami_tpm_supports},
        {"virtualization_type", tf_ami_virtualization_types},
        {"deregistration_protection", tf_ami_protection_modes},
    };
    const char *name = tf_value_get_str(config, "name", NULL);
    const char *desc = tf_value_get_str(config, "description", NULL);
    const struct tf_value *set;
    char why[256];

    if (name != NULL && tf_ami_check_name(name, why, sizeof(why)) != 0)
        tf_diag_attr(&call->diags, TF_DIAG_ERROR, "name", "Invalid image name", "%s", why);
    if (desc != NULL && strlen(desc) > 255)
        tf_diag_attr(&call->diags, TF_DIAG_ERROR, "description", "Description too long",
                     "The description has %zu characters; EC2 accepts up to 255.", strlen(desc));
    for (size_t i = 0; i < TF_COUNTOF(enums); i++)
        check_enum(call, config, enums[i].attr, enums[i].allowed, NULL);
    check_time(call, config);
    check_timeouts(call, config);
    set = tf_value_get(config, "ebs_block_device");
    for (size_t i = 0; tf_value_is_known(set) && i < set->u.coll.n; i++)
        check_ebs(call, set->u.coll.items[i]);
    set = tf_value_get(config, "ephemeral_block_device");
    for (size_t i = 0; tf_value_is_known(set) && i < set->u.coll.n; i++)
        check_ephemeral(call, set->u.coll.items[i]);
}

/* ---- Plan ---- */

/* When the configuration leaves attr null, plan value instead. */
static void plan_default(struct tf_call *call, struct tf_plan_op *op, const char *attr,
                         struct tf_value *value)
{
    if (value == NULL) {
        call->diags.oom = true;
        return;
    }
    if (tf_value_is_null(tf_value_get(op->config, attr)))
        tf_value_set(op->planned, attr, value);
}

static void ami_plan(struct tf_call *call, struct tf_plan_op *op)
{
    if (op->planned == NULL) {
        tf_ami_plan_destroy(call, op);
        return;
    }
    /* architecture is EC2's once the image exists (an import may differ): default on create only,
     * so a missing argument never replaces an existing image. The other two are ours: their
     * default holds whenever the argument is left out. */
    if (tf_value_is_null(op->prior))
        plan_default(call, op, "architecture", tf_value_string(call->arena, "x86_64"));
    plan_default(call, op, "delete_snapshots", tf_value_bool(call->arena, false));
    plan_default(call, op, "deregistration_protection", tf_value_string(call->arena, "disabled"));
    if (!tf_diags_has_errors(&call->diags))
        tf_ami_plan_dry_run(call, op);
}

/* ---- RegisterImage input ---- */

/* The known string of attr, NULL when null; *unknown set when it is unknown. */
static const char *known_str(const struct tf_value *obj, const char *attr, bool *unknown)
{
    const struct tf_value *v = tf_value_get(obj, attr);
    if (tf_value_is_unknown(v))
        *unknown = true;
    return tf_value_is_known(v) ? v->u.str : NULL;
}

static enum ec2_bool known_bool(const struct tf_value *obj, const char *attr, bool *unknown)
{
    const struct tf_value *v = tf_value_get(obj, attr);
    if (tf_value_is_unknown(v))
        *unknown = true;
    return tf_value_is_known(v) ? (v->u.b ? EC2_BOOL_TRUE : EC2_BOOL_FALSE) : EC2_BOOL_UNSET;
}

static int32_t known_int(const struct tf_value *obj, const char *attr, bool *unknown)
{
    const struct tf_value *v = tf_value_get(obj, attr);
    int64_t x = 0;
    if (tf_value_is_unknown(v))
        *unknown = true;
    if (tf_value_is_known(v) && tf_value_as_int(v, &x) == 0 && x > 0 && x <= INT32_MAX)
        return (int32_t)x;
    return 0;
}

int tf_ami_register_input(struct ec2_register_image_input *in, struct tf_call *call,
                          const struct tf_value *planned)
{
    const struct tf_value *ebs = tf_value_get(planned, "ebs_block_device");
    const struct tf_value *eph = tf_value_get(planned, "ephemeral_block_device");
    const struct tf_value *tags = tf_value_get(planned, "tags");
    size_t n_ebs = tf_value_is_known(ebs) ? ebs->u.coll.n : 0;
    size_t n_eph = tf_value_is_known(eph) ? eph->u.coll.n : 0;
    struct ec2_block_device_mapping *maps = NULL;
    struct ec2_ebs_block_device *ebs_in = NULL;
    bool unknown =
        tf_value_is_unknown(ebs) || tf_value_is_unknown(eph) || tf_value_is_unknown(tags);

    memset(in, 0, sizeof(*in));
    in->name = known_str(planned, "name", &unknown);
    in->description = known_str(planned, "description", &unknown);
    in->architecture = known_str(planned, "architecture", &unknown);
    in->uefi_data = known_str(planned, "uefi_data", &unknown);
    /* Computed attributes left out of the configuration are unknown in a create plan: EC2 decides
     * them, so they are simply not sent. */
    bool ignored = false;
    in->image_location = known_str(planned, "image_location", &ignored);
    in->kernel_id = known_str(planned, "kernel_id", &ignored);
    in->ramdisk_id = known_str(planned, "ramdisk_id", &ignored);
    in->root_device_name = known_str(planned, "root_device_name", &ignored);
    in->virtualization_type = known_str(planned, "virtualization_type", &ignored);
    in->sriov_net_support = known_str(planned, "sriov_net_support", &ignored);
    in->ena_support = known_bool(planned, "ena_support", &ignored);
    in->boot_mode = known_str(planned, "boot_mode", &ignored);
    in->tpm_support = known_str(planned, "tpm_support", &ignored);
    in->imds_support = known_str(planned, "imds_support", &ignored);

    if (n_ebs + n_eph > 0) {
        maps = tf_arena_alloc(call->arena, (n_ebs + n_eph) * sizeof(*maps));
        ebs_in = tf_arena_alloc(call->arena, (n_ebs > 0 ? n_ebs : 1) * sizeof(*ebs_in));
        if (maps == NULL || ebs_in == NULL)
            goto oom;
    }
    for (size_t i = 0; i < n_ebs; i++) {
        const struct tf_value *bd = ebs->u.coll.items[i];
        bool skip = false;
        maps[i].device_name = known_str(bd, "device_name", &unknown);
        ebs_in[i].snapshot_id = known_str(bd, "snapshot_id", &unknown);
        ebs_in[i].volume_size = known_int(bd, "volume_size", &skip);
        ebs_in[i].volume_type = known_str(bd, "volume_type", &skip);
        ebs_in[i].iops = known_int(bd, "iops", &skip);
        ebs_in[i].throughput = known_int(bd, "throughput", &skip);
        ebs_in[i].delete_on_termination = known_bool(bd, "delete_on_termination", &skip);
        ebs_in[i].encrypted = known_bool(bd, "encrypted", &skip);
        ebs_in[i].kms_key_id = known_str(bd, "kms_key_id", &skip);
        maps[i].ebs = &ebs_in[i];
    }
    for (size_t i = 0; i < n_eph; i++) {
        const struct tf_value *bd = eph->u.coll.items[i];
        maps[n_ebs + i].device_name = known_str(bd, "device_name", &unknown);
        maps[n_ebs + i].virtual_name = known_str(bd, "virtual_name", &unknown);
    }
    in->block_device_mappings = maps;
    in->n_block_device_mappings = n_ebs + n_eph;

    if (tf_value_is_known(tags) && tags->u.map.n > 0) {
        struct tf_ami_tag_diff d;
        struct ec2_tag_specification *spec = tf_arena_alloc(call->arena, sizeof(*spec));
        if (spec == NULL || tf_ami_tag_diff(&d, call->arena, NULL, tags) < 0)
            goto oom;
        for (size_t i = 0; i < tags->u.map.n; i++)
            unknown = unknown || tf_value_is_unknown(tags->u.map.vals[i]);
        spec->resource_type = "image";
        spec->tags = d.set;
        spec->n_tags = d.n_set;
        in->tag_specifications = spec;
        in->n_tag_specifications = 1;
    }
    return unknown || in->name == NULL ? 0 : 1;
oom:
    call->diags.oom = true;
    return -1;
}

/* ---- Reading back ---- */

/* The state after EC2 described img: base (the plan, or the prior state) refreshed from img,
 * keeping what EC2 does not know or says differently for the same meaning. */
static struct tf_value *merge_image(struct tf_call *call, const struct tf_value *base,
                                    const struct ec2_image *img)
{
    struct tf_value *s = tf_value_copy(call->arena, base);
    /* The copy's own values, put back below where they mean what EC2 says. */
    struct tf_value *kept_time = tf_value_get(s, "deprecation_time");
    struct tf_value *kept_tags = tf_value_get(s, "tags");
    struct tf_value *kept_desc = tf_value_get(s, "description");

    if (s == NULL || tf_ami_image_to_state(call, s, img) < 0)
        goto oom;
    if (tf_value_is_known(kept_time) &&
        tf_ami_same_instant(kept_time->u.str, img->deprecation_time) == kept_time->u.str)
        tf_value_set(s, "deprecation_time", kept_time);
    /* No tags and an empty map, or no description and an empty one, mean the same. */
    if (img->n_tags == 0 && tf_value_is_known(kept_tags) && kept_tags->u.map.n == 0)
        tf_value_set(s, "tags", kept_tags);
    if (img->description == NULL && tf_value_is_known(kept_desc) && kept_desc->u.str[0] == '\0')
        tf_value_set(s, "description", kept_desc);
    if (tf_value_is_null(tf_value_get(s, "delete_snapshots"))) {
        struct tf_value *no = tf_value_bool(call->arena, false);
        if (no == NULL)
            goto oom;
        tf_value_set(s, "delete_snapshots", no);
    }
    if (tf_ami_strip_unknown(call, s) < 0)
        return NULL;
    return s;
oom:
    call->diags.oom = true;
    return NULL;
}

/* Describes image_id and merges it into base. Returns the new state, or NULL when the image is gone
 * (*gone set) or on error (diagnostic added with summary). */
static struct tf_value *read_back(struct tf_call *call, const struct tf_value *base,
                                  const char *image_id, const struct ec2_call_opts *opts,
                                  const char *summary, bool *gone)
{
    struct ec2_image img = {0};
    struct ec2_error err;
    struct tf_value *s = NULL;
    int rc;

    ec2_error_init(&err);
    *gone = false;
    rc = tf_ami_describe_one(&img, call, image_id, opts, &err);
    if (rc < 0) {
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL, summary, &err);
        return NULL;
    }
    if (rc == 0) {
        *gone = true;
        return NULL;
    }
    s = merge_image(call, base, &img);
    ec2_image_dispose(&img);
    return s;
}

/* ---- Create ---- */

/* Whether img is what `in` asked for: same name, architecture, root device and (device, snapshot)
 * pairs, created within ADOPT_WINDOW_SECONDS, and not failed. */
static bool matches_request(const struct ec2_image *img, const struct ec2_register_image_input *in)
{
    int64_t created;
    size_t asked = 0, has = 0;

    if (img->name == NULL || strcmp(img->name, in->name) != 0)
        return false;
    if (in->architecture != NULL &&
        (img->architecture == NULL || strcmp(img->architecture, in->architecture) != 0))
        return false;
    if (in->root_device_name != NULL &&
        (img->root_device_name == NULL || strcmp(img->root_device_name, in->root_device_name) != 0))
        return false;
    if (img->state == NULL ||
        (strcmp(img->state, "pending") != 0 && strcmp(img->state, "available") != 0))
        return false;
    if (img->creation_date == NULL || tf_ami_parse_time(&created, NULL, img->creation_date) != 0 ||
        (int64_t)time(NULL) - created > ADOPT_WINDOW_SECONDS)
        return false;
    for (size_t j = 0; j < img->n_block_devices; j++)
        has += img->block_devices[j].has_ebs;
    for (size_t i = 0; i < in->n_block_device_mappings; i++) {
        const struct ec2_block_device_mapping *m = &in->block_device_mappings[i];
        bool found = false;
        if (m->ebs == NULL)
            continue;
        asked++;
        for (size_t j = 0; j < img->n_block_devices && !found; j++) {
            const struct ec2_block_device *bd = &img->block_devices[j];
            const char *want = m->ebs->snapshot_id, *got = bd->snapshot_id;
            found = bd->has_ebs && bd->device_name != NULL &&
                    strcmp(bd->device_name, m->device_name) == 0 &&
                    (want == NULL ? got == NULL : got != NULL && strcmp(want, got) == 0);
        }
        if (!found)
            return false;
    }
    return asked == has;
}

/* Our own images named as the request asks. *matching is one that matches the request (see
 * matches_request), *other the first that does not; both arena strings or NULL. */
static int find_by_name(const char **matching, const char **other, struct tf_call *call,
                        const struct ec2_register_image_input *in, const struct ec2_call_opts *opts,
                        struct ec2_error *err)
{
    struct ec2_describe_images_input q = {0};
    struct ec2_describe_images_output res = {0};
    const char *owners[1] = {"self"};
    const char *names[1] = {in->name};
    struct ec2_filter filter = {"name", names, 1};

    *matching = *other = NULL;
    q.owners = owners;
    q.n_owners = 1;
    q.filters = &filter;
    q.n_filters = 1;
    q.include_deprecated = EC2_BOOL_TRUE;
    int rc = ec2_describe_images(&res, call->provider->ec2, &q, opts, err);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < res.n_images && *matching == NULL; i++) {
        const struct ec2_image *img = &res.images[i];
        if (img->image_id == NULL)
            continue;
        if (matches_request(img, in))
            *matching = tf_arena_strdup(call->arena, img->image_id);
        else if (*other == NULL)
            *other = tf_arena_strdup(call->arena, img->image_id);
    }
    ec2_describe_images_output_dispose(&res);
    return 0;
}

/*
 * RegisterImage answered InvalidAMIName.Duplicate. When our first attempt reached EC2 but its
 * answer was lost, the library's retry sees our own image: adopt it when it matches the request
 * exactly and was created in the last 15 minutes. Anything else is someone else's image: an error
 * naming it. Returns the adopted id (arena) or NULL after adding a diagnostic.
 */
static const char *adopt_duplicate(struct tf_call *call, const struct ec2_register_image_input *in,
                                   const struct ec2_call_opts *opts, const struct ec2_error *dup)
{
    struct ec2_error err;
    const char *adopted = NULL, *other = NULL;
    struct tf_path path = tf_path_attr("name");

    ec2_error_init(&err);
    if (find_by_name(&adopted, &other, call, in, opts, &err) < 0) {
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, &path, "Cannot register image: the name is taken",
                        dup);
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, &path, "Cannot look up the image with that name",
                        &err);
        return NULL;
    }
    if (adopted != NULL) {
        tf_diag_warning(&call->diags, &path, "Adopted an image registered by a lost request",
                        "RegisterImage answered InvalidAMIName.Duplicate, and image %s has this "
                        "name, the same snapshots and architecture, and was created in the last "
                        "%d minutes: it is taken as the result of this apply, whose first answer "
                        "was lost.",
                        adopted, ADOPT_WINDOW_SECONDS / 60);
        return adopted;
    }
    char text[1024];
    ec2_error_format(text, sizeof(text), dup);
    tf_diag_error(&call->diags, &path, "An image with this name already exists",
                  "%s. Image %s is named \"%s\" and is not the one this configuration describes. "
                  "Choose another name, deregister that image, or bring it under Terraform with: "
                  "terraform import <address> %s",
                  text, other != NULL ? other : "(not visible to this account)", in->name,
                  other != NULL ? other : "<ami-id>");
    return NULL;
}

/* How long the look-ups after an interrupted RegisterImage may take, and their spacing: they run
 * after StopProvider or a deadline, so they must be short (a stopped call returns within 1 s), and
 * they ignore the stop flag, which is already set. */
#define RECOVERY_LOOKUP_MS 800
#define RECOVERY_POLL_MS   200

/*
 * RegisterImage was cancelled, timed out or failed transiently: EC2 may have registered the image
 * anyway, and DescribeImages may show it only a moment later. A few quick look-ups by name find
 * it, so that it reaches the state (tainted) instead of being orphaned. Returns its id (arena) or
 * NULL when none is visible.
 */
static const char *recover_interrupted(struct tf_call *call,
                                       const struct ec2_register_image_input *in)
{
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_error err;
    const char *found = NULL, *other = NULL;
    const struct timespec pause = {0, RECOVERY_POLL_MS * 1000000L};
    int64_t now = ec2_client_monotonic_ms(call->provider->ec2);

    opts.deadline_ms = now + RECOVERY_LOOKUP_MS;
    for (;;) {
        ec2_error_init(&err);
        if (find_by_name(&found, &other, call, in, &opts, &err) == 0 && found != NULL)
            break;
        if (ec2_client_monotonic_ms(call->provider->ec2) + RECOVERY_POLL_MS >= opts.deadline_ms)
            return NULL;
        nanosleep(&pause, NULL);
    }
    tf_diag_warning(&call->diags, NULL, "Image registered before the interruption",
                    "EC2 registered image %s before RegisterImage was interrupted; it is kept in "
                    "the state (tainted), so the next apply replaces it or it can be destroyed.",
                    found);
    return found;
}

/* A state for image_id that Terraform can keep when the create stops half-way: the plan with its
 * unknowns nulled, plus what is known for sure. */
static struct tf_value *partial_state(struct tf_call *call, const struct tf_value *planned,
                                      const char *image_id)
{
    struct tf_value *s = tf_value_copy(call->arena, planned);

    if (s == NULL)
        goto oom;
    if (tf_ami_strip_unknown(call, s) < 0)
        return NULL;
    struct tf_value *id = tf_value_string(call->arena, image_id);
    struct tf_value *st = tf_value_string(call->arena, "pending");
    char arn[256];
    if (id == NULL || st == NULL)
        goto oom;
    tf_value_set(s, "id", id);
    tf_value_set(s, "state", st);
    if (tf_ami_arn(arn, sizeof(arn), ec2_client_region(call->provider->ec2), image_id) == 0) {
        struct tf_value *v = tf_value_string(call->arena, arn);
        if (v == NULL)
            goto oom;
        tf_value_set(s, "arn", v);
    }
    return s;
oom:
    call->diags.oom = true;
    return NULL;
}

static void report_wait_failure(struct tf_call *call, const char *image_id, int rc,
                                const struct ec2_wait_result *wr, const struct ec2_error *err,
                                int64_t timeout_ms)
{
    if (rc == EC2_ERR_TIMEOUT || err->error_class == EC2_CLASS_TIMEOUT) {
        tf_diag_error(&call->diags, NULL, "Timed out waiting for the image to become available",
                      "Image %s was still %s after %lld minute(s) (timeouts.create). It is kept in "
                      "the state and marked tainted: the next apply replaces it. Raise "
                      "timeouts.create if EC2 needs longer.",
                      image_id, wr->last_state[0] != '\0' ? wr->last_state : "not visible",
                      (long long)(timeout_ms / 60000));
    } else if (rc == EC2_ERR_WAITER_FAILED) {
        char *sum =
            tf_arena_sprintf(call->arena, "Image %s became %s instead of available", image_id,
                             wr->last_state[0] != '\0' ? wr->last_state : "unusable");
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL, sum != NULL ? sum : "Image failed", err);
    } else {
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL,
                        "Error waiting for the image to become available", err);
    }
}

/* Deprecation and deregistration protection: separate calls after RegisterImage. */
static int apply_settings(struct tf_call *call, const char *image_id,
                          const struct ec2_call_opts *opts, const struct tf_value *planned)
{
    const char *when = tf_value_get_str(planned, "deprecation_time", NULL);
    const char *prot = tf_value_get_str(planned, "deregistration_protection", "disabled");
    struct ec2_error err;
    int64_t t;
    int rc;

    ec2_error_init(&err);
    if (when != NULL && tf_ami_parse_time(&t, NULL, when) == 0) {
        rc = ec2_enable_image_deprecation(NULL, call->provider->ec2, image_id, t, opts, &err);
        if (!tf_ami_check_call(call, rc, &err, false, "EnableImageDeprecation", "deprecation_time",
                               "Cannot set the deprecation time"))
            return -1;
    }
    if (strcmp(prot, "disabled") != 0) {
        struct ec2_protection_output out = {0};
        enum ec2_bool cool =
            strcmp(prot, "enabled-with-cooldown") == 0 ? EC2_BOOL_TRUE : EC2_BOOL_FALSE;
        rc = ec2_enable_image_deregistration_protection(&out, call->provider->ec2, image_id, cool,
                                                        opts, &err);
        if (!tf_ami_check_call(call, rc, &err, false, "EnableImageDeregistrationProtection",
                               "deregistration_protection",
                               "Cannot enable deregistration protection"))
            return -1;
    }
    return 0;
}

static void ami_create(struct tf_call *call, struct tf_apply_op *op)
{
    struct ec2_register_image_input in;
    struct ec2_register_image_output out = {0};
    struct ec2_wait_result wr = {0};
    struct ec2_error err;
    int64_t timeout = tf_ami_timeout_ms(op->planned, "create", TF_AMI_CREATE_TIMEOUT_MS);
    struct ec2_call_opts opts = tf_ami_call_opts(call, timeout, false);
    const char *image_id = NULL;
    struct tf_value *s;
    bool gone;
    int rc;

    ec2_error_init(&err);
    if (tf_ami_register_input(&in, call, op->planned) <= 0) {
        if (!call->diags.oom)
            tf_diag_error(&call->diags, NULL, "Plan has unknown values",
                          "The planned image still has unknown arguments at apply time; this is "
                          "a bug in the provider or Terraform.");
        return;
    }
    rc = ec2_register_image(&out, call->provider->ec2, &in, &opts, &err);
    if (rc < 0 && strcmp(err.ec2_code, "InvalidAMIName.Duplicate") == 0) {
        image_id = adopt_duplicate(call, &in, &opts, &err);
        if (image_id == NULL)
            return;
    } else if (rc < 0) {
        const char *attr = tf_ami_blame_attr(&err, NULL);
        struct tf_path path = tf_path_attr(attr != NULL ? attr : "");
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, attr != NULL ? &path : NULL,
                        err.error_class == EC2_CLASS_UNAUTHORIZED
                            ? "Missing permission ec2:RegisterImage"
                            : "Cannot register image",
                        &err);
        /* Only an answer that never arrived leaves the outcome open. */
        if (err.error_class == EC2_CLASS_CANCELLED || err.error_class == EC2_CLASS_TIMEOUT ||
            err.error_class == EC2_CLASS_TRANSIENT) {
            image_id = recover_interrupted(call, &in);
            if (image_id != NULL)
                op->new_state = partial_state(call, op->planned, image_id);
        }
        return;
    } else {
        image_id = tf_arena_strdup(call->arena, out.image_id != NULL ? out.image_id : "");
        ec2_register_image_output_dispose(&out);
        if (image_id == NULL) {
            call->diags.oom = true;
            return;
        }
    }
    /* From here on, every exit leaves the id in the state. */
    if ((s = partial_state(call, op->planned, image_id)) == NULL)
        return;
    op->new_state = s;

    rc = ec2_wait_image_available(NULL, &wr, call->provider->ec2, image_id, NULL, &opts, &err);
    if (rc < 0) {
        report_wait_failure(call, image_id, rc, &wr, &err, timeout);
        return;
    }
    if (apply_settings(call, image_id, &opts, op->planned) < 0)
        return;
    s = read_back(call, op->planned, image_id, &opts, "Cannot read the new image", &gone);
    if (s != NULL)
        op->new_state = s;
    else if (gone)
        tf_diag_error(&call->diags, NULL, "Image vanished after creation",
                      "Image %s was available but then could not be found; it may have been "
                      "deregistered by someone else.",
                      image_id);
}

/* ---- Update ---- */

static bool str_differs(const struct tf_value *a, const struct tf_value *b, const char *attr)
{
    return !tf_value_equal(tf_value_get(a, attr), tf_value_get(b, attr));
}

int tf_ami_update_calls(struct tf_call *call, const char *image_id, const struct tf_value *prior,
                        const struct tf_value *planned, const struct ec2_call_opts *opts)
{
    struct ec2_client *ec2 = call->provider->ec2;
    const char *ids[1] = {image_id};
    bool dry = opts->dry_run == EC2_BOOL_TRUE;
    struct ec2_error err;
    int rc;

    ec2_error_init(&err);
    if (str_differs(prior, planned, "description") &&
        !tf_value_is_unknown(tf_value_get(planned, "description"))) {
        struct ec2_modify_image_attribute_input in = {0};
        in.image_id = image_id;
        in.description = tf_value_get_str(planned, "description", "");
        rc = ec2_modify_image_attribute(NULL, ec2, &in, opts, &err);
        if (!tf_ami_check_call(call, rc, &err, dry, "ModifyImageAttribute", "description",
                               "Cannot update the description"))
            return -1;
    }
    const struct tf_value *tags = tf_value_get(planned, "tags");
    if (str_differs(prior, planned, "tags") && !tf_value_contains_unknown(tags)) {
        struct tf_ami_tag_diff d;
        struct ec2_tags_input in = {0};
        if (tf_ami_tag_diff(&d, call->arena, tf_value_get(prior, "tags"), tags) < 0) {
            call->diags.oom = true;
            return -1;
        }
        in.resource_ids = ids;
        in.n_resource_ids = 1;
        if (d.n_remove > 0) {
            in.tags = d.remove;
            in.n_tags = d.n_remove;
            rc = ec2_delete_tags(NULL, ec2, &in, opts, &err);
            if (!tf_ami_check_call(call, rc, &err, dry, "DeleteTags", "tags", "Cannot remove tags"))
                return -1;
        }
        if (d.n_set > 0) {
            in.tags = d.set;
            in.n_tags = d.n_set;
            rc = ec2_create_tags(NULL, ec2, &in, opts, &err);
            if (!tf_ami_check_call(call, rc, &err, dry, "CreateTags", "tags", "Cannot set tags"))
                return -1;
        }
    }
    const struct tf_value *when = tf_value_get(planned, "deprecation_time");
    const char *old_when = tf_value_get_str(prior, "deprecation_time", NULL);
    if (!tf_value_is_unknown(when) &&
        tf_ami_same_instant(old_when, tf_value_get_str(planned, "deprecation_time", NULL)) !=
            old_when) {
        int64_t t;
        if (tf_value_is_null(when)) {
            rc = ec2_disable_image_deprecation(NULL, ec2, image_id, opts, &err);
            if (!tf_ami_check_call(call, rc, &err, dry, "DisableImageDeprecation",
                                   "deprecation_time", "Cannot remove the deprecation time"))
                return -1;
        } else if (tf_ami_parse_time(&t, NULL, when->u.str) == 0) {
            rc = ec2_enable_image_deprecation(NULL, ec2, image_id, t, opts, &err);
            if (!tf_ami_check_call(call, rc, &err, dry, "EnableImageDeprecation",
                                   "deprecation_time", "Cannot set the deprecation time"))
                return -1;
        }
    }
    const char *prot = tf_value_get_str(planned, "deregistration_protection", NULL);
    if (prot != NULL && str_differs(prior, planned, "deregistration_protection")) {
        struct ec2_protection_output out = {0};
        if (strcmp(prot, "disabled") == 0) {
            rc = ec2_disable_image_deregistration_protection(&out, ec2, image_id, opts, &err);
            if (!tf_ami_check_call(call, rc, &err, dry, "DisableImageDeregistrationProtection",
                                   "deregistration_protection",
                                   "Cannot disable deregistration protection"))
                return -1;
        } else {
            enum ec2_bool cool =
                strcmp(prot, "enabled-with-cooldown") == 0 ? EC2_BOOL_TRUE : EC2_BOOL_FALSE;
            rc = ec2_enable_image_deregistration_protection(&out, ec2, image_id, cool, opts, &err);
            if (!tf_ami_check_call(call, rc, &err, dry, "EnableImageDeregistrationProtection",
                                   "deregistration_protection",
                                   "Cannot enable deregistration protection"))
                return -1;
        }
    }
    return 0;
}

static void ami_update(struct tf_call *call, struct tf_apply_op *op)
{
    const char *image_id = tf_value_get_str(op->prior, "id", NULL);
    int64_t timeout = tf_ami_timeout_ms(op->planned, "update", TF_AMI_UPDATE_TIMEOUT_MS);
    struct ec2_call_opts opts = tf_ami_call_opts(call, timeout, false);
    struct tf_value *s;
    bool gone;

    if (image_id == NULL) {
        tf_diag_error(&call->diags, NULL, "State has no image id",
                      "The prior state of this ec2_ami has no id; remove it from the state and "
                      "import the image again.");
        return;
    }
    if (tf_ami_update_calls(call, image_id, op->prior, op->planned, &opts) < 0) {
        /* Part of the update may have happened: keep what EC2 now says, over the prior state. */
        s = read_back(call, op->prior, image_id, &opts,
                      "Cannot read the image after a failed update", &gone);
        if (s != NULL)
            op->new_state = s;
        return;
    }
    s = read_back(call, op->planned, image_id, &opts, "Cannot read the updated image", &gone);
    if (s != NULL)
        op->new_state = s;
    else if (gone)
        tf_diag_error(&call->diags, NULL, "Image disappeared during the update",
                      "Image %s could not be found after the update; it was deregistered outside "
                      "Terraform. The next plan will create it again.",
                      image_id);
}

static void ami_apply(struct tf_call *call, struct tf_apply_op *op)
{
    if (tf_value_is_null(op->planned))
        tf_ami_destroy(call, op);
    else if (tf_value_is_null(op->prior))
        ami_create(call, op);
    else
        ami_update(call, op);
}

/* ---- Read and import ---- */

static void ami_read(struct tf_call *call, struct tf_read_op *op)
{
    const char *image_id = tf_value_get_str(op->current, "id", NULL);
    struct ec2_call_opts opts;
    struct tf_value *s;
    bool gone;

    if (image_id == NULL)
        return;
    opts = tf_ami_call_opts(call, 0, false);
    s = read_back(call, op->current, image_id, &opts, "Cannot read image", &gone);
    if (s != NULL) {
        op->new_state = s;
    } else if (gone) {
        if ((op->new_state = tf_value_null(call->arena, op->current->type)) == NULL)
            call->diags.oom = true;
    }
}

static bool is_hex(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    }
    return true;
}

static void ami_import(struct tf_call *call, struct tf_import_op *op)
{
    const struct tf_type *type = tf_schema_type(&tf_ami_schema.block);
    struct tf_value *s, *id, *del;

    if (strncmp(op->id, "ami-", 4) != 0 || !is_hex(op->id + 4) || strlen(op->id) > 4 + 32) {
        tf_diag_error(&call->diags, NULL, "Invalid import id",
                      "\"%s\" is not an AMI id; import with the image id, e.g. "
                      "ami-0123456789abcdef0.",
                      op->id);
        return;
    }
    s = type != NULL ? tf_value_object(call->arena, type) : NULL;
    id = tf_value_string(call->arena, op->id);
    del = tf_value_bool(call->arena, false);
    if (s == NULL || id == NULL || del == NULL) {
        call->diags.oom = true;
        return;
    }
    /* delete_snapshots is ours, not EC2's: an imported image starts with the default. */
    tf_value_set(s, "id", id);
    tf_value_set(s, "delete_snapshots", del);
    op->state = s;
}

const struct tf_resource tf_resource_ami = {
    .type_name = "ec2_ami",
    .schema = &tf_ami_schema,
    .validate = ami_validate,
    .plan = ami_plan,
    .apply = ami_apply,
    .read = ami_read,
    .import = ami_import,
};
