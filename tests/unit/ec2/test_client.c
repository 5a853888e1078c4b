/*
 * test_client.c - the request pipeline end to end against a local fake HTTP server: signing
 * headers over plain http, retries (throttling, 5xx, cut bodies, Retry-After), never retrying
 * DryRun/Unauthorized, clock-skew correction, ClientToken reuse, pagination, cancellation and
 * deadlines, the response cap, and the waiters. Time, sleep and randomness are injected so the
 * retry schedule is checked exactly.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"
#include "ec2.h"
#include "fake_server.h"

#define OK_DESCRIBE                                                                                \
    "<DescribeImagesResponse><requestId>r-ok</requestId><imagesSet><item><imageId>ami-1"           \
    "</imageId><imageState>available</imageState></item></imagesSet></DescribeImagesResponse>"
#define ERR_DOC(code, msg)                                                                         \
    "<Response><Errors><Error><Code>" code "</Code><Message>" msg "</Message></Error></Errors>"    \
    "<RequestID>r-err</RequestID></Response>"

struct script {
    struct fake_response r[8];
    int n;
};

static struct fake_response scripted(void *payload, int index, const struct fake_request *req)
{
    struct script *s = payload;

    (void)req;
    return s->r[index < s->n ? index : s->n - 1];
}

/* Injected hooks: a settable wall clock offset, recorded sleeps, fixed randomness. */
struct fake_time {
    int64_t wall_offset_ms;
    int64_t sleeps[32];
    int n_sleeps;
    int64_t mono_ms; /* advanced by fake sleeps */
    double random;
    char log[8192];
};

static int64_t fake_wall(void *payload)
{
    struct fake_time *t = payload;
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + t->wall_offset_ms;
}

static int64_t fake_mono(void *payload)
{
    struct fake_time *t = payload;

    return ec2_clock_monotonic_ms(NULL) + t->mono_ms;
}

static int fake_sleep(void *payload, int64_t ms, const atomic_int *cancel)
{
    struct fake_time *t = payload;

    if (cancel != NULL && atomic_load(cancel) != 0)
        return EC2_ERR_CANCELLED;
    if (t->n_sleeps < 32)
        t->sleeps[t->n_sleeps++] = ms;
    t->mono_ms += ms;
    return 0;
}

static double fake_random(void *payload)
{
    return ((struct fake_time *)payload)->random;
}

static void capture_log(void *payload, int level, const char *msg)
{
    struct fake_time *t = payload;
    size_t used = strlen(t->log);

    (void)level;
    snprintf(t->log + used, sizeof(t->log) - used, "%s\n", msg);
}

static struct ec2_client *new_client(struct fake_server *srv, struct fake_time *t, int attempts)
{
    struct ec2_client *c = NULL;
    struct ec2_config cfg;
    struct ec2_error err;

    ec2_config_init(&cfg);
    cfg.endpoint = fake_server_url(srv);
    cfg.region = "us-east-1";
    cfg.access_key = "AKIDEXAMPLE";
    cfg.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cfg.max_attempts = attempts;
    cfg.log = capture_log;
    cfg.log_payload = t;
    cfg.log_level = EC2_LOG_INFO;
    cfg.hooks.payload = t;
    cfg.hooks.wall_ms = fake_wall;
    cfg.hooks.monotonic_ms = fake_mono;
    cfg.hooks.sleep_ms = fake_sleep;
    cfg.hooks.random = fake_random;
    ec2_error_init(&err);
    assert_int_equal(ec2_client_new(&c, &cfg, &err), 0);
    return c;
}

static int describe_one(struct ec2_client *c, const struct ec2_call_opts *opts,
                        struct ec2_error *err)
{
    const char *ids[] = {"ami-1"};
    struct ec2_describe_images_input in;
    struct ec2_describe_images_output out;
    int rc;

    memset(&in, 0, sizeof(in));
    in.image_ids = ids;
    in.n_image_ids = 1;
    rc = ec2_describe_images(&out, c, &in, opts, err);
    if (rc == 0) {
        assert_int_equal(out.n_images, 1);
        assert_string_equal(out.images[0].image_id, "ami-1");
        ec2_describe_images_output_dispose(&out);
    }
    return rc;
}

static void test_client__signs_and_sends_over_plain_http(void **state)
{
    struct script sc = {{{200, NULL, OK_DESCRIBE, 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    const struct fake_request *req;
    struct ec2_error err;
    char value[512], host[64];

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(err.code, 0); /* untouched on success */
    assert_int_equal(fake_server_count(srv), 1);
    req = fake_server_request(srv, 0);
    assert_string_equal(req->method, "POST");
    assert_string_equal(req->path, "/");
    assert_string_equal(req->body, "Action=DescribeImages&Version=2016-11-15&ImageId.1=ami-1");
    fake_request_header(req, "Content-Type", value, sizeof(value));
    assert_string_equal(value, "application/x-www-form-urlencoded; charset=utf-8");
    fake_request_header(req, "Host", value, sizeof(value));
    snprintf(host, sizeof(host), "%s", fake_server_url(srv) + strlen("http://"));
    assert_string_equal(value, host);
    fake_request_header(req, "Authorization", value, sizeof(value));
    assert_true(strncmp(value, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 40) == 0);
    assert_non_null(strstr(value, "/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;"
                                  "x-amz-date, Signature="));
    assert_null(strstr(value, "wJalr"));
    fake_request_header(req, "X-Amz-Date", value, sizeof(value));
    assert_int_equal(strlen(value), 16);
    assert_string_equal(ec2_client_credentials_source(c), "static");
    assert_string_equal(ec2_client_region(c), "us-east-1");
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__reuses_connections_across_calls(void **state)
{
    struct script sc = {{{200, NULL, OK_DESCRIBE, 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_error err;

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(fake_server_count(srv), 4);
    assert_int_equal(fake_server_connections(srv), 1);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__retries_throttling_with_jittered_backoff(void **state)
{
    struct script sc = {
        {{503, NULL, ERR_DOC("RequestLimitExceeded", "Request limit exceeded."), 0, false},
         {503, NULL, ERR_DOC("RequestLimitExceeded", "Request limit exceeded."), 0, false},
         {200, NULL, OK_DESCRIBE, 0, false}},
        3};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(fake_server_count(srv), 3);
    assert_int_equal(t.n_sleeps, 2);
    assert_int_equal(t.sleeps[0], 50);  /* 0.5 * 100 */
    assert_int_equal(t.sleeps[1], 100); /* 0.5 * 200 */
    /* Every retry is reported: operation, attempt, code, delay. */
    assert_non_null(strstr(t.log, "DescribeImages attempt 1 failed: RequestLimitExceeded (HTTP "
                                  "503, throttling); retrying in 50 ms"));
    assert_non_null(strstr(t.log, "attempt 2 failed: RequestLimitExceeded"));
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__gives_up_after_max_attempts(void **state)
{
    struct script sc = {{{500, NULL, ERR_DOC("InternalError", "oops"), 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 1.0};
    struct ec2_client *c = new_client(srv, &t, 4);
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(describe_one(c, NULL, &err), EC2_ERR_API);
    assert_int_equal(err.error_class, EC2_CLASS_TRANSIENT);
    assert_int_equal(err.attempts, 4);
    assert_int_equal(err.http_status, 500);
    assert_string_equal(err.ec2_code, "InternalError");
    assert_string_equal(err.request_id, "r-err");
    assert_int_equal(fake_server_count(srv), 4);
    assert_int_equal(t.sleeps[0], 100);
    assert_int_equal(t.sleeps[1], 200);
    assert_int_equal(t.sleeps[2], 400);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__non_ec2_error_page_is_http_error(void **state)
{
    struct script sc = {{{503, "x-amzn-RequestId: hdr-id\r\n", "<html>busy</html>", 0, false},
                         {404, NULL, "not found", 0, false}},
                        2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 1);
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(describe_one(c, NULL, &err), EC2_ERR_HTTP);
    assert_int_equal(err.error_class, EC2_CLASS_TRANSIENT);
    assert_string_equal(err.request_id, "hdr-id");
    assert_non_null(strstr(err.message, "HTTP 503"));
    ec2_error_init(&err);
    assert_int_equal(describe_one(c, NULL, &err), EC2_ERR_HTTP);
    assert_int_equal(err.error_class, EC2_CLASS_CLIENT);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__dry_run_and_unauthorized_are_not_retried(void **state)
{
    struct script sc = {
        {{412, NULL,
          ERR_DOC("DryRunOperation", "Request would have succeeded, but DryRun flag is set."), 0,
          false},
         {403, NULL,
          ERR_DOC("UnauthorizedOperation",
                  "You are not authorized to perform this operation. Encoded "
                  "authorization failure message: xyz"),
          0, false}},
        2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_deregister_image_input in = {"ami-1", EC2_BOOL_TRUE};
    struct ec2_deregister_image_output out;
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_error err;

    (void)state;
    opts.dry_run = true;
    ec2_error_init(&err);
    assert_int_equal(ec2_deregister_image(&out, c, &in, &opts, &err), EC2_ERR_DRY_RUN_OK);
    assert_int_equal(err.error_class, EC2_CLASS_DRY_RUN_OK);
    assert_int_equal(err.http_status, 412);
    assert_int_equal(fake_server_count(srv), 1);
    assert_string_equal(fake_server_request(srv, 0)->body,
                        "Action=DeregisterImage&Version=2016-11-15&ImageId=ami-1&"
                        "DeleteAssociatedSnapshots=true&DryRun=true");
    ec2_error_init(&err);
    assert_int_equal(ec2_deregister_image(&out, c, &in, &opts, &err), EC2_ERR_UNAUTHORIZED);
    assert_int_equal(err.error_class, EC2_CLASS_UNAUTHORIZED);
    assert_non_null(strstr(err.message, "Encoded authorization failure message: xyz"));
    assert_int_equal(fake_server_count(srv), 2);
    assert_int_equal(t.n_sleeps, 0);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__honours_retry_after(void **state)
{
    struct script sc = {{{503, "Retry-After: 2\r\n", ERR_DOC("SlowDown", "slow"), 0, false},
                         {200, NULL, OK_DESCRIBE, 0, false}},
                        2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.1};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_error err;

    (void)state;
    assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(t.n_sleeps, 1);
    assert_int_equal(t.sleeps[0], 2000);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__retries_cut_body_and_non_xml_5xx(void **state)
{
    struct script sc = {
        {{200, NULL, "<DescribeImagesResponse><imagesSet><item><imageId>ami-1</ima", 0, false},
         {502, NULL, "<html>Bad Gateway</html>", 0, false},
         {200, NULL, OK_DESCRIBE, 0, false}},
        3};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_error err;

    (void)state;
    assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(fake_server_count(srv), 3);
    assert_non_null(strstr(t.log, "cut short"));
    assert_non_null(strstr(t.log, "HTTP 502"));
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__dropped_connection_is_retried(void **state)
{
    struct script sc = {{{0, NULL, NULL, 0, true}, {200, NULL, OK_DESCRIBE, 0, false}}, 2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_error err;

    (void)state;
    assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(fake_server_count(srv), 2);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__copy_image_reuses_client_token_on_retry(void **state)
{
    struct script sc = {{{500, NULL, ERR_DOC("InternalError", "x"), 0, false},
                         {200, NULL,
                          "<CopyImageResponse><requestId>r</requestId><imageId>ami-9</imageId>"
                          "</CopyImageResponse>",
                          0, false}},
                        2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    struct ec2_copy_image_input in;
    struct ec2_copy_image_output out;
    struct ec2_error err;
    char want[128];

    (void)state;
    memset(&in, 0, sizeof(in));
    in.name = "copy";
    in.source_image_id = "ami-1";
    in.source_region = "us-west-2";
    assert_int_equal(ec2_copy_image(&out, c, &in, NULL, &err), 0);
    assert_string_equal(out.image_id, "ami-9");
    assert_int_equal(strlen(out.client_token), 36);
    assert_int_equal(fake_server_count(srv), 2);
    snprintf(want, sizeof(want), "ClientToken=%s&", out.client_token);
    assert_non_null(strstr(fake_server_request(srv, 0)->body, want));
    assert_string_equal(fake_server_request(srv, 0)->body, fake_server_request(srv, 1)->body);
    ec2_copy_image_output_dispose(&out);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__corrects_clock_skew_once(void **state)
{
    char date[64], headers[128];
    struct script sc;
    struct fake_server *srv;
    struct fake_time t = {.random = 0.5, .wall_offset_ms = -3600 * 1000};
    struct ec2_client *c;
    struct ec2_error err;
    time_t now = time(NULL);
    struct tm tm;
    char d0[32], d1[32];

    (void)state;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    snprintf(headers, sizeof(headers), "Date: %s\r\n", date);
    memset(&sc, 0, sizeof(sc));
    sc.r[0] = (struct fake_response){400, headers,
                                     ERR_DOC("RequestExpired", "Request has expired."), 0, false};
    sc.r[1] = (struct fake_response){200, headers, OK_DESCRIBE, 0, false};
    sc.n = 2;
    srv = fake_server_start(scripted, &sc);
    /* max_attempts 1: the skew retry comes on top, once. */
    c = new_client(srv, &t, 1);
    assert_int_equal(describe_one(c, NULL, &err), 0);
    assert_int_equal(fake_server_count(srv), 2);
    fake_request_header(fake_server_request(srv, 0), "X-Amz-Date", d0, sizeof(d0));
    fake_request_header(fake_server_request(srv, 1), "X-Amz-Date", d1, sizeof(d1));
    assert_string_not_equal(d0, d1);
    assert_non_null(strstr(t.log, "clock skew"));
    assert_int_equal(t.n_sleeps, 0);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__skew_retry_happens_only_once(void **state)
{
    char headers[128];
    struct script sc;
    struct fake_server *srv;
    struct fake_time t = {.random = 0.5, .wall_offset_ms = -3600 * 1000};
    struct ec2_client *c;
    struct ec2_error err;
    time_t far = time(NULL) + 7200;
    struct tm tm;

    (void)state;
    gmtime_r(&far, &tm);
    strftime(headers, sizeof(headers), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
    memset(&sc, 0, sizeof(sc));
    sc.r[0] =
        (struct fake_response){400, headers, ERR_DOC("RequestTimeTooSkewed", "skewed"), 0, false};
    sc.n = 1;
    srv = fake_server_start(scripted, &sc);
    c = new_client(srv, &t, 1);
    ec2_error_init(&err);
    assert_int_equal(describe_one(c, NULL, &err), EC2_ERR_API);
    assert_string_equal(err.ec2_code, "RequestTimeTooSkewed");
    assert_int_equal(fake_server_count(srv), 2);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__follows_next_token(void **state)
{
    struct script sc = {
        {{200, NULL,
          "<DescribeImagesResponse><requestId>p1</requestId><imagesSet><item><imageId>ami-1"
          "</imageId></item></imagesSet><nextToken>tok 2</nextToken></DescribeImagesResponse>",
          0, false},
         {200, NULL,
          "<DescribeImagesResponse><requestId>p2</requestId><imagesSet><item><imageId>ami-2"
          "</imageId></item></imagesSet></DescribeImagesResponse>",
          0, false}},
        2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 3);
    const char *owners[] = {"self"};
    struct ec2_describe_images_input in;
    struct ec2_describe_images_output out;
    struct ec2_error err;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.owners = owners;
    in.n_owners = 1;
    in.max_results = 5;
    assert_int_equal(ec2_describe_images(&out, c, &in, NULL, &err), 0);
    assert_int_equal(out.n_images, 2);
    assert_string_equal(out.images[1].image_id, "ami-2");
    assert_string_equal(out.request_id, "p2");
    assert_null(out.next_token);
    assert_string_equal(fake_server_request(srv, 1)->body,
                        "Action=DescribeImages&Version=2016-11-15&Owner.1=self&MaxResults=5&"
                        "NextToken=tok%202");
    ec2_describe_images_output_dispose(&out);
    /* max_pages stops early and says where to resume. */
    sc.r[2] = sc.r[0];
    sc.n = 3;
    in.max_pages = 1;
    assert_int_equal(ec2_describe_images(&out, c, &in, NULL, &err), 0);
    assert_int_equal(out.n_images, 1);
    assert_string_equal(out.next_token, "tok 2");
    ec2_describe_images_output_dispose(&out);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__caps_response_size(void **state)
{
    static char big[8192];
    struct script sc = {{{200, NULL, big, 0, false}}, 1};
    struct fake_server *srv;
    struct ec2_client *c = NULL;
    struct ec2_config cfg;
    struct ec2_error err;

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    srv = fake_server_start(scripted, &sc);
    ec2_config_init(&cfg);
    cfg.endpoint = fake_server_url(srv);
    cfg.region = "us-east-1";
    cfg.access_key = "AKID";
    cfg.secret_key = "SECRET";
    cfg.max_response_bytes = 1000;
    assert_int_equal(ec2_client_new(&c, &cfg, &err), 0);
    assert_int_equal(describe_one(c, NULL, &err), EC2_ERR_TOO_LARGE);
    assert_int_equal(fake_server_count(srv), 1);
    ec2_client_free(c);
    fake_server_stop(srv);
}

struct canceller {
    atomic_int *flag;
    int after_ms;
};

static void *cancel_later(void *arg)
{
    struct canceller *k = arg;
    struct timespec ts = {0, (long)k->after_ms * 1000000L};

    nanosleep(&ts, NULL);
    atomic_store(k->flag, 1);
    return NULL;
}

static struct ec2_client *real_time_client(struct fake_server *srv)
{
    struct ec2_client *c = NULL;
    struct ec2_config cfg;
    struct ec2_error err;

    ec2_config_init(&cfg);
    cfg.endpoint = fake_server_url(srv);
    cfg.region = "us-east-1";
    cfg.access_key = "AKID";
    cfg.secret_key = "SECRET";
    assert_int_equal(ec2_client_new(&c, &cfg, &err), 0);
    return c;
}

static void test_client__cancellation_aborts_within_100ms(void **state)
{
    struct script sc = {{{200, NULL, OK_DESCRIBE, 3000, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct ec2_client *c = real_time_client(srv);
    atomic_int flag = 0;
    struct canceller k = {&flag, 100};
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_error err;
    pthread_t th;
    int64_t start, elapsed;

    (void)state;
    opts.cancel = &flag;
    assert_int_equal(pthread_create(&th, NULL, cancel_later, &k), 0);
    start = ec2_clock_monotonic_ms(NULL);
    assert_int_equal(describe_one(c, &opts, &err), EC2_ERR_CANCELLED);
    elapsed = ec2_clock_monotonic_ms(NULL) - start;
    pthread_join(th, NULL);
    assert_int_equal(err.error_class, EC2_CLASS_CANCELLED);
    assert_true(elapsed < 100 + 250); /* 100 ms after the flag, plus scheduling slack */
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__deadline_bounds_the_request(void **state)
{
    struct script sc = {{{200, NULL, OK_DESCRIBE, 3000, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct ec2_client *c = real_time_client(srv);
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_error err;
    int64_t start = ec2_client_monotonic_ms(c), elapsed;

    (void)state;
    opts.deadline_ms = start + 300;
    assert_int_equal(describe_one(c, &opts, &err), EC2_ERR_TIMEOUT);
    elapsed = ec2_client_monotonic_ms(c) - start;
    assert_int_equal(err.error_class, EC2_CLASS_TIMEOUT);
    assert_true(elapsed >= 250 && elapsed < 1500);
    ec2_client_free(c);
    fake_server_stop(srv);
}

#define IMAGE_STATE(state, extra)                                                                  \
    "<DescribeImagesResponse><imagesSet><item><imageId>ami-1</imageId><imageState>" state          \
    "</imageState>" extra "</item></imagesSet></DescribeImagesResponse>"

static void test_client__waiter_polls_until_available(void **state)
{
    struct script sc = {{{400, NULL, ERR_DOC("InvalidAMIID.NotFound", "not yet"), 0, false},
                         {200, NULL, IMAGE_STATE("pending", ""), 0, false},
                         {200, NULL, IMAGE_STATE("available", ""), 0, false}},
                        3};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 1);
    struct ec2_wait_result res;
    struct ec2_image img;
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(ec2_wait_image_available(&img, &res, c, "ami-1", NULL, NULL, &err), 0);
    assert_int_equal(res.describes, 3);
    assert_string_equal(res.last_state, "available");
    assert_string_equal(img.state, "available");
    assert_int_equal(t.n_sleeps, 3);
    assert_int_equal(t.sleeps[0], 250);
    assert_int_equal(t.sleeps[1], 375);
    assert_int_equal(t.sleeps[2], 562);
    ec2_image_dispose(&img);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__waiter_reports_failure_reason(void **state)
{
    struct script sc = {{{200, NULL,
                          IMAGE_STATE("failed", "<stateReason><code>Client.InvalidSnapshot</code>"
                                                "<message>snapshot gone</message></stateReason>"),
                          0, false}},
                        1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 1);
    struct ec2_wait_result res;
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(ec2_wait_image_available(NULL, &res, c, "ami-1", NULL, NULL, &err),
                     EC2_ERR_WAITER_FAILED);
    assert_string_equal(err.ec2_code, "Client.InvalidSnapshot");
    assert_non_null(strstr(err.message, "snapshot gone"));
    assert_int_equal(res.describes, 1);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__waiter_gone_and_deadline(void **state)
{
    struct script sc = {{{200, NULL, IMAGE_STATE("available", ""), 0, false},
                         {200, NULL, IMAGE_STATE("deregistered", ""), 0, false}},
                        2};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 1);
    struct ec2_waiter_opts w = {.initial_delay_ms = 100, .multiplier = 2.0, .max_delay_ms = 1000};
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_wait_result res;
    struct ec2_error err;

    (void)state;
    assert_int_equal(ec2_wait_image_deregistered(&res, c, "ami-1", &w, NULL, &err), 0);
    assert_int_equal(res.describes, 2);
    assert_int_equal(t.sleeps[0], 100);
    assert_int_equal(t.sleeps[1], 200);
    /* Never leaves the available state: the deadline ends the wait, the last sleep clipped. */
    sc.r[1] = sc.r[0];
    t.n_sleeps = 0;
    opts.deadline_ms = ec2_client_monotonic_ms(c) + 1000;
    ec2_error_init(&err);
    assert_int_equal(ec2_wait_image_deregistered(&res, c, "ami-1", &w, &opts, &err),
                     EC2_ERR_TIMEOUT);
    assert_int_equal(err.error_class, EC2_CLASS_TIMEOUT);
    assert_true(t.n_sleeps >= 3);
    ec2_client_free(c);
    fake_server_stop(srv);
}

/* The default schedule: quick polls that settle at 700 ms for the first 10 s (a short wait ends
 * at most 700 ms after EC2 is done), then growing to one poll every 10 s. */
static void test_client__waiter_default_schedule_settles_then_backs_off(void **state)
{
    struct script sc = {{{200, NULL, IMAGE_STATE("pending", ""), 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct fake_time t = {.random = 0.5};
    struct ec2_client *c = new_client(srv, &t, 1);
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_wait_result res;
    struct ec2_error err;
    int64_t slept = 0;

    (void)state;
    opts.deadline_ms = ec2_client_monotonic_ms(c) + 120000;
    assert_int_equal(ec2_wait_image_available(NULL, &res, c, "ami-1", NULL, &opts, &err),
                     EC2_ERR_TIMEOUT);
    assert_int_equal(t.sleeps[0], 250);
    assert_int_equal(t.sleeps[1], 375);
    assert_int_equal(t.sleeps[2], 562);
    for (int i = 0; i < t.n_sleeps; i++) {
        /* The describes themselves take real time too, so the phase may end a little early. */
        if (slept < 9000)
            assert_true(t.sleeps[i] <= 700);
        else
            assert_true(t.sleeps[i] <= 10000);
        slept += t.sleeps[i];
    }
    /* Two minutes of waiting: ~14 polls while settling, then one every 10 s at most. */
    assert_true(res.describes >= 20 && res.describes <= 32);
    assert_int_equal(t.sleeps[t.n_sleeps - 2], 10000);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__waiter_cancelled_in_sleep(void **state)
{
    struct script sc = {{{200, NULL, IMAGE_STATE("pending", ""), 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct ec2_client *c = real_time_client(srv);
    struct ec2_waiter_opts w = {.initial_delay_ms = 5000, .multiplier = 1.0, .max_delay_ms = 5000};
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    atomic_int flag = 0;
    struct canceller k = {&flag, 100};
    struct ec2_wait_result res;
    struct ec2_error err;
    pthread_t th;
    int64_t start, elapsed;

    (void)state;
    opts.cancel = &flag;
    assert_int_equal(pthread_create(&th, NULL, cancel_later, &k), 0);
    start = ec2_clock_monotonic_ms(NULL);
    assert_int_equal(ec2_wait_image_available(NULL, &res, c, "ami-1", &w, &opts, &err),
                     EC2_ERR_CANCELLED);
    elapsed = ec2_clock_monotonic_ms(NULL) - start;
    pthread_join(th, NULL);
    assert_true(elapsed < 100 + 250); /* 100 ms after the flag, plus scheduling slack */
    assert_int_equal(res.describes, 0);
    ec2_client_free(c);
    fake_server_stop(srv);
}

struct parallel {
    struct ec2_client *client;
    int failures;
};

static void *describe_many(void *arg)
{
    struct parallel *p = arg;
    struct ec2_error err;

    for (int i = 0; i < 5; i++) {
        if (describe_one(p->client, NULL, &err) != 0)
            p->failures++;
    }
    return NULL;
}

static void test_client__is_usable_from_several_threads(void **state)
{
    struct script sc = {{{200, NULL, OK_DESCRIBE, 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct ec2_client *c = real_time_client(srv);
    struct parallel p[4];
    pthread_t th[4];

    (void)state;
    for (int i = 0; i < 4; i++) {
        p[i].client = c;
        p[i].failures = 0;
        assert_int_equal(pthread_create(&th[i], NULL, describe_many, &p[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(p[i].failures, 0);
    }
    assert_int_equal(fake_server_count(srv), 20);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void test_client__rejects_bad_arguments_before_sending(void **state)
{
    struct script sc = {{{200, NULL, OK_DESCRIBE, 0, false}}, 1};
    struct fake_server *srv = fake_server_start(scripted, &sc);
    struct ec2_client *c = real_time_client(srv);
    struct ec2_deregister_image_input in = {NULL, EC2_BOOL_UNSET};
    struct ec2_deregister_image_output out;
    struct ec2_tags_input tags;
    struct ec2_error err;

    (void)state;
    memset(&tags, 0, sizeof(tags));
    assert_int_equal(ec2_deregister_image(&out, c, &in, NULL, &err), EC2_ERR_INVALID_ARGUMENT);
    assert_int_equal(err.error_class, EC2_CLASS_LOCAL);
    assert_int_equal(ec2_create_tags(NULL, c, &tags, NULL, &err), EC2_ERR_INVALID_ARGUMENT);
    assert_int_equal(ec2_delete_snapshot(NULL, c, "", NULL, &err), EC2_ERR_INVALID_ARGUMENT);
    assert_int_equal(fake_server_count(srv), 0);
    ec2_client_free(c);
    fake_server_stop(srv);
}

static void isolate_environment(void)
{
    static const char *const vars[] = {
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_EC2",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    };

    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client__signs_and_sends_over_plain_http),
        cmocka_unit_test(test_client__reuses_connections_across_calls),
        cmocka_unit_test(test_client__retries_throttling_with_jittered_backoff),
        cmocka_unit_test(test_client__gives_up_after_max_attempts),
        cmocka_unit_test(test_client__non_ec2_error_page_is_http_error),
        cmocka_unit_test(test_client__dry_run_and_unauthorized_are_not_retried),
        cmocka_unit_test(test_client__honours_retry_after),
        cmocka_unit_test(test_client__retries_cut_body_and_non_xml_5xx),
        cmocka_unit_test(test_client__dropped_connection_is_retried),
        cmocka_unit_test(test_client__copy_image_reuses_client_token_on_retry),
        cmocka_unit_test(test_client__corrects_clock_skew_once),
        cmocka_unit_test(test_client__skew_retry_happens_only_once),
        cmocka_unit_test(test_client__follows_next_token),
        cmocka_unit_test(test_client__caps_response_size),
        cmocka_unit_test(test_client__cancellation_aborts_within_100ms),
        cmocka_unit_test(test_client__deadline_bounds_the_request),
        cmocka_unit_test(test_client__waiter_polls_until_available),
        cmocka_unit_test(test_client__waiter_reports_failure_reason),
        cmocka_unit_test(test_client__waiter_gone_and_deadline),
        cmocka_unit_test(test_client__waiter_default_schedule_settles_then_backs_off),
        cmocka_unit_test(test_client__waiter_cancelled_in_sleep),
        cmocka_unit_test(test_client__is_usable_from_several_threads),
        cmocka_unit_test(test_client__rejects_bad_arguments_before_sending),
    };
    int rc;

    isolate_environment();
    if (ec2_global_init() < 0)
        return 1;
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    ec2_global_cleanup();
    return rc;
}
