/*
 * test_query.c - Query API form bodies: encoding, flattening of lists, booleans, timestamps,
 * and the exact bodies the operation builders produce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ec2.h"
#include "ops.h"
#include "query.h"

static const char *body(const struct ec2_query *q)
{
    return ec2_buf_str(&q->body);
}

static void test_query__starts_with_action_and_version(void **state)
{
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "DescribeImages");
    assert_int_equal(ec2_query_status(&q), 0);
    assert_string_equal(body(&q), "Action=DescribeImages&Version=2016-11-15");
    ec2_query_dispose(&q);
}

static void test_query__percent_encodes_rfc3986(void **state)
{
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "X");
    ec2_query_add(&q, "a b+c/d~e_f.g-h*i&j=k%l\xc3\xbc", "Name");
    assert_string_equal(body(&q), "Action=X&Version=2016-11-15&Name=a%20b%2Bc%2Fd~e_f.g-h%2Ai%26j%"
                                  "3Dk%25l%C3%BC");
    ec2_query_dispose(&q);
}

static void test_query__null_value_is_omitted_empty_is_sent(void **state)
{
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "X");
    ec2_query_add(&q, NULL, "Skipped");
    ec2_query_add(&q, "", "Empty");
    assert_string_equal(body(&q), "Action=X&Version=2016-11-15&Empty=");
    ec2_query_dispose(&q);
}

static void test_query__lists_are_one_based_and_empty_lists_omitted(void **state)
{
    const char *ids[] = {"ami-1", "ami-2"};
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "X");
    ec2_query_add_list(&q, "ImageId", ids, 2);
    ec2_query_add_list(&q, "Owner", NULL, 0);
    ec2_query_add_list(&q, "Owner", ids, 0);
    assert_string_equal(body(&q), "Action=X&Version=2016-11-15&ImageId.1=ami-1&ImageId.2=ami-2");
    ec2_query_dispose(&q);
}

static void test_query__booleans_ints_and_times(void **state)
{
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "X");
    ec2_query_add_bool(&q, true, "A");
    ec2_query_add_bool(&q, false, "B");
    ec2_query_add_opt_bool(&q, EC2_BOOL_UNSET, "C");
    ec2_query_add_opt_bool(&q, EC2_BOOL_FALSE, "D");
    ec2_query_add_opt_bool(&q, EC2_BOOL_TRUE, "E");
    ec2_query_add_int(&q, -42, "F");
    ec2_query_add_time(&q, 1893456000, "G");
    assert_int_equal(ec2_query_status(&q), 0);
    assert_string_equal(body(&q), "Action=X&Version=2016-11-15&A=true&B=false&D=false&E=true&F=-42&"
                                  "G=2030-01-01T00%3A00%3A00Z");
    ec2_query_dispose(&q);
}

static void test_query__bad_time_is_a_sticky_error(void **state)
{
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "X");
    ec2_query_add_time(&q, -1, "G");
    ec2_query_add(&q, "v", "After");
    assert_int_equal(ec2_query_status(&q), EC2_ERR_INVALID_ARGUMENT);
    ec2_query_dispose(&q);
}

static void test_query__filters_and_tag_specifications(void **state)
{
    const char *v1[] = {"seed-*", "x y"};
    const char *v2[] = {"available"};
    struct ec2_filter filters[] = {{"name", v1, 2}, {"state", v2, 1}, {"empty", NULL, 0}};
    struct ec2_tag tags[] = {{"Name", "n"}, {"k", ""}};
    struct ec2_tag_specification specs[] = {{"image", tags, 2}, {"snapshot", NULL, 0}};
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "X");
    ec2_query_add_filters(&q, filters, 3);
    ec2_query_add_tag_specifications(&q, specs, 2);
    assert_string_equal(body(&q), "Action=X&Version=2016-11-15&Filter.1.Name=name&Filter.1.Value.1="
                                  "seed-%2A&Filter.1.Value.2=x%20y&Filter.2.Name=state&Filter.2."
                                  "Value.1=available&Filter.3.Name=empty&TagSpecification.1."
                                  "ResourceType=image&TagSpecification.1.Tag.1.Key=Name&"
                                  "TagSpecification.1.Tag.1.Value=n&TagSpecification.1.Tag.2.Key=k&"
                                  "TagSpecification.1.Tag.2.Value=&TagSpecification.2.ResourceType="
                                  "snapshot");
    ec2_query_dispose(&q);
}

static void test_query__delete_tags_without_value_sends_key_only(void **state)
{
    struct ec2_tag tags[] = {{"empty", NULL}, {"team", "blue"}};
    struct ec2_query q;

    (void)state;
    ec2_query_init(&q, "DeleteTags");
    ec2_query_add_tags(&q, "Tag", tags, 2);
    assert_string_equal(body(&q), "Action=DeleteTags&Version=2016-11-15&Tag.1.Key=empty&Tag.2.Key="
                                  "team&Tag.2.Value=blue");
    ec2_query_dispose(&q);
}

static void test_query__register_image_body(void **state)
{
    struct ec2_ebs_block_device ebs = {"snap-1",       8,   "gp3", 3000, 125, EC2_BOOL_TRUE,
                                       EC2_BOOL_FALSE, NULL};
    struct ec2_block_device_mapping bdm[] = {{"/dev/xvda", NULL, NULL, &ebs},
                                             {"/dev/sdb", "ephemeral0", NULL, NULL},
                                             {"/dev/sdc", NULL, "", NULL}};
    struct ec2_tag tags[] = {{"Name", "my image"}};
    struct ec2_tag_specification spec = {"image", tags, 1};
    struct ec2_register_image_input in;
    struct ec2_call_opts opts = EC2_CALL_OPTS_INIT;
    struct ec2_query q;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.name = "img";
    in.architecture = "x86_64";
    in.root_device_name = "/dev/xvda";
    in.virtualization_type = "hvm";
    in.ena_support = EC2_BOOL_TRUE;
    in.boot_mode = "uefi";
    in.block_device_mappings = bdm;
    in.n_block_device_mappings = 3;
    in.tag_specifications = &spec;
    in.n_tag_specifications = 1;
    opts.dry_run = EC2_BOOL_TRUE;
    ec2_build_register_image(&q, &in, &opts);
    assert_int_equal(ec2_query_status(&q), 0);
    assert_string_equal(
        body(&q),
        "Action=RegisterImage&Version=2016-11-15&Name=img&Architecture=x86_64&"
        "RootDeviceName=%2Fdev%2Fxvda&VirtualizationType=hvm&EnaSupport=true&BootMode=uefi&"
        "BlockDeviceMapping.1.DeviceName=%2Fdev%2Fxvda&BlockDeviceMapping.1.Ebs."
        "SnapshotId=snap-1&BlockDeviceMapping.1.Ebs.VolumeSize=8&BlockDeviceMapping.1.Ebs."
        "VolumeType=gp3&BlockDeviceMapping.1.Ebs.Iops=3000&BlockDeviceMapping.1.Ebs."
        "Throughput=125&BlockDeviceMapping.1.Ebs.DeleteOnTermination=true&"
        "BlockDeviceMapping.1.Ebs.Encrypted=false&BlockDeviceMapping.2.DeviceName=%2Fdev%"
        "2Fsdb&BlockDeviceMapping.2.VirtualName=ephemeral0&BlockDeviceMapping.3."
        "DeviceName=%2Fdev%2Fsdc&BlockDeviceMapping.3.NoDevice=&TagSpecification.1."
        "ResourceType=image&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1."
        "Value=my%20image&DryRun=true");
    ec2_query_dispose(&q);
}

static void test_query__describe_images_body_with_token(void **state)
{
    const char *owners[] = {"self"};
    const char *exec[] = {"all"};
    struct ec2_describe_images_input in;
    struct ec2_query q;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.owners = owners;
    in.n_owners = 1;
    in.executable_by = exec;
    in.n_executable_by = 1;
    in.include_deprecated = EC2_BOOL_TRUE;
    in.include_disabled = EC2_BOOL_FALSE;
    in.max_results = 5;
    ec2_build_describe_images(&q, &in, "tok=en", NULL);
    assert_string_equal(body(&q), "Action=DescribeImages&Version=2016-11-15&ExecutableBy.1=all&"
                                  "Owner.1=self&IncludeDeprecated=true&IncludeDisabled=false&"
                                  "MaxResults=5&NextToken=tok%3Den");
    ec2_query_dispose(&q);
}

static void test_query__modify_image_attribute_body(void **state)
{
    struct ec2_launch_permission add[] = {{"111122223333", NULL, NULL, NULL},
                                          {NULL, "all", NULL, NULL}};
    struct ec2_launch_permission rm[] = {{"444455556666", NULL, NULL, NULL}};
    struct ec2_modify_image_attribute_input in = {"ami-1", "new, desc", add, 2, rm, 1};
    struct ec2_query q;

    (void)state;
    ec2_build_modify_image_attribute(&q, &in, NULL);
    assert_string_equal(body(&q),
                        "Action=ModifyImageAttribute&Version=2016-11-15&Description.Value="
                        "new%2C%20desc&ImageId=ami-1&LaunchPermission.Add.1.UserId="
                        "111122223333&LaunchPermission.Add.2.Group=all&LaunchPermission."
                        "Remove.1.UserId=444455556666");
    ec2_query_dispose(&q);
}

static void test_query__copy_image_body_carries_client_token(void **state)
{
    struct ec2_copy_image_input in;
    struct ec2_query q;

    (void)state;
    memset(&in, 0, sizeof(in));
    in.name = "copy";
    in.source_image_id = "ami-1";
    in.source_region = "us-west-2";
    in.encrypted = EC2_BOOL_TRUE;
    ec2_build_copy_image(&q, &in, "tok-1", NULL);
    assert_string_equal(body(&q), "Action=CopyImage&Version=2016-11-15&ClientToken=tok-1&Encrypted="
                                  "true&Name=copy&SourceImageId=ami-1&SourceRegion=us-west-2");
    ec2_query_dispose(&q);
}

static void test_query__uuid4_has_version_and_variant(void **state)
{
    char a[37], b[37];

    (void)state;
    assert_int_equal(ec2_uuid4(a), 0);
    assert_int_equal(ec2_uuid4(b), 0);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[8], '-');
    assert_int_equal(a[14], '4');
    assert_true(strchr("89ab", a[19]) != NULL);
    assert_string_not_equal(a, b);
}

static void test_query__over_long_key_is_refused(void **state)
{
    char prefix[400];
    const char *v[] = {"x"};
    struct ec2_query q;

    (void)state;
    memset(prefix, 'K', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = '\0';
    ec2_query_init(&q, "X");
    ec2_query_add_list(&q, prefix, v, 1);
    assert_int_equal(ec2_query_status(&q), EC2_ERR_INVALID_ARGUMENT);
    ec2_query_dispose(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query__starts_with_action_and_version),
        cmocka_unit_test(test_query__percent_encodes_rfc3986),
        cmocka_unit_test(test_query__null_value_is_omitted_empty_is_sent),
        cmocka_unit_test(test_query__lists_are_one_based_and_empty_lists_omitted),
        cmocka_unit_test(test_query__booleans_ints_and_times),
        cmocka_unit_test(test_query__bad_time_is_a_sticky_error),
        cmocka_unit_test(test_query__filters_and_tag_specifications),
        cmocka_unit_test(test_query__delete_tags_without_value_sends_key_only),
        cmocka_unit_test(test_query__register_image_body),
        cmocka_unit_test(test_query__describe_images_body_with_token),
        cmocka_unit_test(test_query__modify_image_attribute_body),
        cmocka_unit_test(test_query__copy_image_body_carries_client_token),
        cmocka_unit_test(test_query__uuid4_has_version_and_variant),
        cmocka_unit_test(test_query__over_long_key_is_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
