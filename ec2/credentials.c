/*
 * credentials.c - credential chain and refreshing cache (see credentials.h).
 *
 * DESIGN: the source is chosen once, in ec2_creds_new(); afterwards only expiring sources are
 * re-run. The cache is the only mutable state and sits behind `lock`; readers copy the
 * credentials out under the lock, so a refresh never changes strings a request is signing with.
 */
#include "credentials.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "error.h"
#include "http.h"
#include "imds.h"
#include "process.h"

enum source {
    SOURCE_STATIC,
    SOURCE_ENV,
    SOURCE_FILE,
    SOURCE_PROCESS,
    SOURCE_IMDS,
};

static const char *const source_names[] = {
    "static", "environment", "shared-credentials-file", "credential_process", "imds",
};

struct ec2_creds {
    enum source source;
    char *process_command;      /* SOURCE_PROCESS */
    struct ec2_http *imds_http; /* SOURCE_IMDS */
    char *imds_endpoint;
    struct ec2_hooks hooks;
    void (*log)(void *payload, int level, const char *msg);
    void *log_payload;
    pthread_mutex_t lock;
    struct ec2_credentials current; /* guarded by lock */
};

void ec2_credentials_wipe(struct ec2_credentials *creds)
{
    OPENSSL_cleanse(creds, sizeof(*creds));
}

static bool copy_field(char *dst, size_t size, const char *src)
{
    size_t len = src != NULL ? strlen(src) : 0;

    if (len >= size)
        return false;
    memcpy(dst, src != NULL ? src : "", len + 1);
    return true;
}

static const char *json_str(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int ec2_credentials_from_json(struct ec2_credentials *out, const char *json, size_t len,
                              const char *source, struct ec2_error *err)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *root = NULL, *version = NULL;
    struct ec2_credentials c;
    const char *ak, *sk, *token, *expiration, *code;
    int64_t expires = 0;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    if (tok == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    if (len <= (size_t)INT32_MAX)
        root = json_tokener_parse_ex(tok, json, (int)len);
    if (root == NULL || !json_object_is_type(root, json_type_object)) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "%s: output is not a JSON object", source);
        goto cleanup;
    }
    code = json_str(root, "Code");
    if (code != NULL && strcmp(code, "Success") != 0) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL, "%s: Code is %.64s", source,
                           code);
        goto cleanup;
    }
    if (json_object_object_get_ex(root, "Version", &version) && json_object_get_int(version) != 1) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "%s: unsupported Version (only 1 is known)", source);
        goto cleanup;
    }
    if (code == NULL && version == NULL) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "%s: output lacks \"Version\": 1", source);
        goto cleanup;
    }
    ak = json_str(root, "AccessKeyId");
    sk = json_str(root, "SecretAccessKey");
    token = json_str(root, "SessionToken");
    if (token == NULL)
        token = json_str(root, "Token");
    expiration = json_str(root, "Expiration");
    if (ak == NULL || sk == NULL || ak[0] == '\0' || sk[0] == '\0') {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "%s: AccessKeyId or SecretAccessKey missing", source);
        goto cleanup;
    }
    if (expiration != NULL && ec2_time_parse(&expires, expiration) < 0) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "%s: Expiration is not an ISO-8601 time", source);
        goto cleanup;
    }
    if (!copy_field(c.access_key, sizeof(c.access_key), ak) ||
        !copy_field(c.secret_key, sizeof(c.secret_key), sk) ||
        !copy_field(c.session_token, sizeof(c.session_token), token)) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "%s: a credential field is too long", source);
        goto cleanup;
    }
    c.expires_ms = expiration != NULL ? expires * 1000 : 0;
    *out = c;
cleanup:
    ec2_credentials_wipe(&c);
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

static int fetch(struct ec2_creds *creds, struct ec2_credentials *out, struct ec2_error *err)
{
    struct ec2_buf json;
    int rc;

    ec2_buf_init(&json, EC2_PROCESS_MAX_OUTPUT);
    if (creds->source == SOURCE_PROCESS)
        rc = ec2_process_run(&json, creds->process_command, EC2_CREDS_PROCESS_TIMEOUT_MS, err);
    else
        rc = ec2_imds_fetch(&json, creds->imds_http, creds->imds_endpoint, err);
    if (rc == 0)
        rc = ec2_credentials_from_json(out, ec2_buf_str(&json), json.len,
                                       source_names[creds->source], err);
    if (json.data != NULL)
        OPENSSL_cleanse(json.data, json.len);
    ec2_buf_dispose(&json);
    return rc;
}

static void log_msg(struct ec2_creds *creds, int level, const char *msg)
{
    if (creds->log != NULL)
        creds->log(creds->log_payload, level, msg);
}

static bool env_true(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && strcasecmp(v, "true") == 0;
}

static int set_static(struct ec2_creds *creds, enum source source, const char *ak, const char *sk,
                      const char *token, struct ec2_error *err)
{
    creds->source = source;
    if (!copy_field(creds->current.access_key, sizeof(creds->current.access_key), ak) ||
        !copy_field(creds->current.secret_key, sizeof(creds->current.secret_key), sk) ||
        !copy_field(creds->current.session_token, sizeof(creds->current.session_token), token))
        return ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                             "%s credentials: a field is too long", source_names[source]);
    return 0;
}

static bool present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static int new_imds_transport(struct ec2_creds *creds, struct ec2_error *err)
{
    struct ec2_http_config hc;

    memset(&hc, 0, sizeof(hc));
    hc.no_proxy = true;
    hc.connect_timeout_ms = 1000;
    hc.max_response_bytes = EC2_PROCESS_MAX_OUTPUT;
    hc.monotonic_ms = creds->hooks.monotonic_ms;
    hc.clock_payload = creds->hooks.payload;
    creds->imds_endpoint = strdup(ec2_imds_endpoint());
    if (creds->imds_endpoint == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    return ec2_http_new(&creds->imds_http, &hc, err);
}

/* Pick the source; static sources are loaded here, expiring ones by the caller. */
static int choose_source(struct ec2_creds *creds, const struct ec2_creds_config *config,
                         struct ec2_error *err)
{
    const struct ec2_profile *p = config->profile;
    const char *env_ak = getenv("AWS_ACCESS_KEY_ID"), *env_sk = getenv("AWS_SECRET_ACCESS_KEY");

    if (present(config->access_key) || present(config->secret_key)) {
        if (!present(config->access_key) || !present(config->secret_key))
            return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                                 "access_key and secret_key must be set together");
        return set_static(creds, SOURCE_STATIC, config->access_key, config->secret_key,
                          config->session_token, err);
    }
    if (present(env_ak) && present(env_sk))
        return set_static(creds, SOURCE_ENV, env_ak, env_sk, getenv("AWS_SESSION_TOKEN"), err);
    if (p != NULL && present(p->access_key) && present(p->secret_key))
        return set_static(creds, SOURCE_FILE, p->access_key, p->secret_key, p->session_token, err);
    if (p != NULL && present(p->credential_process)) {
        creds->source = SOURCE_PROCESS;
        creds->process_command = strdup(p->credential_process);
        if (creds->process_command == NULL)
            return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        return 0;
    }
    if (config->disable_imds || env_true("AWS_EC2_METADATA_DISABLED"))
        return ec2_error_set(err, EC2_ERR_NO_CREDENTIALS, EC2_CLASS_LOCAL,
                             "no AWS credentials found: set access_key/secret_key, "
                             "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile");
    creds->source = SOURCE_IMDS;
    return new_imds_transport(creds, err);
}

int ec2_creds_new(struct ec2_creds **out, const struct ec2_creds_config *config,
                  struct ec2_error *err)
{
    struct ec2_creds *creds = calloc(1, sizeof(*creds));
    struct ec2_error e;
    int rc;

    if (creds == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    if (pthread_mutex_init(&creds->lock, NULL) != 0) {
        free(creds);
        return ec2_error_set(err, EC2_ERR_GENERIC, EC2_CLASS_LOCAL, "cannot create a mutex");
    }
    creds->hooks = *config->hooks;
    creds->log = config->log;
    creds->log_payload = config->log_payload;
    rc = choose_source(creds, config, err);
    if (rc == 0 && (creds->source == SOURCE_PROCESS || creds->source == SOURCE_IMDS)) {
        ec2_error_init(&e);
        rc = fetch(creds, &creds->current, &e);
        if (rc < 0 && creds->source == SOURCE_IMDS && rc == EC2_ERR_NO_CREDENTIALS)
            rc = ec2_error_set(err, EC2_ERR_NO_CREDENTIALS, EC2_CLASS_LOCAL,
                               "no AWS credentials found: set access_key/secret_key, "
                               "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile (%s)",
                               e.message);
        else if (rc < 0 && err != NULL)
            *err = e;
    }
    if (rc < 0) {
        ec2_creds_free(creds);
        return rc;
    }
    {
        char msg[128];
        snprintf(msg, sizeof(msg), "AWS credentials loaded from source %s",
                 source_names[creds->source]);
        log_msg(creds, EC2_LOG_DEBUG, msg);
    }
    *out = creds;
    return 0;
}

void ec2_creds_free(struct ec2_creds *creds)
{
    if (creds == NULL)
        return;
    ec2_credentials_wipe(&creds->current);
    pthread_mutex_destroy(&creds->lock);
    ec2_http_free(creds->imds_http);
    free(creds->imds_endpoint);
    free(creds->process_command);
    free(creds);
}

const char *ec2_creds_source(const struct ec2_creds *creds)
{
    return source_names[creds->source];
}

int ec2_creds_get(struct ec2_creds *creds, struct ec2_credentials *out, struct ec2_error *err)
{
    int64_t now;
    int rc = 0;

    pthread_mutex_lock(&creds->lock);
    now = creds->hooks.wall_ms(creds->hooks.payload);
    if (creds->current.expires_ms != 0 &&
        now + EC2_CREDS_REFRESH_WINDOW_MS >= creds->current.expires_ms) {
        struct ec2_credentials fresh;
        struct ec2_error e;
        memset(&fresh, 0, sizeof(fresh));
        ec2_error_init(&e);
        rc = fetch(creds, &fresh, &e);
        if (rc == 0) {
            creds->current = fresh;
            log_msg(creds, EC2_LOG_DEBUG, "AWS credentials refreshed");
        } else if (now < creds->current.expires_ms) {
            /* Still valid for a while: keep going, try again on the next call. */
            char msg[600];
            snprintf(msg, sizeof(msg), "AWS credential refresh failed, using the current ones: %s",
                     e.message);
            log_msg(creds, EC2_LOG_WARN, msg);
            rc = 0;
        } else if (err != NULL) {
            *err = e;
        }
        ec2_credentials_wipe(&fresh);
    }
    if (rc == 0)
        *out = creds->current;
    pthread_mutex_unlock(&creds->lock);
    return rc;
}
