/*
 * ds_ami.c - the ec2_ami data source: find exactly one AMI by owners, executable users, EC2 filters
 * and a POSIX extended regular expression on the name.
 *
 * EC2 does the coarse search (DescribeImages pages through everything); name_regex is applied here.
 * Zero matches is an error; several are an error unless most_recent picks the newest by creation
 * date, and the error lists a few so the user sees how to narrow the search.
 */
#include "ami_internal.h"

#include <regex.h>
#include <string.h>

/* How many matches the "several images match" error lists. */
#define LIST_MAX 5

/* A list(string) attribute's known elements, borrowed, in the arena. */
static const char *const *strings(struct tf_call *call, const struct tf_value *obj,
                                  const char *attr, size_t *n)
{
    const struct tf_value *l = tf_value_get(obj, attr);
    const char **out;

    *n = 0;
    if (!tf_value_is_known(l) || l->u.coll.n == 0)
        return NULL;
    if ((out = tf_arena_alloc(call->arena, l->u.coll.n * sizeof(*out))) == NULL) {
        call->diags.oom = true;
        return NULL;
    }
    for (size_t i = 0; i < l->u.coll.n; i++) {
        if (tf_value_is_known(l->u.coll.items[i]))
            out[(*n)++] = l->u.coll.items[i]->u.str;
    }
    return out;
}

static struct ec2_filter *filters(struct tf_call *call, const struct tf_value *config, size_t *n)
{
    const struct tf_value *set = tf_value_get(config, "filter");
    struct ec2_filter *out;

    *n = 0;
    if (!tf_value_is_known(set) || set->u.coll.n == 0)
        return NULL;
    if ((out = tf_arena_alloc(call->arena, set->u.coll.n * sizeof(*out))) == NULL) {
        call->diags.oom = true;
        return NULL;
    }
    for (size_t i = 0; i < set->u.coll.n; i++) {
        const struct tf_value *f = set->u.coll.items[i];
        out[*n].name = tf_value_get_str(f, "name", "");
        out[*n].values = strings(call, f, "values", &out[*n].n_values);
        (*n)++;
    }
    return out;
}

/* Compiles name_regex; on failure adds an error on the attribute. Returns 1 compiled, 0 none given,
 * -1 invalid. */
static int compile_regex(struct tf_call *call, regex_t *re, const struct tf_value *config)
{
    const char *pattern = tf_value_get_str(config, "name_regex", NULL);
    char why[256];
    int rc;

    if (pattern == NULL)
        return 0;
    rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, re, why, sizeof(why));
        tf_diag_attr(&call->diags, TF_DIAG_ERROR, "name_regex", "Invalid regular expression",
                     "\"%s\" is not a POSIX extended regular expression: %s.", pattern, why);
        return -1;
    }
    return 1;
}

static void ds_validate(struct tf_call *call, const struct tf_value *config)
{
    regex_t re;
    const struct tf_value *set = tf_value_get(config, "filter");

    if (compile_regex(call, &re, config) == 1)
        regfree(&re);
    for (size_t i = 0; tf_value_is_known(set) && i < set->u.coll.n; i++) {
        const struct tf_value *values = tf_value_get(set->u.coll.items[i], "values");
        if (tf_value_is_known(values) && values->u.coll.n == 0) {
            struct tf_path path = tf_path_attr("filter");
            tf_diag_error(&call->diags, &path, "Empty filter",
                          "Filter \"%s\" has no values; give at least one.",
                          tf_value_get_str(set->u.coll.items[i], "name", "?"));
        }
    }
}

/* Creation dates are ISO-8601 UTC; compare them as instants. */
static bool newer(const struct ec2_image *a, const struct ec2_image *b)
{
    int64_t ta = INT64_MIN, tb = INT64_MIN;
    if (a->creation_date != NULL)
        tf_ami_parse_time(&ta, NULL, a->creation_date);
    if (b->creation_date != NULL)
        tf_ami_parse_time(&tb, NULL, b->creation_date);
    /* Same second: EC2's text has milliseconds and one fixed format, so it sorts as it reads. */
    if (ta == tb && a->creation_date != NULL && b->creation_date != NULL)
        return strcmp(a->creation_date, b->creation_date) > 0;
    return ta > tb;
}

static void report_several(struct tf_call *call, const struct ec2_image *const *m, size_t n)
{
    char *list = tf_arena_strdup(call->arena, "");
    for (size_t i = 0; list != NULL && i < n && i < LIST_MAX; i++)
        list = tf_arena_sprintf(call->arena, "%s\n  %s  %s  (%s)", list,
                                m[i]->image_id ? m[i]->image_id : "?",
                                m[i]->name ? m[i]->name : "(no name)",
                                m[i]->creation_date ? m[i]->creation_date : "no date");
    tf_diag_error(&call->diags, NULL, "Your query returned more than one result",
                  "%zu images match:%s%s\n\nNarrow the search with more specific filters (e.g. "
                  "name, architecture, tag:<key>), owners or name_regex, or set most_recent = "
                  "true to take the newest.",
                  n, list != NULL ? list : "", n > LIST_MAX ? "\n  ..." : "");
}

static void ds_read(struct tf_call *call, struct tf_read_data_op *op)
{
    struct ec2_describe_images_input in = {0};
    struct ec2_describe_images_output res = {0};
    struct ec2_call_opts opts = tf_ami_call_opts(call, 0, false);
    struct ec2_error err;
    const struct ec2_image **matches = NULL;
    size_t n = 0;
    regex_t re;
    int have_re;
    struct tf_value *s;

    ec2_error_init(&err);
    if ((have_re = compile_regex(call, &re, op->config)) < 0)
        return;
    in.owners = strings(call, op->config, "owners", &in.n_owners);
    in.executable_by = strings(call, op->config, "executable_users", &in.n_executable_by);
    in.filters = filters(call, op->config, &in.n_filters);
    if (tf_value_get_bool(op->config, "include_deprecated", false))
        in.include_deprecated = EC2_BOOL_TRUE;
    if (call->diags.oom)
        goto cleanup;
    if (ec2_describe_images(&res, call->provider->ec2, &in, &opts, &err) < 0) {
        tf_ami_ec2_diag(call, TF_DIAG_ERROR, NULL, "Cannot search images", &err);
        goto cleanup;
    }
    if (res.n_images > 0 &&
        (matches = tf_arena_alloc(call->arena, res.n_images * sizeof(*matches))) == NULL) {
        call->diags.oom = true;
        goto cleanup;
    }
    for (size_t i = 0; i < res.n_images; i++) {
        const struct ec2_image *img = &res.images[i];
        if (have_re && (img->name == NULL || regexec(&re, img->name, 0, NULL, 0) != 0))
            continue;
        matches[n++] = img;
    }
    if (n == 0) {
        tf_diag_error(&call->diags, NULL, "Your query returned no results",
                      "No image matches the owners, filters%s given (EC2 returned %zu before "
                      "that). Check the filter values (they are case-sensitive; * and ? are "
                      "wildcards), the owners, and include_deprecated for deprecated images.",
                      have_re ? " and name_regex" : "", res.n_images);
        goto cleanup;
    }
    if (n > 1 && !tf_value_get_bool(op->config, "most_recent", false)) {
        report_several(call, matches, n);
        goto cleanup;
    }
    const struct ec2_image *best = matches[0];
    for (size_t i = 1; i < n; i++) {
        if (newer(matches[i], best))
            best = matches[i];
    }
    if ((s = tf_value_copy(call->arena, op->config)) == NULL) {
        call->diags.oom = true;
        goto cleanup;
    }
    if (tf_ami_image_to_state(call, s, best) == 0)
        op->state = s;
cleanup:
    if (have_re == 1)
        regfree(&re);
    ec2_describe_images_output_dispose(&res);
}

const struct tf_data_source tf_data_source_ami = {
    .type_name = "ec2_ami",
    .schema = &tf_ami_data_schema,
    .validate = ds_validate,
    .read = ds_read,
};
