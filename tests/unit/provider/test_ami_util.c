/*
 * test_ami_util.c - the pure rules of the ec2_ami resource (provider/ami_util.c): image names,
 * enumerations, ARNs, RFC 3339 instants and deprecation-time normalisation, tag differences, and
 * the texts that explain each per-snapshot destroy result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ami_util.h"

static int setup(void **state)
{
    *state = tf_arena_new(1 << 20);
    return *state == NULL;
}

static int teardown(void **state)
{
    tf_arena_free(*state);
    return 0;
}

/* ---- Names ---- */

static void test_ami_util__accepts_names_ec2_allows(void **state)
{
    (void)state;
    char long_ok[129];
    memset(long_ok, 'a', 128);
    long_ok[128] = '\0';
    assert_int_equal(tf_ami_check_name("abc", NULL, 0), 0);
    assert_int_equal(tf_ami_check_name("web (v1.2) [prod] /x-y'z@w_v", NULL, 0), 0);
    assert_int_equal(tf_ami_check_name(long_ok, NULL, 0), 0);
}

static void test_ami_util__rejects_bad_names_with_reason(void **state)
{
    (void)state;
    char why[256];
    char too_long[130];
    memset(too_long, 'a', 129);
    too_long[129] = '\0';
    assert_int_equal(tf_ami_check_name("ab", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "2 characters"));
    assert_int_equal(tf_ami_check_name(too_long, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "129 characters"));
    assert_int_equal(tf_ami_check_name("my:image", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "':' at position 3"));
    assert_int_equal(tf_ami_check_name("caf\xc3\xa9!", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "0xc3 at position 4"));
    assert_int_equal(tf_ami_check_name(NULL, why, sizeof(why)), -1);
}

static void test_ami_util__enumerations(void **state)
{
    (void)state;
    char buf[128];
    assert_true(tf_ami_one_of("x86_64", tf_ami_architectures));
    assert_false(tf_ami_one_of("amd64", tf_ami_architectures));
    assert_false(tf_ami_one_of(NULL, tf_ami_architectures));
    assert_true(tf_ami_one_of("enabled-with-cooldown", tf_ami_protection_modes));
    assert_false(tf_ami_one_of("enabled-without-cooldown", tf_ami_protection_modes));
    assert_string_equal(tf_ami_list_text(buf, sizeof(buf), tf_ami_protection_modes),
                        "\"disabled\", \"enabled\" or \"enabled-with-cooldown\"");
    assert_string_equal(tf_ami_list_text(buf, sizeof(buf), tf_ami_imds_supports), "\"v2.0\"");
}

/* ---- ARNs ---- */

static void test_ami_util__arn_follows_the_partition(void **state)
{
    (void)state;
    static const struct {
        const char *region, *arn;
    } rows[] = {
        {"us-east-1", "arn:aws:ec2:us-east-1::image/ami-1"},
        {"eu-west-3", "arn:aws:ec2:eu-west-3::image/ami-1"},
        {"cn-north-1", "arn:aws-cn:ec2:cn-north-1::image/ami-1"},
        {"us-gov-west-1", "arn:aws-us-gov:ec2:us-gov-west-1::image/ami-1"},
        {"us-iso-east-1", "arn:aws-iso:ec2:us-iso-east-1::image/ami-1"},
        {"us-isob-east-1", "arn:aws-iso-b:ec2:us-isob-east-1::image/ami-1"},
    };
    char buf[128];
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(tf_ami_arn(buf, sizeof(buf), rows[i].region, "ami-1"), 0);
        assert_string_equal(buf, rows[i].arn);
    }
    assert_int_equal(tf_ami_arn(buf, sizeof(buf), "", "ami-1"), -1);
    assert_int_equal(tf_ami_arn(buf, sizeof(buf), "us-east-1", NULL), -1);
    assert_int_equal(tf_ami_arn(buf, 10, "us-east-1", "ami-1"), -1);
}

/* ---- Times ---- */

static void test_ami_util__parses_rfc3339(void **state)
{
    (void)state;
    int64_t t;
    bool frac = true;
    assert_int_equal(tf_ami_parse_time(&t, &frac, "1970-01-01T00:00:00Z"), 0);
    assert_int_equal(t, 0);
    assert_false(frac);
    assert_int_equal(tf_ami_parse_time(&t, &frac, "2030-01-01T00:00:00Z"), 0);
    assert_int_equal(t, 1893456000);
    assert_int_equal(tf_ami_parse_time(&t, &frac, "2030-01-01T01:00:00+01:00"), 0);
    assert_int_equal(t, 1893456000);
    assert_int_equal(tf_ami_parse_time(&t, &frac, "2029-12-31t19:00:00-05:00"), 0);
    assert_int_equal(t, 1893456000);
    assert_int_equal(tf_ami_parse_time(&t, &frac, "2030-01-01T00:00:00.000Z"), 0);
    assert_false(frac);
    assert_int_equal(tf_ami_parse_time(&t, &frac, "2030-01-01T00:00:00.5Z"), 0);
    assert_true(frac);
    assert_int_equal(tf_ami_parse_time(&t, NULL, "2024-02-29T12:00:00Z"), 0);
    assert_int_equal(t, 1709208000);
}

static void test_ami_util__rejects_bad_times(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "2030-01-01",
        "2030-01-01T00:00:00",
        "2030-01-01 00:00:00Z",
        "2030-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "2030-01-01T24:00:00Z",
        "2030-01-01T00:60:00Z",
        "2030-01-01T00:00:00.Z",
        "2030-01-01T00:00:00+0100",
        "2030-01-01T00:00:00Zx",
        "tomorrow",
        "",
    };
    int64_t t = 42;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tf_ami_parse_time(&t, NULL, bad[i]) != -1)
            fail_msg("accepted \"%s\"", bad[i]);
    }
    assert_int_equal(tf_ami_parse_time(&t, NULL, NULL), -1);
    assert_int_equal(t, 42);
}

static void test_ami_util__keeps_configured_text_for_the_same_instant(void **state)
{
    (void)state;
    const char *kept = "2030-01-01T00:00:00Z";
    const char *offset = "2030-01-01T02:00:00+02:00";
    const char *remote = "2030-01-01T00:00:00.000Z";
    const char *later = "2030-01-01T00:01:00.000Z";
    assert_ptr_equal(tf_ami_same_instant(kept, remote), kept);
    assert_ptr_equal(tf_ami_same_instant(offset, remote), offset);
    assert_ptr_equal(tf_ami_same_instant(kept, later), later);
    assert_ptr_equal(tf_ami_same_instant(NULL, remote), remote);
    assert_null(tf_ami_same_instant(kept, NULL));
    assert_ptr_equal(tf_ami_same_instant("garbage", remote), remote);
}

/* ---- Tags ---- */

static const struct tf_type map_of_strings = {.kind = TF_MAP, .elem = &tf_type_string};

static struct tf_value *tags(struct tf_arena *a, size_t n, const char *const *kv)
{
    struct tf_value *m = tf_value_map(a, &map_of_strings, n);
    for (size_t i = 0; i < n; i++) {
        m->u.map.keys[i] = kv[2 * i];
        m->u.map.vals[i] = kv[2 * i + 1] != NULL ? tf_value_string(a, kv[2 * i + 1])
                                                 : tf_value_null(a, &tf_type_string);
    }
    tf_value_map_sort(m);
    return m;
}

static void test_ami_util__tag_diff_touches_only_the_difference(void **state)
{
    struct tf_arena *a = *state;
    const char *const from_kv[] = {"Team", "web", "Env", "dev", "Old", "x"};
    const char *const to_kv[] = {"Team", "web", "Env", "prod", "New", "y"};
    struct tf_ami_tag_diff d;

    assert_int_equal(tf_ami_tag_diff(&d, a, tags(a, 3, from_kv), tags(a, 3, to_kv)), 0);
    assert_int_equal(d.n_remove, 1);
    assert_string_equal(d.remove[0].key, "Old");
    assert_null(d.remove[0].value);
    assert_int_equal(d.n_set, 2);
    /* Keys come sorted: Env before New. */
    assert_string_equal(d.set[0].key, "Env");
    assert_string_equal(d.set[0].value, "prod");
    assert_string_equal(d.set[1].key, "New");
    assert_string_equal(d.set[1].value, "y");
}

static void test_ami_util__tag_diff_from_and_to_nothing(void **state)
{
    struct tf_arena *a = *state;
    const char *const kv[] = {"A", "1", "B", NULL};
    struct tf_ami_tag_diff d;

    assert_int_equal(tf_ami_tag_diff(&d, a, NULL, tags(a, 2, kv)), 0);
    assert_int_equal(d.n_remove, 0);
    assert_int_equal(d.n_set, 2);
    assert_string_equal(d.set[1].key, "B");
    assert_string_equal(d.set[1].value, ""); /* a null element counts as "" */
    assert_int_equal(tf_ami_tag_diff(&d, a, tags(a, 2, kv), tf_value_null(a, &map_of_strings)), 0);
    assert_int_equal(d.n_remove, 2);
    assert_int_equal(d.n_set, 0);
    assert_int_equal(tf_ami_tag_diff(&d, a, tags(a, 2, kv), tags(a, 2, kv)), 0);
    assert_int_equal(d.n_remove + d.n_set, 0);
}

/* ---- Snapshot texts ---- */

static void text_for(struct tf_arena *a, const struct tf_ami_snapshot_outcome *o,
                     const char **summary, const char **detail)
{
    assert_int_equal(tf_ami_snapshot_text(summary, detail, a, o), 0);
    assert_null(strchr(*summary, '\n'));
    assert_non_null(strstr(*summary, o->snapshot_id));
}

static void test_ami_util__snapshot_texts_explain_each_code(void **state)
{
    struct tf_arena *a = *state;
    const char *s, *d;
    const char *const users[] = {"ami-2", "ami-3"};
    struct tf_ami_snapshot_outcome o = {.snapshot_id = "snap-1"};

    o.return_code = "success";
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(s, "deleted"));

    o.return_code = "skipped";
    o.other_images = users;
    o.n_other_images = 2;
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(s, "skipped"));
    assert_true(strncmp(d, "skipped:", 8) == 0);
    assert_non_null(strstr(d, "ami-2, ami-3"));

    o.n_other_images = 0;
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(d, "none is visible"));

    o.return_code = "missing-permissions";
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(s, "missing-permissions"));
    assert_non_null(strstr(d, "ec2:DeleteSnapshot"));

    o.return_code = "internal-error";
    o.retries = 3;
    o.retry_error = "InternalError: boom";
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(s, "kept (internal-error)"));
    assert_non_null(strstr(d, "3 time(s)"));
    assert_non_null(strstr(d, "InternalError: boom"));

    o.retries = 2;
    o.retry_deleted = true;
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(s, "deleted on retry"));
    assert_non_null(strstr(d, "attempt 2"));

    o.return_code = "client-error";
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(d, "describe-snapshots"));
    o.error_message = "the snapshot belongs to account 111122223333";
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(d, "111122223333"));

    o.return_code = "brand-new-code";
    text_for(a, &o, &s, &d);
    assert_non_null(strstr(s, "brand-new-code"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ami_util__accepts_names_ec2_allows),
        cmocka_unit_test(test_ami_util__rejects_bad_names_with_reason),
        cmocka_unit_test(test_ami_util__enumerations),
        cmocka_unit_test(test_ami_util__arn_follows_the_partition),
        cmocka_unit_test(test_ami_util__parses_rfc3339),
        cmocka_unit_test(test_ami_util__rejects_bad_times),
        cmocka_unit_test(test_ami_util__keeps_configured_text_for_the_same_instant),
        cmocka_unit_test_setup_teardown(test_ami_util__tag_diff_touches_only_the_difference, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ami_util__tag_diff_from_and_to_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ami_util__snapshot_texts_explain_each_code, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
