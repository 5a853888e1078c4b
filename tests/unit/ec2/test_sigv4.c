/*
 * test_sigv4.c - the signer against every case of the public SigV4 test suite (copied under
 * sigv4/ with its LICENSE and NOTICE), one cmocka test per case, plus edge rows of our own.
 *
 * Each case folder holds request.txt (a raw HTTP request), context.json (credentials, time,
 * flags) and the expected canonical request, string to sign and signed request.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ec2.h"
#include "sigv4.h"

#define MAX_CASES   64
#define MAX_HEADERS 16

static char vectors_dir[1024];

static char *read_file(const char *dir, const char *name, size_t *len_out)
{
    char path[2048];
    FILE *f;
    char *data;
    long len;

    snprintf(path, sizeof(path), "%s/%s/%s", vectors_dir, dir, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    data = malloc((size_t)len + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
    data[len] = '\0';
    fclose(f);
    if (len_out != NULL)
        *len_out = (size_t)len;
    return data;
}

static int64_t parse_time(const char *iso)
{
    int64_t t = 0;

    assert_int_equal(ec2_time_parse(&t, iso), 0);
    return t;
}

/* A raw request split in place: method, path, query, headers (folded lines joined), body. */
struct raw_request {
    char *text;
    char *method;
    char *path;
    char *query;
    struct sigv4_header headers[MAX_HEADERS];
    char *values[MAX_HEADERS]; /* owned joined values */
    size_t n_headers;
    char *body;
    size_t body_len;
};

static void parse_request(struct raw_request *r, char *text, size_t len)
{
    char *line_end, *http, *line, *q;

    memset(r, 0, sizeof(*r));
    r->text = text;
    line_end = strchr(text, '\n');
    assert_non_null(line_end);
    *line_end = '\0';
    r->method = text;
    r->path = strchr(text, ' ');
    assert_non_null(r->path);
    *r->path++ = '\0';
    http = strstr(r->path, " HTTP/");
    assert_non_null(http);
    *http = '\0';
    q = strchr(r->path, '?');
    if (q != NULL) {
        *q = '\0';
        r->query = q + 1;
    }
    line = line_end + 1;
    while (line < text + len && *line != '\n' && *line != '\0') {
        char *colon;
        line_end = strchr(line, '\n');
        if (line_end != NULL)
            *line_end = '\0';
        if (line[0] == ' ' || line[0] == '\t') {
            /* A folded continuation of the previous header's value. */
            size_t old, add = strlen(line);
            char *joined;
            assert_true(r->n_headers > 0);
            old = strlen(r->values[r->n_headers - 1]);
            joined = realloc(r->values[r->n_headers - 1], old + add + 2);
            assert_non_null(joined);
            joined[old] = ' ';
            memcpy(joined + old + 1, line, add + 1);
            r->values[r->n_headers - 1] = joined;
            r->headers[r->n_headers - 1].value = joined;
        } else {
            assert_true(r->n_headers < MAX_HEADERS);
            colon = strchr(line, ':');
            assert_non_null(colon);
            *colon = '\0';
            r->values[r->n_headers] = strdup(colon + 1);
            assert_non_null(r->values[r->n_headers]);
            r->headers[r->n_headers].name = line;
            r->headers[r->n_headers].value = r->values[r->n_headers];
            r->n_headers++;
        }
        if (line_end == NULL) {
            line = text + len;
            break;
        }
        line = line_end + 1;
    }
    if (line < text + len && *line == '\n') {
        r->body = line + 1;
        r->body_len = (size_t)(text + len - r->body);
    }
}

static void free_request(struct raw_request *r)
{
    for (size_t i = 0; i < r->n_headers; i++)
        free(r->values[i]);
    free(r->text);
}

static bool json_flag(struct json_object *ctx, const char *key)
{
    struct json_object *v = NULL;

    return json_object_object_get_ex(ctx, key, &v) && json_object_get_boolean(v);
}

/* The suite's context files may carry a trailing comma before '}'; json-c in strict mode would
 * refuse, so strip it. */
static struct json_object *load_context(const char *dir)
{
    char *text = read_file(dir, "context.json", NULL);
    struct json_object *ctx;
    char *p = strrchr(text, '}');

    if (p != NULL) {
        char *q = p;
        while (q > text && (q[-1] == ' ' || q[-1] == '\n' || q[-1] == '\r' || q[-1] == '\t'))
            q--;
        if (q > text && q[-1] == ',')
            q[-1] = ' ';
    }
    ctx = json_tokener_parse(text);
    free(text);
    assert_non_null(ctx);
    return ctx;
}

static void check_vector(void **state)
{
    const char *dir = *state;
    struct json_object *ctx = load_context(dir), *creds_json = NULL, *v = NULL;
    struct sigv4_credentials creds = {0};
    struct sigv4_options opts = {0};
    struct sigv4_signature sig;
    struct raw_request req;
    struct sigv4_request sreq;
    struct ec2_error err;
    size_t len = 0;
    char *raw = read_file(dir, "request.txt", &len);
    char *want_creq = read_file(dir, "header-canonical-request.txt", NULL);
    char *want_sts = read_file(dir, "header-string-to-sign.txt", NULL);
    char *want_sig = read_file(dir, "header-signature.txt", NULL);
    char *signed_req = read_file(dir, "header-signed-request.txt", NULL);
    char *auth_line, *auth_end;

    parse_request(&req, raw, len);
    assert_true(json_object_object_get_ex(ctx, "credentials", &creds_json));
    assert_true(json_object_object_get_ex(creds_json, "access_key_id", &v));
    creds.access_key = json_object_get_string(v);
    assert_true(json_object_object_get_ex(creds_json, "secret_access_key", &v));
    creds.secret_key = json_object_get_string(v);
    if (json_object_object_get_ex(creds_json, "token", &v))
        creds.session_token = json_object_get_string(v);
    assert_true(json_object_object_get_ex(ctx, "region", &v));
    opts.region = json_object_get_string(v);
    assert_true(json_object_object_get_ex(ctx, "service", &v));
    opts.service = json_object_get_string(v);
    assert_true(json_object_object_get_ex(ctx, "timestamp", &v));
    opts.time = parse_time(json_object_get_string(v));
    opts.normalize_path = json_flag(ctx, "normalize");
    opts.sign_body = json_flag(ctx, "sign_body");
    opts.omit_session_token = json_flag(ctx, "omit_session_token");

    sreq.method = req.method;
    sreq.path = req.path;
    sreq.query = req.query;
    sreq.headers = req.headers;
    sreq.n_headers = req.n_headers;
    sreq.body = req.body;
    sreq.body_len = req.body_len;
    ec2_error_init(&err);
    assert_int_equal(sigv4_sign(&sig, &sreq, &creds, &opts, &err), 0);
    assert_string_equal(ec2_buf_str(&sig.canonical_request), want_creq);
    assert_string_equal(ec2_buf_str(&sig.string_to_sign), want_sts);
    assert_string_equal(sig.signature, want_sig);

    auth_line = strstr(signed_req, "\nAuthorization:");
    assert_non_null(auth_line);
    auth_line += strlen("\nAuthorization:");
    auth_end = strchr(auth_line, '\n');
    if (auth_end != NULL)
        *auth_end = '\0';
    assert_string_equal(ec2_buf_str(&sig.authorization), auth_line);

    sigv4_signature_dispose(&sig);
    free(want_creq);
    free(want_sts);
    free(want_sig);
    free(signed_req);
    free_request(&req);
    json_object_put(ctx);
}

static void test_sigv4__requires_host_header(void **state)
{
    struct sigv4_header hdr = {"Content-Type", "text/plain"};
    struct sigv4_request req = {"POST", "/", NULL, &hdr, 1, "", 0};
    struct sigv4_credentials creds = {"AKID", "SECRET", NULL};
    struct sigv4_options opts = {"us-east-1", "ec2", 1440938160, true, false, false};
    struct sigv4_signature sig;
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(sigv4_sign(&sig, &req, &creds, &opts, &err), EC2_ERR_INVALID_ARGUMENT);
    assert_int_equal(err.code, EC2_ERR_INVALID_ARGUMENT);
    assert_null(sig.authorization.data);
}

static void test_sigv4__secret_never_in_outputs(void **state)
{
    struct sigv4_header hdr = {"Host", "ec2.us-east-1.amazonaws.com"};
    struct sigv4_request req = {"POST", "/", NULL, &hdr, 1, "Action=X", 8};
    struct sigv4_credentials creds = {"AKIDEXAMPLE", "SuperSecretValue123", "TOKENVALUE"};
    struct sigv4_options opts = {"us-east-1", "ec2", 1440938160, true, false, false};
    struct sigv4_signature sig;

    (void)state;
    assert_int_equal(sigv4_sign(&sig, &req, &creds, &opts, NULL), 0);
    assert_null(strstr(ec2_buf_str(&sig.canonical_request), "SuperSecret"));
    assert_null(strstr(ec2_buf_str(&sig.string_to_sign), "SuperSecret"));
    assert_null(strstr(ec2_buf_str(&sig.authorization), "SuperSecret"));
    /* A session token is signed unless omitted. */
    assert_non_null(strstr(ec2_buf_str(&sig.signed_headers), "x-amz-security-token"));
    assert_string_equal(sig.amz_date, "20150830T123600Z");
    sigv4_signature_dispose(&sig);
}

static void test_sigv4__rejects_time_out_of_range(void **state)
{
    struct sigv4_header hdr = {"Host", "h"};
    struct sigv4_request req = {"GET", "/", NULL, &hdr, 1, NULL, 0};
    struct sigv4_credentials creds = {"A", "S", NULL};
    struct sigv4_options opts = {"r", "s", -5, true, false, false};
    struct sigv4_signature sig;

    (void)state;
    assert_int_equal(sigv4_sign(&sig, &req, &creds, &opts, NULL), EC2_ERR_INVALID_ARGUMENT);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    static char *names[MAX_CASES];
    static struct CMUnitTest tests[MAX_CASES + 3];
    const char *src = getenv("TF_TEST_SOURCE_DIR");
    size_t n = 0, t = 0;
    struct dirent *de;
    DIR *d;
    int rc;

    if (src != NULL)
        snprintf(vectors_dir, sizeof(vectors_dir), "%s/tests/unit/ec2/sigv4", src);
    else
        snprintf(vectors_dir, sizeof(vectors_dir), "sigv4");
    d = opendir(vectors_dir);
    if (d == NULL) {
        fprintf(stderr, "cannot open %s\n", vectors_dir);
        return 1;
    }
    while ((de = readdir(d)) != NULL && n < MAX_CASES) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "LICENSE") == 0 ||
            strcmp(de->d_name, "NOTICE") == 0)
            continue;
        names[n] = strdup(de->d_name);
        if (names[n] == NULL)
            return 1;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), compare_names);
    for (size_t i = 0; i < n; i++) {
        tests[t].name = names[i];
        tests[t].test_func = check_vector;
        tests[t].initial_state = names[i];
        t++;
    }
    tests[t++] = (struct CMUnitTest)cmocka_unit_test(test_sigv4__requires_host_header);
    tests[t++] = (struct CMUnitTest)cmocka_unit_test(test_sigv4__secret_never_in_outputs);
    tests[t++] = (struct CMUnitTest)cmocka_unit_test(test_sigv4__rejects_time_out_of_range);
    fprintf(stderr, "%zu SigV4 vectors\n", n);
    rc = _cmocka_run_group_tests("sigv4", tests, t, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return rc != 0 || n < 38 ? 1 : 0;
}
