/*
 * plan.c - the lifecycle rules every resource's plan shares (Terraform core checks them; see the
 * protocol sheet, section 4). Resources then refine the plan in their own callback.
 */
#include <string.h>

#include "resource.h"

void tf_paths_add(struct tf_call *call, struct tf_paths *paths, const struct tf_path *path)
{
    if (paths->n == paths->cap) {
        size_t cap = paths->cap ? paths->cap * 2 : 8;
        struct tf_path *items = tf_arena_alloc(call->arena, cap * sizeof(*items));
        if (items == NULL) {
            call->diags.oom = true;
            return;
        }
        if (paths->n > 0)
            memcpy(items, paths->items, paths->n * sizeof(*items));
        paths->items = items;
        paths->cap = cap;
    }
    paths->items[paths->n++] = *path;
}

/* On create, apply fills every computed attribute the configuration left null, so the plan must say
 * "known after apply" for it; nested block elements follow the same rule. obj is typed by
 * tf_schema_type(block), whose attr_flags say which attributes are computed. */
static void mark_unknown_computed(struct tf_call *call, const struct tf_schema_block *block,
                                  struct tf_value *obj)
{
    if (!tf_value_is_known(obj) || obj->type->attr_flags == NULL)
        return;
    for (size_t i = 0; i < obj->type->n; i++) {
        if ((obj->type->attr_flags[i] & TF_ATTR_COMPUTED) &&
            tf_value_is_null(obj->u.coll.items[i])) {
            const struct tf_type *t = obj->type->attrs[i].type;
            struct tf_value *u = tf_value_shared(t, TF_VALUE_UNKNOWN);
            if (u == NULL)
                u = tf_value_unknown(call->arena, t);
            if (u == NULL) {
                call->diags.oom = true;
                return;
            }
            obj->u.coll.items[i] = u;
        }
    }
    for (size_t i = 0; i < block->n_blocks; i++) {
        const struct tf_schema_nested *nested = &block->blocks[i];
        struct tf_value *v = tf_value_get(obj, nested->type_name);
        if (!tf_value_is_known(v))
            continue;
        if (nested->nesting == TF_NEST_SINGLE || nested->nesting == TF_NEST_GROUP) {
            mark_unknown_computed(call, nested->block, v);
        } else if (nested->nesting == TF_NEST_MAP) {
            for (size_t j = 0; j < v->u.map.n; j++)
                mark_unknown_computed(call, nested->block, v->u.map.vals[j]);
        } else {
            for (size_t j = 0; j < v->u.coll.n; j++)
                mark_unknown_computed(call, nested->block, v->u.coll.items[j]);
        }
    }
}

static void add_replace_if_changed(struct tf_call *call, struct tf_plan_op *op, const char *name)
{
    if (!tf_value_equal(tf_value_get(op->prior, name), tf_value_get(op->planned, name))) {
        struct tf_path path = tf_path_attr(name);
        tf_paths_add(call, &op->requires_replace, &path);
    }
}

void tf_plan_generic(struct tf_call *call, const struct tf_schema *schema, struct tf_plan_op *op)
{
    memset(&op->requires_replace, 0, sizeof(op->requires_replace));
    op->planned_private = op->prior_private;
    if (tf_value_is_null(op->proposed)) {
        op->planned = NULL;
        return;
    }
    op->planned = tf_value_copy(call->arena, op->proposed);
    if (op->planned == NULL) {
        call->diags.oom = true;
        return;
    }
    if (tf_value_is_null(op->prior)) {
        mark_unknown_computed(call, &schema->block, op->planned);
        return;
    }
    const struct tf_schema_block *block = &schema->block;
    for (size_t i = 0; i < block->n_attrs; i++) {
        if (block->attrs[i].flags & TF_ATTR_FORCE_NEW)
            add_replace_if_changed(call, op, block->attrs[i].name);
    }
    for (size_t i = 0; i < block->n_blocks; i++) {
        if (block->blocks[i].flags & TF_ATTR_FORCE_NEW)
            add_replace_if_changed(call, op, block->blocks[i].type_name);
    }
}
