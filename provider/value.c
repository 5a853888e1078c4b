/*
 * value.c - the per-call arena and the value tree of value.h: constructors, readers, equality.
 *
 * The arena is a list of zeroed chunks; it counts the bytes it hands out against its cap so that
 * no input can grow a call's memory without bound. Nothing is freed before tf_arena_free.
 *
 * Numbers compare by value across their three representations (int64, float64, decimal text): each
 * is reduced to sign, significant digits and a decimal exponent, which is exact for every form.
 */
#include "value.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"

const struct tf_type tf_type_string = {.kind = TF_STRING};
const struct tf_type tf_type_number = {.kind = TF_NUMBER};
const struct tf_type tf_type_bool = {.kind = TF_BOOL};
const struct tf_type tf_type_dynamic = {.kind = TF_DYNAMIC};

/* ---- Arena ---------------------------------------------------------------------------------- */

/* A call's whole tree usually fits one chunk: a plan of ec2_ami takes about 8 KiB. */
#define CHUNK_MIN 16384
#define ALIGN     16

/* Each thread keeps the arena it freed last, with its first chunk zeroed again, and the next
 * tf_arena_new on that thread takes it back. A gRPC worker then serves a call without calling
 * malloc for its arena: the workers share glibc's few malloc arenas (main.c caps them to save
 * memory), and 4 KiB callocs on every call made them contend for their locks. There is no cache
 * under AddressSanitizer, nor when the process runs under valgrind, so that both still catch a use
 * of one call's memory in the next. */
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_CACHE 0
#endif
#endif
#ifndef ARENA_CACHE
#define ARENA_CACHE 1
#endif

struct chunk {
    struct chunk *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
};

struct tf_arena {
    size_t cap, given;
    struct chunk *head;
};

/* size rounded up to the arena's alignment; size must be at most SIZE_MAX - ALIGN. */
static size_t align_up(size_t size)
{
    return (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static void arena_destroy(struct tf_arena *a)
{
    while (a->head != NULL) {
        struct chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
    free(a);
}

#if ARENA_CACHE
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
static bool spare_ok;

static void spare_destroy(void *a)
{
    arena_destroy(a);
}

static void spare_init(void)
{
    spare_ok = !RUNNING_ON_VALGRIND && pthread_key_create(&spare_key, spare_destroy) == 0;
}

static struct tf_arena *spare_take(void)
{
    struct tf_arena *a;

    pthread_once(&spare_once, spare_init);
    if (!spare_ok || (a = pthread_getspecific(spare_key)) == NULL)
        return NULL;
    pthread_setspecific(spare_key, NULL);
    return a;
}

/* Keeps a as this thread's spare, emptied down to one zeroed chunk of the usual size; false when
 * the thread has a spare already or a holds no such chunk. */
static bool spare_keep(struct tf_arena *a)
{
    struct chunk *keep = NULL, *c, *next;

    if (!spare_ok || pthread_getspecific(spare_key) != NULL)
        return false;
    for (c = a->head; c != NULL; c = c->next)
        if (c->size == CHUNK_MIN)
            keep = c;
    if (keep == NULL)
        return false;
    for (c = a->head; c != NULL; c = next) {
        next = c->next;
        if (c != keep)
            free(c);
    }
    memset(keep->data, 0, keep->used);
    keep->used = 0;
    keep->next = NULL;
    a->head = keep;
    a->given = 0;
    return pthread_setspecific(spare_key, a) == 0;
}
#else
static struct tf_arena *spare_take(void)
{
    return NULL;
}

static bool spare_keep(struct tf_arena *a)
{
    (void)a;
    return false;
}
#endif

struct tf_arena *tf_arena_new(size_t cap)
{
    struct tf_arena *a = spare_take();

    if (a == NULL)
        a = calloc(1, sizeof(*a));
    if (a != NULL)
        a->cap = cap;
    return a;
}

void tf_arena_free(struct tf_arena *a)
{
    if (a != NULL && !spare_keep(a))
        arena_destroy(a);
}

void *tf_arena_alloc(struct tf_arena *a, size_t size)
{
    size_t need, chunk_size;
    struct chunk *c;

    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - ALIGN)
        return NULL;
    need = align_up(size);
    if (need > a->cap - a->given)
        return NULL;
    c = a->head;
    if (c == NULL || c->size - c->used < need) {
        /* Big requests get a chunk of their own, after the current one, so the space left in the
         * current chunk stays usable for the small allocations that follow. */
        chunk_size = need > CHUNK_MIN ? need : CHUNK_MIN;
        c = calloc(1, sizeof(*c) + chunk_size);
        if (c == NULL)
            return NULL;
        c->size = chunk_size;
        if (a->head != NULL && need > CHUNK_MIN) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    a->given += need;
    c->used += need;
    return c->data + c->used - need;
}

void *tf_arena_grow(struct tf_arena *a, void *p, size_t old_size, size_t new_size)
{
    size_t old_need = align_up(old_size), new_need, more;
    struct chunk *c, **link;
    unsigned char *q;

    if (p == NULL)
        return tf_arena_alloc(a, new_size);
    if (new_size > SIZE_MAX - ALIGN)
        return NULL;
    new_need = align_up(new_size);
    if (new_need <= old_need)
        return p;
    more = new_need - old_need;
    if (more > a->cap - a->given)
        return NULL;
    c = a->head;
    /* The last allocation of the current chunk, with room behind it: grow where it is. */
    if (c != NULL && (unsigned char *)p + old_need == c->data + c->used &&
        c->size - c->used >= more) {
        c->used += more;
        a->given += more;
        return p;
    }
    /* A big allocation has a chunk of its own: grow the chunk (the list points at it). */
    for (link = &a->head; *link != NULL; link = &(*link)->next) {
        c = *link;
        if (c->data != p || c->used != old_need || c->size != old_need)
            continue;
        c = realloc(c, sizeof(*c) + new_need);
        if (c == NULL)
            return NULL;
        memset(c->data + old_need, 0, more);
        c->size = c->used = new_need;
        *link = c;
        a->given += more;
        return c->data;
    }
    q = tf_arena_alloc(a, new_size);
    if (q != NULL)
        memcpy(q, p, old_size);
    return q;
}

char *tf_arena_strndup(struct tf_arena *a, const char *s, size_t len)
{
    char *p;

    if (len == SIZE_MAX)
        return NULL;
    p = tf_arena_alloc(a, len + 1);
    if (p != NULL && len > 0)
        memcpy(p, s, len);
    return p;
}

char *tf_arena_strdup(struct tf_arena *a, const char *s)
{
    return tf_arena_strndup(a, s, strlen(s));
}

char *tf_arena_sprintf(struct tf_arena *a, const char *fmt, ...)
{
    va_list ap;
    int len;
    char *p;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return NULL;
    p = tf_arena_alloc(a, (size_t)len + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)len + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* ---- Constructors ---------------------------------------------------------------------------- */

static struct tf_value *new_value(struct tf_arena *a, const struct tf_type *type,
                                  enum tf_value_state state)
{
    struct tf_value *v = tf_arena_alloc(a, sizeof(*v));

    if (v != NULL) {
        v->type = type;
        v->state = state;
    }
    return v;
}

struct tf_value *tf_value_null(struct tf_arena *a, const struct tf_type *type)
{
    return new_value(a, type, TF_VALUE_NULL);
}

/* [state][i]: the shared null (0) and unknown (1) of tf_type_string, _number and _bool. */
static const struct tf_value shared_values[2][3] = {
    {{.type = &tf_type_string, .state = TF_VALUE_NULL},
     {.type = &tf_type_number, .state = TF_VALUE_NULL},
     {.type = &tf_type_bool, .state = TF_VALUE_NULL}},
    {{.type = &tf_type_string, .state = TF_VALUE_UNKNOWN},
     {.type = &tf_type_number, .state = TF_VALUE_UNKNOWN},
     {.type = &tf_type_bool, .state = TF_VALUE_UNKNOWN}},
};

struct tf_value *tf_value_shared(const struct tf_type *type, enum tf_value_state state)
{
    int s = state == TF_VALUE_NULL ? 0 : state == TF_VALUE_UNKNOWN ? 1 : -1;
    int t = type == &tf_type_string   ? 0
            : type == &tf_type_number ? 1
            : type == &tf_type_bool   ? 2
                                      : -1;

    if (s < 0 || t < 0)
        return NULL;
    /* Read-only by the contract; the pointer type is the one trees hold. */
    return (struct tf_value *)&shared_values[s][t];
}

struct tf_value *tf_value_unknown(struct tf_arena *a, const struct tf_type *type)
{
    return new_value(a, type, TF_VALUE_UNKNOWN);
}

struct tf_value *tf_value_string(struct tf_arena *a, const char *s)
{
    struct tf_value *v = new_value(a, &tf_type_string, TF_VALUE_KNOWN);

    if (v == NULL)
        return NULL;
    v->u.str = tf_arena_strdup(a, s);
    return v->u.str != NULL ? v : NULL;
}

struct tf_value *tf_value_bool(struct tf_arena *a, bool b)
{
    struct tf_value *v = new_value(a, &tf_type_bool, TF_VALUE_KNOWN);

    if (v != NULL)
        v->u.b = b;
    return v;
}

struct tf_value *tf_value_int(struct tf_arena *a, int64_t i)
{
    struct tf_value *v = new_value(a, &tf_type_number, TF_VALUE_KNOWN);

    if (v != NULL) {
        v->u.num.repr = TF_NUM_INT;
        v->u.num.i = i;
    }
    return v;
}

struct tf_value *tf_value_float(struct tf_arena *a, double f)
{
    struct tf_value *v = new_value(a, &tf_type_number, TF_VALUE_KNOWN);

    if (v != NULL) {
        v->u.num.repr = TF_NUM_FLOAT;
        v->u.num.f = f;
    }
    return v;
}

static void *alloc_array(struct tf_arena *a, size_t n, size_t size)
{
    if (n > SIZE_MAX / size)
        return NULL;
    return tf_arena_alloc(a, n * size);
}

struct tf_value *tf_value_object(struct tf_arena *a, const struct tf_type *type)
{
    struct tf_value *v = new_value(a, type, TF_VALUE_KNOWN);

    if (v == NULL)
        return NULL;
    v->u.coll.n = type->n;
    v->u.coll.items = alloc_array(a, type->n, sizeof(*v->u.coll.items));
    if (v->u.coll.items == NULL)
        return NULL;
    for (size_t i = 0; i < type->n; i++) {
        v->u.coll.items[i] = tf_value_null(a, type->attrs[i].type);
        if (v->u.coll.items[i] == NULL)
            return NULL;
    }
    return v;
}

struct tf_value *tf_value_collection(struct tf_arena *a, const struct tf_type *type, size_t n)
{
    struct tf_value *v = new_value(a, type, TF_VALUE_KNOWN);

    if (v == NULL)
        return NULL;
    v->u.coll.n = n;
    v->u.coll.items = alloc_array(a, n, sizeof(*v->u.coll.items));
    return v->u.coll.items != NULL ? v : NULL;
}

struct tf_value *tf_value_map(struct tf_arena *a, const struct tf_type *type, size_t n)
{
    struct tf_value *v = new_value(a, type, TF_VALUE_KNOWN);

    if (v == NULL)
        return NULL;
    v->u.map.n = n;
    v->u.map.keys = alloc_array(a, n, sizeof(*v->u.map.keys));
    v->u.map.vals = alloc_array(a, n, sizeof(*v->u.map.vals));
    return v->u.map.keys != NULL && v->u.map.vals != NULL ? v : NULL;
}

struct map_entry {
    const char *key;
    struct tf_value *val;
};

static int compare_entries(const void *x, const void *y)
{
    const struct map_entry *a = x, *b = y;

    return strcmp(a->key, b->key);
}

void tf_value_map_sort(struct tf_value *map)
{
    size_t n = map->u.map.n;
    struct map_entry *e;
    bool sorted = true;

    for (size_t i = 1; i < n && sorted; i++)
        sorted = strcmp(map->u.map.keys[i - 1], map->u.map.keys[i]) <= 0;
    if (sorted)
        return;
    /* Keys and values are parallel arrays; sort them as pairs. Without scratch memory fall back to
     * an in-place insertion sort, slower but still correct. */
    e = malloc(n * sizeof(*e));
    if (e == NULL) {
        for (size_t i = 1; i < n; i++) {
            for (size_t j = i; j > 0 && strcmp(map->u.map.keys[j - 1], map->u.map.keys[j]) > 0;
                 j--) {
                const char *k = map->u.map.keys[j];
                struct tf_value *v = map->u.map.vals[j];
                map->u.map.keys[j] = map->u.map.keys[j - 1];
                map->u.map.vals[j] = map->u.map.vals[j - 1];
                map->u.map.keys[j - 1] = k;
                map->u.map.vals[j - 1] = v;
            }
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        e[i].key = map->u.map.keys[i];
        e[i].val = map->u.map.vals[i];
    }
    qsort(e, n, sizeof(*e), compare_entries);
    for (size_t i = 0; i < n; i++) {
        map->u.map.keys[i] = e[i].key;
        map->u.map.vals[i] = e[i].val;
    }
    free(e);
}

struct tf_value *tf_value_copy(struct tf_arena *a, const struct tf_value *v)
{
    struct tf_value *c;

    if (v == NULL)
        return NULL;
    if (v->state != TF_VALUE_KNOWN)
        return (struct tf_value *)v; /* a leaf: shared */
    switch (v->type->kind) {
    case TF_STRING:
    case TF_NUMBER:
    case TF_BOOL:
    case TF_DYNAMIC:
        return (struct tf_value *)v;
    case TF_MAP:
        if ((c = new_value(a, v->type, v->state)) == NULL)
            return NULL;
        c->u.map.n = v->u.map.n;
        c->u.map.keys = alloc_array(a, v->u.map.n, sizeof(*c->u.map.keys));
        c->u.map.vals = alloc_array(a, v->u.map.n, sizeof(*c->u.map.vals));
        if (c->u.map.keys == NULL || c->u.map.vals == NULL)
            return NULL;
        for (size_t i = 0; i < v->u.map.n; i++) {
            c->u.map.keys[i] = v->u.map.keys[i];
            if (v->u.map.vals[i] != NULL &&
                (c->u.map.vals[i] = tf_value_copy(a, v->u.map.vals[i])) == NULL)
                return NULL;
        }
        return c;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
    case TF_OBJECT:
        if ((c = new_value(a, v->type, v->state)) == NULL)
            return NULL;
        c->u.coll.n = v->u.coll.n;
        c->u.coll.items = alloc_array(a, v->u.coll.n, sizeof(*c->u.coll.items));
        if (c->u.coll.items == NULL)
            return NULL;
        for (size_t i = 0; i < v->u.coll.n; i++) {
            if (v->u.coll.items[i] != NULL &&
                (c->u.coll.items[i] = tf_value_copy(a, v->u.coll.items[i])) == NULL)
                return NULL;
        }
        return c;
    }
    return NULL;
}

/* ---- Access ---------------------------------------------------------------------------------- */

bool tf_value_contains_unknown(const struct tf_value *v)
{
    if (v == NULL || v->state == TF_VALUE_NULL)
        return false;
    if (v->state == TF_VALUE_UNKNOWN)
        return true;
    switch (v->type->kind) {
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
    case TF_OBJECT:
        for (size_t i = 0; i < v->u.coll.n; i++)
            if (tf_value_contains_unknown(v->u.coll.items[i]))
                return true;
        return false;
    case TF_MAP:
        for (size_t i = 0; i < v->u.map.n; i++)
            if (tf_value_contains_unknown(v->u.map.vals[i]))
                return true;
        return false;
    default:
        return false;
    }
}

static int compare_attrs(const void *x, const void *y)
{
    const struct tf_attr_type *a = x, *b = y;

    return strcmp(a->name, b->name);
}

bool tf_attrs_sort(struct tf_attr_type *attrs, size_t n)
{
    if (n > 1)
        qsort(attrs, n, sizeof(*attrs), compare_attrs);
    for (size_t i = 0; i < n; i++)
        attrs[i].name_len = strlen(attrs[i].name);
    for (size_t i = 1; i < n; i++)
        if (strcmp(attrs[i - 1].name, attrs[i].name) == 0)
            return false;
    return true;
}

int tf_type_attr_find(const struct tf_type *object_type, const char *name, size_t len)
{
    if (object_type == NULL || object_type->kind != TF_OBJECT)
        return -1;
    if (!object_type->attrs_sorted) {
        for (size_t i = 0; i < object_type->n; i++)
            if (tf_attr_cmp(&object_type->attrs[i], name, len) == 0)
                return (int)i;
        return -1;
    }
    size_t lo = 0, hi = object_type->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = tf_attr_cmp(&object_type->attrs[mid], name, len);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int tf_type_attr_index(const struct tf_type *object_type, const char *name)
{
    return tf_type_attr_find(object_type, name, strlen(name));
}

struct tf_value *tf_value_get(const struct tf_value *object, const char *name)
{
    int i;

    if (!tf_value_is_known(object))
        return NULL;
    i = tf_type_attr_index(object->type, name);
    return i < 0 ? NULL : object->u.coll.items[i];
}

int tf_value_set(struct tf_value *object, const char *name, struct tf_value *v)
{
    int i;

    if (!tf_value_is_known(object))
        return -1;
    i = tf_type_attr_index(object->type, name);
    if (i < 0)
        return -1;
    object->u.coll.items[i] = v;
    return 0;
}

struct tf_value *tf_value_map_get(const struct tf_value *map, const char *key)
{
    if (!tf_value_is_known(map) || map->type->kind != TF_MAP)
        return NULL;
    for (size_t i = 0; i < map->u.map.n; i++)
        if (strcmp(map->u.map.keys[i], key) == 0)
            return map->u.map.vals[i];
    return NULL;
}

const char *tf_value_get_str(const struct tf_value *object, const char *name, const char *fallback)
{
    const struct tf_value *v = tf_value_get(object, name);

    return tf_value_is_known(v) && v->type->kind == TF_STRING ? v->u.str : fallback;
}

bool tf_value_get_bool(const struct tf_value *object, const char *name, bool fallback)
{
    const struct tf_value *v = tf_value_get(object, name);

    return tf_value_is_known(v) && v->type->kind == TF_BOOL ? v->u.b : fallback;
}

int64_t tf_value_get_int(const struct tf_value *object, const char *name, int64_t fallback)
{
    int64_t i;

    return tf_value_as_int(tf_value_get(object, name), &i) == 0 ? i : fallback;
}

/* ---- Numbers --------------------------------------------------------------------------------- */

/* A number reduced to (-1)^neg * 0.DIGITS * 10^exp, DIGITS without leading or trailing zeros;
 * zero has no digits. Digits are read in place from text, skipping the decimal point. */
struct decnum {
    bool neg;
    const char *text; /* significant digits start here (may contain one '.') */
    size_t ndigits;
    int64_t exp;
};

#define EXP_DIGITS_MAX 15

static bool parse_decimal(const char *s, size_t len, struct decnum *out)
{
    size_t i = 0, int_digits = 0, frac_digits = 0, lead = 0, total, last_nz = 0, first_pos = 0;
    int64_t exp = 0;
    bool exp_neg = false, seen_nz = false;

    memset(out, 0, sizeof(*out));
    if (i < len && (s[i] == '+' || s[i] == '-'))
        out->neg = s[i++] == '-';
    /* Walk the mantissa digits once, remembering the first and last non-zero digit. */
    total = 0;
    for (; i < len && (s[i] >= '0' && s[i] <= '9'); i++, int_digits++) {
        if (s[i] != '0') {
            if (!seen_nz) {
                first_pos = i;
                lead = total;
            }
            seen_nz = true;
            last_nz = total;
        }
        total++;
    }
    if (i < len && s[i] == '.') {
        i++;
        for (; i < len && (s[i] >= '0' && s[i] <= '9'); i++, frac_digits++) {
            if (s[i] != '0') {
                if (!seen_nz) {
                    first_pos = i;
                    lead = total;
                }
                seen_nz = true;
                last_nz = total;
            }
            total++;
        }
    }
    if (int_digits + frac_digits == 0)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            exp_neg = s[i++] == '-';
        for (; i < len && (s[i] >= '0' && s[i] <= '9'); i++, exp_digits++) {
            if (exp_digits >= EXP_DIGITS_MAX)
                return false;
            exp = exp * 10 + (s[i] - '0');
        }
        if (exp_digits == 0)
            return false;
    }
    if (i != len)
        return false;
    if (!seen_nz)
        return true; /* zero: no digits, sign ignored */
    out->text = s + first_pos;
    out->ndigits = last_nz - lead + 1;
    /* value = D * 10^(exp - frac_digits) with D the whole digit string; normalising to 0.DIGITS
     * moves the point to just before the first significant digit. */
    out->exp = (exp_neg ? -exp : exp) + (int64_t)int_digits - (int64_t)lead;
    return true;
}

bool tf_value__number_text_valid(const char *s, size_t len)
{
    struct decnum d;

    return parse_decimal(s, len, &d);
}

/* The text of a number for parse_decimal: decimal text as is, int64 and float64 printed. A float64
 * prints with the fewest digits that read back to the same double, as Terraform would show it. */
static const char *number_text(const struct tf_value *v, char *buf, size_t size)
{
    switch (v->u.num.repr) {
    case TF_NUM_INT:
        snprintf(buf, size, "%" PRId64, v->u.num.i);
        return buf;
    case TF_NUM_FLOAT:
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, size, "%.*g", prec, v->u.num.f);
            if (strtod(buf, NULL) == v->u.num.f)
                break;
        }
        return buf;
    case TF_NUM_DECIMAL:
        return v->u.num.dec;
    }
    return "";
}

static int digit_at(const struct decnum *d, size_t k)
{
    const char *p = d->text;

    /* The digits may straddle the decimal point: skip it. */
    for (size_t seen = 0;; p++) {
        if (*p == '.')
            continue;
        if (seen++ == k)
            return *p - '0';
    }
}

static bool numbers_equal(const struct tf_value *a, const struct tf_value *b)
{
    char ba[64], bb[64];
    const char *ta, *tb;
    struct decnum da, db;

    if (a->u.num.repr == TF_NUM_INT && b->u.num.repr == TF_NUM_INT)
        return a->u.num.i == b->u.num.i;
    if (a->u.num.repr == TF_NUM_FLOAT && b->u.num.repr == TF_NUM_FLOAT)
        return a->u.num.f == b->u.num.f;
    if ((a->u.num.repr == TF_NUM_FLOAT && isinf(a->u.num.f)) ||
        (b->u.num.repr == TF_NUM_FLOAT && isinf(b->u.num.f)))
        return a->u.num.repr == b->u.num.repr && a->u.num.f == b->u.num.f;
    ta = number_text(a, ba, sizeof(ba));
    tb = number_text(b, bb, sizeof(bb));
    if (!parse_decimal(ta, strlen(ta), &da) || !parse_decimal(tb, strlen(tb), &db))
        return strcmp(ta, tb) == 0;
    if (da.ndigits == 0 || db.ndigits == 0)
        return da.ndigits == db.ndigits;
    if (da.neg != db.neg || da.exp != db.exp || da.ndigits != db.ndigits)
        return false;
    for (size_t k = 0; k < da.ndigits; k++)
        if (digit_at(&da, k) != digit_at(&db, k))
            return false;
    return true;
}

int tf_value_as_int(const struct tf_value *v, int64_t *out)
{
    struct decnum d;
    uint64_t mag = 0;
    const char *text;

    if (!tf_value_is_known(v) || v->type->kind != TF_NUMBER)
        return -1;
    switch (v->u.num.repr) {
    case TF_NUM_INT:
        *out = v->u.num.i;
        return 0;
    case TF_NUM_FLOAT:
        /* -2^63 is exact as a double; 2^63 is the first value out of range. */
        if (!isfinite(v->u.num.f) || v->u.num.f != trunc(v->u.num.f) ||
            v->u.num.f < -9223372036854775808.0 || v->u.num.f >= 9223372036854775808.0)
            return -1;
        *out = (int64_t)v->u.num.f;
        return 0;
    case TF_NUM_DECIMAL:
        text = v->u.num.dec;
        if (!parse_decimal(text, strlen(text), &d))
            return -1;
        if (d.ndigits == 0) {
            *out = 0;
            return 0;
        }
        /* Integral when every significant digit sits left of the point; at most 19 digits fit. */
        if (d.exp < (int64_t)d.ndigits || d.exp > 19)
            return -1;
        for (int64_t k = 0; k < d.exp; k++) {
            int digit = (size_t)k < d.ndigits ? digit_at(&d, (size_t)k) : 0;
            if (mag > (UINT64_MAX - (uint64_t)digit) / 10)
                return -1;
            mag = mag * 10 + (uint64_t)digit;
        }
        if (d.neg ? mag > (uint64_t)INT64_MAX + 1 : mag > (uint64_t)INT64_MAX)
            return -1;
        *out = d.neg ? (int64_t)(0 - mag) : (int64_t)mag;
        return 0;
    }
    return -1;
}

/* ---- Equality -------------------------------------------------------------------------------- */

static bool is_empty_block_collection(const struct tf_value *v)
{
    if (!tf_value_is_known(v) || !v->type->block_collection)
        return false;
    return v->type->kind == TF_MAP ? v->u.map.n == 0 : v->u.coll.n == 0;
}

static bool set_contains(const struct tf_value *set, const struct tf_value *item)
{
    for (size_t i = 0; i < set->u.coll.n; i++)
        if (tf_value_equal(set->u.coll.items[i], item))
            return true;
    return false;
}

bool tf_value_equal(const struct tf_value *a, const struct tf_value *b)
{
    bool a_null = tf_value_is_null(a), b_null = tf_value_is_null(b);

    /* A null block collection is written as an empty one, so the two mean the same. */
    if (a_null || b_null)
        return (a_null && b_null) || (a_null && is_empty_block_collection(b)) ||
               (b_null && is_empty_block_collection(a));
    if (a->state != b->state)
        return false;
    if (a->state == TF_VALUE_UNKNOWN)
        return true;
    if (a->type->kind != b->type->kind)
        return false;
    switch (a->type->kind) {
    case TF_STRING:
        return strcmp(a->u.str, b->u.str) == 0;
    case TF_BOOL:
        return a->u.b == b->u.b;
    case TF_NUMBER:
        return numbers_equal(a, b);
    case TF_DYNAMIC:
        return true;
    case TF_OBJECT:
        if (a->type != b->type && !tf_type_equal(a->type, b->type))
            return false;
        /* fall through */
    case TF_LIST:
    case TF_TUPLE:
        if (a->u.coll.n != b->u.coll.n)
            return false;
        for (size_t i = 0; i < a->u.coll.n; i++)
            if (!tf_value_equal(a->u.coll.items[i], b->u.coll.items[i]))
                return false;
        return true;
    case TF_SET:
        /* Quadratic, which is fine at the sizes of a resource's sets. */
        if (a->u.coll.n != b->u.coll.n)
            return false;
        for (size_t i = 0; i < a->u.coll.n; i++)
            if (!set_contains(b, a->u.coll.items[i]) || !set_contains(a, b->u.coll.items[i]))
                return false;
        return true;
    case TF_MAP:
        if (a->u.map.n != b->u.map.n)
            return false;
        for (size_t i = 0; i < a->u.map.n; i++)
            if (strcmp(a->u.map.keys[i], b->u.map.keys[i]) != 0 ||
                !tf_value_equal(a->u.map.vals[i], b->u.map.vals[i]))
                return false;
        return true;
    }
    return false;
}

bool tf_type_equal(const struct tf_type *a, const struct tf_type *b)
{
    if (a == b)
        return true;
    if (a == NULL || b == NULL || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        return tf_type_equal(a->elem, b->elem);
    case TF_OBJECT:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->attrs[i].name, b->attrs[i].name) != 0 ||
                !tf_type_equal(a->attrs[i].type, b->attrs[i].type))
                return false;
        return true;
    case TF_TUPLE:
        if (a->n != b->n)
            return false;
        for (size_t i = 0; i < a->n; i++)
            if (!tf_type_equal(a->elems[i], b->elems[i]))
                return false;
        return true;
    default:
        return true;
    }
}
