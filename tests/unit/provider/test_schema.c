/*
 * test_schema.c - schema blocks to object types (provider/schema.c): shape, nesting modes,
 * memoisation, concurrent first use, lookups, and the codec driven by a schema type.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "schema.h"

static const struct tf_type map_string = {.kind = TF_MAP, .elem = &tf_type_string};

static const struct tf_schema_attr ebs_attrs[] = {
    {"device_name", &tf_type_string, TF_ATTR_REQUIRED, "The device name."},
    {"volume_size", &tf_type_number, TF_ATTR_OPTIONAL | TF_ATTR_COMPUTED, "Size in GiB."},
};
static const struct tf_schema_block ebs_block = {ebs_attrs, TF_COUNTOF(ebs_attrs), NULL,
                                                 0,         "An EBS volume.",      false};
static const struct tf_schema_attr timeouts_attrs[] = {
    {"create", &tf_type_string, TF_ATTR_OPTIONAL, NULL},
};
static const struct tf_schema_block timeouts_block = {
    timeouts_attrs, TF_COUNTOF(timeouts_attrs), NULL, 0, NULL, false};
static const struct tf_schema_nested ami_blocks[] = {
    {"ebs_block_device", TF_NEST_LIST, &ebs_block, 0, 0, TF_ATTR_FORCE_NEW},
    {"ephemeral", TF_NEST_SET, &ebs_block, 0, 0, 0},
    {"by_name", TF_NEST_MAP, &ebs_block, 0, 0, 0},
    {"timeouts", TF_NEST_SINGLE, &timeouts_block, 0, 1, 0},
    {"group", TF_NEST_GROUP, &timeouts_block, 0, 0, 0},
};
static const struct tf_schema_attr ami_attrs[] = {
    {"id", &tf_type_string, TF_ATTR_COMPUTED, NULL},
    {"name", &tf_type_string, TF_ATTR_REQUIRED | TF_ATTR_FORCE_NEW, NULL},
    {"tags", &map_string, TF_ATTR_OPTIONAL, NULL},
};
static const struct tf_schema ami_schema = {
    1, {ami_attrs, TF_COUNTOF(ami_attrs), ami_blocks, TF_COUNTOF(ami_blocks), "An AMI.", false}};

static const struct tf_type *attr_type(const struct tf_type *t, const char *name)
{
    int i = tf_type_attr_index(t, name);

    assert_true(i >= 0);
    return t->attrs[i].type;
}

static void test_schema__block_type_has_attributes_and_blocks_sorted_by_name(void **state)
{
    const struct tf_type *t = tf_schema_type(&ami_schema.block);
    const struct tf_type *ebs = tf_schema_type(&ebs_block);
    static const char *const names[] = {
        "by_name", "ebs_block_device", "ephemeral", "group", "id", "name", "tags", "timeouts"};

    assert_non_null(t);
    assert_int_equal(t->kind, TF_OBJECT);
    assert_true(t->attrs_sorted);
    assert_int_equal(t->n, 8);
    for (size_t i = 0; i < t->n; i++)
        assert_string_equal(t->attrs[i].name, names[i]);
    assert_ptr_equal(attr_type(t, "id"), &tf_type_string);
    assert_ptr_equal(attr_type(t, "tags"), &map_string);
    assert_int_equal(attr_type(t, "ebs_block_device")->kind, TF_LIST);
    assert_true(attr_type(t, "ebs_block_device")->block_collection);
    assert_ptr_equal(attr_type(t, "ebs_block_device")->elem, ebs);
    assert_int_equal(attr_type(t, "ephemeral")->kind, TF_SET);
    assert_true(attr_type(t, "ephemeral")->block_collection);
    assert_int_equal(attr_type(t, "by_name")->kind, TF_MAP);
    assert_true(attr_type(t, "by_name")->block_collection);
    /* SINGLE and GROUP are the block's object itself, never a collection */
    assert_ptr_equal(attr_type(t, "timeouts"), tf_schema_type(&timeouts_block));
    assert_false(attr_type(t, "timeouts")->block_collection);
    assert_ptr_equal(attr_type(t, "group"), attr_type(t, "timeouts"));
    assert_int_equal(ebs->n, 2);
    assert_ptr_equal(attr_type(ebs, "volume_size"), &tf_type_number);
    /* every name is found, absent ones and prefixes are not */
    for (size_t i = 0; i < t->n; i++)
        assert_int_equal(tf_type_attr_index(t, names[i]), (int)i);
    assert_int_equal(tf_type_attr_index(t, "nam"), -1);
    assert_int_equal(tf_type_attr_index(t, "names"), -1);
    assert_int_equal(tf_type_attr_index(t, "zzz"), -1);
    assert_int_equal(tf_type_attr_find(t, "name\0x", 6), -1);
}

static void test_schema__type_is_built_once(void **state)
{
    assert_ptr_equal(tf_schema_type(&ami_schema.block), tf_schema_type(&ami_schema.block));
    assert_ptr_equal(tf_schema_type(&ebs_block), tf_schema_type(&ebs_block));
}

static const struct tf_schema_attr race_attrs[] = {{"x", &tf_type_bool, TF_ATTR_OPTIONAL, NULL}};
static const struct tf_schema_block race_block = {race_attrs, 1, NULL, 0, NULL, false};

static void *first_use(void *arg)
{
    return (void *)tf_schema_type(&race_block);
}

static void test_schema__concurrent_first_use_agrees(void **state)
{
    pthread_t threads[4];
    void *got[4];

    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, first_use, NULL), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(threads[i], &got[i]), 0);
    for (int i = 1; i < 4; i++)
        assert_ptr_equal(got[i], got[0]);
    assert_ptr_equal(got[0], tf_schema_type(&race_block));
}

static void test_schema__finds_attributes_and_blocks_by_name(void **state)
{
    assert_ptr_equal(tf_schema_find_attr(&ami_schema.block, "name"), &ami_attrs[1]);
    assert_null(tf_schema_find_attr(&ami_schema.block, "ebs_block_device"));
    assert_ptr_equal(tf_schema_find_block(&ami_schema.block, "timeouts"), &ami_blocks[3]);
    assert_null(tf_schema_find_block(&ami_schema.block, "name"));
}

/* A config as Terraform sends it: every attribute and block type present, no blocks as []. */
static void test_schema__codec_round_trips_a_config_by_schema_type(void **state)
{
    const struct tf_type *t = tf_schema_type(&ami_schema.block);
    struct tf_arena *a = tf_arena_new(1 << 20);
    struct tf_value *v = tf_value_object(a, t), *back = NULL;
    struct tf_value *blocks = tf_value_collection(a, attr_type(t, "ebs_block_device"), 1);
    struct tf_value *ebs = tf_value_object(a, attr_type(t, "ebs_block_device")->elem);
    struct tf_codec_error err;
    uint8_t *buf = NULL;
    size_t len;
    char path[64];

    tf_value_set(ebs, "device_name", tf_value_string(a, "/dev/sda1"));
    tf_value_set(ebs, "volume_size", tf_value_unknown(a, &tf_type_number));
    blocks->u.coll.items[0] = ebs;
    tf_value_set(v, "name", tf_value_string(a, "golden"));
    tf_value_set(v, "ebs_block_device", blocks);
    assert_int_equal(tf_codec_encode_msgpack(&buf, &len, a, v, &err), TF_CODEC_OK);
    assert_int_equal(tf_codec_decode_msgpack(&back, a, t, buf, len, &err), TF_CODEC_OK);
    assert_true(tf_value_equal(v, back));
    /* null ephemeral (set) and by_name (map) blocks came back as empty collections */
    assert_true(tf_value_is_known(tf_value_get(back, "ephemeral")));
    assert_int_equal(tf_value_get(back, "ephemeral")->u.coll.n, 0);
    assert_int_equal(tf_value_get(back, "by_name")->u.map.n, 0);
    assert_true(tf_value_is_null(tf_value_get(back, "timeouts")));
    /* the first attribute (in the type's order) missing from the input is named in the error */
    assert_int_equal(tf_codec_decode_msgpack(
                         &back, a, t, (const uint8_t[]){0x81, 0xa2, 'i', 'd', 0xc0}, 5, &err),
                     TF_CODEC_ERR);
    assert_string_equal(tf_path_format(&err.path, path, sizeof(path)), "by_name");
    tf_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema__block_type_has_attributes_and_blocks_sorted_by_name),
        cmocka_unit_test(test_schema__type_is_built_once),
        cmocka_unit_test(test_schema__concurrent_first_use_agrees),
        cmocka_unit_test(test_schema__finds_attributes_and_blocks_by_name),
        cmocka_unit_test(test_schema__codec_round_trips_a_config_by_schema_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
