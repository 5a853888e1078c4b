/*
 * client.c - client construction and the send/retry pipeline (see client.h, ec2.h).
 */
#include "client.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>

#include "clock.h"
#include "config_file.h"
#include "error.h"
#include "sigv4.h"
#include "xml.h"

#define DEFAULT_MAX_ATTEMPTS       3
#define DEFAULT_BASE_DELAY_MS      100
#define DEFAULT_MAX_DELAY_MS       20000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_REQUEST_TIMEOUT_MS 60000
#define DEFAULT_MAX_RESPONSE       ((size_t)64 << 20)
#define PRODUCT_TOKEN              "terraform-provider-ec2-client/0.1.0"
#define TRACE_BODY_MAX             2048

int ec2_global_init(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return EC2_ERR_GENERIC;
    xmlInitParser();
    return 0;
}

void ec2_global_cleanup(void)
{
    xmlCleanupParser();
    curl_global_cleanup();
}

void ec2_config_init(struct ec2_config *config)
{
    memset(config, 0, sizeof(*config));
}

void ec2_client_log(const struct ec2_client *client, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (client->log == NULL || level < client->log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    client->log(client->log_payload, level, msg);
}

void ec2_client_free(struct ec2_client *client)
{
    if (client == NULL)
        return;
    ec2_creds_free(client->creds);
    ec2_http_free(client->http);
    ec2_retry_bucket_dispose(&client->bucket);
    ec2_endpoint_parts_dispose(&client->parts);
    free(client->region);
    free(client->endpoint);
    free(client);
}

static int64_t pick_ms(int64_t value, int64_t fallback)
{
    return value > 0 ? value : fallback;
}

int ec2_client_new(struct ec2_client **out, const struct ec2_config *config, struct ec2_error *err)
{
    struct ec2_client *c = NULL;
    struct ec2_profile profile;
    struct ec2_http_config hc;
    struct ec2_creds_config cc;
    struct ec2_buf ua;
    bool bucket_ready = false;
    int rc;

    memset(&profile, 0, sizeof(profile));
    ec2_buf_init(&ua, 0);
    if (out == NULL || config == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "ec2_client_new needs out and config");
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    ec2_hooks_fill(&c->hooks, &config->hooks);
    c->max_attempts = config->max_attempts > 0 ? config->max_attempts : DEFAULT_MAX_ATTEMPTS;
    c->retry_base_ms = pick_ms(config->retry_base_delay_ms, DEFAULT_BASE_DELAY_MS);
    c->retry_max_ms = pick_ms(config->retry_max_delay_ms, DEFAULT_MAX_DELAY_MS);
    c->request_timeout_ms = pick_ms(config->request_timeout_ms, DEFAULT_REQUEST_TIMEOUT_MS);
    c->log = config->log;
    c->log_payload = config->log_payload;
    c->log_level = config->log_level;
    atomic_init(&c->skew_ms, 0);

    rc = ec2_retry_bucket_init(&c->bucket, EC2_RETRY_BUCKET_CAPACITY);
    if (rc < 0) {
        ec2_error_set(err, rc, EC2_CLASS_LOCAL, "cannot create a mutex");
        goto fail;
    }
    bucket_ready = true;
    rc = ec2_profile_load(&profile, config->profile, config->shared_credentials_files,
                          config->n_shared_credentials_files, config->shared_config_files,
                          config->n_shared_config_files, err);
    if (rc == 0)
        rc = ec2_endpoint_region(&c->region, config->region, &profile, err);
    if (rc == 0)
        rc = ec2_endpoint_url(&c->endpoint, config->endpoint, c->region, &profile, err);
    if (rc == 0)
        rc = ec2_endpoint_parse(&c->parts, c->endpoint, err);
    if (rc < 0)
        goto fail;

    if (config->user_agent != NULL && config->user_agent[0] != '\0')
        rc = ec2_buf_appendf(&ua, "%s %s", config->user_agent, PRODUCT_TOKEN);
    else
        rc = ec2_buf_appends(&ua, PRODUCT_TOKEN);
    if (rc < 0) {
        ec2_error_set(err, rc, EC2_CLASS_LOCAL, "out of memory");
        goto fail;
    }
    memset(&hc, 0, sizeof(hc));
    hc.ca_bundle = config->ca_bundle;
    hc.insecure = config->insecure;
    hc.connect_timeout_ms = pick_ms(config->connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS);
    hc.max_response_bytes =
        config->max_response_bytes > 0 ? config->max_response_bytes : DEFAULT_MAX_RESPONSE;
    hc.user_agent = ua.data;
    hc.monotonic_ms = c->hooks.monotonic_ms;
    hc.clock_payload = c->hooks.payload;
    rc = ec2_http_new(&c->http, &hc, err);
    if (rc < 0)
        goto fail;

    memset(&cc, 0, sizeof(cc));
    cc.access_key = config->access_key;
    cc.secret_key = config->secret_key;
    cc.session_token = config->session_token;
    cc.profile = &profile;
    cc.disable_imds = config->disable_imds;
    cc.hooks = &c->hooks;
    cc.log = config->log;
    cc.log_payload = config->log_payload;
    rc = ec2_creds_new(&c->creds, &cc, err);
    if (rc < 0)
        goto fail;
    ec2_client_log(c, EC2_LOG_DEBUG, "EC2 client: region %s, endpoint %s, credentials from %s%s",
                   c->region, c->endpoint, ec2_creds_source(c->creds),
                   config->insecure ? ", TLS verification OFF" : "");
    ec2_profile_dispose(&profile);
    ec2_buf_dispose(&ua);
    *out = c;
    return 0;

fail:
    if (!bucket_ready) {
        /* ec2_client_free() would destroy a mutex that was never created. */
        free(c);
        c = NULL;
    }
    ec2_client_free(c);
    ec2_profile_dispose(&profile);
    ec2_buf_dispose(&ua);
    return rc;
}

const char *ec2_client_region(const struct ec2_client *client)
{
    return client->region;
}

const char *ec2_client_endpoint(const struct ec2_client *client)
{
    return client->endpoint;
}

const char *ec2_client_credentials_source(const struct ec2_client *client)
{
    return ec2_creds_source(client->creds);
}

int64_t ec2_client_monotonic_ms(const struct ec2_client *client)
{
    return client->hooks.monotonic_ms(client->hooks.payload);
}

/* Sign and send one attempt. On return `resp` holds whatever arrived (dispose it). */
static int send_once(struct ec2_http_response *resp, struct ec2_client *c,
                     const struct ec2_query *query, const struct ec2_call_opts *opts,
                     struct ec2_error *err)
{
    static const char content_type[] = "application/x-www-form-urlencoded; charset=utf-8";
    struct ec2_credentials creds;
    struct sigv4_signature sig;
    struct sigv4_header sh[2];
    struct sigv4_request sreq;
    struct sigv4_credentials sc;
    struct sigv4_options so;
    struct ec2_http_request req;
    struct ec2_buf lines[5];
    const char *headers[5];
    size_t n_headers = 0;
    int64_t now_ms;
    int rc;

    memset(resp, 0, sizeof(*resp));
    for (size_t i = 0; i < 5; i++)
        ec2_buf_init(&lines[i], 0);
    memset(&sig, 0, sizeof(sig));
    rc = ec2_creds_get(c->creds, &creds, err);
    if (rc < 0)
        goto cleanup;
    now_ms = c->hooks.wall_ms(c->hooks.payload) + atomic_load(&c->skew_ms);
    sh[0].name = "Host";
    sh[0].value = c->parts.host;
    sh[1].name = "Content-Type";
    sh[1].value = content_type;
    memset(&sreq, 0, sizeof(sreq));
    sreq.method = "POST";
    sreq.path = c->parts.path;
    sreq.headers = sh;
    sreq.n_headers = 2;
    sreq.body = query->body.data;
    sreq.body_len = query->body.len;
    sc.access_key = creds.access_key;
    sc.secret_key = creds.secret_key;
    sc.session_token = creds.session_token;
    memset(&so, 0, sizeof(so));
    so.region = c->region;
    so.service = "ec2";
    so.time = now_ms / 1000;
    so.normalize_path = true;
    rc = sigv4_sign(&sig, &sreq, &sc, &so, err);
    if (rc < 0)
        goto cleanup;
    if (ec2_buf_appendf(&lines[0], "Host: %s", c->parts.host) < 0 ||
        ec2_buf_appendf(&lines[1], "Content-Type: %s", content_type) < 0 ||
        ec2_buf_appendf(&lines[2], "X-Amz-Date: %s", sig.amz_date) < 0 ||
        ec2_buf_appendf(&lines[3], "Authorization: %s", ec2_buf_str(&sig.authorization)) < 0 ||
        (creds.session_token[0] != '\0' &&
         ec2_buf_appendf(&lines[4], "X-Amz-Security-Token: %s", creds.session_token) < 0)) {
        rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < 5; i++) {
        if (lines[i].len > 0)
            headers[n_headers++] = lines[i].data;
    }
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.url = c->endpoint;
    req.headers = headers;
    req.n_headers = n_headers;
    req.body = ec2_buf_str(&query->body);
    req.body_len = query->body.len;
    req.timeout_ms = c->request_timeout_ms;
    req.deadline_ms = opts->deadline_ms;
    req.cancel = opts->cancel;
    rc = ec2_http_perform(resp, c->http, &req, err);
cleanup:
    ec2_credentials_wipe(&creds);
    for (size_t i = 3; i < 5; i++) {
        if (lines[i].data != NULL)
            OPENSSL_cleanse(lines[i].data, lines[i].len);
    }
    for (size_t i = 0; i < 5; i++)
        ec2_buf_dispose(&lines[i]);
    sigv4_signature_dispose(&sig);
    return rc;
}

/* Turn an answered attempt into a document or a classified error. */
static int read_answer(xmlDoc **out, const char *action, const struct ec2_http_response *resp,
                       struct ec2_error *err)
{
    char expected[128];
    xmlDoc *doc = NULL;
    xmlNode *root;
    int rc;

    if (resp->status < 200 || resp->status > 299) {
        ec2_error_init(err);
        err->http_status = (int)resp->status;
        bool documented = ec2_xml_read_error(err, ec2_buf_str(&resp->body), resp->body.len);
        if (!documented)
            snprintf(err->message, sizeof(err->message),
                     "EC2 answered HTTP %ld without an EC2 error document", resp->status);
        if (err->request_id[0] == '\0')
            snprintf(err->request_id, sizeof(err->request_id), "%s", resp->request_id);
        ec2_retry_classify(err);
        /* A proxy's or load balancer's page: same class, but say it was not EC2 speaking. */
        if (!documented && err->code == EC2_ERR_API)
            err->code = EC2_ERR_HTTP;
        return err->code;
    }
    rc = ec2_xml_parse(&doc, ec2_buf_str(&resp->body), resp->body.len, err);
    if (rc < 0) {
        err->http_status = (int)resp->status;
        return rc;
    }
    root = xmlDocGetRootElement(doc);
    snprintf(expected, sizeof(expected), "%sResponse", action);
    if (strcmp((const char *)root->name, expected) != 0) {
        xmlFreeDoc(doc);
        rc = ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                           "EC2 answered <%.64s> where <%s> was expected", (const char *)root->name,
                           expected);
        err->http_status = (int)resp->status;
        return rc;
    }
    *out = doc;
    return 0;
}

static void trace_body(const struct ec2_client *c, const char *what, const char *body, size_t len)
{
    char clean[TRACE_BODY_MAX + 1];

    if (c->log == NULL || EC2_LOG_TRACE < c->log_level)
        return;
    ec2_error_copy_clean(clean, sizeof(clean), body, len);
    ec2_client_log(c, EC2_LOG_TRACE, "%s (%zu bytes): %s%s", what, len, clean,
                   len > TRACE_BODY_MAX ? "..." : "");
}

int ec2_client_send(xmlDoc **out, struct ec2_client *client, const char *action,
                    const struct ec2_query *query, const struct ec2_call_opts *opts,
                    struct ec2_error *err)
{
    static const struct ec2_call_opts no_opts = EC2_CALL_OPTS_INIT;
    struct ec2_error e;
    int attempt = 0, budget = client->max_attempts, taken = 0, rc;
    bool skew_retried = false;

    if (opts == NULL)
        opts = &no_opts;
    rc = ec2_query_status(query);
    if (rc < 0)
        return ec2_error_set(err, rc, EC2_CLASS_LOCAL, "cannot build the %s request: %s", action,
                             ec2_strerror(rc));
    trace_body(client, action, ec2_buf_str(&query->body), query->body.len);
    for (;;) {
        struct ec2_http_response resp;
        xmlDoc *doc = NULL;
        int64_t delay, retry_after;
        int cost;

        attempt++;
        ec2_error_init(&e);
        memset(&resp, 0, sizeof(resp));
        rc = send_once(&resp, client, query, opts, &e);
        if (resp.resent > 0)
            ec2_client_log(client, EC2_LOG_INFO,
                           "%s attempt %d: the reused connection had died before an answer; "
                           "libcurl re-sent the request on a new connection (%d time%s)",
                           action, attempt, resp.resent, resp.resent == 1 ? "" : "s");
        if (rc == 0) {
            trace_body(client, "response", ec2_buf_str(&resp.body), resp.body.len);
            rc = read_answer(&doc, action, &resp, &e);
        }
        if (rc == 0) {
            ec2_http_response_dispose(&resp);
            ec2_retry_bucket_success(&client->bucket, taken);
            *out = doc;
            return 0;
        }
        if (!skew_retried && resp.date_ms > 0 && ec2_retry_is_skew_code(e.ec2_code)) {
            int64_t skew = resp.date_ms - client->hooks.wall_ms(client->hooks.payload);
            int64_t old = atomic_load(&client->skew_ms);
            if (skew - old > EC2_RETRY_SKEW_THRESHOLD_MS ||
                old - skew > EC2_RETRY_SKEW_THRESHOLD_MS) {
                /* Our clock is off: sign with the server's time and try once more, free. */
                atomic_store(&client->skew_ms, skew);
                skew_retried = true;
                budget++;
                ec2_client_log(client, EC2_LOG_WARN,
                               "%s attempt %d: %s; correcting clock skew of %" PRId64
                               " ms and retrying",
                               action, attempt, e.ec2_code, skew);
                ec2_http_response_dispose(&resp);
                continue;
            }
        }
        retry_after =
            ec2_retry_after_ms(resp.retry_after, client->hooks.wall_ms(client->hooks.payload));
        ec2_http_response_dispose(&resp);
        if (!ec2_error_is_retryable(&e))
            break;
        if (attempt >= budget) {
            ec2_client_log(client, EC2_LOG_WARN,
                           "%s attempt %d: %s; not retrying, %d attempts made", action, attempt,
                           e.ec2_code[0] != '\0' ? e.ec2_code : e.message, attempt);
            break;
        }
        cost = ec2_retry_bucket_acquire(&client->bucket, e.code == EC2_ERR_TIMEOUT);
        if (cost == 0) {
            ec2_client_log(client, EC2_LOG_WARN,
                           "%s attempt %d: %s; not retrying, retry quota exhausted", action,
                           attempt, e.ec2_code[0] != '\0' ? e.ec2_code : e.message);
            break;
        }
        taken += cost;
        delay = ec2_retry_backoff_ms(attempt - 1, client->retry_base_ms, client->retry_max_ms,
                                     client->hooks.random(client->hooks.payload));
        if (retry_after > delay)
            delay = retry_after < client->retry_max_ms ? retry_after : client->retry_max_ms;
        if (opts->deadline_ms > 0 &&
            client->hooks.monotonic_ms(client->hooks.payload) + delay >= opts->deadline_ms) {
            ec2_client_log(client, EC2_LOG_WARN,
                           "%s attempt %d: %s; not retrying, the deadline is too close", action,
                           attempt, e.ec2_code[0] != '\0' ? e.ec2_code : e.message);
            break;
        }
        ec2_client_log(client, EC2_LOG_INFO,
                       "%s attempt %d failed: %s (HTTP %d, %s); retrying in %" PRId64 " ms", action,
                       attempt, e.ec2_code[0] != '\0' ? e.ec2_code : e.message, e.http_status,
                       ec2_error_class_name(e.error_class), delay);
        if (client->hooks.sleep_ms(client->hooks.payload, delay, opts->cancel) ==
            EC2_ERR_CANCELLED) {
            ec2_error_set(&e, EC2_ERR_CANCELLED, EC2_CLASS_CANCELLED,
                          "%s cancelled while waiting to retry", action);
            break;
        }
    }
    e.attempts = attempt;
    if (err != NULL)
        *err = e;
    return e.code;
}
