/*
 * value.h - Terraform's type system and values, as an in-memory tree.
 *
 * Every DynamicValue Terraform sends (config, prior state, proposed state) is decoded by codec.h
 * into a tree of struct tf_value, typed by a struct tf_type derived from the schema (schema.h).
 * Resources read and build these trees; the codec encodes them back to msgpack.
 *
 * Memory: every value, string and dynamic type of one gRPC call lives in one struct tf_arena, freed
 * at once when the call ends. Nothing here is freed piecemeal. An arena has a byte cap so that no
 * input can make the provider allocate without bound; allocation past the cap (or on out-of-memory)
 * returns NULL and callers report an error.
 *
 * Types are immutable and usually static data (the schemas); types decoded from `dynamic` values
 * live in the arena. Values are mutable only while a call builds them.
 */
#ifndef TF_VALUE_H
#define TF_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum tf_kind {
    TF_STRING,
    TF_NUMBER,
    TF_BOOL,
    TF_LIST,
    TF_SET,
    TF_MAP,
    TF_OBJECT,
    TF_TUPLE,
    TF_DYNAMIC,
};

struct tf_type;

/* One attribute of an object type. */
struct tf_attr_type {
    const char *name;
    const struct tf_type *type;
    /* strlen(name), so that the encoder need not measure it on every call. tf_attrs_sort fills it;
     * a static table may leave it 0, and then the encoder measures the name and comparisons walk
     * it byte by byte. */
    size_t name_len;
};

/* An initializer for a static table of tf_attr_type, the name measured at compile time. */
#define TF_ATTR(name, type)                                                                        \
    {                                                                                              \
        name, type, sizeof(name) - 1                                                               \
    }

struct tf_type {
    enum tf_kind kind;
    const struct tf_type *elem;         /* LIST, SET, MAP: element type */
    size_t n;                           /* OBJECT: attribute count; TUPLE: element count */
    const struct tf_attr_type *attrs;   /* OBJECT: attributes */
    const struct tf_type *const *elems; /* TUPLE: element types */
    /* A nested LIST/SET/MAP block: Terraform never sends it null and rejects a null one, so the
     * encoder writes an empty array (or map) for a null value of this type. */
    bool block_collection;
    /* OBJECT: attrs are in strictly ascending byte order of name (cty's own order, and the order
     * Terraform writes an object's keys in), so lookups can binary-search. The types built by
     * schema.h and type_json.c are; a static type that is not leaves this false. */
    bool attrs_sorted;
    /* OBJECT built by tf_schema_type (schema.h): each attribute's TF_ATTR_* flags, a nested block's
     * own flags for its attribute; NULL for other types. */
    const unsigned *attr_flags;
};

extern const struct tf_type tf_type_string;
extern const struct tf_type tf_type_number;
extern const struct tf_type tf_type_bool;
extern const struct tf_type tf_type_dynamic;

enum tf_value_state {
    TF_VALUE_NULL,
    TF_VALUE_UNKNOWN,
    TF_VALUE_KNOWN,
};

/* How a known number arrived (or should be written): msgpack int, float, or decimal text. */
enum tf_number_repr {
    TF_NUM_INT,
    TF_NUM_FLOAT,
    TF_NUM_DECIMAL,
};

struct tf_value {
    const struct tf_type *type; /* never NULL; for a dynamic value, the concrete type decoded */
    enum tf_value_state state;
    union {
        /* STRING: NUL-terminated UTF-8 (embedded NULs are rejected by the codec) */
        const char *str;
        bool b; /* BOOL */
        struct {
            enum tf_number_repr repr;
            int64_t i;       /* INT */
            double f;        /* FLOAT */
            const char *dec; /* DECIMAL: the exact decimal text */
        } num;
        struct {
            size_t n;
            /* LIST, SET, TUPLE elements; OBJECT attributes in type order */
            struct tf_value **items;
        } coll;
        struct {
            size_t n;
            const char **keys; /* MAP keys, sorted */
            struct tf_value **vals;
        } map;
    } u;
};

/* ---- Arena ---------------------------------------------------------------------------------- */

struct tf_arena;

/* A new arena that refuses to hand out more than cap bytes in total. NULL on out-of-memory.
 * The caller owns it and frees it with tf_arena_free (NULL-safe). */
struct tf_arena *tf_arena_new(size_t cap);
void tf_arena_free(struct tf_arena *a);
/* Zeroed memory from the arena, or NULL when the cap is reached or memory is exhausted. */
void *tf_arena_alloc(struct tf_arena *a, size_t size);
/* p (old_size bytes from a; NULL for none) made new_size bytes long, its content kept and the
 * added bytes zeroed: grown where it is when it is the last allocation made, or when it is big
 * enough to have a chunk of its own (then only the added bytes count against the cap), else
 * copied. NULL when the cap or memory refuse, and p is still valid then. */
void *tf_arena_grow(struct tf_arena *a, void *p, size_t old_size, size_t new_size);
char *tf_arena_strdup(struct tf_arena *a, const char *s);
char *tf_arena_strndup(struct tf_arena *a, const char *s, size_t len);
char *tf_arena_sprintf(struct tf_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Constructors (all allocate from the arena; NULL on allocation failure) ------------------ */

struct tf_value *tf_value_null(struct tf_arena *a, const struct tf_type *type);
/* A null or unknown (state) of tf_type_string, tf_type_number or tf_type_bool that any number of
 * trees may hold, or NULL for any other type or state; it allocates nothing. Most attributes of a
 * plan are such values. It is read-only (static const data: a write faults): a tree may hold it
 * only where its leaves are never changed in place, which is true of the codecs' decoded trees
 * and the plan rules' trees (both only ever replace a leaf with tf_value_set or a new pointer). */
struct tf_value *tf_value_shared(const struct tf_type *type, enum tf_value_state state);
struct tf_value *tf_value_unknown(struct tf_arena *a, const struct tf_type *type);
struct tf_value *tf_value_string(struct tf_arena *a, const char *s); /* copies s */
struct tf_value *tf_value_bool(struct tf_arena *a, bool b);
struct tf_value *tf_value_int(struct tf_arena *a, int64_t i);
struct tf_value *tf_value_float(struct tf_arena *a, double f);
/* A known object of an OBJECT type whose attributes all start null. */
struct tf_value *tf_value_object(struct tf_arena *a, const struct tf_type *type);
/* A known LIST/SET/TUPLE of n elements (initially NULL pointers the caller fills). */
struct tf_value *tf_value_collection(struct tf_arena *a, const struct tf_type *type, size_t n);
/* A known MAP with n entries (keys and values the caller fills, then calls tf_value_map_sort). */
struct tf_value *tf_value_map(struct tf_arena *a, const struct tf_type *type, size_t n);
void tf_value_map_sort(struct tf_value *map);
/* A copy into arena a that the caller may change: every known object, list, set, tuple and map is
 * new (items and keys arrays included), so replacing an item of the copy leaves v as it was. Leaves
 * (strings, numbers, bools, nulls and unknowns) and types are shared with v, since nothing changes
 * a leaf in place: v's arena must outlive the copy. */
struct tf_value *tf_value_copy(struct tf_arena *a, const struct tf_value *v);

/* ---- Access ---------------------------------------------------------------------------------- */

static inline bool tf_value_is_null(const struct tf_value *v)
{
    return v == NULL || v->state == TF_VALUE_NULL;
}
static inline bool tf_value_is_unknown(const struct tf_value *v)
{
    return v != NULL && v->state == TF_VALUE_UNKNOWN;
}
static inline bool tf_value_is_known(const struct tf_value *v)
{
    return v != NULL && v->state == TF_VALUE_KNOWN;
}
/* True when v or anything inside it is unknown. */
bool tf_value_contains_unknown(const struct tf_value *v);

/* The index of attribute name in an OBJECT type, or -1. */
int tf_type_attr_index(const struct tf_type *object_type, const char *name);
/* The same for a name given as len bytes, not NUL-terminated (a key read from the wire). */
int tf_type_attr_find(const struct tf_type *object_type, const char *name, size_t len);
/* Sorts attrs by name for a type's attrs_sorted and fills their name_len; returns true when the
 * names are also unique (only then may attrs_sorted be set). */
bool tf_attrs_sort(struct tf_attr_type *attrs, size_t n);
/* Compares attribute a's name with len bytes of key as strcmp would compare the two strings. */
static inline int tf_attr_cmp(const struct tf_attr_type *a, const char *key, size_t len)
{
    if (a->name_len == 0) {
        /* Not measured (a static table): a plain loop, names being a few bytes long. */
        for (size_t i = 0; i < len; i++) {
            unsigned char x = (unsigned char)a->name[i], y = (unsigned char)key[i];
            if (x != y || x == '\0')
                return x < y || x == '\0' ? -1 : 1;
        }
        return a->name[len] != '\0';
    }
    size_t n = a->name_len < len ? a->name_len : len;
    int c = n > 0 ? memcmp(a->name, key, n) : 0; /* an empty key may have no bytes at all */
    if (c != 0)
        return c;
    return a->name_len < len ? -1 : a->name_len > len;
}
/* The attribute name of a known object, or NULL when the object is null/unknown or has no such
 * attribute. Borrowed pointer into the tree. */
struct tf_value *tf_value_get(const struct tf_value *object, const char *name);
/* Replace attribute name of a known object; returns 0, or -1 when there is no such attribute. */
int tf_value_set(struct tf_value *object, const char *name, struct tf_value *v);
/* The value of a map entry, or NULL. */
struct tf_value *tf_value_map_get(const struct tf_value *map, const char *key);

/* Convenience readers: the known string/bool/int of attribute name of object, or the fallback when
 * that attribute is null, unknown or absent. tf_value_get_int succeeds only for integral numbers.
 */
const char *tf_value_get_str(const struct tf_value *object, const char *name, const char *fallback);
bool tf_value_get_bool(const struct tf_value *object, const char *name, bool fallback);
int64_t tf_value_get_int(const struct tf_value *object, const char *name, int64_t fallback);
/* The integer of a known number: 0 and *out set when it is integral and fits in int64, else -1. */
int tf_value_as_int(const struct tf_value *v, int64_t *out);

/* Terraform's equality: same state, same known contents; sets compare as sets, numbers by value
 * whatever their representation. Two unknowns are equal here (the plan rules need "still unknown").
 * A null nested-block collection (type->block_collection) equals an empty one: both are written as
 * an empty array or map. Sets compare in quadratic time, fine at a resource's sizes. */
bool tf_value_equal(const struct tf_value *a, const struct tf_value *b);

/* Type equality (structural). */
bool tf_type_equal(const struct tf_type *a, const struct tf_type *b);

#endif
