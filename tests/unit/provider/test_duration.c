/*
 * test_duration.c - "1h30m"-style durations (provider/duration.c), table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "duration.h"

static const struct {
    const char *text;
    int64_t ms;
} valid[] = {
    {"40m", 40 * 60 * 1000},
    {"90m", 90 * 60 * 1000},
    {"1h30m", 90 * 60 * 1000},
    {"2h", 2 * 3600 * 1000},
    {"30s", 30 * 1000},
    {"500ms", 500},
    {"1h0m30s", 3600 * 1000 + 30 * 1000},
    {"1.5h", 90 * 60 * 1000},
    {"0.1h", 360000},
    {"1m500ms", 60500},
    {"8760h", (int64_t)8760 * 3600 * 1000},
};

static const char *const invalid[] = {
    "",
    "40",
    "m",
    "40x",
    "-5m",
    "1h 30m",
    "0s",
    "0m0s",
    "1.h5",
    "h1",
    ".m",
    "9000h",
    "99999999999999999999h",
    "1d",
    "5M",
};

static void test_duration__parses_valid_text(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        int64_t ms = -1;
        char why[128] = "";
        assert_int_equal(tf_duration_parse(&ms, valid[i].text, why, sizeof(why)), 0);
        assert_int_equal(ms, valid[i].ms);
        assert_string_equal(why, "");
    }
}

static void test_duration__rejects_malformed_text_with_a_reason(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        int64_t ms = 12345;
        char why[256] = "";
        if (tf_duration_parse(&ms, invalid[i], why, sizeof(why)) != -1)
            fail_msg("accepted \"%s\"", invalid[i]);
        assert_int_equal(ms, 12345); /* out untouched on failure */
        assert_non_null(strstr(why, "is not a duration"));
    }
}

static void test_duration__rejects_null_and_tolerates_no_reason_buffer(void **state)
{
    (void)state;
    int64_t ms = 7;
    assert_int_equal(tf_duration_parse(&ms, NULL, NULL, 0), -1);
    assert_int_equal(tf_duration_parse(&ms, "5q", NULL, 0), -1);
    assert_int_equal(ms, 7);
}

static void test_duration__reason_names_the_problem(void **state)
{
    (void)state;
    int64_t ms;
    char why[256];
    tf_duration_parse(&ms, "40", why, sizeof(why));
    assert_non_null(strstr(why, "unit"));
    tf_duration_parse(&ms, "9000h", why, sizeof(why));
    assert_non_null(strstr(why, "too long"));
    tf_duration_parse(&ms, "0s", why, sizeof(why));
    assert_non_null(strstr(why, "longer than zero"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration__parses_valid_text),
        cmocka_unit_test(test_duration__rejects_malformed_text_with_a_reason),
        cmocka_unit_test(test_duration__rejects_null_and_tolerates_no_reason_buffer),
        cmocka_unit_test(test_duration__reason_names_the_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
