/*
 * sigv4.c - AWS Signature Version 4 with OpenSSL's libcrypto (see sigv4.h).
 *
 * DESIGN: the canonical request is built in one buffer, line by line, each line labelled below.
 * Headers are copied into a small array of (lower-cased name, normalised value) pairs, stably
 * sorted by name so that duplicate names keep their order when their values are joined.
 * The derived signing key and every intermediate MAC are wiped before returning.
 */
#include "sigv4.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "error.h"

struct canon_header {
    char *name;  /* lower-cased */
    char *value; /* trimmed, inner blanks collapsed, continuation lines folded */
    size_t order;
};

static void to_hex(char *hex, const unsigned char *bytes, size_t len)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * len] = '\0';
}

int sigv4_sha256_hex(char hex[65], const void *data, size_t len)
{
    unsigned char md[32];
    unsigned int md_len = 0;

    if (EVP_Digest(data != NULL ? data : "", len, md, &md_len, EVP_sha256(), NULL) != 1 ||
        md_len != sizeof(md))
        return EC2_ERR_GENERIC;
    to_hex(hex, md, sizeof(md));
    return 0;
}

static int hmac(unsigned char out[32], const void *key, size_t key_len, const void *msg,
                size_t msg_len)
{
    unsigned int len = 0;

    if (HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &len) == NULL || len != 32)
        return EC2_ERR_GENERIC;
    return 0;
}

/* Trim, collapse runs of blanks (including folded line breaks) into one space. */
static char *normalise_value(const char *value)
{
    size_t len = strlen(value), n = 0;
    char *out = malloc(len + 1);
    bool pending_space = false;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = value[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            pending_space = n > 0;
            continue;
        }
        if (pending_space)
            out[n++] = ' ';
        pending_space = false;
        out[n++] = ch;
    }
    out[n] = '\0';
    return out;
}

static int compare_headers(const void *a, const void *b)
{
    const struct canon_header *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : (x->order > y->order ? 1 : 0);
}

static void free_headers(struct canon_header *hdrs, size_t n)
{
    for (size_t i = 0; i < n && hdrs != NULL; i++) {
        free(hdrs[i].name);
        free(hdrs[i].value);
    }
    free(hdrs);
}

static int add_header(struct canon_header *hdrs, size_t *n, const char *name, const char *value)
{
    size_t len = strlen(name);
    char *lname = malloc(len + 1);
    char *nvalue = normalise_value(value != NULL ? value : "");

    if (lname == NULL || nvalue == NULL) {
        free(lname);
        free(nvalue);
        return EC2_ERR_NOMEM;
    }
    for (size_t i = 0; i <= len; i++)
        lname[i] = (char)tolower((unsigned char)name[i]);
    hdrs[*n].name = lname;
    hdrs[*n].value = nvalue;
    hdrs[*n].order = *n;
    (*n)++;
    return 0;
}

/*
 * Canonical URI: optionally drop "." segments, resolve ".." and squeeze repeated slashes, then
 * percent-encode each byte except unreserved characters and '/'.
 */
static int append_canonical_path(struct ec2_buf *out, const char *path, bool normalize)
{
    size_t len = strlen(path);
    char *work = NULL;
    size_t n = 0;
    int rc;

    if (!normalize || len == 0)
        return ec2_buf_append_uri(out, len > 0 ? path : "/", len > 0 ? len : 1, true);
    work = malloc(len + 2);
    if (work == NULL)
        return EC2_ERR_NOMEM;
    work[n++] = '/';
    for (size_t i = 0; i < len;) {
        size_t seg_start, seg_len;
        while (i < len && path[i] == '/')
            i++;
        seg_start = i;
        while (i < len && path[i] != '/')
            i++;
        seg_len = i - seg_start;
        if (seg_len == 0 || (seg_len == 1 && path[seg_start] == '.'))
            continue;
        if (seg_len == 2 && path[seg_start] == '.' && path[seg_start + 1] == '.') {
            /* Pop the last segment: back up to the slash before it. */
            if (n > 1) {
                n--;
                while (n > 1 && work[n - 1] != '/')
                    n--;
            }
            continue;
        }
        if (work[n - 1] != '/')
            work[n++] = '/';
        memcpy(work + n, path + seg_start, seg_len);
        n += seg_len;
    }
    /* A path that named a directory keeps its trailing slash. */
    if (len > 0 && path[len - 1] == '/' && work[n - 1] != '/')
        work[n++] = '/';
    rc = ec2_buf_append_uri(out, work, n, true);
    free(work);
    return rc;
}

struct query_param {
    char *key; /* encoded */
    char *value;
};

static int compare_params(const void *a, const void *b)
{
    const struct query_param *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c != 0 ? c : strcmp(x->value, y->value);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decode %XX (leaving malformed escapes as they are) and re-encode per RFC 3986. */
static char *reencode(const char *s, size_t len)
{
    struct ec2_buf raw, enc;
    char *result = NULL;

    ec2_buf_init(&raw, 0);
    ec2_buf_init(&enc, 0);
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (ch == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            ch = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        }
        if (ec2_buf_append(&raw, &ch, 1) < 0)
            goto cleanup;
    }
    if (ec2_buf_append_uri(&enc, ec2_buf_str(&raw), raw.len, false) < 0 ||
        ec2_buf_append(&enc, "", 0) < 0)
        goto cleanup;
    result = enc.data;
    enc.data = NULL;
cleanup:
    ec2_buf_dispose(&raw);
    ec2_buf_dispose(&enc);
    return result;
}

/* Canonical query: parameters decoded, re-encoded, sorted by key then value. */
static int append_canonical_query(struct ec2_buf *out, const char *query)
{
    struct query_param *params = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    const char *p = query;

    if (query == NULL || query[0] == '\0')
        return 0;
    for (const char *c = query; *c != '\0'; c++)
        cap += *c == '&';
    cap += 1;
    params = calloc(cap, sizeof(*params));
    if (params == NULL)
        return EC2_ERR_NOMEM;
    while (*p != '\0') {
        const char *end = strchr(p, '&');
        const char *eq;
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            eq = memchr(p, '=', len);
            size_t klen = eq != NULL ? (size_t)(eq - p) : len;
            params[n].key = reencode(p, klen);
            params[n].value = eq != NULL ? reencode(eq + 1, len - klen - 1) : reencode("", 0);
            n++;
            if (params[n - 1].key == NULL || params[n - 1].value == NULL) {
                rc = EC2_ERR_NOMEM;
                goto cleanup;
            }
        }
        p += len;
        if (*p == '&')
            p++;
    }
    qsort(params, n, sizeof(*params), compare_params);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = ec2_buf_appendf(out, "%s%s=%s", i > 0 ? "&" : "", params[i].key, params[i].value);
cleanup:
    for (size_t i = 0; i < n; i++) {
        free(params[i].key);
        free(params[i].value);
    }
    free(params);
    return rc;
}

void sigv4_signature_dispose(struct sigv4_signature *sig)
{
    if (sig == NULL)
        return;
    ec2_buf_dispose(&sig->canonical_request);
    ec2_buf_dispose(&sig->string_to_sign);
    ec2_buf_dispose(&sig->signed_headers);
    ec2_buf_dispose(&sig->authorization);
}

int sigv4_sign(struct sigv4_signature *out, const struct sigv4_request *req,
               const struct sigv4_credentials *creds, const struct sigv4_options *opts,
               struct ec2_error *err)
{
    struct canon_header *hdrs = NULL;
    size_t n_hdrs = 0;
    bool have_host = false, with_token, reported = false;
    char date[9], creq_hash[65];
    unsigned char key[32], tmp[32];
    struct ec2_buf secret;
    struct tm tm;
    time_t t;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    ec2_buf_init(&out->canonical_request, 0);
    ec2_buf_init(&out->string_to_sign, 0);
    ec2_buf_init(&out->signed_headers, 0);
    ec2_buf_init(&out->authorization, 0);
    ec2_buf_init(&secret, 0);
    if (creds == NULL || creds->access_key == NULL || creds->secret_key == NULL || opts == NULL ||
        opts->region == NULL || opts->service == NULL || req == NULL || req->method == NULL ||
        req->path == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "signing needs a method, path, region, service and credentials");
    t = (time_t)opts->time;
    if (opts->time < 0 || opts->time > 253402300799 || gmtime_r(&t, &tm) == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "signing time out of range");
    strftime(out->amz_date, sizeof(out->amz_date), "%Y%m%dT%H%M%SZ", &tm);
    memcpy(date, out->amz_date, 8);
    date[8] = '\0';
    with_token = creds->session_token != NULL && creds->session_token[0] != '\0' &&
                 !opts->omit_session_token;

    if (sigv4_sha256_hex(out->payload_hash, req->body, req->body_len) < 0) {
        rc = EC2_ERR_GENERIC;
        goto cleanup;
    }

    hdrs = calloc(req->n_headers + 3, sizeof(*hdrs));
    if (hdrs == NULL) {
        rc = EC2_ERR_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < req->n_headers; i++) {
        const char *name = req->headers[i].name;
        if (name == NULL)
            continue;
        /* The signer owns these three; a caller-supplied copy would be signed twice. */
        if (strcasecmp(name, "x-amz-date") == 0 || strcasecmp(name, "authorization") == 0 ||
            (strcasecmp(name, "x-amz-security-token") == 0 && with_token))
            continue;
        have_host = have_host || strcasecmp(name, "host") == 0;
        rc = add_header(hdrs, &n_hdrs, name, req->headers[i].value);
        if (rc < 0)
            goto cleanup;
    }
    if (!have_host) {
        rc = ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                           "signing needs a Host header");
        reported = true;
        goto cleanup;
    }
    rc = add_header(hdrs, &n_hdrs, "x-amz-date", out->amz_date);
    if (rc == 0 && with_token)
        rc = add_header(hdrs, &n_hdrs, "x-amz-security-token", creds->session_token);
    if (rc == 0 && opts->sign_body)
        rc = add_header(hdrs, &n_hdrs, "x-amz-content-sha256", out->payload_hash);
    if (rc < 0)
        goto cleanup;
    qsort(hdrs, n_hdrs, sizeof(*hdrs), compare_headers);

    /* Line 1: the HTTP method. */
    rc = ec2_buf_appendf(&out->canonical_request, "%s\n", req->method);
    /* Line 2: the canonical URI. */
    if (rc == 0)
        rc = append_canonical_path(&out->canonical_request, req->path, opts->normalize_path);
    if (rc == 0)
        rc = ec2_buf_appends(&out->canonical_request, "\n");
    /* Line 3: the canonical query string (empty line when none). */
    if (rc == 0)
        rc = append_canonical_query(&out->canonical_request, req->query);
    if (rc == 0)
        rc = ec2_buf_appends(&out->canonical_request, "\n");
    /* Lines 4..: one "name:value" per distinct header, duplicates joined by ','. */
    for (size_t i = 0; i < n_hdrs && rc == 0; i++) {
        bool first = i == 0 || strcmp(hdrs[i].name, hdrs[i - 1].name) != 0;
        bool last = i + 1 == n_hdrs || strcmp(hdrs[i].name, hdrs[i + 1].name) != 0;
        if (first) {
            rc = ec2_buf_appendf(&out->canonical_request, "%s:", hdrs[i].name);
            if (rc == 0 && out->signed_headers.len > 0)
                rc = ec2_buf_appends(&out->signed_headers, ";");
            if (rc == 0)
                rc = ec2_buf_appends(&out->signed_headers, hdrs[i].name);
        } else {
            rc = ec2_buf_appends(&out->canonical_request, ",");
        }
        if (rc == 0)
            rc = ec2_buf_appendf(&out->canonical_request, "%s%s", hdrs[i].value, last ? "\n" : "");
    }
    /* Then an empty line, the signed header names, and the payload hash. */
    if (rc == 0)
        rc = ec2_buf_appendf(&out->canonical_request, "\n%s\n%s", ec2_buf_str(&out->signed_headers),
                             out->payload_hash);
    if (rc < 0)
        goto cleanup;

    if (sigv4_sha256_hex(creq_hash, out->canonical_request.data, out->canonical_request.len) < 0) {
        rc = EC2_ERR_GENERIC;
        goto cleanup;
    }
    /* String to sign: algorithm, time, credential scope, hash of the canonical request. */
    rc = ec2_buf_appendf(&out->string_to_sign, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
                         out->amz_date, date, opts->region, opts->service, creq_hash);
    if (rc == 0)
        rc = ec2_buf_appendf(&secret, "AWS4%s", creds->secret_key);
    if (rc < 0)
        goto cleanup;

    /* Signing key: HMAC chain over date, region, service, "aws4_request". */
    if (hmac(key, secret.data, secret.len, date, strlen(date)) < 0 ||
        hmac(tmp, key, 32, opts->region, strlen(opts->region)) < 0 ||
        hmac(key, tmp, 32, opts->service, strlen(opts->service)) < 0 ||
        hmac(tmp, key, 32, "aws4_request", 12) < 0 ||
        hmac(key, tmp, 32, out->string_to_sign.data, out->string_to_sign.len) < 0) {
        rc = EC2_ERR_GENERIC;
        goto cleanup;
    }
    to_hex(out->signature, key, 32);
    rc = ec2_buf_appendf(&out->authorization,
                         "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
                         "SignedHeaders=%s, Signature=%s",
                         creds->access_key, date, opts->region, opts->service,
                         ec2_buf_str(&out->signed_headers), out->signature);

cleanup:
    OPENSSL_cleanse(key, sizeof(key));
    OPENSSL_cleanse(tmp, sizeof(tmp));
    if (secret.data != NULL)
        OPENSSL_cleanse(secret.data, secret.len);
    ec2_buf_dispose(&secret);
    free_headers(hdrs, n_hdrs);
    if (rc < 0) {
        sigv4_signature_dispose(out);
        if (!reported)
            ec2_error_set(err, rc, EC2_CLASS_LOCAL, "request signing failed: %s", ec2_strerror(rc));
    }
    return rc;
}
