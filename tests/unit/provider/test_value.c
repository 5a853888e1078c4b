/*
 * test_value.c - the arena, value constructors and readers, equality and attribute paths
 * (provider/value.c, provider/path.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "path.h"
#include "value.h"

static const struct tf_type list_string = {.kind = TF_LIST, .elem = &tf_type_string};
static const struct tf_type set_number = {.kind = TF_SET, .elem = &tf_type_number};
static const struct tf_type map_string = {.kind = TF_MAP, .elem = &tf_type_string};
static const struct tf_attr_type obj_attrs[] = {TF_ATTR("name", &tf_type_string),
                                                TF_ATTR("size", &tf_type_number),
                                                TF_ATTR("on", &tf_type_bool)};
static const struct tf_type obj = {.kind = TF_OBJECT, .n = 3, .attrs = obj_attrs};
static const struct tf_type block_list = {.kind = TF_LIST, .elem = &obj, .block_collection = true};

static struct tf_value *decimal(struct tf_arena *a, const char *text)
{
    struct tf_value *v = tf_value_int(a, 0);

    assert_non_null(v);
    v->u.num.repr = TF_NUM_DECIMAL;
    v->u.num.dec = tf_arena_strdup(a, text);
    return v;
}

static void test_value__arena_refuses_past_its_cap(void **state)
{
    struct tf_arena *a = tf_arena_new(1000);
    unsigned char *p;

    assert_non_null(a);
    p = tf_arena_alloc(a, 900);
    assert_non_null(p);
    for (int i = 0; i < 900; i++)
        assert_int_equal(p[i], 0);
    assert_null(tf_arena_alloc(a, 200));
    assert_non_null(tf_arena_alloc(a, 50));
    assert_null(tf_arena_alloc(a, SIZE_MAX));
    assert_null(tf_arena_strndup(a, "x", SIZE_MAX));
    tf_arena_free(a);
    tf_arena_free(NULL);
}

static void test_value__arena_serves_many_and_big_allocations(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 24);
    char *big, *s;

    for (int i = 0; i < 10000; i++)
        assert_non_null(tf_arena_alloc(a, 24));
    big = tf_arena_alloc(a, 100000);
    assert_non_null(big);
    memset(big, 'x', 100000);
    s = tf_arena_sprintf(a, "%s-%d", "vol", 42);
    assert_string_equal(s, "vol-42");
    assert_string_equal(tf_arena_strndup(a, "abcdef", 3), "abc");
    assert_int_equal((uintptr_t)tf_arena_alloc(a, 3) % 16, 0);
    tf_arena_free(a);
}

/* The next arena on this thread may be the last one freed (value.c keeps it for the next call):
 * it must still hand out zeroed memory and count its cap afresh. */
static void test_value__a_reused_arena_is_zeroed_and_capped_afresh(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);
    unsigned char *p;

    for (int i = 0; i < 3; i++) {
        p = tf_arena_alloc(a, 8000);
        assert_non_null(p);
        memset(p, 0xab, 8000);
    }
    assert_non_null(tf_arena_alloc(a, 100000)); /* a chunk of its own, freed with the arena */
    tf_arena_free(a);

    a = tf_arena_new(20000);
    for (int i = 0; i < 2; i++) {
        p = tf_arena_alloc(a, 8000);
        assert_non_null(p);
        for (int k = 0; k < 8000; k++)
            assert_int_equal(p[k], 0);
    }
    assert_null(tf_arena_alloc(a, 8000));
    tf_arena_free(a);
}

/* tf_arena_grow extends the last allocation, or a big one's own chunk, where it is (counting only
 * the added bytes); anything else is copied. New bytes are zero; a refusal leaves p valid. */
static void test_value__arena_grows_in_place_when_it_can(void **state)
{
    struct tf_arena *a = tf_arena_new(350000);
    unsigned char *p, *q, *big;

    p = tf_arena_alloc(a, 100);
    memset(p, 7, 100);
    q = tf_arena_grow(a, p, 100, 1000);
    assert_ptr_equal(q, p);
    assert_int_equal(q[99], 7);
    assert_int_equal(q[100], 0);
    assert_non_null(tf_arena_alloc(a, 10));
    q = tf_arena_grow(a, p, 1000, 2000); /* no longer the last allocation: copied */
    assert_ptr_not_equal(q, p);
    assert_int_equal(q[0], 7);
    assert_int_equal(q[1999], 0);

    big = tf_arena_alloc(a, 100000);
    memset(big, 9, 100000);
    /* A copy would need 100000 + 300000 bytes, past the cap: it must grow its own chunk. */
    big = tf_arena_grow(a, big, 100000, 300000);
    assert_non_null(big);
    assert_int_equal(big[99999], 9);
    assert_int_equal(big[299999], 0);
    assert_null(tf_arena_grow(a, big, 300000, 400000));
    assert_int_equal(big[0], 9);
    tf_arena_free(a);
}

/* Nulls and unknowns of the primitive types can be shared instead of allocated; other types and
 * known values cannot. */
static void test_value__shared_nulls_and_unknowns_only_for_primitives(void **state)
{
    struct tf_value *n = tf_value_shared(&tf_type_string, TF_VALUE_NULL);
    struct tf_value *u = tf_value_shared(&tf_type_bool, TF_VALUE_UNKNOWN);

    assert_true(tf_value_is_null(n));
    assert_ptr_equal(n->type, &tf_type_string);
    assert_ptr_equal(n, tf_value_shared(&tf_type_string, TF_VALUE_NULL));
    assert_true(tf_value_is_unknown(u));
    assert_ptr_equal(u->type, &tf_type_bool);
    assert_true(tf_value_is_null(tf_value_shared(&tf_type_number, TF_VALUE_NULL)));
    assert_null(tf_value_shared(&tf_type_string, TF_VALUE_KNOWN));
    assert_null(tf_value_shared(&tf_type_dynamic, TF_VALUE_NULL));
    assert_null(tf_value_shared(&obj, TF_VALUE_UNKNOWN));
}

static void test_value__objects_start_null_and_read_with_fallbacks(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);
    struct tf_value *o = tf_value_object(a, &obj);

    assert_non_null(o);
    assert_true(tf_value_is_known(o));
    assert_true(tf_value_is_null(tf_value_get(o, "name")));
    assert_null(tf_value_get(o, "nope"));
    assert_string_equal(tf_value_get_str(o, "name", "fb"), "fb");
    assert_int_equal(tf_value_set(o, "name", tf_value_string(a, "ami-1")), 0);
    assert_int_equal(tf_value_set(o, "size", tf_value_int(a, 8)), 0);
    assert_int_equal(tf_value_set(o, "on", tf_value_bool(a, true)), 0);
    assert_int_equal(tf_value_set(o, "nope", tf_value_bool(a, true)), -1);
    assert_string_equal(tf_value_get_str(o, "name", NULL), "ami-1");
    assert_int_equal(tf_value_get_int(o, "size", -1), 8);
    assert_true(tf_value_get_bool(o, "on", false));
    /* a wrong-kind attribute gives the fallback */
    assert_int_equal(tf_value_get_int(o, "name", -1), -1);
    assert_int_equal(tf_type_attr_index(&obj, "on"), 2);
    assert_int_equal(tf_type_attr_index(&tf_type_string, "on"), -1);
    assert_null(tf_value_get(tf_value_null(a, &obj), "name"));
    tf_arena_free(a);
}

static void test_value__map_sort_keeps_pairs_together(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);
    struct tf_value *m = tf_value_map(a, &map_string, 3);
    const char *keys[] = {"b", "c", "a"}, *sorted[] = {"a", "b", "c"};

    for (int i = 0; i < 3; i++) {
        m->u.map.keys[i] = keys[i];
        m->u.map.vals[i] = tf_value_string(a, keys[i]);
    }
    tf_value_map_sort(m);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(m->u.map.keys[i], sorted[i]);
        assert_string_equal(m->u.map.vals[i]->u.str, m->u.map.keys[i]);
    }
    assert_string_equal(tf_value_map_get(m, "c")->u.str, "c");
    assert_null(tf_value_map_get(m, "z"));
    tf_arena_free(a);
}

static void test_value__copy_has_new_containers_and_shared_leaves(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);
    struct tf_value *o = tf_value_object(a, &obj), *c;

    tf_value_set(o, "name", tf_value_string(a, "x"));
    tf_value_set(o, "size", decimal(a, "1e400"));
    tf_value_set(o, "on", tf_value_unknown(a, &tf_type_bool));
    c = tf_value_copy(a, o);
    assert_non_null(c);
    assert_ptr_not_equal(c, o);
    assert_ptr_not_equal(c->u.coll.items, o->u.coll.items);
    assert_true(tf_value_equal(o, c));
    /* leaves are never changed in place, so they are shared */
    assert_ptr_equal(tf_value_get(c, "name"), tf_value_get(o, "name"));
    assert_true(tf_value_contains_unknown(c));
    /* replacing an attribute of one leaves the other as it was */
    tf_value_set(o, "on", tf_value_bool(a, true));
    assert_false(tf_value_contains_unknown(o));
    assert_true(tf_value_contains_unknown(c));
    assert_false(tf_value_equal(o, c));
    tf_value_set(c, "name", tf_value_string(a, "y"));
    assert_string_equal(tf_value_get_str(o, "name", NULL), "x");
    /* nested lists and maps are new containers too */
    struct tf_value *l = tf_value_collection(a, &list_string, 1),
                    *m = tf_value_map(a, &map_string, 1);
    l->u.coll.items[0] = tf_value_string(a, "e");
    m->u.map.keys[0] = "k";
    m->u.map.vals[0] = tf_value_string(a, "v");
    struct tf_value *lc = tf_value_copy(a, l), *mc = tf_value_copy(a, m);
    assert_true(tf_value_equal(l, lc) && tf_value_equal(m, mc));
    assert_ptr_not_equal(lc->u.coll.items, l->u.coll.items);
    assert_ptr_not_equal(mc->u.map.vals, m->u.map.vals);
    assert_ptr_not_equal(mc->u.map.keys, m->u.map.keys);
    /* a leaf copies as itself, NULL as NULL */
    assert_ptr_equal(tf_value_copy(a, tf_value_get(o, "size")), tf_value_get(o, "size"));
    assert_null(tf_value_copy(a, NULL));
    tf_arena_free(a);
}

static void test_value__numbers_compare_by_value_across_representations(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);

    assert_true(tf_value_equal(tf_value_int(a, 1), tf_value_float(a, 1.0)));
    assert_true(tf_value_equal(tf_value_int(a, 1), decimal(a, "1.000")));
    assert_true(tf_value_equal(decimal(a, "1e3"), tf_value_int(a, 1000)));
    assert_true(tf_value_equal(decimal(a, "0.50"), tf_value_float(a, 0.5)));
    assert_true(tf_value_equal(decimal(a, "-0"), tf_value_int(a, 0)));
    assert_true(tf_value_equal(decimal(a, "00120.0e-1"), decimal(a, "12")));
    assert_true(tf_value_equal(tf_value_float(a, 0.1), decimal(a, "0.1")));
    assert_false(tf_value_equal(tf_value_int(a, 1), tf_value_int(a, 2)));
    assert_false(tf_value_equal(tf_value_int(a, -5), decimal(a, "5")));
    assert_false(tf_value_equal(decimal(a, "1e400"), decimal(a, "1e401")));
    assert_false(tf_value_equal(decimal(a, "1.00000000000000000001"), tf_value_int(a, 1)));
    assert_false(
        tf_value_equal(tf_value_int(a, 9007199254740993), tf_value_float(a, 9007199254740992.0)));
    tf_arena_free(a);
}

static void test_value__as_int_accepts_only_integral_values_in_range(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);
    int64_t i = 0;

    assert_int_equal(tf_value_as_int(tf_value_float(a, 42.0), &i), 0);
    assert_int_equal(i, 42);
    assert_int_equal(tf_value_as_int(tf_value_float(a, 42.5), &i), -1);
    assert_int_equal(tf_value_as_int(tf_value_float(a, 1e19), &i), -1);
    assert_int_equal(tf_value_as_int(decimal(a, "9223372036854775807"), &i), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(tf_value_as_int(decimal(a, "-9223372036854775808"), &i), 0);
    assert_true(i == INT64_MIN);
    assert_int_equal(tf_value_as_int(decimal(a, "9223372036854775808"), &i), -1);
    assert_int_equal(tf_value_as_int(decimal(a, "12.5e1"), &i), 0);
    assert_int_equal(i, 125);
    assert_int_equal(tf_value_as_int(decimal(a, "1.25"), &i), -1);
    assert_int_equal(tf_value_as_int(decimal(a, "1e400"), &i), -1);
    assert_int_equal(tf_value_as_int(decimal(a, "0.000"), &i), 0);
    assert_int_equal(i, 0);
    assert_int_equal(tf_value_as_int(tf_value_string(a, "1"), &i), -1);
    assert_int_equal(tf_value_as_int(tf_value_unknown(a, &tf_type_number), &i), -1);
    tf_arena_free(a);
}

static struct tf_value *numbers(struct tf_arena *a, const struct tf_type *t, int n, ...)
{
    struct tf_value *v = tf_value_collection(a, t, (size_t)n);
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v->u.coll.items[i] = tf_value_int(a, va_arg(ap, int));
    va_end(ap);
    return v;
}

static void test_value__sets_compare_as_sets_lists_in_order(void **state)
{
    static const struct tf_type list_number = {.kind = TF_LIST, .elem = &tf_type_number};
    struct tf_arena *a = tf_arena_new(1 << 20);

    assert_true(
        tf_value_equal(numbers(a, &set_number, 3, 1, 2, 3), numbers(a, &set_number, 3, 3, 1, 2)));
    assert_false(
        tf_value_equal(numbers(a, &set_number, 3, 1, 2, 3), numbers(a, &set_number, 3, 1, 2, 4)));
    assert_false(
        tf_value_equal(numbers(a, &set_number, 2, 1, 2), numbers(a, &set_number, 3, 1, 2, 2)));
    assert_false(
        tf_value_equal(numbers(a, &set_number, 3, 1, 1, 2), numbers(a, &set_number, 3, 1, 2, 3)));
    assert_true(
        tf_value_equal(numbers(a, &list_number, 2, 1, 2), numbers(a, &list_number, 2, 1, 2)));
    assert_false(
        tf_value_equal(numbers(a, &list_number, 2, 1, 2), numbers(a, &list_number, 2, 2, 1)));
    tf_arena_free(a);
}

static void test_value__states_nulls_and_block_collections(void **state)
{
    struct tf_arena *a = tf_arena_new(1 << 20);
    struct tf_value *empty_blocks = tf_value_collection(a, &block_list, 0);
    struct tf_value *empty_list = tf_value_collection(a, &list_string, 0);

    assert_true(tf_value_equal(tf_value_null(a, &tf_type_string), NULL));
    assert_true(
        tf_value_equal(tf_value_unknown(a, &tf_type_string), tf_value_unknown(a, &tf_type_string)));
    assert_false(tf_value_equal(tf_value_unknown(a, &tf_type_string), tf_value_string(a, "")));
    assert_false(tf_value_equal(tf_value_null(a, &tf_type_string), tf_value_string(a, "")));
    assert_false(tf_value_equal(tf_value_string(a, "a"), tf_value_int(a, 1)));
    /* no blocks is the same as a null block list, which the encoder writes as [] */
    assert_true(tf_value_equal(tf_value_null(a, &block_list), empty_blocks));
    assert_true(tf_value_equal(empty_blocks, NULL));
    assert_false(tf_value_equal(tf_value_null(a, &list_string), empty_list));
    tf_arena_free(a);
}

static void test_value__type_equality_is_structural(void **state)
{
    static const struct tf_attr_type other_attrs[] = {TF_ATTR("name", &tf_type_string),
                                                      TF_ATTR("size", &tf_type_number),
                                                      TF_ATTR("on", &tf_type_string)};
    static const struct tf_type other = {.kind = TF_OBJECT, .n = 3, .attrs = other_attrs};
    static const struct tf_type list_string2 = {.kind = TF_LIST, .elem = &tf_type_string};
    static const struct tf_type *const tuple_elems[] = {&tf_type_string, &tf_type_bool};
    static const struct tf_type tuple = {.kind = TF_TUPLE, .n = 2, .elems = tuple_elems};
    static const struct tf_type *const tuple_elems2[] = {&tf_type_string, &tf_type_number};
    static const struct tf_type tuple2 = {.kind = TF_TUPLE, .n = 2, .elems = tuple_elems2};

    assert_true(tf_type_equal(&list_string, &list_string2));
    assert_false(tf_type_equal(&list_string, &map_string));
    assert_false(tf_type_equal(&obj, &other));
    assert_false(tf_type_equal(&tuple, &tuple2));
    assert_true(tf_type_equal(&tuple, &tuple));
}

static void test_path__formats_attributes_indexes_and_keys(void **state)
{
    struct tf_path p = tf_path_attr("ebs_block_device");
    char buf[128];

    tf_path_push_index(&p, 0);
    tf_path_push_attr(&p, "volume_size");
    assert_string_equal(tf_path_format(&p, buf, sizeof(buf)), "ebs_block_device[0].volume_size");
    tf_path_pop(&p);
    tf_path_pop(&p);
    tf_path_pop(&p);
    tf_path_pop(&p);
    assert_int_equal(p.n, 0);
    tf_path_push_attr(&p, "tags");
    tf_path_push_key(&p, "a \"q\" \\");
    assert_string_equal(tf_path_format(&p, buf, sizeof(buf)), "tags[\"a \\\"q\\\" \\\\\"]");
    assert_string_equal(tf_path_format(&p, buf, 7), "tags[\"");
    assert_string_equal(tf_path_format(&p, buf, 1), "");
}

/* A long key is cut between characters: path names become protobuf strings (valid UTF-8). */
static void test_path__cuts_long_names_between_characters(void **state)
{
    (void)state;
    char key[300];
    size_t n = 0;
    key[n++] = 'a';
    while (n + 2 < sizeof(key)) {
        key[n++] = (char)0xC3; /* e-acute, two bytes */
        key[n++] = (char)0xA9;
    }
    key[n] = '\0';
    struct tf_path p = TF_PATH_INIT;
    tf_path_push_key(&p, key);
    size_t len = strlen(p.steps[0].name);
    assert_true(len < TF_PATH_MAX_NAME);
    /* 'a' then whole two-byte characters only. */
    assert_int_equal((len - 1) % 2, 0);
    assert_int_equal((unsigned char)p.steps[0].name[len - 1], 0xA9);
}

static void test_path__stops_at_its_capacity(void **state)
{
    struct tf_path p = TF_PATH_INIT;
    char big[300], buf[64];

    for (int i = 0; i < TF_PATH_MAX_STEPS + 5; i++)
        tf_path_push_index(&p, i);
    assert_int_equal(p.n, TF_PATH_MAX_STEPS);
    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    p.n = 0;
    tf_path_push_attr(&p, big);
    assert_int_equal(strlen(p.steps[0].name), TF_PATH_MAX_NAME - 1);
    assert_int_equal(strlen(tf_path_format(&p, buf, sizeof(buf))), sizeof(buf) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value__arena_refuses_past_its_cap),
        cmocka_unit_test(test_value__arena_serves_many_and_big_allocations),
        cmocka_unit_test(test_value__a_reused_arena_is_zeroed_and_capped_afresh),
        cmocka_unit_test(test_value__arena_grows_in_place_when_it_can),
        cmocka_unit_test(test_value__shared_nulls_and_unknowns_only_for_primitives),
        cmocka_unit_test(test_value__objects_start_null_and_read_with_fallbacks),
        cmocka_unit_test(test_value__map_sort_keeps_pairs_together),
        cmocka_unit_test(test_value__copy_has_new_containers_and_shared_leaves),
        cmocka_unit_test(test_value__numbers_compare_by_value_across_representations),
        cmocka_unit_test(test_value__as_int_accepts_only_integral_values_in_range),
        cmocka_unit_test(test_value__sets_compare_as_sets_lists_in_order),
        cmocka_unit_test(test_value__states_nulls_and_block_collections),
        cmocka_unit_test(test_value__type_equality_is_structural),
        cmocka_unit_test(test_path__formats_attributes_indexes_and_keys),
        cmocka_unit_test(test_path__cuts_long_names_between_characters),
        cmocka_unit_test(test_path__stops_at_its_capacity),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
