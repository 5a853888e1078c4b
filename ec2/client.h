/*
 * client.h - the client object and the request pipeline every operation goes through.
 *
 * DESIGN: an operation builds its form body (query.h) once and hands it to ec2_client_send(),
 * which loops: credentials -> sign (sigv4.h) -> send (http.h) -> classify (retry.h) -> maybe
 * sleep and retry. The body is never rebuilt between attempts, which is what keeps CopyImage's
 * ClientToken identical on retries.
 * Shared mutable state in a client: the retry bucket (its own mutex), the credential cache (its
 * own mutex) and the clock-skew offset (an atomic). Everything else is read-only after
 * ec2_client_new().
 */
#ifndef EC2_CLIENT_H
#define EC2_CLIENT_H

#include <stdint.h>

#include <libxml/tree.h>

#include "credentials.h"
#include "ec2.h"
#include "endpoint.h"
#include "http.h"
#include "query.h"
#include "retry.h"

struct ec2_client {
    char *region;
    char *endpoint;
    struct ec2_endpoint_parts parts;
    struct ec2_http *http;
    struct ec2_creds *creds;
    struct ec2_retry_bucket bucket;
    struct ec2_hooks hooks;
    int max_attempts;
    int64_t retry_base_ms;
    int64_t retry_max_ms;
    int64_t request_timeout_ms;
    void (*log)(void *payload, int level, const char *msg);
    void *log_payload;
    int log_level;
    _Atomic int64_t skew_ms; /* server clock minus ours, learnt from Date headers */
};

/*
 * Send one logical request with retries. `action` is the Query API action (used for logs and to
 * check the answer's root element <{action}Response>). [out] out: the parsed answer, freed with
 * xmlFreeDoc(); set on success only.
 * Returns 0 or a negative code with `err` filled (class, EC2 code, request id, attempts).
 */
int ec2_client_send(xmlDoc **out, struct ec2_client *client, const char *action,
                    const struct ec2_query *query, const struct ec2_call_opts *opts,
                    struct ec2_error *err);

/* Log through the configured callback when `level` passes the threshold (tested first). */
void ec2_client_log(const struct ec2_client *client, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
