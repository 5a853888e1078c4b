/*
 * provider_config.c - from the provider block to a configured EC2 client. See provider_config.h.
 *
 * The EC2 library resolves what the block leaves out (environment, shared files, IMDS) exactly as
 * the AWS tools do; this file only maps attributes to the library's config and its errors to
 * diagnostics. The library logs through tf_log, which never receives credentials.
 */
#include "provider_config.h"

#include <string.h>

#include "ec2.h"
#include "log.h"

static void log_from_ec2(void *payload, int level, const char *msg)
{
    (void)payload;
    static const enum tf_log_level map[] = {TF_LOG_TRACE, TF_LOG_DEBUG, TF_LOG_INFO, TF_LOG_WARN,
                                            TF_LOG_ERROR};
    enum tf_log_level l = level >= 0 && level <= EC2_LOG_ERROR ? map[level] : TF_LOG_ERROR;
    tf_log(l, "ec2: %s", msg);
}

static const char *str_attr(const struct tf_value *obj, const char *name)
{
    return tf_value_get_str(obj, name, NULL);
}

/* A list(string) attribute as a borrowed array in the call's arena. */
static const char *const *string_list(struct tf_call *call, const struct tf_value *obj,
                                      const char *name, size_t *n)
{
    const struct tf_value *list = tf_value_get(obj, name);
    *n = 0;
    if (!tf_value_is_known(list) || list->u.coll.n == 0)
        return NULL;
    const char **out = tf_arena_alloc(call->arena, list->u.coll.n * sizeof(*out));
    if (out == NULL) {
        call->diags.oom = true;
        return NULL;
    }
    for (size_t i = 0; i < list->u.coll.n; i++) {
        if (tf_value_is_known(list->u.coll.items[i]))
            out[(*n)++] = list->u.coll.items[i]->u.str;
    }
    return out;
}

/* Names the attribute a client-creation failure is most likely about, so Terraform points there. */
static const char *blame(int code, const struct tf_value *config)
{
    if (code == EC2_ERR_CONFIG)
        return tf_value_is_known(tf_value_get(config, "region")) ? NULL : "region";
    if (code == EC2_ERR_NO_CREDENTIALS || code == EC2_ERR_CREDENTIALS)
        return tf_value_is_known(tf_value_get(config, "profile")) ? "profile" : NULL;
    return NULL;
}

int tf_provider_config_build(struct tf_call *call, struct tf_provider *p,
                             const struct tf_value *config)
{
    if (tf_value_contains_unknown(config)) {
        tf_diag_error(&call->diags, NULL, "Provider configuration depends on unknown values",
                      "The ec2 provider block uses values that are only known after apply. Set "
                      "them to values known at plan time, or apply their source first with "
                      "-target.");
        return -1;
    }
    struct ec2_config c;
    ec2_config_init(&c);
    c.region = str_attr(config, "region");
    c.access_key = str_attr(config, "access_key");
    c.secret_key = str_attr(config, "secret_key");
    c.session_token = str_attr(config, "token");
    c.profile = str_attr(config, "profile");
    c.shared_config_files =
        string_list(call, config, "shared_config_files", &c.n_shared_config_files);
    c.shared_credentials_files =
        string_list(call, config, "shared_credentials_files", &c.n_shared_credentials_files);
    const struct tf_value *endpoints = tf_value_get(config, "endpoints");
    if (tf_value_is_known(endpoints))
        c.endpoint = str_attr(endpoints, "ec2");
    c.max_attempts =
        1 + (int)tf_value_get_int(config, "max_retries", TF_PROVIDER_DEFAULT_MAX_RETRIES);
    c.ca_bundle = str_attr(config, "custom_ca_bundle");
    c.insecure = tf_value_get_bool(config, "insecure", false);
    c.user_agent = "terraform-provider-ec2/0.1.0";
    c.log = log_from_ec2;
    c.log_level = tf_log_enabled(TF_LOG_TRACE) ? EC2_LOG_TRACE : EC2_LOG_DEBUG;

    p->plan_dry_run = tf_value_get_bool(config, "plan_dry_run", true);
    const char *report = str_attr(config, "snapshot_report");
    p->snapshot_report = report != NULL && strcmp(report, "all") == 0 ? TF_SNAPSHOT_REPORT_ALL
                                                                      : TF_SNAPSHOT_REPORT_PROBLEMS;
    if (call->diags.oom)
        return -1;

    struct ec2_error err;
    ec2_error_init(&err);
    int rc = ec2_client_new(&p->ec2, &c, &err);
    if (rc != 0) {
        const char *attr = blame(rc, config);
        struct tf_path path = tf_path_attr(attr != NULL ? attr : "");
        tf_diag_error(&call->diags, attr != NULL ? &path : NULL, "Cannot configure the EC2 client",
                      "%s: %s", ec2_strerror(rc), err.message);
        return -1;
    }
    tf_log(TF_LOG_INFO, "EC2 client ready: region %s, endpoint %s, credentials from %s",
           ec2_client_region(p->ec2), ec2_client_endpoint(p->ec2),
           ec2_client_credentials_source(p->ec2));
    return 0;
}
