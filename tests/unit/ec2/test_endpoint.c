/*
 * test_endpoint.c - region and endpoint resolution order, the regional defaults, and the URL
 * parts that signing uses (Host with an explicit port, path).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ec2.h"
#include "endpoint.h"

static int setup(void **state)
{
    static const char *const vars[] = {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_EC2",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    return 0;
}

static void expect_region(const char *explicit_region, const struct ec2_profile *p,
                          const char *want)
{
    char *region = NULL;
    struct ec2_error err;

    assert_int_equal(ec2_endpoint_region(&region, explicit_region, p, &err), 0);
    assert_string_equal(region, want);
    free(region);
}

static void test_endpoint__region_order(void **state)
{
    struct ec2_profile p;
    char *region = NULL;
    struct ec2_error err;

    (void)state;
    memset(&p, 0, sizeof(p));
    ec2_error_init(&err);
    assert_int_equal(ec2_endpoint_region(&region, NULL, &p, &err), EC2_ERR_CONFIG);
    assert_non_null(strstr(err.message, "region"));
    p.region = "eu-north-1";
    expect_region(NULL, &p, "eu-north-1");
    setenv("AWS_DEFAULT_REGION", "eu-west-2", 1);
    expect_region(NULL, &p, "eu-west-2");
    setenv("AWS_REGION", "eu-west-3", 1);
    expect_region(NULL, &p, "eu-west-3");
    expect_region("us-west-2", &p, "us-west-2");
    /* An empty explicit value does not count as set. */
    expect_region("", &p, "eu-west-3");
}

static void test_endpoint__region_is_validated(void **state)
{
    char *region = NULL;
    struct ec2_error err;

    (void)state;
    assert_int_equal(ec2_endpoint_region(&region, "us-east-1.evil.com/", NULL, &err),
                     EC2_ERR_CONFIG);
    assert_int_equal(ec2_endpoint_region(&region, "US-EAST-1", NULL, &err), EC2_ERR_CONFIG);
    assert_null(region);
}

static void expect_url(const char *explicit_ep, const char *region, const struct ec2_profile *p,
                       const char *want)
{
    char *url = NULL;
    struct ec2_error err;

    assert_int_equal(ec2_endpoint_url(&url, explicit_ep, region, p, &err), 0);
    assert_string_equal(url, want);
    free(url);
}

static void test_endpoint__endpoint_order(void **state)
{
    struct ec2_profile p;

    (void)state;
    memset(&p, 0, sizeof(p));
    expect_url(NULL, "us-east-1", NULL, "https://ec2.us-east-1.amazonaws.com");
    expect_url(NULL, "cn-north-1", NULL, "https://ec2.cn-north-1.amazonaws.com.cn");
    p.endpoint_url = "http://profile:1";
    expect_url(NULL, "us-east-1", &p, "http://profile:1");
    setenv("AWS_ENDPOINT_URL", "http://global:2", 1);
    expect_url(NULL, "us-east-1", &p, "http://global:2");
    setenv("AWS_ENDPOINT_URL_EC2", "http://ec2only:3", 1);
    expect_url(NULL, "us-east-1", &p, "http://ec2only:3");
    expect_url("http://explicit:4", "us-east-1", &p, "http://explicit:4");
    /* The opt-out ignores environment and profile, never the explicit setting. */
    setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
    expect_url(NULL, "us-east-1", &p, "https://ec2.us-east-1.amazonaws.com");
    expect_url("http://explicit:4", "us-east-1", &p, "http://explicit:4");
}

static void test_endpoint__parts_for_signing(void **state)
{
    struct ec2_endpoint_parts parts;
    struct ec2_error err;

    (void)state;
    assert_int_equal(ec2_endpoint_parse(&parts, "https://ec2.us-east-1.amazonaws.com", &err), 0);
    assert_string_equal(parts.host, "ec2.us-east-1.amazonaws.com");
    assert_string_equal(parts.path, "/");
    ec2_endpoint_parts_dispose(&parts);
    assert_int_equal(ec2_endpoint_parse(&parts, "http://127.0.0.1:8080/", &err), 0);
    assert_string_equal(parts.host, "127.0.0.1:8080");
    ec2_endpoint_parts_dispose(&parts);
    assert_int_equal(ec2_endpoint_parse(&parts, "http://[::1]:9000/ec2/", &err), 0);
    assert_string_equal(parts.host, "[::1]:9000");
    assert_string_equal(parts.path, "/ec2/");
    ec2_endpoint_parts_dispose(&parts);
    /* Scheme case does not matter; the authority and path are kept as written. */
    assert_int_equal(ec2_endpoint_parse(&parts, "HTTPS://Ec2.Example:8443/a%2Fb/c", &err), 0);
    assert_string_equal(parts.host, "Ec2.Example:8443");
    assert_string_equal(parts.path, "/a%2Fb/c");
    ec2_endpoint_parts_dispose(&parts);
}

static void test_endpoint__refuses_bad_urls(void **state)
{
    static const char *const bad[] = {
        "ftp://example.com",
        "not a url",
        "",
        "http://user:pw@example.com/",
        "https://example.com/?x=1",
        "https://example.com/#top",
        "https://",
        "https:///path",
        "http://host:/",
        "http://host:0/",
        "http://host:65536/",
        "http://host:80x/",
        "http://ho st/",
        "http://h\xc3\xa9te/",
        "http://[::1/",
        "http://[::g]/",
        "http://[::1]x/",
        "http://host/a b",
        "http://host/%zz",
        "http:/host/",
    };
    struct ec2_endpoint_parts parts;
    struct ec2_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ec2_error_init(&err);
        assert_int_equal(ec2_endpoint_parse(&parts, bad[i], &err), EC2_ERR_CONFIG);
        assert_int_equal(err.error_class, EC2_CLASS_LOCAL);
    }
    /* The credentials-bearing URL is never echoed back, whatever else is wrong with it. */
    ec2_endpoint_parse(&parts, "http://user:pw@example.com/", &err);
    assert_null(strstr(err.message, "pw"));
    ec2_endpoint_parse(&parts, "ftp://user:pw@example.com/", &err);
    assert_null(strstr(err.message, "pw"));
    ec2_endpoint_parse(&parts, "user:pw@example.com", &err);
    assert_null(strstr(err.message, "pw"));
}

/* A client configuration with static credentials and no shared files to read. */
static void static_credentials(struct ec2_config *cfg)
{
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    ec2_config_init(cfg);
    cfg->access_key = "AKID";
    cfg->secret_key = "SECRET";
}

static void test_endpoint__client_reports_resolved_values(void **state)
{
    struct ec2_client *c = NULL;
    struct ec2_config cfg;
    struct ec2_error err;

    (void)state;
    setenv("AWS_REGION", "ap-northeast-1", 1);
    static_credentials(&cfg);
    assert_int_equal(ec2_client_new(&c, &cfg, &err), 0);
    assert_string_equal(ec2_client_region(c), "ap-northeast-1");
    assert_string_equal(ec2_client_endpoint(c), "https://ec2.ap-northeast-1.amazonaws.com");
    ec2_client_free(c);
    cfg.endpoint = "gopher://x";
    ec2_error_init(&err);
    assert_int_equal(ec2_client_new(&c, &cfg, &err), EC2_ERR_CONFIG);
}

/* The endpoint check here is stricter than libcurl's in most ways, not all: what only libcurl
 * refuses (a malformed IPv6 literal) fails the first request as a configuration error, unretried.
 */
static void test_endpoint__url_only_libcurl_refuses_fails_the_request(void **state)
{
    const char *ids[] = {"ami-1"};
    struct ec2_describe_images_input in;
    struct ec2_describe_images_output out;
    struct ec2_client *c = NULL;
    struct ec2_config cfg;
    struct ec2_error err;

    (void)state;
    static_credentials(&cfg);
    cfg.region = "us-east-1";
    cfg.endpoint = "http://[1::2::3]:1/";
    cfg.max_attempts = 3;
    assert_int_equal(ec2_client_new(&c, &cfg, &err), 0);
    memset(&in, 0, sizeof(in));
    in.image_ids = ids;
    in.n_image_ids = 1;
    ec2_error_init(&err);
    assert_int_equal(ec2_describe_images(&out, c, &in, NULL, &err), EC2_ERR_CONFIG);
    assert_int_equal(err.error_class, EC2_CLASS_LOCAL);
    assert_int_equal(err.attempts, 1);
    assert_non_null(strstr(err.message, "bad endpoint URL"));
    ec2_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_endpoint__region_order, setup),
        cmocka_unit_test_setup(test_endpoint__region_is_validated, setup),
        cmocka_unit_test_setup(test_endpoint__endpoint_order, setup),
        cmocka_unit_test_setup(test_endpoint__parts_for_signing, setup),
        cmocka_unit_test_setup(test_endpoint__refuses_bad_urls, setup),
        cmocka_unit_test_setup(test_endpoint__client_reports_resolved_values, setup),
        cmocka_unit_test_setup(test_endpoint__url_only_libcurl_refuses_fails_the_request, setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
