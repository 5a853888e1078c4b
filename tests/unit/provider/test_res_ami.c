/*
 * test_res_ami.c - the ec2_ami resource without EC2: validation diagnostics and their paths, plan
 * defaults, import, and the image -> state mapping the resource and data source share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ami_internal.h"

struct fixture {
    struct tf_call call;
    struct tf_provider provider;
    const struct tf_type *type;
};

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof(f));
    f.call.arena = tf_arena_new(1 << 22);
    tf_diags_init(&f.call.diags, f.call.arena);
    f.provider.plan_dry_run = false; /* nothing here may talk to EC2 */
    f.call.provider = &f.provider;
    f.type = tf_schema_type(&tf_ami_schema.block);
    *state = &f;
    return f.call.arena == NULL || f.type == NULL;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tf_arena_free(f->call.arena);
    return 0;
}

static void set_str(struct fixture *f, struct tf_value *obj, const char *attr, const char *v)
{
    assert_int_equal(tf_value_set(obj, attr, tf_value_string(f->call.arena, v)), 0);
}

static const struct tf_type *attr_type(const struct tf_type *t, const char *name)
{
    int i = tf_type_attr_index(t, name);
    assert_true(i >= 0);
    return t->attrs[i].type;
}

/* A config with a name and one ebs_block_device {device_name, snapshot_id}. */
static struct tf_value *config(struct fixture *f, const char *name, const char *snapshot)
{
    struct tf_arena *a = f->call.arena;
    struct tf_value *c = tf_value_object(a, f->type);
    const struct tf_type *set_t = attr_type(f->type, "ebs_block_device");
    struct tf_value *set = tf_value_collection(a, set_t, 1);
    struct tf_value *bd = tf_value_object(a, set_t->elem);

    set_str(f, c, "name", name);
    tf_value_set(bd, "device_name", tf_value_string(a, "/dev/xvda"));
    tf_value_set(bd, "snapshot_id", tf_value_string(a, snapshot));
    set->u.coll.items[0] = bd;
    tf_value_set(c, "ebs_block_device", set);
    return c;
}

/* The first diagnostic whose first path step is attr, or NULL. */
static const struct tf_diag *diag_at(const struct fixture *f, const char *attr)
{
    for (const struct tf_diag *d = f->call.diags.head; d != NULL; d = d->next) {
        if (d->has_path && d->path.n > 0 && strcmp(d->path.steps[0].name, attr) == 0)
            return d;
    }
    return NULL;
}

static void test_res_ami__valid_config_has_no_diagnostics(void **state)
{
    struct fixture *f = *state;
    struct tf_value *c = config(f, "web-2030.01 (x86)", "snap-0123");
    set_str(f, c, "deprecation_time", "2030-01-01T00:00:00Z");
    set_str(f, c, "deregistration_protection", "enabled-with-cooldown");
    tf_resource_ami.validate(&f->call, c);
    assert_null(f->call.diags.head);
}

static void test_res_ami__validation_points_at_each_attribute(void **state)
{
    struct fixture *f = *state;
    struct tf_arena *a = f->call.arena;
    struct tf_value *c = config(f, "no", "vol-123");
    const struct tf_type *to_t = attr_type(f->type, "timeouts");
    struct tf_value *timeouts = tf_value_object(a, to_t);
    const struct tf_diag *d;

    set_str(f, c, "architecture", "amd64");
    set_str(f, c, "deprecation_time", "2030-01-01T00:00:30Z");
    set_str(f, c, "deregistration_protection", "on");
    tf_value_set(timeouts, "delete", tf_value_string(a, "90 minutes"));
    tf_value_set(c, "timeouts", timeouts);
    tf_resource_ami.validate(&f->call, c);

    assert_non_null(d = diag_at(f, "name"));
    assert_int_equal(d->severity, TF_DIAG_ERROR);
    assert_non_null(strstr(d->detail, "3 to 128"));
    assert_non_null(d = diag_at(f, "architecture"));
    assert_non_null(strstr(d->detail, "\"x86_64\""));
    assert_non_null(d = diag_at(f, "deprecation_time"));
    assert_non_null(strstr(d->detail, "seconds"));
    assert_non_null(d = diag_at(f, "deregistration_protection"));
    assert_non_null(d = diag_at(f, "ebs_block_device"));
    assert_int_equal(d->path.n, 1); /* set elements: the block itself */
    assert_non_null(strstr(d->detail, "vol-123"));
    assert_non_null(d = diag_at(f, "timeouts"));
    assert_int_equal(d->path.n, 2);
    assert_string_equal(d->path.steps[1].name, "delete");
    assert_int_equal(f->call.diags.n_errors, 6);
}

static void test_res_ami__unknown_values_are_not_validated(void **state)
{
    struct fixture *f = *state;
    struct tf_value *c = config(f, "web", "snap-1");
    tf_value_set(c, "name", tf_value_unknown(f->call.arena, &tf_type_string));
    tf_value_set(c, "architecture", tf_value_unknown(f->call.arena, &tf_type_string));
    tf_resource_ami.validate(&f->call, c);
    assert_null(f->call.diags.head);
}

static void plan(struct fixture *f, struct tf_plan_op *op)
{
    tf_plan_generic(&f->call, &tf_ami_schema, op);
    assert_false(tf_diags_has_errors(&f->call.diags));
    tf_resource_ami.plan(&f->call, op);
    assert_false(tf_diags_has_errors(&f->call.diags));
}

static void test_res_ami__create_plan_sets_defaults_and_unknowns(void **state)
{
    struct fixture *f = *state;
    struct tf_value *c = config(f, "web", "snap-1");
    struct tf_plan_op op = {0};

    op.prior = tf_value_null(f->call.arena, f->type);
    op.config = c;
    op.proposed = c;
    plan(f, &op);
    assert_string_equal(tf_value_get_str(op.planned, "architecture", "?"), "x86_64");
    assert_string_equal(tf_value_get_str(op.planned, "deregistration_protection", "?"), "disabled");
    assert_true(tf_value_is_known(tf_value_get(op.planned, "delete_snapshots")));
    assert_false(tf_value_get_bool(op.planned, "delete_snapshots", true));
    assert_true(tf_value_is_unknown(tf_value_get(op.planned, "id")));
    assert_true(tf_value_is_unknown(tf_value_get(op.planned, "boot_mode")));
    assert_true(tf_value_is_null(tf_value_get(op.planned, "description")));
}

static void test_res_ami__update_plan_keeps_architecture_and_defaults_ours(void **state)
{
    struct fixture *f = *state;
    struct tf_arena *a = f->call.arena;
    struct tf_value *c = config(f, "web", "snap-1");
    struct tf_value *prior = config(f, "web", "snap-1");
    struct tf_plan_op op = {0};

    set_str(f, prior, "id", "ami-1");
    set_str(f, prior, "architecture", "arm64");
    set_str(f, prior, "deregistration_protection", "enabled");
    tf_value_set(prior, "delete_snapshots", tf_value_bool(a, true));
    /* Terraform proposes prior values for computed attributes the config leaves null. */
    struct tf_value *proposed = tf_value_copy(a, prior);
    op.prior = prior;
    op.config = c;
    op.proposed = proposed;
    plan(f, &op);
    assert_string_equal(tf_value_get_str(op.planned, "architecture", "?"), "arm64");
    assert_string_equal(tf_value_get_str(op.planned, "deregistration_protection", "?"), "disabled");
    assert_false(tf_value_get_bool(op.planned, "delete_snapshots", true));
    assert_int_equal(op.requires_replace.n, 0);
}

static void test_res_ami__import_validates_the_id(void **state)
{
    struct fixture *f = *state;
    struct tf_import_op op = {.id = "i-0123"};

    tf_resource_ami.import(&f->call, &op);
    assert_true(tf_diags_has_errors(&f->call.diags));
    assert_null(op.state);

    tf_diags_init(&f->call.diags, f->call.arena);
    op.id = "ami-0123456789abcdef0";
    tf_resource_ami.import(&f->call, &op);
    assert_false(tf_diags_has_errors(&f->call.diags));
    assert_string_equal(tf_value_get_str(op.state, "id", "?"), "ami-0123456789abcdef0");
    assert_false(tf_value_get_bool(op.state, "delete_snapshots", true));
    assert_true(tf_value_is_known(tf_value_get(op.state, "delete_snapshots")));
    assert_true(tf_value_is_null(tf_value_get(op.state, "name")));
}

static void test_res_ami__image_becomes_resource_attributes(void **state)
{
    struct fixture *f = *state;
    struct ec2_block_device bds[2] = {0};
    struct ec2_tag_owned tags[2] = {{"Team", "web"}, {"Env", "prod"}};
    struct ec2_image img = {0};
    struct tf_value *s = tf_value_object(f->call.arena, f->type);

    f->call.provider = NULL; /* no client: the ARN is left alone */
    bds[0].device_name = "/dev/xvda";
    bds[0].has_ebs = true;
    bds[0].snapshot_id = "snap-root";
    bds[0].volume_size = 8;
    bds[0].volume_type = "gp3";
    bds[0].delete_on_termination = EC2_BOOL_TRUE;
    bds[0].encrypted = EC2_BOOL_FALSE;
    bds[1].device_name = "/dev/sdb";
    bds[1].virtual_name = "ephemeral0";
    img.image_id = "ami-1";
    img.name = "web";
    img.state = "available";
    img.architecture = "arm64";
    img.root_device_name = "/dev/xvda";
    img.is_public = EC2_BOOL_FALSE;
    img.ena_support = EC2_BOOL_TRUE;
    img.deregistration_protection = "enabled-without-cooldown";
    img.block_devices = bds;
    img.n_block_devices = 2;
    img.tags = tags;
    img.n_tags = 2;

    assert_int_equal(tf_ami_image_to_state(&f->call, s, &img), 0);
    assert_string_equal(tf_value_get_str(s, "id", "?"), "ami-1");
    assert_string_equal(tf_value_get_str(s, "architecture", "?"), "arm64");
    assert_string_equal(tf_value_get_str(s, "deregistration_protection", "?"), "enabled");
    assert_string_equal(tf_value_get_str(s, "root_snapshot_id", "?"), "snap-root");
    assert_true(tf_value_get_bool(s, "ena_support", false));
    assert_false(tf_value_get_bool(s, "public", true));
    assert_true(tf_value_is_null(tf_value_get(s, "description")));
    assert_true(tf_value_is_null(tf_value_get(s, "arn")));

    const struct tf_value *ebs = tf_value_get(s, "ebs_block_device");
    assert_int_equal(ebs->u.coll.n, 1);
    assert_string_equal(tf_value_get_str(ebs->u.coll.items[0], "snapshot_id", "?"), "snap-root");
    assert_int_equal(tf_value_get_int(ebs->u.coll.items[0], "volume_size", 0), 8);
    assert_true(tf_value_is_null(tf_value_get(ebs->u.coll.items[0], "iops")));
    const struct tf_value *eph = tf_value_get(s, "ephemeral_block_device");
    assert_int_equal(eph->u.coll.n, 1);
    assert_string_equal(tf_value_get_str(eph->u.coll.items[0], "virtual_name", "?"), "ephemeral0");
    const struct tf_value *t = tf_value_get(s, "tags");
    assert_int_equal(t->u.map.n, 2);
    assert_string_equal(tf_value_map_get(t, "Env")->u.str, "prod");

    /* The same image as data source attributes: a list of every mapping. */
    struct tf_value *ds = tf_value_object(f->call.arena, tf_schema_type(&tf_ami_data_schema.block));
    assert_int_equal(tf_ami_image_to_state(&f->call, ds, &img), 0);
    const struct tf_value *all = tf_value_get(ds, "block_device_mappings");
    assert_int_equal(all->u.coll.n, 2);
    assert_string_equal(tf_value_get_str(all->u.coll.items[1], "virtual_name", "?"), "ephemeral0");
    assert_false(tf_value_get_bool(all->u.coll.items[1], "no_device", true));
}

static void test_res_ami__strip_unknown_leaves_a_known_state(void **state)
{
    struct fixture *f = *state;
    struct tf_value *c = config(f, "web", "snap-1");
    struct tf_plan_op op = {0};

    op.prior = tf_value_null(f->call.arena, f->type);
    op.config = c;
    op.proposed = c;
    plan(f, &op);
    assert_true(tf_value_contains_unknown(op.planned));
    assert_int_equal(tf_ami_strip_unknown(&f->call, op.planned), 0);
    assert_false(tf_value_contains_unknown(op.planned));
    assert_true(tf_value_is_null(tf_value_get(op.planned, "id")));
    assert_string_equal(tf_value_get_str(op.planned, "name", "?"), "web");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_res_ami__valid_config_has_no_diagnostics),
        T(test_res_ami__validation_points_at_each_attribute),
        T(test_res_ami__unknown_values_are_not_validated),
        T(test_res_ami__create_plan_sets_defaults_and_unknowns),
        T(test_res_ami__update_plan_keeps_architecture_and_defaults_ours),
        T(test_res_ami__import_validates_the_id),
        T(test_res_ami__image_becomes_resource_attributes),
        T(test_res_ami__strip_unknown_leaves_a_known_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
