/*
 * sigv4.h - AWS Signature Version 4 (header signing) for any method, path, query and headers.
 *
 * General enough to pass the public SigV4 test suite; the EC2 client uses it for POST / with a
 * form body. Pure computation: no I/O, no clock (the caller passes the signing time), thread-safe.
 */
#ifndef EC2_SIGV4_H
#define EC2_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ec2.h"

struct sigv4_header {
    const char *name;
    const char *value;
};

struct sigv4_credentials {
    const char *access_key;
    const char *secret_key;
    const char *session_token; /* NULL or "" when none */
};

struct sigv4_request {
    const char *method;                 /* "GET", "POST", ... */
    const char *path;                   /* raw (not yet encoded) path, "/" at least */
    const char *query;                  /* raw query string without '?', NULL when none */
    const struct sigv4_header *headers; /* must contain Host; duplicates are joined with ',' */
    size_t n_headers;
    const void *body;
    size_t body_len;
};

struct sigv4_options {
    const char *region;
    const char *service;
    int64_t time;            /* signing time, seconds since the Unix epoch */
    bool normalize_path;     /* remove dot segments and duplicate slashes (all but S3) */
    bool sign_body;          /* add and sign x-amz-content-sha256 */
    bool omit_session_token; /* do not sign x-amz-security-token (caller adds it afterwards) */
};

/*
 * The result. The caller sends X-Amz-Date: amz_date, Authorization: authorization, and, when a
 * session token is used, X-Amz-Security-Token; with sign_body also X-Amz-Content-Sha256:
 * payload_hash. The buffers belong to the struct, freed by sigv4_signature_dispose().
 */
struct sigv4_signature {
    char amz_date[17];     /* YYYYMMDDTHHMMSSZ */
    char payload_hash[65]; /* hex SHA-256 of the body */
    char signature[65];    /* hex */
    struct ec2_buf canonical_request;
    struct ec2_buf string_to_sign;
    struct ec2_buf signed_headers;
    struct ec2_buf authorization;
};

/*
 * Sign a request. `out` is initialised here (no need to init it before); on failure it is left
 * disposed. Returns 0, EC2_ERR_INVALID_ARGUMENT (missing Host/credentials/region, time out of
 * range), EC2_ERR_NOMEM or EC2_ERR_GENERIC (libcrypto failure). `err` may be NULL.
 */
int sigv4_sign(struct sigv4_signature *out, const struct sigv4_request *req,
               const struct sigv4_credentials *creds, const struct sigv4_options *opts,
               struct ec2_error *err);

/* Free the result's buffers (NULL-safe). */
void sigv4_signature_dispose(struct sigv4_signature *sig);

/* Lower-case hex SHA-256 of data into hex[65]. Returns 0 or EC2_ERR_GENERIC. */
int sigv4_sha256_hex(char hex[65], const void *data, size_t len);

#endif
