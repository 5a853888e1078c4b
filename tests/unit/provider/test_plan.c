/*
 * test_plan.c - the generic plan rules (plan.c) that every resource relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "resource.h"

static const struct tf_schema_attr child_attrs[] = {
    {"key", &tf_type_string, TF_ATTR_REQUIRED, NULL},
    {"size", &tf_type_number, TF_ATTR_OPTIONAL | TF_ATTR_COMPUTED, NULL},
};
static const struct tf_schema_block child_block = {
    child_attrs, TF_COUNTOF(child_attrs), NULL, 0, NULL, false};
static const struct tf_schema_nested blocks[] = {
    {"disk", TF_NEST_SET, &child_block, 0, 0, TF_ATTR_FORCE_NEW},
};
static const struct tf_schema_attr attrs[] = {
    {"id", &tf_type_string, TF_ATTR_COMPUTED, NULL},
    {"name", &tf_type_string, TF_ATTR_REQUIRED | TF_ATTR_FORCE_NEW, NULL},
    {"note", &tf_type_string, TF_ATTR_OPTIONAL, NULL},
    {"kind", &tf_type_string, TF_ATTR_OPTIONAL | TF_ATTR_COMPUTED, NULL},
};
static const struct tf_schema schema = {
    0, {attrs, TF_COUNTOF(attrs), blocks, TF_COUNTOF(blocks), NULL, false}};

struct fixture {
    struct tf_call call;
    const struct tf_type *type;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    f.call.arena = tf_arena_new(1 << 20);
    tf_diags_init(&f.call.diags, f.call.arena);
    f.type = tf_schema_type(&schema.block);
    *state = &f;
    return f.call.arena == NULL || f.type == NULL;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tf_arena_free(f->call.arena);
    return 0;
}

/* An object with name and one disk element {key, size null}. */
static struct tf_value *config_with_disk(struct fixture *f, const char *name)
{
    struct tf_arena *a = f->call.arena;
    struct tf_value *obj = tf_value_object(a, f->type);
    tf_value_set(obj, "name", tf_value_string(a, name));
    const struct tf_attr_type *disk_attr = &f->type->attrs[tf_type_attr_index(f->type, "disk")];
    struct tf_value *set = tf_value_collection(a, disk_attr->type, 1);
    struct tf_value *disk = tf_value_object(a, disk_attr->type->elem);
    tf_value_set(disk, "key", tf_value_string(a, "k"));
    set->u.coll.items[0] = disk;
    tf_value_set(obj, "disk", set);
    return obj;
}

static void test_plan__create_marks_null_computed_unknown(void **state)
{
    struct fixture *f = *state;
    struct tf_value *config = config_with_disk(f, "img");
    struct tf_plan_op op = {
        .prior = tf_value_null(f->call.arena, f->type), .config = config, .proposed = config};
    tf_plan_generic(&f->call, &schema, &op);
    assert_false(tf_diags_has_errors(&f->call.diags));
    assert_true(tf_value_is_unknown(tf_value_get(op.planned, "id")));
    assert_true(tf_value_is_unknown(tf_value_get(op.planned, "kind")));
    /* Optional, not computed: stays null. */
    assert_true(tf_value_is_null(tf_value_get(op.planned, "note")));
    /* Computed attributes inside nested blocks too. */
    struct tf_value *disks = tf_value_get(op.planned, "disk");
    assert_true(tf_value_is_unknown(tf_value_get(disks->u.coll.items[0], "size")));
    assert_int_equal(op.requires_replace.n, 0);
    /* The configuration itself is left untouched. */
    assert_true(tf_value_is_null(tf_value_get(config, "kind")));
}

static void test_plan__update_lists_changed_force_new_attributes(void **state)
{
    struct fixture *f = *state;
    struct tf_value *prior = config_with_disk(f, "old");
    tf_value_set(prior, "id", tf_value_string(f->call.arena, "ami-1"));
    struct tf_value *proposed = config_with_disk(f, "new");
    tf_value_set(proposed, "id", tf_value_string(f->call.arena, "ami-1"));
    tf_value_set(proposed, "note", tf_value_string(f->call.arena, "changed in place"));
    struct tf_plan_op op = {.prior = prior, .config = proposed, .proposed = proposed};
    tf_plan_generic(&f->call, &schema, &op);
    assert_int_equal(op.requires_replace.n, 1);
    assert_int_equal(op.requires_replace.items[0].n, 1);
    assert_string_equal(op.requires_replace.items[0].steps[0].name, "name");
    /* On update, null computed attributes stay as Terraform proposed them. */
    assert_true(tf_value_is_null(tf_value_get(op.planned, "kind")));
}

static void test_plan__force_new_block_change_requires_replace(void **state)
{
    struct fixture *f = *state;
    struct tf_value *prior = config_with_disk(f, "same");
    struct tf_value *proposed = config_with_disk(f, "same");
    struct tf_value *disks = tf_value_get(proposed, "disk");
    tf_value_set(disks->u.coll.items[0], "key", tf_value_string(f->call.arena, "other"));
    struct tf_plan_op op = {.prior = prior, .config = proposed, .proposed = proposed};
    tf_plan_generic(&f->call, &schema, &op);
    assert_int_equal(op.requires_replace.n, 1);
    assert_string_equal(op.requires_replace.items[0].steps[0].name, "disk");
}

static void test_plan__destroy_plans_null(void **state)
{
    struct fixture *f = *state;
    struct tf_plan_op op = {.prior = config_with_disk(f, "x"),
                            .config = tf_value_null(f->call.arena, f->type),
                            .proposed = tf_value_null(f->call.arena, f->type)};
    tf_plan_generic(&f->call, &schema, &op);
    assert_null(op.planned);
    assert_int_equal(op.requires_replace.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plan__create_marks_null_computed_unknown, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plan__update_lists_changed_force_new_attributes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plan__force_new_block_change_requires_replace, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_plan__destroy_plans_null, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
