/*
 * schema.h - schemas declared once, as data.
 *
 * A resource, data source or the provider itself declares a struct tf_schema as static C data. From it
 * come: the protocol Schema messages for both protocol versions (protocol.c), the object type that the
 * codec decodes with (tf_schema_type), validation of required/optional/computed attributes, and the
 * plan's requires_replace paths (TF_ATTR_FORCE_NEW).
 */
#ifndef TF_SCHEMA_H
#define TF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value.h"

enum tf_attr_flags {
    TF_ATTR_REQUIRED = 1 << 0,
    TF_ATTR_OPTIONAL = 1 << 1,
    TF_ATTR_COMPUTED = 1 << 2,
    TF_ATTR_SENSITIVE = 1 << 3,
    TF_ATTR_FORCE_NEW = 1 << 4, /* a change in a planned update requires replacement */
    TF_ATTR_DEPRECATED = 1 << 5,
};

/* Values match the protocol's NestedBlock.NestingMode. */
enum tf_nesting {
    TF_NEST_SINGLE = 1,
    TF_NEST_LIST = 2,
    TF_NEST_SET = 3,
    TF_NEST_MAP = 4,
    TF_NEST_GROUP = 5,
};

struct tf_schema_block;

struct tf_schema_attr {
    const char *name;
    const struct tf_type *type;
    unsigned flags; /* enum tf_attr_flags */
    const char *description;
};

struct tf_schema_nested {
    const char *type_name;
    enum tf_nesting nesting;
    const struct tf_schema_block *block;
    int64_t min_items, max_items;
    unsigned flags; /* TF_ATTR_FORCE_NEW applies to the whole block */
};

struct tf_schema_block {
    const struct tf_schema_attr *attrs;
    size_t n_attrs;
    const struct tf_schema_nested *blocks;
    size_t n_blocks;
    const char *description;
    bool deprecated;
};

struct tf_schema {
    int64_t version;
    struct tf_schema_block block;
};

#define TF_COUNTOF(arr) (sizeof(arr) / sizeof((arr)[0]))

/* The object type of a block: its attributes and one attribute per nested block type (SINGLE/GROUP:
 * object; LIST: list(object); SET: set(object); MAP: map(object); the last three with
 * block_collection set), sorted by name (attrs_sorted), with each one's flags (attr_flags). Built
 * on first use and kept for the life of the process; call once for each schema from main before
 * threads start (tf_schema_type is then read-only and thread-safe; a mutex makes a late first call
 * from a worker thread safe as well).
 * NULL only on out-of-memory. */
const struct tf_type *tf_schema_type(const struct tf_schema_block *block);

/* Attribute lookup by name in a block (NULL when absent). */
const struct tf_schema_attr *tf_schema_find_attr(const struct tf_schema_block *block,
                                                 const char *name);
const struct tf_schema_nested *tf_schema_find_block(const struct tf_schema_block *block,
                                                    const char *name);

#endif
