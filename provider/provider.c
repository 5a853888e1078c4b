/*
 * provider.c - the provider block (schema, validation, configuration), the registry of resources
 * and data sources, and the stop flag. See provider.h.
 */
#include "provider.h"

#include <regex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2.h"
#include "log.h"
#include "provider_config.h"

static const struct tf_type list_of_strings = {.kind = TF_LIST, .elem = &tf_type_string};

static const struct tf_schema_attr endpoints_attrs[] = {
    {"ec2", &tf_type_string, TF_ATTR_OPTIONAL,
     "URL of the EC2 API to use instead of the regional endpoint (e.g. a local emulator or a VPC "
     "endpoint)."},
};
static const struct tf_schema_block endpoints_block = {
    .attrs = endpoints_attrs,
    .n_attrs = TF_COUNTOF(endpoints_attrs),
    .description = "Custom service endpoints.",
};
static const struct tf_schema_nested provider_blocks[] = {
    {"endpoints", TF_NEST_SINGLE, &endpoints_block, 0, 0, 0},
};

static const struct tf_schema_attr provider_attrs[] = {
    {"region", &tf_type_string, TF_ATTR_OPTIONAL,
     "AWS region. Defaults to AWS_REGION, AWS_DEFAULT_REGION, then the profile's region."},
    {"access_key", &tf_type_string, TF_ATTR_OPTIONAL | TF_ATTR_SENSITIVE,
     "Access key ID. Set together with secret_key; otherwise the standard credential chain is "
     "used."},
    {"secret_key", &tf_type_string, TF_ATTR_OPTIONAL | TF_ATTR_SENSITIVE, "Secret access key."},
    {"token", &tf_type_string, TF_ATTR_OPTIONAL | TF_ATTR_SENSITIVE,
     "Session token for temporary credentials."},
    {"profile", &tf_type_string, TF_ATTR_OPTIONAL,
     "Named profile in the shared config and credentials files (default: AWS_PROFILE, then "
     "\"default\")."},
    {"shared_config_files", &list_of_strings, TF_ATTR_OPTIONAL,
     "Shared config files to read instead of AWS_CONFIG_FILE or ~/.aws/config."},
    {"shared_credentials_files", &list_of_strings, TF_ATTR_OPTIONAL,
     "Shared credentials files to read instead of AWS_SHARED_CREDENTIALS_FILE or "
     "~/.aws/credentials."},
    {"max_retries", &tf_type_number, TF_ATTR_OPTIONAL,
     "How many times a throttled or transiently failed EC2 request is retried (default 2, i.e. 3 "
     "attempts; at most 100)."},
    {"custom_ca_bundle", &tf_type_string, TF_ATTR_OPTIONAL,
     "PEM file of certificate authorities to trust for the EC2 endpoint instead of the system's."},
    {"insecure", &tf_type_bool, TF_ATTR_OPTIONAL,
     "Skip TLS certificate verification of the EC2 endpoint. Never use it in production."},
    {"plan_dry_run", &tf_type_bool, TF_ATTR_OPTIONAL,
     "Validate changes at plan time with EC2's DryRun flag, so missing permissions and bad "
     "parameters "
     "show up in plan (default true)."},
    {"snapshot_report", &tf_type_string, TF_ATTR_OPTIONAL,
     "Which per-snapshot results of a destroy with delete_snapshots become warnings: \"problems\" "
     "(default: every snapshot EC2 did not delete) or \"all\" (also each deleted snapshot)."},
};

const struct tf_schema tf_provider_schema = {
    .version = 0,
    .block =
        {
            .attrs = provider_attrs,
            .n_attrs = TF_COUNTOF(provider_attrs),
            .blocks = provider_blocks,
            .n_blocks = TF_COUNTOF(provider_blocks),
            .description = "Amazon EC2 machine images (AMIs), with plan-time DryRun validation and "
                           "per-snapshot destroy reports.",
        },
};

/* ---- Validation ------------------------------------------------------------------------------ */

static bool matches(const char *pattern, const char *s)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return false;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static const char *known_str(const struct tf_value *config, const char *name)
{
    const struct tf_value *v = tf_value_get(config, name);
    return tf_value_is_known(v) ? v->u.str : NULL;
}

void tf_provider_validate(struct tf_call *call, const struct tf_value *config)
{
    struct tf_diags *d = &call->diags;
    const char *region = known_str(config, "region");
    if (region != NULL && !matches("^[a-z]{2}(-[a-z]+)+-[0-9]+$", region))
        tf_diag_attr(d, TF_DIAG_ERROR, "region", "Invalid region",
                     "\"%s\" is not an AWS region name such as us-east-1 or eu-central-1.", region);

    /* Static keys come in pairs; one alone is a typo, not a wish to use the credential chain. */
    const struct tf_value *ak = tf_value_get(config, "access_key");
    const struct tf_value *sk = tf_value_get(config, "secret_key");
    if (tf_value_is_known(ak) && tf_value_is_null(sk))
        tf_diag_attr(d, TF_DIAG_ERROR, "secret_key", "Missing secret_key",
                     "access_key is set, so secret_key must be set too.");
    if (tf_value_is_known(sk) && tf_value_is_null(ak))
        tf_diag_attr(d, TF_DIAG_ERROR, "access_key", "Missing access_key",
                     "secret_key is set, so access_key must be set too.");

    const struct tf_value *retries = tf_value_get(config, "max_retries");
    if (tf_value_is_known(retries)) {
        int64_t n;
        if (tf_value_as_int(retries, &n) != 0 || n < 0 || n > TF_PROVIDER_MAX_RETRIES_LIMIT)
            tf_diag_attr(d, TF_DIAG_ERROR, "max_retries", "Invalid max_retries",
                         "max_retries must be a whole number from 0 to %d.",
                         TF_PROVIDER_MAX_RETRIES_LIMIT);
    }

    const char *report = known_str(config, "snapshot_report");
    if (report != NULL && strcmp(report, "problems") != 0 && strcmp(report, "all") != 0)
        tf_diag_attr(d, TF_DIAG_ERROR, "snapshot_report", "Invalid snapshot_report",
                     "snapshot_report must be \"problems\" or \"all\", not \"%s\".", report);

    const char *bundle = known_str(config, "custom_ca_bundle");
    if (bundle != NULL && *bundle == '\0')
        tf_diag_attr(d, TF_DIAG_ERROR, "custom_ca_bundle", "Invalid custom_ca_bundle",
                     "custom_ca_bundle must name a PEM file.");

    const struct tf_value *endpoints = tf_value_get(config, "endpoints");
    const char *ec2_url = tf_value_is_known(endpoints) ? known_str(endpoints, "ec2") : NULL;
    if (ec2_url != NULL && !matches("^https?://[^/?#]+", ec2_url)) {
        struct tf_path path = tf_path_attr("endpoints");
        tf_path_push_attr(&path, "ec2");
        tf_diag_error(d, &path, "Invalid EC2 endpoint", "\"%s\" is not an http:// or https:// URL.",
                      ec2_url);
    }

    static const char *const file_lists[] = {"shared_config_files", "shared_credentials_files"};
    for (size_t i = 0; i < TF_COUNTOF(file_lists); i++) {
        const struct tf_value *list = tf_value_get(config, file_lists[i]);
        if (!tf_value_is_known(list))
            continue;
        for (size_t j = 0; j < list->u.coll.n; j++) {
            const struct tf_value *item = list->u.coll.items[j];
            if (tf_value_is_known(item) && item->u.str[0] != '\0')
                continue;
            struct tf_path path = tf_path_attr(file_lists[i]);
            tf_path_push_index(&path, (int64_t)j);
            tf_diag_error(d, &path, "Invalid file name", "File names must be non-empty strings.");
        }
    }
}

/* ---- Configuration --------------------------------------------------------------------------- */

static _Atomic(struct tf_provider *) configured;

void tf_provider_configure(struct tf_call *call, const struct tf_value *config,
                           const char *terraform_version)
{
    tf_provider_validate(call, config);
    if (tf_diags_has_errors(&call->diags))
        return;
    if (atomic_load(&configured) != NULL) {
        tf_diag_error(&call->diags, NULL, "Provider already configured",
                      "ConfigureProvider was called twice in one provider process.");
        return;
    }
    struct tf_provider *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        tf_diag_error(&call->diags, NULL, "Out of memory", NULL);
        return;
    }
    if (tf_provider_config_build(call, p, config) != 0) {
        free(p);
        return;
    }
    tf_log(TF_LOG_INFO, "provider configured (terraform %s, plan_dry_run=%s)",
           terraform_version != NULL && *terraform_version ? terraform_version : "unknown",
           p->plan_dry_run ? "true" : "false");
    struct tf_provider *expected = NULL;
    if (!atomic_compare_exchange_strong(&configured, &expected, p)) {
        ec2_client_free(p->ec2);
        free(p);
        tf_diag_error(&call->diags, NULL, "Provider already configured",
                      "ConfigureProvider was called twice in one provider process.");
    }
}

const struct tf_provider *tf_provider_current(void)
{
    return atomic_load(&configured);
}

void tf_provider_free(void)
{
    struct tf_provider *p = atomic_exchange(&configured, NULL);
    if (p == NULL)
        return;
    ec2_client_free(p->ec2);
    free(p);
}

/* ---- Registry -------------------------------------------------------------------------------- */

extern const struct tf_resource tf_resource_ami;
extern const struct tf_data_source tf_data_source_ami;

const struct tf_resource *const tf_provider_resources[] = {&tf_resource_ami, NULL};
const struct tf_data_source *const tf_provider_data_sources[] = {&tf_data_source_ami, NULL};

const struct tf_resource *tf_provider_resource(const char *type_name)
{
    for (size_t i = 0; tf_provider_resources[i] != NULL; i++) {
        if (strcmp(tf_provider_resources[i]->type_name, type_name) == 0)
            return tf_provider_resources[i];
    }
    return NULL;
}

const struct tf_data_source *tf_provider_data_source(const char *type_name)
{
    for (size_t i = 0; tf_provider_data_sources[i] != NULL; i++) {
        if (strcmp(tf_provider_data_sources[i]->type_name, type_name) == 0)
            return tf_provider_data_sources[i];
    }
    return NULL;
}

/* ---- Stop ------------------------------------------------------------------------------------ */

static atomic_int stop_flag;

void tf_provider_stop(void)
{
    atomic_store(&stop_flag, 1);
}

bool tf_provider_stopping(void)
{
    return atomic_load(&stop_flag) != 0;
}

const atomic_int *tf_provider_cancel_flag(void)
{
    return &stop_flag;
}
