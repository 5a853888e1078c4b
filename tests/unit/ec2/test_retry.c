/*
 * test_retry.c - retry policy: classification, full-jitter backoff bounds, the token bucket,
 * Retry-After parsing and the clock-skew codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ec2.h"
#include "retry.h"

struct classify_row {
    int status;
    const char *code;
    int want_code;
    enum ec2_error_class want_class;
};

static void test_retry__classifies_answers(void **state)
{
    static const struct classify_row rows[] = {
        {412, "DryRunOperation", EC2_ERR_DRY_RUN_OK, EC2_CLASS_DRY_RUN_OK},
        {403, "UnauthorizedOperation", EC2_ERR_UNAUTHORIZED, EC2_CLASS_UNAUTHORIZED},
        {401, "AuthFailure", EC2_ERR_UNAUTHORIZED, EC2_CLASS_UNAUTHORIZED},
        {503, "RequestLimitExceeded", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "Throttling", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "ThrottlingException", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "RequestThrottled", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "TooManyRequestsException", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "PriorRequestNotComplete", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "BandwidthLimitExceeded", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "EC2ThrottledException", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {503, "SlowDown", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {429, "", EC2_ERR_THROTTLED, EC2_CLASS_THROTTLING},
        {400, "InvalidAMIID.NotFound", EC2_ERR_NOT_FOUND, EC2_CLASS_NOT_FOUND},
        {400, "InvalidSnapshot.NotFound", EC2_ERR_NOT_FOUND, EC2_CLASS_NOT_FOUND},
        {500, "InternalError", EC2_ERR_API, EC2_CLASS_TRANSIENT},
        {500, "", EC2_ERR_API, EC2_CLASS_TRANSIENT},
        {502, "", EC2_ERR_API, EC2_CLASS_TRANSIENT},
        {503, "Unavailable", EC2_ERR_API, EC2_CLASS_TRANSIENT},
        {504, "", EC2_ERR_API, EC2_CLASS_TRANSIENT},
        {400, "RequestTimeout", EC2_ERR_API, EC2_CLASS_TRANSIENT},
        {400, "InvalidParameterValue", EC2_ERR_API, EC2_CLASS_CLIENT},
        {400, "InvalidAMIName.Duplicate", EC2_ERR_API, EC2_CLASS_CLIENT},
        {400, "InvalidSnapshot.InUse", EC2_ERR_API, EC2_CLASS_CLIENT},
        {400, "MissingParameter", EC2_ERR_API, EC2_CLASS_CLIENT},
        {501, "", EC2_ERR_API, EC2_CLASS_CLIENT},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct ec2_error err;
        ec2_error_init(&err);
        err.http_status = rows[i].status;
        strcpy(err.ec2_code, rows[i].code);
        ec2_retry_classify(&err);
        if (err.code != rows[i].want_code || err.error_class != rows[i].want_class)
            fail_msg("row %zu (%d %s): got %s/%s", i, rows[i].status, rows[i].code,
                     ec2_error_name(err.code), ec2_error_class_name(err.error_class));
    }
}

static void test_retry__never_retries_dry_run_or_unauthorized(void **state)
{
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    err.http_status = 412;
    strcpy(err.ec2_code, "DryRunOperation");
    ec2_retry_classify(&err);
    assert_false(ec2_error_is_retryable(&err));
    ec2_error_init(&err);
    err.http_status = 403;
    strcpy(err.ec2_code, "UnauthorizedOperation");
    ec2_retry_classify(&err);
    assert_false(ec2_error_is_retryable(&err));
    ec2_error_init(&err);
    err.http_status = 503;
    strcpy(err.ec2_code, "RequestLimitExceeded");
    ec2_retry_classify(&err);
    assert_true(ec2_error_is_retryable(&err));
}

static void test_retry__backoff_is_full_jitter_capped(void **state)
{
    (void)state;
    assert_int_equal(ec2_retry_backoff_ms(0, 100, 20000, 0.0), 0);
    assert_int_equal(ec2_retry_backoff_ms(0, 100, 20000, 0.5), 50);
    assert_int_equal(ec2_retry_backoff_ms(1, 100, 20000, 1.0), 200);
    assert_int_equal(ec2_retry_backoff_ms(3, 100, 20000, 1.0), 800);
    /* 100 * 2^10 = 102400 > cap */
    assert_int_equal(ec2_retry_backoff_ms(10, 100, 20000, 1.0), 20000);
    assert_int_equal(ec2_retry_backoff_ms(10, 100, 20000, 0.25), 5000);
    /* Huge attempt counts must not overflow. */
    assert_int_equal(ec2_retry_backoff_ms(1000, 100, 20000, 1.0), 20000);
    /* Out-of-range randoms are clamped. */
    assert_int_equal(ec2_retry_backoff_ms(2, 100, 20000, 7.0), 400);
    assert_int_equal(ec2_retry_backoff_ms(2, 100, 20000, -1.0), 0);
    for (int retry = 0; retry < 20; retry++) {
        for (double r = 0.0; r < 1.0; r += 0.125) {
            int64_t d = ec2_retry_backoff_ms(retry, 100, 20000, r);
            assert_true(d >= 0 && d <= 20000);
        }
    }
}

static void test_retry__token_bucket(void **state)
{
    struct ec2_retry_bucket b;
    int taken = 0;

    (void)state;
    assert_int_equal(ec2_retry_bucket_init(&b, 500), 0);
    assert_int_equal(ec2_retry_bucket_level(&b), 500);
    assert_int_equal(ec2_retry_bucket_acquire(&b, false), EC2_RETRY_COST);
    assert_int_equal(ec2_retry_bucket_level(&b), 495);
    assert_int_equal(ec2_retry_bucket_acquire(&b, true), EC2_RETRY_TIMEOUT_COST);
    assert_int_equal(ec2_retry_bucket_level(&b), 485);
    /* A success after retries gives back what they took... */
    ec2_retry_bucket_success(&b, 15);
    assert_int_equal(ec2_retry_bucket_level(&b), 500);
    /* ...a plain success refunds one, never above capacity. */
    ec2_retry_bucket_success(&b, 0);
    assert_int_equal(ec2_retry_bucket_level(&b), 500);
    while (ec2_retry_bucket_acquire(&b, false) > 0)
        taken++;
    assert_int_equal(taken, 100);
    assert_int_equal(ec2_retry_bucket_level(&b), 0);
    /* Empty: no retry; successes refill it slowly. */
    assert_int_equal(ec2_retry_bucket_acquire(&b, false), 0);
    for (int i = 0; i < 5; i++)
        ec2_retry_bucket_success(&b, 0);
    assert_int_equal(ec2_retry_bucket_level(&b), 5);
    assert_int_equal(ec2_retry_bucket_acquire(&b, true), 0);
    assert_int_equal(ec2_retry_bucket_acquire(&b, false), 5);
    ec2_retry_bucket_dispose(&b);
}

static void test_retry__retry_after_header(void **state)
{
    /* Thu, 01 Jan 2026 00:00:00 GMT */
    int64_t now = (int64_t)1767225600 * 1000;

    (void)state;
    assert_int_equal(ec2_retry_after_ms("3", now), 3000);
    assert_int_equal(ec2_retry_after_ms(" 0 ", now), 0);
    assert_int_equal(ec2_retry_after_ms("Thu, 01 Jan 2026 00:00:10 GMT", now), 10000);
    assert_int_equal(ec2_retry_after_ms("Wed, 31 Dec 2025 23:59:00 GMT", now), 0);
    assert_int_equal(ec2_retry_after_ms("", now), -1);
    assert_int_equal(ec2_retry_after_ms(NULL, now), -1);
    assert_int_equal(ec2_retry_after_ms("soon", now), -1);
    assert_int_equal(ec2_retry_after_ms("3s", now), -1);
    assert_int_equal(ec2_retry_after_ms("99999999999", now), -1);
}

static void test_retry__skew_codes(void **state)
{
    (void)state;
    assert_true(ec2_retry_is_skew_code("RequestExpired"));
    assert_true(ec2_retry_is_skew_code("RequestTimeTooSkewed"));
    assert_true(ec2_retry_is_skew_code("SignatureDoesNotMatch"));
    assert_true(ec2_retry_is_skew_code("AuthFailure"));
    assert_false(ec2_retry_is_skew_code("InvalidAMIID.NotFound"));
    assert_false(ec2_retry_is_skew_code(""));
    assert_false(ec2_retry_is_skew_code(NULL));
}

static void test_retry__error_names_and_format(void **state)
{
    struct ec2_error err;
    char buf[256];

    (void)state;
    assert_string_equal(ec2_error_name(EC2_ERR_THROTTLED), "EC2_ERR_THROTTLED");
    assert_string_equal(ec2_strerror(EC2_ERR_TIMEOUT), "deadline exceeded");
    assert_string_equal(ec2_error_name(-999), "EC2_ERR_UNKNOWN");
    ec2_error_init(&err);
    err.http_status = 400;
    strcpy(err.ec2_code, "InvalidAMIID.NotFound");
    strcpy(err.message, "The image id '[ami-1]' does not exist");
    strcpy(err.request_id, "req-1");
    ec2_error_format(buf, sizeof(buf), &err);
    assert_string_equal(buf, "InvalidAMIID.NotFound: The image id '[ami-1]' does not exist "
                             "(request id req-1, HTTP 400)");
    /* Truncation still terminates and reports the wanted length. */
    assert_true(ec2_error_format(buf, 10, &err) > 10);
    assert_int_equal(strlen(buf), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry__classifies_answers),
        cmocka_unit_test(test_retry__never_retries_dry_run_or_unauthorized),
        cmocka_unit_test(test_retry__backoff_is_full_jitter_capped),
        cmocka_unit_test(test_retry__token_bucket),
        cmocka_unit_test(test_retry__retry_after_header),
        cmocka_unit_test(test_retry__skew_codes),
        cmocka_unit_test(test_retry__error_names_and_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
