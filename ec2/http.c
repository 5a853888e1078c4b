/*
 * http.c - libcurl transport with a handle pool and a share (see http.h).
 *
 * Guarantees: TLS peer and host verification stay on unless `insecure`; proxies come from the
 * usual environment variables (libcurl's default) unless `no_proxy`; a response body never
 * grows past max_response_bytes; the Date, Retry-After and x-amzn-RequestId headers of the
 * final response are captured (interim 1xx responses reset them).
 */
#define _GNU_SOURCE /* memmem */
#include "http.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "error.h"

#define POOL_MAX      8
#define POLL_SLICE_MS 50

struct slot {
    CURL *easy;
    CURLM *multi;
    struct slot *next;
};

struct ec2_http {
    struct ec2_http_config config;
    char *ca_bundle;
    char *user_agent;
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_lock;
    struct slot *free_slots;
    int n_free;
};

/* Per-request state seen by the callbacks. */
struct transfer {
    struct ec2_http_response *resp;
    size_t max;
    bool too_large;
    bool deadline_bound; /* the transfer's timeout is what was left of the call's deadline */
    const atomic_int *cancel;
};

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userp)
{
    struct ec2_http *http = userp;

    (void)handle;
    (void)access;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&http->share_locks[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *userp)
{
    struct ec2_http *http = userp;

    (void)handle;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&http->share_locks[data]);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

int ec2_http_new(struct ec2_http **out, const struct ec2_http_config *config, struct ec2_error *err)
{
    struct ec2_http *http = calloc(1, sizeof(*http));
    int locks = 0;

    if (http == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    http->config = *config;
    http->ca_bundle = dup_or_null(config->ca_bundle);
    http->user_agent = dup_or_null(config->user_agent);
    if ((config->ca_bundle != NULL && http->ca_bundle == NULL) ||
        (config->user_agent != NULL && http->user_agent == NULL))
        goto nomem;
    http->config.ca_bundle = http->ca_bundle;
    http->config.user_agent = http->user_agent;
    for (; locks < CURL_LOCK_DATA_LAST; locks++) {
        if (pthread_mutex_init(&http->share_locks[locks], NULL) != 0)
            goto fail_locks;
    }
    if (pthread_mutex_init(&http->pool_lock, NULL) != 0)
        goto fail_locks;
    *out = http;
    return 0;

fail_locks:
    while (locks-- > 0)
        pthread_mutex_destroy(&http->share_locks[locks]);
    free(http->ca_bundle);
    free(http->user_agent);
    free(http);
    return ec2_error_set(err, EC2_ERR_GENERIC, EC2_CLASS_LOCAL, "cannot create a mutex");
nomem:
    free(http->ca_bundle);
    free(http->user_agent);
    free(http);
    return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
}

/*
 * The share is made by the first request rather than by ec2_http_new(), so that creating a
 * transport makes no libcurl call: a program that loads libcurl on first use (the provider does)
 * then loads it only once something is sent. 0, or EC2_ERR_GENERIC with err filled.
 */
static int share_ready(struct ec2_http *http, struct ec2_error *err)
{
    int rc = 0;

    pthread_mutex_lock(&http->pool_lock);
    if (http->share == NULL) {
        CURLSH *share = curl_share_init();
        if (share == NULL ||
            curl_share_setopt(share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
            curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
            curl_share_setopt(share, CURLSHOPT_USERDATA, http) != CURLSHE_OK ||
            curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
            curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
            if (share != NULL)
                curl_share_cleanup(share);
            rc = ec2_error_set(err, EC2_ERR_GENERIC, EC2_CLASS_LOCAL,
                               "cannot set up libcurl (is it installed?)");
        } else {
            http->share = share;
        }
    }
    pthread_mutex_unlock(&http->pool_lock);
    return rc;
}

static void slot_free(struct slot *s)
{
    if (s == NULL)
        return;
    curl_multi_cleanup(s->multi);
    curl_easy_cleanup(s->easy);
    free(s);
}

void ec2_http_free(struct ec2_http *http)
{
    if (http == NULL)
        return;
    while (http->free_slots != NULL) {
        struct slot *s = http->free_slots;
        http->free_slots = s->next;
        slot_free(s);
    }
    if (http->share != NULL)
        curl_share_cleanup(http->share);
    pthread_mutex_destroy(&http->pool_lock);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&http->share_locks[i]);
    free(http->ca_bundle);
    free(http->user_agent);
    free(http);
}

static struct slot *slot_take(struct ec2_http *http)
{
    struct slot *s;

    pthread_mutex_lock(&http->pool_lock);
    s = http->free_slots;
    if (s != NULL) {
        http->free_slots = s->next;
        http->n_free--;
    }
    pthread_mutex_unlock(&http->pool_lock);
    if (s != NULL)
        return s;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->easy = curl_easy_init();
    s->multi = curl_multi_init();
    if (s->easy == NULL || s->multi == NULL) {
        slot_free(s);
        return NULL;
    }
    return s;
}

static void slot_give_back(struct ec2_http *http, struct slot *s)
{
    pthread_mutex_lock(&http->pool_lock);
    if (http->n_free < POOL_MAX) {
        s->next = http->free_slots;
        http->free_slots = s;
        http->n_free++;
        s = NULL;
    }
    pthread_mutex_unlock(&http->pool_lock);
    slot_free(s);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * nmemb;

    if (t->resp->body.len + len > t->max) {
        t->too_large = true;
        return 0; /* makes libcurl fail with CURLE_WRITE_ERROR */
    }
    if (ec2_buf_append(&t->resp->body, data, len) < 0)
        return 0;
    return len;
}

/* Value of "Name: value\r\n" if the line is that header, else NULL; writes into buf. */
static const char *header_value(char *buf, size_t size, const char *line, size_t len,
                                const char *name)
{
    size_t nlen = strlen(name), vlen;

    if (len <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
        return NULL;
    line += nlen + 1;
    len -= nlen + 1;
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    vlen = len < size - 1 ? len : size - 1;
    ec2_error_copy_clean(buf, size, line, vlen);
    return buf;
}

/*
 * libcurl re-sends a request by itself when a reused keep-alive connection turns out dead before
 * any answer arrived, and says so only in its informational text. Counting those lines lets the
 * caller log the re-send like any other retry. Only CURLINFO_TEXT is looked at: the other kinds
 * carry the request headers, signature included, and are never stored or logged.
 */
static int on_debug(CURL *handle, curl_infotype type, char *data, size_t size, void *userp)
{
    static const char marker[] = "retrying a fresh connect";
    struct transfer *t = userp;

    (void)handle;
    if (type == CURLINFO_TEXT && size >= sizeof(marker) - 1 &&
        memmem(data, size, marker, sizeof(marker) - 1) != NULL)
        t->resp->resent++;
    return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct transfer *t = userp;
    size_t len = size * nmemb;
    char value[128];
    const char *v;

    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue or a redirect): forget earlier headers. */
        t->resp->date_ms = 0;
        t->resp->retry_after[0] = '\0';
        t->resp->request_id[0] = '\0';
        return len;
    }
    v = header_value(value, sizeof(value), data, len, "Date");
    if (v != NULL) {
        time_t when = curl_getdate(v, NULL);
        t->resp->date_ms = when != (time_t)-1 ? (int64_t)when * 1000 : 0;
    }
    v = header_value(value, sizeof(value), data, len, "Retry-After");
    if (v != NULL)
        ec2_error_copy_clean(t->resp->retry_after, sizeof(t->resp->retry_after), v, strlen(v));
    v = header_value(value, sizeof(value), data, len, "x-amzn-RequestId");
    if (v != NULL)
        ec2_error_copy_clean(t->resp->request_id, sizeof(t->resp->request_id), v, strlen(v));
    return len;
}

static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct transfer *t = userp;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return t->cancel != NULL && atomic_load(t->cancel) != 0;
}

static bool cancelled(const atomic_int *cancel)
{
    return cancel != NULL && atomic_load(cancel) != 0;
}

static int map_curl_error(CURLcode code, const struct ec2_http_request *req, struct ec2_http *http,
                          struct transfer *t, const char *detail, struct ec2_error *err)
{
    const char *text = detail[0] != '\0' ? detail : curl_easy_strerror(code);

    if (code == CURLE_ABORTED_BY_CALLBACK && cancelled(req->cancel))
        return ec2_error_set(err, EC2_ERR_CANCELLED, EC2_CLASS_CANCELLED, "request cancelled");
    if (t->too_large)
        return ec2_error_set(err, EC2_ERR_TOO_LARGE, EC2_CLASS_CLIENT,
                             "response body larger than the %zu byte limit", t->max);
    switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
        /* libcurl's timer and our clock may disagree by a millisecond: when the timeout was the
         * deadline's remainder, it is the deadline that passed. */
        if (t->deadline_bound ||
            (req->deadline_ms > 0 &&
             http->config.monotonic_ms(http->config.clock_payload) >= req->deadline_ms))
            return ec2_error_set(err, EC2_ERR_TIMEOUT, EC2_CLASS_TIMEOUT,
                                 "deadline exceeded waiting for %s", "the HTTP response");
        return ec2_error_set(err, EC2_ERR_TIMEOUT, EC2_CLASS_TRANSIENT,
                             "HTTP request timed out: %s", text);
    case CURLE_OUT_OF_MEMORY:
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory in libcurl");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        return ec2_error_set(err, EC2_ERR_TLS, EC2_CLASS_CLIENT, "TLS error: %s", text);
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL, "bad endpoint URL: %s", text);
    default:
        return ec2_error_set(err, EC2_ERR_NETWORK, EC2_CLASS_TRANSIENT, "network error: %s", text);
    }
}

static CURLcode configure(CURL *easy, struct ec2_http *http, const struct ec2_http_request *req,
                          struct curl_slist *headers, struct transfer *t, char *errbuf,
                          int64_t timeout_ms)
{
    const struct ec2_http_config *c = &http->config;
    CURLcode rc = CURLE_OK;

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(easy, opt, val);                                                 \
    } while (0)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_SHARE, http->share);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    SET(CURLOPT_SSL_VERIFYPEER, c->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, c->insecure ? 0L : 2L);
    if (c->ca_bundle != NULL)
        SET(CURLOPT_CAINFO, c->ca_bundle);
    if (c->no_proxy)
        SET(CURLOPT_NOPROXY, "*");
    if (c->user_agent != NULL)
        SET(CURLOPT_USERAGENT, c->user_agent);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, t);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, t);
    SET(CURLOPT_VERBOSE, 1L);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    if (strcmp(req->method, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, strcmp(req->method, "POST") == 0 ? NULL : req->method);
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body != NULL ? req->body_len : 0));
    }
#undef SET
    return rc;
}

/* Drive the transfer in short poll slices, checking the cancel flag between them. */
static CURLcode drive(struct slot *s, const atomic_int *cancel)
{
    CURLcode result = CURLE_OK;
    bool done = false;

    if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK)
        return CURLE_FAILED_INIT;
    while (!done) {
        int running = 0, queued = 0;
        CURLMsg *msg;
        if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
            result = CURLE_FAILED_INIT;
            break;
        }
        while ((msg = curl_multi_info_read(s->multi, &queued)) != NULL) {
            if (msg->msg == CURLMSG_DONE) {
                result = msg->data.result;
                done = true;
            }
        }
        if (done)
            break;
        if (cancelled(cancel)) {
            result = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        if (curl_multi_poll(s->multi, NULL, 0, POLL_SLICE_MS, NULL) != CURLM_OK) {
            result = CURLE_FAILED_INIT;
            break;
        }
    }
    curl_multi_remove_handle(s->multi, s->easy);
    return result;
}

int ec2_http_perform(struct ec2_http_response *out, struct ec2_http *http,
                     const struct ec2_http_request *req, struct ec2_error *err)
{
    struct curl_slist *headers = NULL, *tmp;
    struct slot *s = NULL;
    struct transfer t = {0};
    char errbuf[CURL_ERROR_SIZE];
    int64_t timeout_ms = req->timeout_ms;
    CURLcode code;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    ec2_buf_init(&out->body, http->config.max_response_bytes);
    errbuf[0] = '\0';
    if (cancelled(req->cancel))
        return ec2_error_set(err, EC2_ERR_CANCELLED, EC2_CLASS_CANCELLED, "request cancelled");
    if (req->deadline_ms > 0) {
        int64_t left = req->deadline_ms - http->config.monotonic_ms(http->config.clock_payload);
        if (left <= 0)
            return ec2_error_set(err, EC2_ERR_TIMEOUT, EC2_CLASS_TIMEOUT,
                                 "deadline exceeded before the request was sent");
        if (timeout_ms <= 0 || left < timeout_ms) {
            timeout_ms = left;
            t.deadline_bound = true;
        }
    }
    if (timeout_ms <= 0)
        timeout_ms = 60000;
    rc = share_ready(http, err);
    if (rc < 0)
        return rc;
    /* libcurl would otherwise add "Expect: 100-continue" to larger bodies and wait for it. */
    tmp = curl_slist_append(headers, "Expect:");
    if (tmp == NULL)
        goto nomem;
    headers = tmp;
    for (size_t i = 0; i < req->n_headers; i++) {
        tmp = curl_slist_append(headers, req->headers[i]);
        if (tmp == NULL)
            goto nomem;
        headers = tmp;
    }
    s = slot_take(http);
    if (s == NULL)
        goto nomem;
    curl_easy_reset(s->easy);
    t.resp = out;
    t.max = http->config.max_response_bytes;
    t.too_large = false;
    t.cancel = req->cancel;
    code = configure(s->easy, http, req, headers, &t, errbuf, timeout_ms);
    if (code == CURLE_OK)
        code = drive(s, req->cancel);
    if (code != CURLE_OK) {
        ec2_error_copy_clean(errbuf, sizeof(errbuf), errbuf, strlen(errbuf));
        rc = map_curl_error(code, req, http, &t, errbuf, err);
        /* A failed transfer may leave its connection in any state: do not reuse the pair. */
        slot_free(s);
        s = NULL;
        goto cleanup;
    }
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &out->status);
    goto cleanup;

nomem:
    rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
cleanup:
    if (s != NULL) {
        /* The slist is freed below; the handle must not keep pointing at it. */
        curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, NULL);
        slot_give_back(http, s);
    }
    curl_slist_free_all(headers);
    return rc;
}

void ec2_http_response_dispose(struct ec2_http_response *resp)
{
    if (resp != NULL)
        ec2_buf_dispose(&resp->body);
}
