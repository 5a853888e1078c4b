/*
 * test_alloc.c - allocation-failure torture for the parsers and builders of ec2/.
 *
 * The binary links with -Wl,--wrap for malloc, calloc, realloc and strdup, which redirects the
 * library's own calls (not libxml2's or libc's internal ones) through the counters below. Each
 * scenario first runs cleanly to count its allocations, then again failing the 1st, 2nd, ...
 * allocation in turn: every run must fail with a clean error code (or succeed when the failed
 * allocation was optional) and, under the sanitizer build, leak nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config_file.h"
#include "ec2.h"
#include "ops.h"
#include "query.h"
#include "sigv4.h"
#include "xml.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);

static long alloc_count;
static long fail_at = -1; /* 1-based index of the allocation to fail, -1: none */

static bool should_fail(void)
{
    alloc_count++;
    return fail_at > 0 && alloc_count == fail_at;
}

void *__wrap_malloc(size_t size)
{
    return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return should_fail() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = __wrap_malloc(len);

    if (copy != NULL)
        memcpy(copy, s, len);
    return copy;
}

typedef int (*scenario_fn)(void);

/* Run `fn` once to count, then once per allocation failing it; returns how many were failed. */
static long torture(scenario_fn fn)
{
    long total;

    fail_at = -1;
    alloc_count = 0;
    assert_int_equal(fn(), 0);
    total = alloc_count;
    assert_true(total > 0);
    for (long i = 1; i <= total; i++) {
        int rc;
        fail_at = i;
        alloc_count = 0;
        rc = fn();
        if (rc != 0 && rc != EC2_ERR_NOMEM)
            fail_msg("failing allocation %ld of %ld gave %s, not EC2_ERR_NOMEM", i, total,
                     ec2_error_name(rc));
    }
    fail_at = -1;
    return total;
}

static const char images_doc[] =
    "<DescribeImagesResponse><requestId>r</requestId><imagesSet><item><imageId>ami-1</imageId>"
    "<name>n</name><imageState>available</imageState><stateReason><code>c</code><message>m"
    "</message></stateReason><blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs>"
    "<snapshotId>snap-1</snapshotId><volumeSize>8</volumeSize><volumeType>gp3</volumeType>"
    "</ebs></item><item><deviceName>/dev/sdb</deviceName><noDevice/></item>"
    "</blockDeviceMapping><tagSet><item><key>k</key><value>v</value></item></tagSet></item>"
    "<item><imageId>ami-2</imageId></item></imagesSet><nextToken>t</nextToken>"
    "</DescribeImagesResponse>";

static int parse_images(void)
{
    struct ec2_describe_images_output out;
    xmlDoc *doc = NULL;
    char *next = NULL;
    int rc;

    memset(&out, 0, sizeof(out));
    rc = ec2_xml_parse(&doc, images_doc, strlen(images_doc), NULL);
    if (rc == 0)
        rc = ec2_parse_describe_images_page(&out, &next, doc, NULL);
    if (rc == 0 && (out.n_images != 2 || next == NULL))
        rc = EC2_ERR_GENERIC;
    free(next);
    ec2_describe_images_output_dispose(&out);
    xmlFreeDoc(doc);
    return rc;
}

static const char deregister_doc[] =
    "<DeregisterImageResponse><return>true</return><deleteSnapshotResultSet><item><snapshotId>"
    "snap-1</snapshotId><returnCode>success</returnCode></item><item><snapshotId>snap-2"
    "</snapshotId><returnCode>skipped</returnCode></item></deleteSnapshotResultSet>"
    "</DeregisterImageResponse>";

static int parse_deregister(void)
{
    struct ec2_deregister_image_output out;
    xmlDoc *doc = NULL;
    int rc = ec2_xml_parse(&doc, deregister_doc, strlen(deregister_doc), NULL);

    if (rc == 0)
        rc = ec2_parse_deregister_image(&out, doc, NULL);
    if (rc == 0)
        ec2_deregister_image_output_dispose(&out);
    xmlFreeDoc(doc);
    return rc;
}

static int parse_ini(void)
{
    static const char text[] = "[default]\nregion = us-east-1\n[profile x]\nservices = s\n"
                               "[services s]\nec2 =\n  endpoint_url = http://h\n";
    struct ec2_ini ini;
    int rc;

    ec2_ini_init(&ini);
    rc = ec2_ini_parse(&ini, text, strlen(text), "t", NULL);
    if (rc == 0 && ec2_ini_get(&ini, "services s", "ec2.endpoint_url") == NULL)
        rc = EC2_ERR_GENERIC;
    ec2_ini_dispose(&ini);
    return rc;
}

static int build_register(void)
{
    struct ec2_ebs_block_device ebs = {"snap-1",       8,   "gp3", 0, 0, EC2_BOOL_TRUE,
                                       EC2_BOOL_UNSET, NULL};
    struct ec2_block_device_mapping bdm = {"/dev/xvda", NULL, NULL, &ebs};
    struct ec2_tag tag = {"Name", "x"};
    struct ec2_tag_specification spec = {"image", &tag, 1};
    struct ec2_register_image_input in;
    struct ec2_query q;
    int rc;

    memset(&in, 0, sizeof(in));
    in.name = "n";
    in.block_device_mappings = &bdm;
    in.n_block_device_mappings = 1;
    in.tag_specifications = &spec;
    in.n_tag_specifications = 1;
    ec2_build_register_image(&q, &in, NULL);
    rc = ec2_query_status(&q);
    ec2_query_dispose(&q);
    return rc;
}

static int sign(void)
{
    struct sigv4_header hdrs[] = {{"Host", "h"}, {"X-A", "1"}, {"x-a", "2"}};
    struct sigv4_request req = {"GET", "/a/../b/", "z=1&a=%41", hdrs, 3, "body", 4};
    struct sigv4_credentials creds = {"AKID", "SECRET", "TOKEN"};
    struct sigv4_options opts = {"us-east-1", "ec2", 1440938160, true, true, false};
    struct sigv4_signature sig;
    int rc = sigv4_sign(&sig, &req, &creds, &opts, NULL);

    if (rc == 0)
        sigv4_signature_dispose(&sig);
    return rc;
}

static void test_alloc__describe_images_parser(void **state)
{
    (void)state;
    assert_true(torture(parse_images) > 10);
}

static void test_alloc__deregister_parser(void **state)
{
    (void)state;
    assert_true(torture(parse_deregister) > 3);
}

static void test_alloc__ini_parser(void **state)
{
    (void)state;
    assert_true(torture(parse_ini) > 5);
}

static void test_alloc__query_builder(void **state)
{
    (void)state;
    assert_true(torture(build_register) > 0);
}

static void test_alloc__signer(void **state)
{
    (void)state;
    assert_true(torture(sign) > 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc__describe_images_parser),
        cmocka_unit_test(test_alloc__deregister_parser),
        cmocka_unit_test(test_alloc__ini_parser),
        cmocka_unit_test(test_alloc__query_builder),
        cmocka_unit_test(test_alloc__signer),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
