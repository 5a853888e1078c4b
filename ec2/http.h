/*
 * http.h - HTTP transport over libcurl for the EC2 client and the metadata service.
 *
 * DESIGN: a transport owns a small pool of (easy, multi) handle pairs guarded by a mutex, so
 * connections are reused across calls and threads (each pair keeps its own connection cache),
 * plus a CURLSH sharing DNS and TLS sessions between all pairs under per-data locks. A request
 * is driven through curl_multi_poll() in slices of at most 50 ms so that a raised cancel flag
 * aborts it promptly even while the connection is silent.
 * Thread-safe: any thread may call ec2_http_perform() on the same transport at once.
 */
#ifndef EC2_HTTP_H
#define EC2_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ec2.h"

struct ec2_http_config {
    const char *ca_bundle;      /* NULL: system store */
    bool insecure;              /* skip TLS verification */
    bool no_proxy;              /* bypass proxies (the metadata service must never be proxied) */
    int64_t connect_timeout_ms; /* > 0 */
    size_t max_response_bytes;  /* > 0 */
    const char *user_agent;     /* NULL: none */
    int64_t (*monotonic_ms)(void *payload); /* for deadlines */
    void *clock_payload;
};

struct ec2_http;

/* [out] out: freed with ec2_http_free(). 0, EC2_ERR_NOMEM or EC2_ERR_GENERIC (no mutex). Makes
 * no libcurl call: the first ec2_http_perform() sets libcurl up. */
int ec2_http_new(struct ec2_http **out, const struct ec2_http_config *config,
                 struct ec2_error *err);
void ec2_http_free(struct ec2_http *http);

struct ec2_http_request {
    const char *method; /* "GET", "POST", "PUT" */
    const char *url;
    const char *const *headers; /* "Name: value" lines */
    size_t n_headers;
    const char *body; /* may be NULL for no body */
    size_t body_len;
    int64_t timeout_ms;       /* whole attempt; > 0 */
    int64_t deadline_ms;      /* absolute (monotonic); 0 = none; an expiry here is TIMEOUT */
    const atomic_int *cancel; /* may be NULL */
};

struct ec2_http_response {
    long status;
    struct ec2_buf body;
    int64_t date_ms;      /* the Date header (ms since epoch), 0 when absent */
    char retry_after[64]; /* the Retry-After header as sent, "" when absent */
    char request_id[64];  /* x-amzn-RequestId header, "" when absent */
    int resent; /* times libcurl re-sent the request because a reused connection had died */
};

/*
 * Perform one request. `out` is initialised here; dispose it with ec2_http_response_dispose()
 * whatever the result (on failure it holds whatever arrived). Any HTTP status is a success here.
 * Returns 0; EC2_ERR_CANCELLED; EC2_ERR_TIMEOUT (class TIMEOUT when the call's deadline
 * passed, class TRANSIENT when only the attempt's own timeout did); EC2_ERR_TOO_LARGE;
 * EC2_ERR_TLS (class CLIENT); EC2_ERR_NETWORK (class TRANSIENT: refused, reset, DNS...);
 * EC2_ERR_NOMEM; EC2_ERR_GENERIC (class LOCAL) when libcurl cannot be set up; EC2_ERR_CONFIG when
 * libcurl refuses the URL.
 */
int ec2_http_perform(struct ec2_http_response *out, struct ec2_http *http,
                     const struct ec2_http_request *req, struct ec2_error *err);

void ec2_http_response_dispose(struct ec2_http_response *resp);

#endif
