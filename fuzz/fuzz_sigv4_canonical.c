/*
 * fuzz_sigv4_canonical.c - libFuzzer target for sigv4_sign (ec2/sigv4.h), mainly its canonical
 * request: path normalisation and encoding, query re-encoding and sorting, header folding.
 *
 * Input layout: byte 0 holds flags (bit 0 normalize_path, 1 sign_body, 2 omit_session_token,
 * 3 use a session token, 4 no query at all), bytes 1-4 the signing time (big-endian seconds), then
 * NUL-separated fields: method, path, query, header name, header value, ... up to an empty header
 * name; whatever follows is the body.
 *
 * Checks on a signature: the canonical request starts with the method, its URI line holds only
 * unreserved characters, '/' and %XX escapes (and, normalised, no empty, "." or ".." segment), its
 * query line only those without '/' plus '=' and '&', sorted; it ends with the signed headers and
 * the body's hash; the string to sign carries the canonical request's hash; signing is
 * deterministic. Failures are clean errors.
 */
#include "fuzz_util.h"

#include <ctype.h>
#include <openssl/sha.h>

#include "sigv4.h"

#define MAX_HEADERS 32

/* The next NUL-terminated field of data[*pos..size), or NULL at the end of the input. */
static const char *next_field(const char *data, size_t size, size_t *pos)
{
    const char *start = data + *pos;
    const char *nul;

    if (*pos >= size)
        return NULL;
    nul = memchr(start, '\0', size - *pos);
    if (nul == NULL)
        return NULL;
    *pos = (size_t)(nul - data) + 1;
    return start;
}

static int unreserved(char ch)
{
    return isalnum((unsigned char)ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

/* s[0..len) is RFC 3986 encoded: unreserved bytes, `extra` bytes, %XX with upper-case hex. */
static int encoded(const char *s, size_t len, const char *extra)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
                !isxdigit((unsigned char)s[i + 2]) || islower((unsigned char)s[i + 1]) ||
                islower((unsigned char)s[i + 2]))
                return 0;
            i += 2;
        } else if (!unreserved(s[i]) && strchr(extra, s[i]) == NULL) {
            return 0;
        }
    }
    return 1;
}

/* A normalised path has no empty, "." or ".." segment (a trailing slash aside). */
static int normalised(const char *s, size_t len)
{
    size_t i = 1;

    if (len == 0 || s[0] != '/')
        return 0;
    while (i < len) {
        const char *slash = memchr(s + i, '/', len - i);
        size_t seg = slash != NULL ? (size_t)(slash - (s + i)) : len - i;
        if ((seg == 0 && slash != NULL) || (seg == 1 && s[i] == '.') ||
            (seg == 2 && s[i] == '.' && s[i + 1] == '.'))
            return 0;
        i += seg + 1;
    }
    return 1;
}

/* Query parameters ("k=v" joined by '&') in ascending order of key, then value. */
static int sorted_query(const char *s, size_t len)
{
    const char *prev = NULL;
    size_t prev_len = 0;
    size_t i = 0;

    while (i < len) {
        const char *amp = memchr(s + i, '&', len - i);
        size_t n = amp != NULL ? (size_t)(amp - (s + i)) : len - i;
        const char *eq = memchr(s + i, '=', n);
        if (eq == NULL)
            return 0;
        if (prev != NULL) {
            /* Compare keys first: '=' would sort below some key bytes if compared whole. */
            size_t pk = (size_t)((const char *)memchr(prev, '=', prev_len) - prev);
            size_t k = (size_t)(eq - (s + i));
            int c = memcmp(prev, s + i, pk < k ? pk : k);
            if (c > 0 || (c == 0 && pk > k))
                return 0;
            if (c == 0 && pk == k) {
                size_t pv = prev_len - pk - 1, v = n - k - 1;
                int cv = memcmp(prev + pk + 1, eq + 1, pv < v ? pv : v);
                if (cv > 0 || (cv == 0 && pv > v))
                    return 0;
            }
        }
        prev = s + i;
        prev_len = n;
        i += n + 1;
    }
    return 1;
}

static void hex_sha256(char hex[65], const void *data, size_t len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];

    SHA256(data, len, md);
    for (size_t i = 0; i < sizeof(md); i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void check_signature(const struct sigv4_signature *sig, const struct sigv4_request *req,
                            const struct sigv4_options *opts)
{
    const char *creq = sig->canonical_request.data;
    size_t creq_len = sig->canonical_request.len;
    size_t mlen = strlen(req->method);
    const char *uri, *uri_end, *query, *query_end;
    char hash[65], tail[4096];
    int n;

    FUZZ_CHECK(creq != NULL && creq_len == strlen(creq));
    hex_sha256(hash, req->body, req->body_len);
    FUZZ_CHECK(strcmp(hash, sig->payload_hash) == 0);
    /* Line 1, the method; lines 2 and 3 are encoded, so the method's own newlines cannot hide
     * them: they are the two lines after the method text. */
    FUZZ_CHECK(creq_len > mlen && memcmp(creq, req->method, mlen) == 0 && creq[mlen] == '\n');
    uri = creq + mlen + 1;
    uri_end = strchr(uri, '\n');
    FUZZ_CHECK(uri_end != NULL);
    FUZZ_CHECK(encoded(uri, (size_t)(uri_end - uri), "/"));
    if (opts->normalize_path)
        FUZZ_CHECK(normalised(uri, (size_t)(uri_end - uri)));
    query = uri_end + 1;
    query_end = strchr(query, '\n');
    FUZZ_CHECK(query_end != NULL);
    FUZZ_CHECK(encoded(query, (size_t)(query_end - query), "=&"));
    FUZZ_CHECK(sorted_query(query, (size_t)(query_end - query)));
    n = snprintf(tail, sizeof(tail), "\n\n%s\n%s", ec2_buf_str(&sig->signed_headers),
                 sig->payload_hash);
    if (n > 0 && (size_t)n < sizeof(tail)) {
        FUZZ_CHECK(creq_len >= (size_t)n);
        FUZZ_CHECK(memcmp(creq + creq_len - (size_t)n, tail, (size_t)n) == 0);
    }
    hex_sha256(hash, creq, creq_len);
    FUZZ_CHECK(sig->string_to_sign.len > 64);
    FUZZ_CHECK(strcmp(sig->string_to_sign.data + sig->string_to_sign.len - 64, hash) == 0);
    FUZZ_CHECK(strlen(sig->signature) == 64 && strlen(sig->amz_date) == 16);
    FUZZ_CHECK(strstr(ec2_buf_str(&sig->authorization), sig->signature) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct sigv4_header headers[MAX_HEADERS];
    struct sigv4_credentials creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                      NULL};
    struct sigv4_options opts = {"us-east-1", "ec2", 0, false, false, false};
    struct sigv4_request req;
    struct sigv4_signature sig, sig2;
    struct ec2_error err;
    size_t pos = 5;
    const char *name;
    int rc, rc2;

    if (size < 5)
        return 0;
    memset(&req, 0, sizeof(req));
    opts.normalize_path = data[0] & 1;
    opts.sign_body = (data[0] >> 1) & 1;
    opts.omit_session_token = (data[0] >> 2) & 1;
    if ((data[0] >> 3) & 1)
        creds.session_token = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";
    opts.time = (int64_t)data[1] << 24 | (int64_t)data[2] << 16 | (int64_t)data[3] << 8 | data[4];
    req.method = next_field(text, size, &pos);
    req.path = next_field(text, size, &pos);
    req.query = next_field(text, size, &pos);
    if (req.method == NULL || req.path == NULL || req.query == NULL)
        return 0;
    if ((data[0] >> 4) & 1)
        req.query = NULL;
    while (req.n_headers < MAX_HEADERS && (name = next_field(text, size, &pos)) != NULL &&
           name[0] != '\0') {
        const char *value = next_field(text, size, &pos);
        if (value == NULL)
            break;
        headers[req.n_headers].name = name;
        headers[req.n_headers].value = value;
        req.n_headers++;
    }
    req.headers = headers;
    req.body = text + pos;
    req.body_len = pos < size ? size - pos : 0;

    rc = sigv4_sign(&sig, &req, &creds, &opts, &err);
    if (rc < 0) {
        FUZZ_CHECK(rc == EC2_ERR_INVALID_ARGUMENT || rc == EC2_ERR_NOMEM);
        FUZZ_CHECK(err.code == rc && fuzz_message_ok(err.message, sizeof(err.message)));
        return 0;
    }
    check_signature(&sig, &req, &opts);
    rc2 = sigv4_sign(&sig2, &req, &creds, &opts, &err);
    FUZZ_CHECK(rc2 == 0);
    FUZZ_CHECK(strcmp(sig.signature, sig2.signature) == 0);
    FUZZ_CHECK(strcmp(ec2_buf_str(&sig.canonical_request), ec2_buf_str(&sig2.canonical_request)) ==
               0);
    sigv4_signature_dispose(&sig);
    sigv4_signature_dispose(&sig2);
    return 0;
}
