/*
 * test_codec.c - msgpack and JSON decoding, msgpack encoding and JSON type text
 * (provider/codec_msgpack.c, codec_json.c, type_json.c): round trips of every type, exact bytes,
 * unknowns and nulls, nested blocks, dynamic values, and a table of malformed inputs that must each
 * end in TF_CODEC_ERR at the right path, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "codec_internal.h"

/* ---- Types under test -------------------------------------------------------------------------
 */

static const struct tf_type list_string = {.kind = TF_LIST, .elem = &tf_type_string};
static const struct tf_type set_number = {.kind = TF_SET, .elem = &tf_type_number};
static const struct tf_type map_string = {.kind = TF_MAP, .elem = &tf_type_string};
static const struct tf_type *const pair_elems[] = {&tf_type_string, &tf_type_number};
static const struct tf_type pair_tuple = {.kind = TF_TUPLE, .n = 2, .elems = pair_elems};
static const struct tf_attr_type ebs_attrs[] = {TF_ATTR("device_name", &tf_type_string),
                                                TF_ATTR("volume_size", &tf_type_number)};
static const struct tf_type ebs = {.kind = TF_OBJECT, .n = 2, .attrs = ebs_attrs};
static const struct tf_type ebs_list = {.kind = TF_LIST, .elem = &ebs, .block_collection = true};
static const struct tf_type ebs_map = {.kind = TF_MAP, .elem = &ebs, .block_collection = true};
static const struct tf_attr_type root_attrs[] = {
    TF_ATTR("id", &tf_type_string),
    TF_ATTR("count", &tf_type_number),
    TF_ATTR("enabled", &tf_type_bool),
    TF_ATTR("tags", &map_string),
    TF_ATTR("names", &list_string),
    TF_ATTR("ports", &set_number),
    TF_ATTR("pair", &pair_tuple),
    TF_ATTR("any", &tf_type_dynamic),
    TF_ATTR("root", &ebs),
    TF_ATTR("ebs_block_device", &ebs_list),
    TF_ATTR("named_devices", &ebs_map),
};
static const struct tf_type root = {.kind = TF_OBJECT, .n = 11, .attrs = root_attrs};

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static struct tf_arena *arena;

static int setup(void **state)
{
    arena = tf_arena_new(1 << 24);
    return arena == NULL;
}

static int teardown(void **state)
{
    tf_arena_free(arena);
    arena = NULL;
    return 0;
}

static struct tf_value *decimal(const char *text)
{
    struct tf_value *v = tf_value_int(arena, 0);

    v->u.num.repr = TF_NUM_DECIMAL;
    v->u.num.dec = text;
    return v;
}

static struct tf_value *ebs_value(const char *device, int64_t size)
{
    struct tf_value *o = tf_value_object(arena, &ebs);

    tf_value_set(o, "device_name", tf_value_string(arena, device));
    tf_value_set(o, "volume_size", tf_value_int(arena, size));
    return o;
}

/* Every attribute of root set, every kind represented. */
static struct tf_value *sample(void)
{
    struct tf_value *o = tf_value_object(arena, &root);
    struct tf_value *tags = tf_value_map(arena, &map_string, 2);
    struct tf_value *names = tf_value_collection(arena, &list_string, 2);
    struct tf_value *ports = tf_value_collection(arena, &set_number, 3);
    struct tf_value *pair = tf_value_collection(arena, &pair_tuple, 2);
    struct tf_value *blocks = tf_value_collection(arena, &ebs_list, 2);
    struct tf_value *named = tf_value_map(arena, &ebs_map, 1);
    struct tf_value *any = tf_value_collection(arena, &list_string, 1);

    tags->u.map.keys[0] = "Name";
    tags->u.map.vals[0] = tf_value_string(arena, "web ✓");
    tags->u.map.keys[1] = "Env";
    tags->u.map.vals[1] = tf_value_unknown(arena, &tf_type_string);
    tf_value_map_sort(tags);
    names->u.coll.items[0] = tf_value_string(arena, "");
    names->u.coll.items[1] = tf_value_null(arena, &tf_type_string);
    ports->u.coll.items[0] = tf_value_int(arena, 22);
    ports->u.coll.items[1] = tf_value_float(arena, 0.5);
    ports->u.coll.items[2] = decimal("1e400");
    pair->u.coll.items[0] = tf_value_string(arena, "a");
    pair->u.coll.items[1] = tf_value_int(arena, INT64_MIN);
    blocks->u.coll.items[0] = ebs_value("/dev/sda1", 8);
    blocks->u.coll.items[1] = ebs_value("/dev/sdb", 100);
    named->u.map.keys[0] = "data";
    named->u.map.vals[0] = ebs_value("/dev/sdc", 1);
    any->u.coll.items[0] = tf_value_string(arena, "x");
    tf_value_set(o, "id", tf_value_string(arena, "ami-0123"));
    tf_value_set(o, "count", tf_value_int(arena, -3));
    tf_value_set(o, "enabled", tf_value_bool(arena, false));
    tf_value_set(o, "tags", tags);
    tf_value_set(o, "names", names);
    tf_value_set(o, "ports", ports);
    tf_value_set(o, "pair", pair);
    tf_value_set(o, "any", any);
    tf_value_set(o, "root", ebs_value("/dev/xvda", 30));
    tf_value_set(o, "ebs_block_device", blocks);
    tf_value_set(o, "named_devices", named);
    return o;
}

static void encode_ok(const struct tf_value *v, uint8_t **out, size_t *len)
{
    struct tf_codec_error err;

    assert_int_equal(tf_codec_encode_msgpack(out, len, arena, v, &err), TF_CODEC_OK);
}

static struct tf_value *decode_ok(const struct tf_type *t, const uint8_t *buf, size_t len)
{
    struct tf_value *v = NULL;
    struct tf_codec_error err;
    int rc = tf_codec_decode_msgpack(&v, arena, t, buf, len, &err);

    if (rc != TF_CODEC_OK)
        fail_msg("decode failed: %s", err.message);
    return v;
}

static void assert_encodes_as(const struct tf_value *v, const uint8_t *want, size_t want_len)
{
    uint8_t *out = NULL;
    size_t len = 0;

    encode_ok(v, &out, &len);
    assert_int_equal(len, want_len);
    assert_memory_equal(out, want, want_len);
}

/* ---- Round trips and exact bytes ----------------------------------------------------------------
 */

static void test_codec__every_type_round_trips(void **state)
{
    struct tf_value *v = sample(), *back;
    uint8_t *first = NULL, *second = NULL;
    size_t first_len, second_len;

    encode_ok(v, &first, &first_len);
    back = decode_ok(&root, first, first_len);
    assert_true(tf_value_equal(v, back));
    assert_true(tf_value_contains_unknown(back));
    assert_string_equal(tf_value_map_get(tf_value_get(back, "tags"), "Name")->u.str, "web ✓");
    assert_int_equal(tf_value_get(back, "pair")->u.coll.items[1]->u.num.i, INT64_MIN);
    assert_string_equal(tf_value_get(back, "ports")->u.coll.items[2]->u.num.dec, "1e400");
    assert_true(tf_type_equal(tf_value_get(back, "any")->type, &list_string));
    /* decoding then encoding gives the same bytes */
    encode_ok(back, &second, &second_len);
    assert_int_equal(first_len, second_len);
    assert_memory_equal(first, second, first_len);
}

static void test_codec__encodes_scalars_exactly(void **state)
{
    assert_encodes_as(tf_value_unknown(arena, &tf_type_string), BYTES(0xd4, 0x00, 0x00));
    assert_encodes_as(tf_value_null(arena, &tf_type_string), BYTES(0xc0));
    assert_encodes_as(NULL, BYTES(0xc0));
    assert_encodes_as(tf_value_bool(arena, true), BYTES(0xc3));
    assert_encodes_as(tf_value_int(arena, 300), BYTES(0xcd, 0x01, 0x2c));
    assert_encodes_as(tf_value_int(arena, -1), BYTES(0xff));
    assert_encodes_as(tf_value_int(arena, -200), BYTES(0xd1, 0xff, 0x38));
    assert_encodes_as(tf_value_float(arena, 1.5), BYTES(0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0));
    assert_encodes_as(decimal("1e400"), BYTES(0xa5, '1', 'e', '4', '0', '0'));
    assert_encodes_as(tf_value_string(arena, "hi"), BYTES(0xa2, 'h', 'i'));
}

static void test_codec__encodes_objects_blocks_maps_and_dynamic_exactly(void **state)
{
    /* Without name_len, as a static table may be: the encoder measures the names itself. */
    static const struct tf_attr_type b_attrs[] = {{.name = "b", .type = &ebs_list},
                                                  {.name = "m", .type = &ebs_map}};
    static const struct tf_type b_type = {.kind = TF_OBJECT, .n = 2, .attrs = b_attrs};
    static const struct tf_attr_type any_attrs[] = {TF_ATTR("any", &tf_type_dynamic)};
    static const struct tf_type any_type = {.kind = TF_OBJECT, .n = 1, .attrs = any_attrs};
    struct tf_value *m = tf_value_map(arena, &map_string, 2);
    struct tf_value *o;

    assert_encodes_as(ebs_value("x", 8), BYTES(0x82, 0xab, 'd', 'e', 'v', 'i', 'c', 'e', '_', 'n',
                                               'a', 'm', 'e', 0xa1, 'x', 0xab, 'v', 'o', 'l', 'u',
                                               'm', 'e', '_', 's', 'i', 'z', 'e', 0x08));
    /* null nested block collections are written empty, never nil */
    assert_encodes_as(tf_value_object(arena, &b_type),
                      BYTES(0x82, 0xa1, 'b', 0x90, 0xa1, 'm', 0x80));
    m->u.map.keys[0] = "b";
    m->u.map.vals[0] = tf_value_string(arena, "2");
    m->u.map.keys[1] = "a";
    m->u.map.vals[1] = tf_value_string(arena, "1");
    tf_value_map_sort(m);
    assert_encodes_as(m, BYTES(0x82, 0xa1, 'a', 0xa1, '1', 0xa1, 'b', 0xa1, '2'));
    o = tf_value_object(arena, &any_type);
    assert_encodes_as(o, BYTES(0x81, 0xa3, 'a', 'n', 'y', 0xc0));
    tf_value_set(o, "any", tf_value_string(arena, "hi"));
    assert_encodes_as(o, BYTES(0x81, 0xa3, 'a', 'n', 'y', 0x92, 0xa8, '"', 's', 't', 'r', 'i', 'n',
                               'g', '"', 0xa2, 'h', 'i'));
    tf_value_set(o, "any", tf_value_null(arena, &tf_type_string));
    assert_encodes_as(o, BYTES(0x81, 0xa3, 'a', 'n', 'y', 0x92, 0xa8, '"', 's', 't', 'r', 'i', 'n',
                               'g', '"', 0xc0));
    tf_value_set(o, "any", tf_value_unknown(arena, &tf_type_dynamic));
    assert_encodes_as(o, BYTES(0x81, 0xa3, 'a', 'n', 'y', 0xd4, 0, 0));
}

static void test_codec__encode_rejects_trees_inconsistent_with_their_type(void **state)
{
    struct tf_value *o = tf_value_object(arena, &root), *m = tf_value_map(arena, &map_string, 2);
    struct tf_value *t = tf_value_collection(arena, &pair_tuple, 1);
    struct tf_codec_error err;
    uint8_t *out = NULL;
    size_t len;
    char path[128];

    tf_value_set(o, "ebs_block_device", tf_value_collection(arena, &ebs_list, 1));
    tf_value_get(o, "ebs_block_device")->u.coll.items[0] = ebs_value("x", 1);
    tf_value_get(o, "ebs_block_device")->u.coll.items[0]->u.coll.items[1] =
        tf_value_string(arena, "8");
    assert_int_equal(tf_codec_encode_msgpack(&out, &len, arena, o, &err), TF_CODEC_ERR);
    assert_string_equal(tf_path_format(&err.path, path, sizeof(path)),
                        "ebs_block_device[0].volume_size");
    assert_non_null(strstr(err.message, "a string where the schema wants a number"));
    m->u.map.keys[0] = "b";
    m->u.map.vals[0] = tf_value_string(arena, "1");
    m->u.map.keys[1] = "a";
    m->u.map.vals[1] = tf_value_string(arena, "2");
    assert_int_equal(tf_codec_encode_msgpack(&out, &len, arena, m, &err), TF_CODEC_ERR);
    assert_non_null(strstr(err.message, "sorted"));
    assert_int_equal(tf_codec_encode_msgpack(&out, &len, arena, t, &err), TF_CODEC_ERR);
    assert_null(out);
}

/* ---- Decoding -----------------------------------------------------------------------------------
 */

static void test_codec__decodes_unknowns_of_every_extension(void **state)
{
    struct tf_value *v;

    assert_true(tf_value_is_unknown(decode_ok(&tf_type_string, BYTES(0xd4, 0x00, 0x00))));
    /* ext 12, a refined unknown whose payload is a map {1: true} */
    v = decode_ok(&tf_type_string, BYTES(0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3));
    assert_true(tf_value_is_unknown(v));
    assert_ptr_equal(v->type, &tf_type_string);
    assert_true(tf_value_is_unknown(decode_ok(&ebs_list, BYTES(0xd5, 0x05, 0x00, 0x00))));
    assert_true(tf_value_is_unknown(decode_ok(&tf_type_dynamic, BYTES(0xd4, 0x00, 0x00))));
    v = decode_ok(&ebs,
                  BYTES(0x82, 0xab, 'd', 'e', 'v', 'i', 'c', 'e', '_', 'n', 'a', 'm', 'e', 0xd4, 0,
                        0, 0xab, 'v', 'o', 'l', 'u', 'm', 'e', '_', 's', 'i', 'z', 'e', 0xc0));
    assert_true(tf_value_is_unknown(tf_value_get(v, "device_name")));
    assert_true(tf_value_is_null(tf_value_get(v, "volume_size")));
    assert_true(tf_value_is_known(v));
}

static void test_codec__decodes_nulls_and_empty_input(void **state)
{
    struct tf_value *v = decode_ok(&root, NULL, 0);

    assert_true(tf_value_is_null(v));
    assert_ptr_equal(v->type, &root);
    v = decode_ok(&ebs_list, BYTES(0xc0));
    assert_true(tf_value_is_null(v));
    assert_true(tf_value_is_null(decode_ok(&tf_type_dynamic, BYTES(0xc0))));
}

static void test_codec__decodes_every_number_form(void **state)
{
    struct tf_value *v;

    v = decode_ok(&tf_type_number, BYTES(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    assert_int_equal(v->u.num.repr, TF_NUM_DECIMAL);
    assert_string_equal(v->u.num.dec, "18446744073709551615");
    v = decode_ok(&tf_type_number, BYTES(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0));
    assert_true(v->u.num.repr == TF_NUM_INT && v->u.num.i == INT64_MIN);
    v = decode_ok(&tf_type_number, BYTES(0xca, 0x3f, 0xc0, 0x00, 0x00));
    assert_true(v->u.num.repr == TF_NUM_FLOAT && v->u.num.f == 1.5);
    v = decode_ok(&tf_type_number, BYTES(0xa5, '1', 'e', '4', '0', '0'));
    assert_int_equal(v->u.num.repr, TF_NUM_DECIMAL);
    assert_string_equal(v->u.num.dec, "1e400");
    v = decode_ok(&tf_type_number, BYTES(0xa6, '-', '0', '.', '2', '5', '0'));
    assert_true(tf_value_equal(v, tf_value_float(arena, -0.25)));
    assert_ptr_equal(v->type, &tf_type_number);
}

static void test_codec__decodes_dynamic_values_with_their_type(void **state)
{
    struct tf_value *v;

    /* type text as bin (Terraform's choice) */
    v = decode_ok(&tf_type_dynamic,
                  BYTES(0x92, 0xc4, 0x08, '"', 's', 't', 'r', 'i', 'n', 'g', '"', 0xa2, 'h', 'i'));
    assert_ptr_equal(v->type, &tf_type_string);
    assert_string_equal(v->u.str, "hi");
    /* and as str: ["list","number"] */
    v = decode_ok(&tf_type_dynamic,
                  BYTES(0x92, 0xb1, '[', '"', 'l', 'i', 's', 't', '"', ',', '"', 'n', 'u', 'm', 'b',
                        'e', 'r', '"', ']', 0x92, 0x01, 0x02));
    assert_int_equal(v->type->kind, TF_LIST);
    assert_ptr_equal(v->type->elem, &tf_type_number);
    assert_int_equal(v->u.coll.n, 2);
    assert_int_equal(v->u.coll.items[1]->u.num.i, 2);
}

static void test_codec__decoded_maps_are_sorted(void **state)
{
    struct tf_value *v = decode_ok(
        &map_string, BYTES(0x83, 0xa1, 'c', 0xa1, '3', 0xa1, 'a', 0xa1, '1', 0xa1, 'b', 0xa1, '2'));

    assert_int_equal(v->u.map.n, 3);
    assert_string_equal(v->u.map.keys[0], "a");
    assert_string_equal(v->u.map.vals[0]->u.str, "1");
    assert_string_equal(v->u.map.keys[2], "c");
    assert_string_equal(v->u.map.vals[2]->u.str, "3");
}

/* ---- Malformed input
 * ------------------------------------------------------------------------------ */

struct bad_case {
    const char *name;
    const struct tf_type *type;
    const uint8_t *buf;
    size_t len;
    const char *path;    /* tf_path_format of err.path */
    const char *message; /* a substring of err.message */
};

#define K_ID   0xa2, 'i', 'd'
#define K_TAGS 0xa4, 't', 'a', 'g', 's'
#define K_ANY  0xa3, 'a', 'n', 'y'

static const struct bad_case bad_cases[] = {
    {"wrong type", &root, BYTES(0x81, K_ID, 0x05), "id", "expected a string, got a number"},
    {"array for string", &root, BYTES(0x81, K_ID, 0x90), "id", "expected a string, got an array"},
    {"string for bool", &root,
     BYTES(0x81, 0xa7, 'e', 'n', 'a', 'b', 'l', 'e', 'd', 0xa4, 't', 'r', 'u', 'e'), "enabled",
     "expected a bool, got a string"},
    {"map for list", &root, BYTES(0x81, 0xa5, 'n', 'a', 'm', 'e', 's', 0x80), "names",
     "expected a list, got a map"},
    {"array for object", &root, BYTES(0x90), "", "expected an object, got an array"},
    {"extra attribute", &root, BYTES(0x81, 0xa3, 'z', 'z', 'z', 0xc0), "",
     "unexpected attribute \"zzz\""},
    {"missing attribute", &root, BYTES(0x80), "id", "the attribute \"id\" is missing"},
    {"missing nested attribute", &root,
     BYTES(0x81, 0xa4, 'r', 'o', 'o', 't', 0x81, 0xab, 'd', 'e', 'v', 'i', 'c', 'e', '_', 'n', 'a',
           'm', 'e', 0xa1, 'x'),
     "root.volume_size", "the attribute \"volume_size\" is missing"},
    {"duplicate attribute", &root, BYTES(0x82, K_ID, 0xa1, 'a', K_ID, 0xa1, 'b'), "id",
     "appears twice"},
    {"non-string object key", &root, BYTES(0x81, 0x01, 0xc0), "",
     "an object key must be a string, got a number"},
    {"non-string map key", &root, BYTES(0x81, K_TAGS, 0x81, 0x01, 0xa1, 'x'), "tags",
     "a map key must be a string"},
    {"map value path", &root, BYTES(0x81, K_TAGS, 0x81, 0xa4, 'N', 'a', 'm', 'e', 0x05),
     "tags[\"Name\"]", "expected a string, got a number"},
    {"duplicate map key", &root, BYTES(0x81, K_TAGS, 0x82, 0xa1, 'a', 0xc0, 0xa1, 'a', 0xc0),
     "tags[\"a\"]", "appears twice"},
    {"nested block path", &root,
     BYTES(0x81, 0xb0, 'e', 'b', 's', '_', 'b', 'l', 'o', 'c', 'k', '_', 'd', 'e', 'v', 'i', 'c',
           'e', 0x91, 0x82, 0xab, 'd', 'e', 'v', 'i', 'c', 'e', '_', 'n', 'a', 'm', 'e', 0xa1, 'x',
           0xab, 'v', 'o', 'l', 'u', 'm', 'e', '_', 's', 'i', 'z', 'e', 0xa3, 'a', 'b', 'c'),
     "ebs_block_device[0].volume_size", "expected a number, got a string that is not a number"},
    {"NaN", &tf_type_number, BYTES(0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0), "", "NaN"},
    {"embedded NUL", &root, BYTES(0x81, K_ID, 0xa3, 'a', 0x00, 'b'), "id", "NUL"},
    {"NUL in a map key", &root, BYTES(0x81, K_TAGS, 0x81, 0xa2, 'a', 0x00, 0xc0), "tags", "NUL"},
    {"invalid UTF-8", &root, BYTES(0x81, K_ID, 0xa1, 0xff), "id", "not valid UTF-8"},
    {"overlong UTF-8", &root, BYTES(0x81, K_ID, 0xa2, 0xc0, 0x80), "id", "not valid UTF-8"},
    {"UTF-16 surrogate", &root, BYTES(0x81, K_ID, 0xa3, 0xed, 0xa0, 0x80), "id", "not valid UTF-8"},
    {"cut UTF-8 sequence", &root, BYTES(0x81, K_ID, 0xa2, 0xe2, 0x9c), "id", "not valid UTF-8"},
    {"tuple too short", &root, BYTES(0x81, 0xa4, 'p', 'a', 'i', 'r', 0x91, 0xa1, 'a'), "pair",
     "expected a tuple of 2 elements, got 1"},
    {"tuple element", &root, BYTES(0x81, 0xa4, 'p', 'a', 'i', 'r', 0x92, 0xa1, 'a', 0xc2),
     "pair[1]", "expected a number, got a bool"},
    {"dynamic not a pair", &root, BYTES(0x81, K_ANY, 0xa1, 'x'), "any",
     "expected a [type, value] pair"},
    {"dynamic pair of 3", &root, BYTES(0x81, K_ANY, 0x93, 0xa1, 'x', 0xc0, 0xc0), "any",
     "expected a [type, value] pair"},
    {"dynamic unknown type", &root,
     BYTES(0x81, K_ANY, 0x92, 0xa6, '"', 'n', 'o', 'p', 'e', '"', 0xc0), "any",
     "unknown primitive type \"nope\""},
    {"dynamic type not JSON", &root, BYTES(0x81, K_ANY, 0x92, 0xa2, '[', '"', 0xc0), "any",
     "malformed JSON"},
    {"dynamic type of dynamic", &root,
     BYTES(0x81, K_ANY, 0x92, 0xa9, '"', 'd', 'y', 'n', 'a', 'm', 'i', 'c', '"', 0xc0), "any",
     "cannot itself be \"dynamic\""},
    {"dynamic value mistyped", &root,
     BYTES(0x81, K_ANY, 0x92, 0xa6, '"', 'b', 'o', 'o', 'l', '"', 0x01), "any",
     "expected a bool, got a number"},
    {"huge array count", &list_string, BYTES(0xdd, 0xff, 0xff, 0xff, 0xff), "",
     "claims 4294967295 elements"},
    {"huge array count, some bytes", &list_string,
     BYTES(0xdd, 0x00, 0x10, 0x00, 0x00, 0xc0, 0xc0, 0xc0, 0xc0), "",
     "claims 1048576 elements but only 4 bytes follow"},
    {"huge map count", &map_string, BYTES(0xdf, 0xff, 0xff, 0xff, 0xff), "",
     "claims 4294967295 elements"},
    {"map count just over", &map_string, BYTES(0x82, 0xa1, 'a', 0xc0), "", "claims 2 elements"},
    {"huge nested count", &root, BYTES(0x81, 0xa5, 'n', 'a', 'm', 'e', 's', 0xdc, 0xff, 0xff), "",
     "claims 65535 elements"},
    {"huge string", &tf_type_string, BYTES(0xdb, 0xff, 0xff, 0xff, 0xff, 'a'), "", "ends early"},
    {"huge bin", &tf_type_string, BYTES(0xc6, 0xff, 0xff, 0xff, 0xff, 'a'), "", "ends early"},
    {"huge ext", &tf_type_string, BYTES(0xc9, 0xff, 0xff, 0xff, 0xff, 0x00), "", "ends early"},
    {"cut length", &tf_type_string, BYTES(0xda, 0x01), "", "ends early"},
    {"invalid byte", &tf_type_string, BYTES(0xc1), "", "invalid byte 0xc1"},
    {"trailing bytes", &tf_type_string, BYTES(0xc0, 0xc0), "", "1 unexpected bytes"},
};

static void test_codec__rejects_each_malformed_input_at_its_path(void **state)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *c = &bad_cases[i];
        struct tf_value *v = NULL;
        struct tf_codec_error err;
        char path[128];
        int rc = tf_codec_decode_msgpack(&v, arena, c->type, c->buf, c->len, &err);

        if (rc != TF_CODEC_ERR)
            fail_msg("%s: rc %d, want TF_CODEC_ERR", c->name, rc);
        tf_path_format(&err.path, path, sizeof(path));
        if (strcmp(path, c->path) != 0)
            fail_msg("%s: path \"%s\", want \"%s\"", c->name, path, c->path);
        if (strstr(err.message, c->message) == NULL)
            fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, err.message, c->message);
    }
}

/* Null and unknown strings, numbers and bools decode to the shared values (no allocation); a copy
 * of the tree can still be changed, and encodes as the input did. */
static void test_codec__primitive_nulls_and_unknowns_decode_shared(void **state)
{
    static const uint8_t in[] = {0x82, 0xab, 'd', 'e',  'v',  'i', 'c',  'e',  '_', 'n',
                                 'a',  'm',  'e', 0xc0, 0xab, 'v', 'o',  'l',  'u', 'm',
                                 'e',  '_',  's', 'i',  'z',  'e', 0xd4, 0x00, 0x00};
    struct tf_value *v = decode_ok(&ebs, in, sizeof(in));
    struct tf_value *copy = tf_value_copy(arena, v);

    assert_ptr_equal(tf_value_get(v, "device_name"),
                     tf_value_shared(&tf_type_string, TF_VALUE_NULL));
    assert_ptr_equal(tf_value_get(v, "volume_size"),
                     tf_value_shared(&tf_type_number, TF_VALUE_UNKNOWN));
    assert_encodes_as(v, in, sizeof(in));
    assert_int_equal(tf_value_set(copy, "device_name", tf_value_string(arena, "/dev/sdb")), 0);
    assert_string_equal(tf_value_get(copy, "device_name")->u.str, "/dev/sdb");
    assert_true(tf_value_is_null(tf_value_get(v, "device_name")));
}

static void test_codec__rejects_every_truncation_of_a_valid_value(void **state)
{
    uint8_t *buf = NULL;
    size_t len;

    encode_ok(sample(), &buf, &len);
    for (size_t cut = 1; cut < len; cut++) {
        /* a fresh copy of exactly cut bytes, so ASan sees any read past the end */
        uint8_t *copy = malloc(cut);
        struct tf_value *v = NULL;
        struct tf_codec_error err;

        memcpy(copy, buf, cut);
        if (tf_codec_decode_msgpack(&v, arena, &root, copy, cut, &err) != TF_CODEC_ERR)
            fail_msg("a value cut to %zu of %zu bytes was accepted", cut, len);
        free(copy);
    }
}

static uint32_t xorshift(uint32_t x)
{
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* Random byte changes to a valid value: each result is a clean error, or a tree that encodes and
 * decodes back to itself. Deterministic (fixed seed), so a failure reproduces. */
static void test_codec__survives_mutated_input(void **state)
{
    uint8_t *buf = NULL, *copy, *again = NULL;
    size_t len, again_len;
    uint32_t seed = 12345;
    int accepted = 0;

    encode_ok(sample(), &buf, &len);
    copy = malloc(len);
    for (int round = 0; round < 3000; round++) {
        struct tf_arena *a = tf_arena_new(1 << 20);
        struct tf_value *v = NULL, *back = NULL;
        struct tf_codec_error err;
        int rc;

        memcpy(copy, buf, len);
        for (int k = 0; k <= round % 4; k++) {
            seed = xorshift(seed);
            copy[seed % len] = (uint8_t)(seed >> 8);
        }
        rc = tf_codec_decode_msgpack(&v, a, &root, copy, len, &err);
        assert_true(rc == TF_CODEC_OK || rc == TF_CODEC_ERR);
        if (rc == TF_CODEC_OK) {
            accepted++;
            assert_int_equal(tf_codec_encode_msgpack(&again, &again_len, a, v, &err), TF_CODEC_OK);
            assert_int_equal(tf_codec_decode_msgpack(&back, a, &root, again, again_len, &err),
                             TF_CODEC_OK);
            assert_true(tf_value_equal(v, back));
        }
        tf_arena_free(a);
    }
    /* some changes only touch string bytes or numbers and stay valid */
    assert_true(accepted > 0);
    free(copy);
}

/* The path of an error deeper than a tf_path holds names its ancestor at TF_PATH_MAX_STEPS, even
 * after elements deeper than that were read and left behind. */
static void test_codec__deep_error_path_keeps_the_outer_steps(void **state)
{
    enum { DEPTH = TF_PATH_MAX_STEPS + 4 };
    static struct tf_type chain[DEPTH];
    uint8_t buf[DEPTH + 3];
    struct tf_codec_error err;
    struct tf_value *v = NULL;
    char path[256], want[256] = "";

    chain[0] = (struct tf_type){.kind = TF_LIST, .elem = &tf_type_string};
    for (int i = 1; i < DEPTH; i++)
        chain[i] = (struct tf_type){.kind = TF_LIST, .elem = &chain[i - 1]};
    memset(buf, 0x91, DEPTH - 1);
    /* the innermost list: a string, then a number where a string belongs */
    buf[DEPTH - 1] = 0x92;
    buf[DEPTH] = 0xa1;
    buf[DEPTH + 1] = 'x';
    buf[DEPTH + 2] = 0x07;
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, &chain[DEPTH - 1], buf, sizeof(buf), &err),
                     TF_CODEC_ERR);
    assert_string_equal(err.message, "expected a string, got a number");
    assert_int_equal(err.path.n, TF_PATH_MAX_STEPS);
    for (int i = 0; i < TF_PATH_MAX_STEPS; i++)
        strcat(want, "[0]");
    assert_string_equal(tf_path_format(&err.path, path, sizeof(path)), want);
}

/* Keys come in the type's (sorted) order from Terraform, but any order decodes the same, and a key
 * that is no attribute is quoted safely whatever its bytes. */
static void test_codec__object_keys_in_any_order(void **state)
{
    static const char type_text[] = "[\"object\",{\"b\":\"number\",\"a\":\"string\","
                                    "\"c\":\"bool\"}]";
    const struct tf_type *t = tf_type_from_json(arena, type_text, strlen(type_text), NULL);
    struct tf_codec_error err;
    struct tf_value *v = NULL;

    assert_non_null(t);
    assert_true(t->attrs_sorted);
    assert_int_equal(tf_codec_decode_msgpack(
                         &v, arena, t,
                         BYTES(0x83, 0xa1, 'c', 0xc3, 0xa1, 'a', 0xa1, 'x', 0xa1, 'b', 0x05), &err),
                     TF_CODEC_OK);
    assert_string_equal(tf_value_get_str(v, "a", NULL), "x");
    assert_int_equal(tf_value_get_int(v, "b", 0), 5);
    assert_true(tf_value_get_bool(v, "c", false));
    assert_int_equal(tf_codec_decode_msgpack(
                         &v, arena, t,
                         BYTES(0x83, 0xa1, 'a', 0xa1, 'x', 0xa1, 'b', 0x05, 0xa1, 'c', 0xc3), &err),
                     TF_CODEC_OK);
    assert_int_equal(tf_value_get_int(v, "b", 0), 5);
    /* a prefix of a name, a name with a NUL after it, and bytes that are not UTF-8 */
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, t, BYTES(0x81, 0xa0, 0xc0), &err),
                     TF_CODEC_ERR);
    assert_string_equal(err.message, "unexpected attribute \"\"");
    assert_int_equal(
        tf_codec_decode_msgpack(&v, arena, t, BYTES(0x81, 0xa2, 'a', 0x00, 0xc0), &err),
        TF_CODEC_ERR);
    assert_string_equal(err.message, "unexpected attribute \"a\\x00\"");
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, t, BYTES(0x81, 0xa1, 0xff, 0xc0), &err),
                     TF_CODEC_ERR);
    assert_string_equal(err.message, "unexpected attribute \"\xef\xbf\xbd\"");
}

static void test_codec__rejects_deep_nesting_without_crashing(void **state)
{
    enum { DEEP = 10000 };
    static struct tf_type chain[TF_CODEC_MAX_DEPTH + 1];
    uint8_t *buf = malloc(DEEP + 2);
    struct tf_codec_error err;
    struct tf_value *v = NULL;

    memset(buf, 0x91, DEEP);
    buf[DEEP] = 0xc0;
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, &list_string, buf, DEEP + 1, &err),
                     TF_CODEC_ERR);
    assert_non_null(strstr(err.message, "nested more than 32 levels"));
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, &tf_type_dynamic, buf, DEEP + 1, &err),
                     TF_CODEC_ERR);
    /* exactly TF_CODEC_MAX_DEPTH nested lists decode; one more does not */
    chain[0] = (struct tf_type){.kind = TF_LIST, .elem = &tf_type_string};
    for (int i = 1; i <= TF_CODEC_MAX_DEPTH; i++)
        chain[i] = (struct tf_type){.kind = TF_LIST, .elem = &chain[i - 1]};
    buf[TF_CODEC_MAX_DEPTH] = 0xa1;
    buf[TF_CODEC_MAX_DEPTH + 1] = 'x';
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, &chain[TF_CODEC_MAX_DEPTH - 1], buf,
                                             TF_CODEC_MAX_DEPTH + 2, &err),
                     TF_CODEC_OK);
    for (int i = 0; i < TF_CODEC_MAX_DEPTH - 1; i++)
        v = v->u.coll.items[0];
    assert_string_equal(v->u.coll.items[0]->u.str, "x");
    memmove(buf + 1, buf, TF_CODEC_MAX_DEPTH + 2);
    buf[0] = 0x91;
    assert_int_equal(tf_codec_decode_msgpack(&v, arena, &chain[TF_CODEC_MAX_DEPTH], buf,
                                             TF_CODEC_MAX_DEPTH + 3, &err),
                     TF_CODEC_ERR);
    free(buf);
}

static void test_codec__arena_exhaustion_is_nomem_at_every_cap(void **state)
{
    uint8_t *buf = NULL;
    size_t len, cap;
    int rc = TF_CODEC_NOMEM;

    encode_ok(sample(), &buf, &len);
    for (cap = 0; rc == TF_CODEC_NOMEM; cap += 16) {
        struct tf_arena *small = tf_arena_new(cap);
        struct tf_value *v = NULL;
        struct tf_codec_error err;

        rc = tf_codec_decode_msgpack(&v, small, &root, buf, len, &err);
        if (rc == TF_CODEC_NOMEM)
            assert_non_null(strstr(err.message, "memory limit"));
        else
            assert_int_equal(rc, TF_CODEC_OK);
        tf_arena_free(small);
    }
    assert_true(cap > 256);
}

/* The encoder writes into the arena it is given: too small a cap is NOMEM with *out untouched,
 * and the first cap that fits gives the same bytes as an unbounded arena. */
static void test_codec__encoding_into_a_full_arena_is_nomem(void **state)
{
    uint8_t *want = NULL, *out = NULL;
    size_t want_len, len = 0, cap;
    int rc = TF_CODEC_NOMEM;

    encode_ok(sample(), &want, &want_len);
    for (cap = 0; rc == TF_CODEC_NOMEM; cap += 64) {
        struct tf_arena *small = tf_arena_new(cap);
        struct tf_codec_error err;

        out = NULL;
        rc = tf_codec_encode_msgpack(&out, &len, small, sample(), &err);
        if (rc == TF_CODEC_NOMEM) {
            assert_null(out);
            assert_non_null(strstr(err.message, "memory limit"));
        } else {
            assert_int_equal(rc, TF_CODEC_OK);
            assert_int_equal(len, want_len);
            assert_memory_equal(out, want, want_len);
        }
        tf_arena_free(small);
    }
    assert_true(cap > want_len);
}

static void test_codec__json_arena_exhaustion_is_nomem_at_every_cap(void **state)
{
    static const char text[] = "{\"id\":\"ami-1\",\"tags\":{\"a\":\"b\"},\"ebs_block_device\":"
                               "[{\"device_name\":\"x\",\"volume_size\":1.5}],\"any\":"
                               "{\"value\":[1],\"type\":[\"list\",\"number\"]}}";
    size_t cap;
    int rc = TF_CODEC_NOMEM;

    for (cap = 0; rc == TF_CODEC_NOMEM; cap += 16) {
        struct tf_arena *small = tf_arena_new(cap);
        struct tf_value *v = NULL;

        /* no error struct: allowed, only the code comes back */
        rc = tf_codec_decode_json(&v, small, &root, text, sizeof(text) - 1, 0, NULL);
        if (rc != TF_CODEC_NOMEM)
            assert_int_equal(rc, TF_CODEC_OK);
        tf_arena_free(small);
    }
    assert_true(cap > 256);
}

/* ---- JSON ---------------------------------------------------------------------------------------
 */

static struct tf_value *json_ok(const struct tf_type *t, const char *text, int ignore_extra)
{
    struct tf_value *v = NULL;
    struct tf_codec_error err;
    int rc = tf_codec_decode_json(&v, arena, t, text, strlen(text), ignore_extra, &err);

    if (rc != TF_CODEC_OK)
        fail_msg("JSON decode of %s failed: %s", text, err.message);
    return v;
}

static void json_bad(const struct tf_type *t, const char *text, const char *path,
                     const char *message)
{
    struct tf_value *v = NULL;
    struct tf_codec_error err;
    char got[128];

    if (tf_codec_decode_json(&v, arena, t, text, strlen(text), 0, &err) != TF_CODEC_ERR)
        fail_msg("JSON %.60s was accepted", text);
    tf_path_format(&err.path, got, sizeof(got));
    if (strcmp(got, path) != 0 || strstr(err.message, message) == NULL)
        fail_msg("JSON %.60s: %s: %s, want %s: %s", text, got, err.message, path, message);
}

static void test_codec__json_state_with_missing_attributes_reads_null(void **state)
{
    struct tf_value *v = json_ok(
        &root,
        "{\"id\":\"ami-1\",\"count\":3,\"ebs_block_device\":[{\"device_name\":\"/dev/sda1\","
        "\"volume_size\":8}],\"tags\":{\"b\":\"2\",\"a\":null},\"pair\":[\"p\",1.25]}",
        0);
    struct tf_value *blocks = tf_value_get(v, "ebs_block_device");

    assert_string_equal(tf_value_get_str(v, "id", NULL), "ami-1");
    assert_int_equal(tf_value_get_int(v, "count", 0), 3);
    assert_true(tf_value_is_null(tf_value_get(v, "enabled")));
    assert_true(tf_value_is_null(tf_value_get(v, "named_devices")));
    assert_true(tf_value_is_null(tf_value_get(v, "any")));
    assert_int_equal(blocks->u.coll.n, 1);
    assert_true(tf_value_equal(blocks->u.coll.items[0], ebs_value("/dev/sda1", 8)));
    assert_string_equal(tf_value_get(v, "tags")->u.map.keys[0], "a");
    assert_true(tf_value_is_null(tf_value_get(v, "tags")->u.map.vals[0]));
    assert_true(
        tf_value_equal(tf_value_get(v, "pair")->u.coll.items[1], tf_value_float(arena, 1.25)));
    assert_false(tf_value_contains_unknown(v));
    assert_true(tf_value_is_null(json_ok(&root, "null", 0)));
    assert_true(tf_value_is_null(json_ok(&root, "  null \n", 0)));
}

static void test_codec__json_numbers_keep_their_value(void **state)
{
    struct tf_value *v;

    v = json_ok(&tf_type_number, "9223372036854775807", 0);
    assert_true(v->u.num.repr == TF_NUM_INT && v->u.num.i == INT64_MAX);
    v = json_ok(&tf_type_number, "-42", 0);
    assert_true(v->u.num.repr == TF_NUM_INT && v->u.num.i == -42);
    v = json_ok(&tf_type_number, "18446744073709551614", 0);
    assert_string_equal(v->u.num.dec, "18446744073709551614");
    v = json_ok(&tf_type_number, "1e400", 0);
    assert_string_equal(v->u.num.dec, "1e400");
    v = json_ok(&tf_type_number, "1.50", 0);
    assert_string_equal(v->u.num.dec, "1.50");
    assert_true(tf_value_equal(v, tf_value_float(arena, 1.5)));
    v = json_ok(&tf_type_number, "\"12\"", 0);
    assert_true(tf_value_equal(v, tf_value_int(arena, 12)));
    json_bad(&tf_type_number, "123456789012345678901234567890", "", "outside the 64-bit range");
    json_bad(&tf_type_number, "\"twelve\"", "", "not a number");
}

static void test_codec__json_dynamic_and_extra_attributes(void **state)
{
    struct tf_value *v =
        json_ok(&root, "{\"any\":{\"value\":[\"a\"],\"type\":[\"list\",\"string\"]}}", 0);
    struct tf_value *any = tf_value_get(v, "any");

    assert_true(tf_type_equal(any->type, &list_string));
    assert_string_equal(any->u.coll.items[0]->u.str, "a");
    v = json_ok(&root, "{\"id\":\"x\",\"removed_attr\":1}", 1);
    assert_string_equal(tf_value_get_str(v, "id", NULL), "x");
    json_bad(&root, "{\"id\":\"x\",\"removed_attr\":1}", "",
             "unexpected attribute \"removed_attr\"");
}

static void test_codec__json_rejects_malformed_state(void **state)
{
    char *deep = malloc(20002);

    json_bad(&root, "{\"ebs_block_device\":[{\"volume_size\":\"big\"}]}",
             "ebs_block_device[0].volume_size", "not a number");
    json_bad(&root, "{\"tags\":{\"k\":1}}", "tags[\"k\"]", "expected a string, got a number");
    json_bad(&root, "{\"id\":\"a\\u0000b\"}", "id", "NUL");
    json_bad(&root, "{\"id\":\"\xff\"}", "", "not valid UTF-8");
    json_bad(&root, "{\"enabled\":\"yes\"}", "enabled", "expected a bool, got a string");
    json_bad(&root, "{\"pair\":[\"a\"]}", "pair", "tuple of 2 elements");
    json_bad(&root, "[]", "", "expected an object, got an array");
    json_bad(&root, "{\"any\":\"x\"}", "any", "for a dynamic value");
    json_bad(&root, "{\"any\":{\"value\":1,\"type\":\"strin\"}}", "any", "unknown primitive");
    json_bad(&root, "{\"id\":", "", "ends early");
    json_bad(&root, "{} x", "", "unexpected text after the value");
    json_bad(&root, "", "", "ends early");
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    json_bad(&list_string, deep, "", "malformed JSON");
    free(deep);
}

/* ---- Type JSON
 * ------------------------------------------------------------------------------------ */

static void test_codec__type_json_round_trips(void **state)
{
    static const struct tf_attr_type attrs[] = {
        TF_ATTR("a", &pair_tuple), TF_ATTR("b", &set_number), TF_ATTR("c", &tf_type_dynamic),
        TF_ATTR("d", &tf_type_bool), TF_ATTR("e", &map_string)};
    static const struct tf_type t = {.kind = TF_OBJECT, .n = 5, .attrs = attrs};
    struct tf_codec_error err;
    char *text = tf_type_to_json(&t), *list_text;
    const struct tf_type *back;

    assert_string_equal(text,
                        "[\"object\",{\"a\":[\"tuple\",[\"string\",\"number\"]],\"b\":[\"set\","
                        "\"number\"],\"c\":\"dynamic\",\"d\":\"bool\",\"e\":[\"map\","
                        "\"string\"]}]");
    back = tf_type_from_json(arena, text, strlen(text), &err);
    assert_non_null(back);
    assert_true(tf_type_equal(back, &t));
    free(text);
    list_text = tf_type_to_json(&ebs_list);
    assert_string_equal(list_text, "[\"list\",[\"object\",{\"device_name\":\"string\","
                                   "\"volume_size\":\"number\"}]]");
    free(list_text);
    /* attributes are sorted, and the optional-attribute list is accepted */
    text = "[\"object\",{\"volume_size\":\"number\",\"device_name\":\"string\"},"
           "[\"volume_size\"]]";
    back = tf_type_from_json(arena, text, strlen(text), &err);
    assert_non_null(back);
    assert_true(tf_type_equal(back, &ebs));
}

static void test_codec__type_json_rejects_malformed_text(void **state)
{
    static const char *const bad[] = {
        "\"strin\"",
        "[\"list\"]",
        "[\"object\",[]]",
        "[1,\"string\"]",
        "{}",
        "[\"list\",\"string\"] x",
        "[\"tuple\",{}]",
        "[\"list\",\"nope\"]",
        "[\"set\",\"string\",1,2]",
        "[\"map\",[\"list\"",
        "",
        "42",
    };
    struct tf_codec_error err;
    char deep[400] = "";

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        if (tf_type_from_json(arena, bad[i], strlen(bad[i]), &err) != NULL)
            fail_msg("type %s was accepted", bad[i]);
        assert_true(err.message[0] != '\0');
    }
    /* ["list",["list",... 40 deep: past the JSON depth limit, refused before its end */
    for (int i = 0; i < 40; i++)
        strcat(deep, "[\"list\",");
    assert_null(tf_type_from_json(arena, deep, strlen(deep), &err));
}

/* ---- Untrusted text in messages
 * ------------------------------------------------------------------- */

static void assert_excerpt(const char *in, size_t len, const char *want)
{
    char buf[TF_CODEC_EXCERPT_SIZE];

    assert_string_equal(tf_codec__excerpt(buf, in, len), want);
}

/* n copies of the character c, in a static buffer. */
static char *repeat(const char *c, size_t n)
{
    static char buf[512];

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(buf, c);
    return buf;
}

static void test_codec__excerpt_is_one_line_of_valid_utf8(void **state)
{
    char want[TF_CODEC_EXCERPT_SIZE];
    char *text;

    assert_excerpt("device_name", 11, "device_name");
    assert_excerpt("a\nb\r\tc", 6, "a\\nb\\r\\tc");
    assert_excerpt("a\0b\x7f\x1b", 5, "a\\x00b\\x7f\\x1b");
    /* invalid, overlong, surrogate and cut sequences: each bad byte is U+FFFD */
    assert_excerpt("x\xffy", 3, "x\xef\xbf\xbdy");
    assert_excerpt("\xc0\x80", 2, "\xef\xbf\xbd\xef\xbf\xbd");
    assert_excerpt("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_excerpt("ok \xe2\x9c", 5, "ok \xef\xbf\xbd\xef\xbf\xbd");
    assert_excerpt("web \xe2\x9c\x93", 7, "web \xe2\x9c\x93");
    /* 71 bytes fit whole; one more and the text is cut to 68 bytes plus "..." */
    text = repeat("a", 71);
    assert_excerpt(text, 71, text);
    snprintf(want, sizeof(want), "%s...", repeat("a", 68));
    assert_excerpt(repeat("a", 72), 72, want);
    /* cuts fall between characters: 22 three-byte checkmarks are 66 bytes, a 23rd would pass 68 */
    snprintf(want, sizeof(want), "%s...", repeat("\xe2\x9c\x93", 22));
    assert_excerpt(repeat("\xe2\x9c\x93", 40), 120, want);
    /* an escape is never split either: 67 bytes of text, then \n would pass 68 */
    text = repeat("a", 67);
    snprintf(want, sizeof(want), "%s...", text);
    assert_excerpt(strcat(text, "\n\n\n"), 70, want);
}

/* msgpack {key: nil} for the object type root, in buf. */
static size_t msgpack_one_key(uint8_t *buf, const char *key, size_t len)
{
    buf[0] = 0x81;
    buf[1] = 0xd9;
    buf[2] = (uint8_t)len;
    memcpy(buf + 3, key, len);
    buf[3 + len] = 0xc0;
    return len + 4;
}

static void assert_decode_message(const uint8_t *buf, size_t len, const char *want)
{
    struct tf_value *v = NULL;
    struct tf_codec_error err;

    assert_int_equal(tf_codec_decode_msgpack(&v, arena, &root, buf, len, &err), TF_CODEC_ERR);
    assert_string_equal(err.message, want);
}

static void test_codec__messages_quote_keys_and_types_safely(void **state)
{
    uint8_t buf[256];
    char want[256], long_key[256];
    struct tf_value *v = NULL;
    struct tf_codec_error err;
    const char *key;

    /* msgpack object key with a newline, and one long enough to be cut in a 2-byte character */
    assert_decode_message(buf, msgpack_one_key(buf, "a\nb", 3), "unexpected attribute \"a\\nb\"");
    key = strcpy(long_key, repeat("\xc3\xa9", 100));
    snprintf(want, sizeof(want), "unexpected attribute \"%s...\"", repeat("\xc3\xa9", 34));
    assert_decode_message(buf, msgpack_one_key(buf, key, 200), want);
    /* duplicate map key holding a control character */
    assert_decode_message(BYTES(0x81, K_TAGS, 0x82, 0xa2, 'a', '\r', 0xc0, 0xa2, 'a', '\r', 0xc0),
                          "the map key \"a\\r\" appears twice");
    /* the dynamic type text is checked as UTF-8 before it is parsed */
    assert_decode_message(BYTES(0x81, K_ANY, 0x92, 0xa3, '"', 0xff, '"', 0xc0),
                          "a string is not valid UTF-8 (bad byte at offset 1)");
    /* JSON object key with an escaped control character */
    key = "{\"a\\u0001b\":1}";
    assert_int_equal(tf_codec_decode_json(&v, arena, &root, key, strlen(key), 0, &err),
                     TF_CODEC_ERR);
    assert_string_equal(err.message, "unexpected attribute \"a\\x01b\"");
    /* JSON type text naming an unknown primitive with a newline */
    key = "\"st\\nring\"";
    assert_null(tf_type_from_json(arena, key, strlen(key), &err));
    assert_string_equal(err.message, "invalid type: unknown primitive type \"st\\nring\"");
}

static void test_codec__json_rejects_invalid_utf8_anywhere(void **state)
{
    static const char *const values[] = {
        "{\"\xff\":1}",                      /* a key the strict walk would quote */
        "{\"id\":\"x\",\"\xc0\x80\":1}",     /* an overlong key lenient mode ignores */
        "{\"id\":\"x\",\"\xed\xa0\x80\":1}", /* a surrogate json-c lets by */
        "{\"any\":{\"value\":{},\"type\":[\"object\",{\"\xff\":\"string\"}]}}",
    };
    static const char *const types[] = {"[\"object\",{\"\xff\":\"string\"}]", "\"st\xff\"",
                                        "[\"object\",{\"\xf4\x90\x80\x80\":\"bool\"}]"};
    struct tf_value *v = NULL;
    struct tf_codec_error err;

    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        for (int ignore_extra = 0; ignore_extra <= 1; ignore_extra++) {
            if (tf_codec_decode_json(&v, arena, &root, values[i], strlen(values[i]), ignore_extra,
                                     &err) != TF_CODEC_ERR)
                fail_msg("value %zu accepted (ignore_extra %d)", i, ignore_extra);
            assert_non_null(strstr(err.message, "not valid UTF-8"));
        }
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (tf_type_from_json(arena, types[i], strlen(types[i]), &err) != NULL)
            fail_msg("type %zu accepted", i);
        assert_non_null(strstr(err.message, "not valid UTF-8"));
    }
    /* valid multi-byte text still passes */
    v = json_ok(&root, "{\"id\":\"web \xe2\x9c\x93\",\"\xc3\xa9t\xc3\xa9\":1}", 1);
    assert_string_equal(tf_value_get_str(v, "id", NULL), "web \xe2\x9c\x93");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_codec__every_type_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__primitive_nulls_and_unknowns_decode_shared,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__encodes_scalars_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__encodes_objects_blocks_maps_and_dynamic_exactly,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_codec__encode_rejects_trees_inconsistent_with_their_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__decodes_unknowns_of_every_extension, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__decodes_nulls_and_empty_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__decodes_every_number_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__decodes_dynamic_values_with_their_type, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__decoded_maps_are_sorted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__rejects_each_malformed_input_at_its_path, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__rejects_every_truncation_of_a_valid_value,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__survives_mutated_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__deep_error_path_keeps_the_outer_steps, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__object_keys_in_any_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__rejects_deep_nesting_without_crashing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__arena_exhaustion_is_nomem_at_every_cap, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__encoding_into_a_full_arena_is_nomem, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__json_arena_exhaustion_is_nomem_at_every_cap,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__json_state_with_missing_attributes_reads_null,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__json_numbers_keep_their_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__json_dynamic_and_extra_attributes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__json_rejects_malformed_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__type_json_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_codec__excerpt_is_one_line_of_valid_utf8, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__messages_quote_keys_and_types_safely, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__json_rejects_invalid_utf8_anywhere, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_codec__type_json_rejects_malformed_text, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
