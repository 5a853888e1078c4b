/*
 * schema.c - the object type of a schema block (schema.h), built once per block and kept for the
 * life of the process, plus lookups by name.
 *
 * Built types sit in a list keyed by block address under one mutex: main builds them before threads
 * start, and the lock keeps a late first call from a worker thread correct as well. Nothing is
 * freed; the set of blocks is fixed at compile time.
 */
#include "schema.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct built {
    struct built *next;
    const struct tf_schema_block *block;
    struct tf_type type;
    struct tf_type *wrappers; /* the LIST/SET/MAP types of nested blocks, referenced from type */
};

static pthread_mutex_t built_lock = PTHREAD_MUTEX_INITIALIZER;
static struct built *built_head;

static const struct tf_type *build(const struct tf_schema_block *block);

static const struct tf_type *lookup_or_build(const struct tf_schema_block *block)
{
    for (struct built *b = built_head; b != NULL; b = b->next)
        if (b->block == block)
            return &b->type;
    return build(block);
}

/* The type of one nested block: the block's object, wrapped in a collection for LIST/SET/MAP. */
static const struct tf_type *nested_type(const struct tf_schema_nested *nb, struct tf_type *wrapper)
{
    const struct tf_type *obj = lookup_or_build(nb->block);

    if (obj == NULL)
        return NULL;
    switch (nb->nesting) {
    case TF_NEST_LIST:
        wrapper->kind = TF_LIST;
        break;
    case TF_NEST_SET:
        wrapper->kind = TF_SET;
        break;
    case TF_NEST_MAP:
        wrapper->kind = TF_MAP;
        break;
    default: /* SINGLE, GROUP */
        return obj;
    }
    wrapper->elem = obj;
    wrapper->block_collection = true;
    return wrapper;
}

static const struct tf_type *build(const struct tf_schema_block *block)
{
    size_t n = block->n_attrs + block->n_blocks;
    struct built *b = calloc(1, sizeof(*b));
    struct tf_attr_type *attrs = calloc(n > 0 ? n : 1, sizeof(*attrs));
    struct tf_type *wrappers = calloc(block->n_blocks > 0 ? block->n_blocks : 1, sizeof(*wrappers));
    unsigned *flags = calloc(n > 0 ? n : 1, sizeof(*flags));

    if (b == NULL || attrs == NULL || wrappers == NULL || flags == NULL)
        goto fail;
    for (size_t i = 0; i < block->n_attrs; i++) {
        attrs[i].name = block->attrs[i].name;
        attrs[i].type = block->attrs[i].type;
    }
    for (size_t i = 0; i < block->n_blocks; i++) {
        attrs[block->n_attrs + i].name = block->blocks[i].type_name;
        attrs[block->n_attrs + i].type = nested_type(&block->blocks[i], &wrappers[i]);
        if (attrs[block->n_attrs + i].type == NULL)
            goto fail;
    }
    b->block = block;
    b->type.kind = TF_OBJECT;
    b->type.n = n;
    b->type.attrs = attrs;
    b->type.attrs_sorted = tf_attrs_sort(attrs, n);
    for (size_t i = 0; i < n; i++) {
        const struct tf_schema_attr *attr = tf_schema_find_attr(block, attrs[i].name);
        flags[i] = attr != NULL ? attr->flags : tf_schema_find_block(block, attrs[i].name)->flags;
    }
    b->type.attr_flags = flags;
    b->wrappers = wrappers;
    b->next = built_head;
    built_head = b;
    return &b->type;
fail:
    free(flags);
    free(wrappers);
    free(attrs);
    free(b);
    return NULL;
}

const struct tf_type *tf_schema_type(const struct tf_schema_block *block)
{
    const struct tf_type *t;

    pthread_mutex_lock(&built_lock);
    t = lookup_or_build(block);
    pthread_mutex_unlock(&built_lock);
    return t;
}

const struct tf_schema_attr *tf_schema_find_attr(const struct tf_schema_block *block,
                                                 const char *name)
{
    for (size_t i = 0; i < block->n_attrs; i++)
        if (strcmp(block->attrs[i].name, name) == 0)
            return &block->attrs[i];
    return NULL;
}

const struct tf_schema_nested *tf_schema_find_block(const struct tf_schema_block *block,
                                                    const char *name)
{
    for (size_t i = 0; i < block->n_blocks; i++)
        if (strcmp(block->blocks[i].type_name, name) == 0)
            return &block->blocks[i];
    return NULL;
}
