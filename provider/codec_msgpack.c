/*
 * codec_msgpack.c - DynamicValue msgpack <-> value tree (codec.h), plus the error helpers the other
 * codec files share (codec_internal.h).
 *
 * Decoding runs in three steps:
 * 1. check_bounds walks the msgpack headers only (no values are built) and proves that every
 * declared array, map, string, binary and extension length fits in the bytes that follow, that
 * containers nest at most TF_CODEC_MAX_DEPTH deep and that nothing trails the value. msgpack-c
 * allocates count * sizeof(msgpack_object) as soon as it reads an array or map header: five bytes
 * claiming 2^28 elements made it call malloc(8589934600) (measured with msgpack-c 4.0.0). After the
 * check its zone holds at most a few dozen bytes per input byte.
 * 2. msgpack-c (msgpack_unpack_next) parses the bytes into a msgpack_object tree. Its unpacker is
 *    iterative with a fixed stack of 32 containers, which is why TF_CODEC_MAX_DEPTH is 32.
 * 3. decode walks that tree against the expected type, building tf_values in the caller's arena and
 *    keeping a trail of the place being read (codec_internal.h), which becomes err->path when an
 *    error stops the walk, so the path points at the culprit.
 *
 * Encoding walks the value alongside the type it is written as (the schema type), because only the
 * type says where `dynamic` wrappers and empty-for-null block collections belong.
 */
#include <inttypes.h>
#include <math.h>
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_internal.h"

/* ---- Shared error helpers -------------------------------------------------------------------- */

int tf_codec__fail(struct tf_codec_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return TF_CODEC_ERR;
}

int tf_codec__nomem(struct tf_codec_error *err)
{
    snprintf(err->message, sizeof(err->message),
             "the value is too large: the provider's memory limit for one request was reached");
    return TF_CODEC_NOMEM;
}

const char *tf_codec__kind_name(enum tf_kind kind)
{
    switch (kind) {
    case TF_STRING:
        return "a string";
    case TF_NUMBER:
        return "a number";
    case TF_BOOL:
        return "a bool";
    case TF_LIST:
        return "a list";
    case TF_SET:
        return "a set";
    case TF_MAP:
        return "a map";
    case TF_OBJECT:
        return "an object";
    case TF_TUPLE:
        return "a tuple";
    case TF_DYNAMIC:
        return "a value of any type";
    }
    return "a value";
}

/* Length of the UTF-8 sequence starting at s (at most n bytes available), or 0 when invalid:
 * overlong forms, surrogates and code points past U+10FFFF are rejected as RFC 3629 says. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* What stands for the input unit at s (n > 0 bytes left) in an excerpt: writes it to rep (at most
 * 4 bytes, not NUL-terminated), sets *rep_len, and returns how many input bytes it covers. */
static size_t excerpt_unit(const unsigned char *s, size_t n, char rep[4], size_t *rep_len)
{
    static const char hex[] = "0123456789abcdef";
    size_t step = utf8_sequence(s, n);

    if (step == 0) {
        memcpy(rep, "\xef\xbf\xbd", 3);
        *rep_len = 3;
        return 1;
    }
    if (s[0] < 0x20 || s[0] == 0x7f) {
        rep[0] = '\\';
        rep[1] = s[0] == '\n' ? 'n' : s[0] == '\r' ? 'r' : s[0] == '\t' ? 't' : 'x';
        *rep_len = 2;
        if (rep[1] == 'x') {
            rep[2] = hex[s[0] >> 4];
            rep[3] = hex[s[0] & 0xf];
            *rep_len = 4;
        }
        return 1;
    }
    memcpy(rep, s, step);
    *rep_len = step;
    return step;
}

const char *tf_codec__excerpt(char buf[TF_CODEC_EXCERPT_SIZE], const char *s, size_t len)
{
    static const char ellipsis[] = "...";
    const unsigned char *u = (const unsigned char *)s;
    size_t full = 0, limit, out = 0;
    char rep[4];
    size_t rep_len;

    for (size_t i = 0; i < len;) {
        i += excerpt_unit(u + i, len - i, rep, &rep_len);
        full += rep_len;
    }
    /* Cut only when the whole text cannot fit, and then keep room for the ellipsis. */
    limit = full < TF_CODEC_EXCERPT_SIZE ? full : TF_CODEC_EXCERPT_SIZE - sizeof(ellipsis);
    for (size_t i = 0; i < len;) {
        size_t step = excerpt_unit(u + i, len - i, rep, &rep_len);

        if (out + rep_len > limit)
            break;
        memcpy(buf + out, rep, rep_len);
        out += rep_len;
        i += step;
    }
    if (full > limit) {
        memcpy(buf + out, ellipsis, sizeof(ellipsis));
        return buf;
    }
    buf[out] = '\0';
    return buf;
}

size_t tf_codec__utf8_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, step;

    while (i < len && (step = utf8_sequence(u + i, len - i)) != 0)
        i += step;
    return i;
}

int tf_codec__check_text(const char *s, size_t len, struct tf_codec_error *err)
{
    size_t ascii = 0, valid;

    /* Most text is ASCII without NUL bytes, which this one cheap pass accepts. */
    while (ascii < len && (unsigned char)s[ascii] - 1u < 0x7fu)
        ascii++;
    if (ascii == len)
        return TF_CODEC_OK;
    valid = ascii + tf_codec__utf8_prefix(s + ascii, len - ascii);

    if (valid > 0 && memchr(s, '\0', valid) != NULL)
        return tf_codec__fail(err, "a string contains a NUL character, which is not allowed");
    if (valid != len)
        return tf_codec__fail(err, "a string is not valid UTF-8 (bad byte at offset %zu)", valid);
    return TF_CODEC_OK;
}

void tf_codec__trail_path(const struct tf_codec_trail *t, struct tf_path *path)
{
    size_t kept = t->n < TF_PATH_MAX_STEPS ? t->n : TF_PATH_MAX_STEPS;

    path->n = 0;
    for (size_t i = 0; i < kept; i++) {
        switch (t->steps[i].kind) {
        case TF_STEP_ATTR:
            tf_path_push_attr(path, t->steps[i].name);
            break;
        case TF_STEP_KEY:
            tf_path_push_key(path, t->steps[i].name);
            break;
        case TF_STEP_INDEX:
            tf_path_push_index(path, t->steps[i].index);
            break;
        }
    }
}

/* ---- Step 1: bounds -------------------------------------------------------------------------- */

static uint64_t read_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static int check_bounds(const uint8_t *buf, size_t len, struct tf_codec_error *err)
{
    /* pending[d]: elements still to read in the container open at depth d (0: the top value). */
    uint64_t pending[TF_CODEC_MAX_DEPTH + 1];
    size_t depth = 0, off = 0;

    pending[0] = 1;
    while (depth > 0 || pending[0] > 0) {
        uint8_t b;
        size_t len_bytes = 0, ext = 0;
        uint64_t skip = 0, count = 0;
        int container = 0; /* 1: array (count elements), 2: map (count pairs) */

        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        pending[depth]--;
        if (off >= len)
            return tf_codec__fail(err, "malformed msgpack: the value ends early");
        b = buf[off++];
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, nil, bool: the byte is the whole value */
        } else if (b <= 0x8f) {
            container = 2;
            count = b & 0x0f;
        } else if (b <= 0x9f) {
            container = 1;
            count = b & 0x0f;
        } else if (b <= 0xbf) {
            skip = b & 0x1f;
        } else {
            switch (b) {
            case 0xc4: /* bin 8/16/32, str 8/16/32 */
            case 0xd9:
                len_bytes = 1;
                break;
            case 0xc5:
            case 0xda:
                len_bytes = 2;
                break;
            case 0xc6:
            case 0xdb:
                len_bytes = 4;
                break;
            case 0xc7: /* ext 8/16/32: length, then a type byte, then the payload */
            case 0xc8:
            case 0xc9:
                len_bytes = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4;
                ext = 1;
                break;
            case 0xca:
                skip = 4;
                break;
            case 0xcb:
                skip = 8;
                break;
            case 0xcc: /* uint 8..64, int 8..64 */
            case 0xd0:
                skip = 1;
                break;
            case 0xcd:
            case 0xd1:
                skip = 2;
                break;
            case 0xce:
            case 0xd2:
                skip = 4;
                break;
            case 0xcf:
            case 0xd3:
                skip = 8;
                break;
            case 0xd4: /* fixext 1..16: type byte + payload */
                skip = 2;
                break;
            case 0xd5:
                skip = 3;
                break;
            case 0xd6:
                skip = 5;
                break;
            case 0xd7:
                skip = 9;
                break;
            case 0xd8:
                skip = 17;
                break;
            case 0xdc:
            case 0xde:
                len_bytes = 2;
                container = b == 0xdc ? 1 : 2;
                break;
            case 0xdd:
            case 0xdf:
                len_bytes = 4;
                container = b == 0xdd ? 1 : 2;
                break;
            default:
                return tf_codec__fail(err, "malformed msgpack: invalid byte 0x%02x at offset %zu",
                                      b, off - 1);
            }
        }
        if (len_bytes > 0) {
            if (len - off < len_bytes)
                return tf_codec__fail(err, "malformed msgpack: the value ends early");
            if (container)
                count = read_be(buf + off, len_bytes);
            else
                skip = read_be(buf + off, len_bytes) + ext;
            off += len_bytes;
        }
        if (container) {
            uint64_t items = container == 2 ? count * 2 : count;
            /* Every element takes at least one byte. */
            if (items > len - off)
                return tf_codec__fail(err,
                                      "malformed msgpack: a %s claims %" PRIu64
                                      " elements but only %zu bytes follow",
                                      container == 2 ? "map" : "array", count, len - off);
            if (depth == TF_CODEC_MAX_DEPTH)
                return tf_codec__fail(err, "the value is nested more than %d levels deep",
                                      TF_CODEC_MAX_DEPTH);
            pending[++depth] = items;
        } else {
            if (skip > len - off)
                return tf_codec__fail(err, "malformed msgpack: the value ends early");
            off += (size_t)skip;
        }
    }
    if (off != len)
        return tf_codec__fail(err, "malformed msgpack: %zu unexpected bytes after the value",
                              len - off);
    return TF_CODEC_OK;
}

/* ---- Step 3: typed decode -------------------------------------------------------------------- */

struct dec {
    struct tf_arena *a;
    struct tf_codec_error *err;
    struct tf_codec_trail trail;
};

static const char *got_name(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_BOOLEAN:
        return "a bool";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return "a number";
    case MSGPACK_OBJECT_STR:
        return "a string";
    case MSGPACK_OBJECT_BIN:
        return "binary data";
    case MSGPACK_OBJECT_ARRAY:
        return "an array";
    case MSGPACK_OBJECT_MAP:
        return "a map";
    default:
        return "something else";
    }
}

static int mismatch(struct dec *d, const struct tf_type *t, const msgpack_object *o)
{
    return tf_codec__fail(d->err, "expected %s, got %s", tf_codec__kind_name(t->kind), got_name(o));
}

static int new_or_nomem(struct dec *d, struct tf_value **out, struct tf_value *v)
{
    if (v == NULL)
        return tf_codec__nomem(d->err);
    *out = v;
    return TF_CODEC_OK;
}

/* The bytes of a str or bin object (Terraform's own decoder accepts both as text). */
static void text_bytes(const msgpack_object *o, const char **p, size_t *n)
{
    *p = o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : o->via.bin.ptr;
    *n = o->type == MSGPACK_OBJECT_STR ? o->via.str.size : o->via.bin.size;
}

/* A string from str or bin bytes, checked and copied NUL-terminated. */
static int text_of(struct dec *d, const msgpack_object *o, const char **out)
{
    const char *p;
    size_t n;
    int rc;

    text_bytes(o, &p, &n);
    rc = tf_codec__check_text(p, n, d->err);

    if (rc != TF_CODEC_OK)
        return rc;
    *out = tf_arena_strndup(d->a, p, n);
    return *out != NULL ? TF_CODEC_OK : tf_codec__nomem(d->err);
}

static bool is_text(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_STR || o->type == MSGPACK_OBJECT_BIN;
}

static int decode(struct dec *d, const msgpack_object *o, const struct tf_type *t,
                  struct tf_value **out);

static int decode_number(struct dec *d, const msgpack_object *o, struct tf_value **out)
{
    struct tf_value *v;
    const char *text;
    int rc;

    switch (o->type) {
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return new_or_nomem(d, out, tf_value_int(d->a, o->via.i64));
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 <= INT64_MAX)
            return new_or_nomem(d, out, tf_value_int(d->a, (int64_t)o->via.u64));
        v = tf_value_int(d->a, 0);
        if (v == NULL)
            return tf_codec__nomem(d->err);
        v->u.num.repr = TF_NUM_DECIMAL;
        v->u.num.dec = tf_arena_sprintf(d->a, "%" PRIu64, o->via.u64);
        return new_or_nomem(d, out, v->u.num.dec != NULL ? v : NULL);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        if (isnan(o->via.f64))
            return tf_codec__fail(d->err, "expected a number, got NaN");
        return new_or_nomem(d, out, tf_value_float(d->a, o->via.f64));
    case MSGPACK_OBJECT_STR:
        /* Terraform writes numbers that fit neither int64 nor float64 as their decimal text. */
        if (!tf_value__number_text_valid(o->via.str.ptr, o->via.str.size))
            return tf_codec__fail(d->err, "expected a number, got a string that is not a number");
        rc = text_of(d, o, &text);
        if (rc != TF_CODEC_OK)
            return rc;
        v = tf_value_int(d->a, 0);
        if (v == NULL)
            return tf_codec__nomem(d->err);
        v->u.num.repr = TF_NUM_DECIMAL;
        v->u.num.dec = text;
        *out = v;
        return TF_CODEC_OK;
    default:
        return tf_codec__fail(d->err, "expected a number, got %s", got_name(o));
    }
}

static int decode_items(struct dec *d, const msgpack_object *o, const struct tf_type *t,
                        struct tf_value **out)
{
    const msgpack_object_array *arr = &o->via.array;
    struct tf_value *v;
    int rc;

    if (t->kind == TF_TUPLE && arr->size != t->n)
        return tf_codec__fail(d->err, "expected a tuple of %zu elements, got %" PRIu32, t->n,
                              arr->size);
    v = tf_value_collection(d->a, t, arr->size);
    if (v == NULL)
        return tf_codec__nomem(d->err);
    for (uint32_t i = 0; i < arr->size; i++) {
        tf_codec__trail_push(&d->trail, TF_STEP_INDEX, NULL, i);
        rc = decode(d, &arr->ptr[i], t->kind == TF_TUPLE ? t->elems[i] : t->elem,
                    &v->u.coll.items[i]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_pop(&d->trail);
    }
    *out = v;
    return TF_CODEC_OK;
}

static int decode_map(struct dec *d, const msgpack_object *o, const struct tf_type *t,
                      struct tf_value **out)
{
    const msgpack_object_map *m = &o->via.map;
    struct tf_value *v = tf_value_map(d->a, t, m->size);
    char quoted[TF_CODEC_EXCERPT_SIZE];
    int rc;

    if (v == NULL)
        return tf_codec__nomem(d->err);
    for (uint32_t i = 0; i < m->size; i++) {
        if (!is_text(&m->ptr[i].key))
            return tf_codec__fail(d->err, "a map key must be a string, got %s",
                                  got_name(&m->ptr[i].key));
        rc = text_of(d, &m->ptr[i].key, &v->u.map.keys[i]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_push(&d->trail, TF_STEP_KEY, v->u.map.keys[i], 0);
        rc = decode(d, &m->ptr[i].val, t->elem, &v->u.map.vals[i]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_pop(&d->trail);
    }
    tf_value_map_sort(v);
    for (size_t i = 1; i < v->u.map.n; i++) {
        if (strcmp(v->u.map.keys[i - 1], v->u.map.keys[i]) == 0) {
            tf_codec__trail_push(&d->trail, TF_STEP_KEY, v->u.map.keys[i], 0);
            return tf_codec__fail(
                d->err, "the map key \"%s\" appears twice",
                tf_codec__excerpt(quoted, v->u.map.keys[i], strlen(v->u.map.keys[i])));
        }
    }
    *out = v;
    return TF_CODEC_OK;
}

/* Whether attribute a is named by the len bytes of key (lengths first: the cheap way out). */
static bool attr_is(const struct tf_attr_type *a, const char *key, size_t len)
{
    if (a->name_len != 0 && a->name_len != len)
        return false;
    return tf_attr_cmp(a, key, len) == 0;
}

static int decode_object(struct dec *d, const msgpack_object *o, const struct tf_type *t,
                         struct tf_value **out)
{
    const msgpack_object_map *m = &o->via.map;
    struct tf_value *v = tf_value_collection(d->a, t, t->n);
    char quoted[TF_CODEC_EXCERPT_SIZE];
    /* Terraform writes an object's keys in the type's own (sorted) order, so the attribute after
     * the previous key is tried first. */
    size_t next = 0;
    int rc;

    if (v == NULL)
        return tf_codec__nomem(d->err);
    for (uint32_t i = 0; i < m->size; i++) {
        const msgpack_object *key = &m->ptr[i].key;
        const char *name;
        size_t len;
        int idx;

        if (!is_text(key))
            return tf_codec__fail(d->err, "an object key must be a string, got %s", got_name(key));
        /* Compared as bytes: a key equal to an attribute name is valid text, any other is an
         * error whose excerpt copes with whatever bytes it holds. */
        text_bytes(key, &name, &len);
        if (next < t->n && attr_is(&t->attrs[next], name, len))
            idx = (int)next;
        else
            idx = tf_type_attr_find(t, name, len);
        if (idx < 0)
            return tf_codec__fail(d->err, "unexpected attribute \"%s\"",
                                  tf_codec__excerpt(quoted, name, len));
        next = (size_t)idx + 1;
        tf_codec__trail_push(&d->trail, TF_STEP_ATTR, t->attrs[idx].name, 0);
        if (v->u.coll.items[idx] != NULL)
            return tf_codec__fail(d->err, "the attribute \"%.64s\" appears twice",
                                  t->attrs[idx].name);
        rc = decode(d, &m->ptr[i].val, t->attrs[idx].type, &v->u.coll.items[idx]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_pop(&d->trail);
    }
    for (size_t i = 0; i < t->n; i++) {
        if (v->u.coll.items[i] == NULL) {
            tf_codec__trail_push(&d->trail, TF_STEP_ATTR, t->attrs[i].name, 0);
            return tf_codec__fail(d->err, "the attribute \"%.64s\" is missing", t->attrs[i].name);
        }
    }
    *out = v;
    return TF_CODEC_OK;
}

static int decode_dynamic(struct dec *d, const msgpack_object *o, struct tf_value **out)
{
    const msgpack_object *pair = o->via.array.ptr;
    const struct tf_type *concrete;
    const char *type_text;
    size_t type_len;
    int rc;

    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 || !is_text(&pair[0]))
        return tf_codec__fail(d->err, "expected a [type, value] pair for a dynamic value, got %s",
                              got_name(o));
    type_text = pair[0].type == MSGPACK_OBJECT_STR ? pair[0].via.str.ptr : pair[0].via.bin.ptr;
    type_len = pair[0].type == MSGPACK_OBJECT_STR ? pair[0].via.str.size : pair[0].via.bin.size;
    rc = tf_codec__check_text(type_text, type_len, d->err);
    if (rc == TF_CODEC_OK)
        rc = tf_type__from_json(&concrete, d->a, type_text, type_len, d->err);
    if (rc != TF_CODEC_OK)
        return rc;
    if (concrete->kind == TF_DYNAMIC)
        return tf_codec__fail(d->err, "a dynamic value's type cannot itself be \"dynamic\"");
    return decode(d, &pair[1], concrete, out);
}

static int decode(struct dec *d, const msgpack_object *o, const struct tf_type *t,
                  struct tf_value **out)
{
    struct tf_value *v;
    const char *text;
    int rc;

    if (o->type == MSGPACK_OBJECT_NIL) {
        v = tf_value_shared(t, TF_VALUE_NULL);
        return new_or_nomem(d, out, v != NULL ? v : tf_value_null(d->a, t));
    }
    /* Extension 0 is Terraform's unknown, 12 a refined unknown; any extension means unknown. */
    if (o->type == MSGPACK_OBJECT_EXT) {
        v = tf_value_shared(t, TF_VALUE_UNKNOWN);
        return new_or_nomem(d, out, v != NULL ? v : tf_value_unknown(d->a, t));
    }
    switch (t->kind) {
    case TF_STRING:
        if (!is_text(o))
            return mismatch(d, t, o);
        rc = text_of(d, o, &text);
        if (rc != TF_CODEC_OK)
            return rc;
        v = tf_value_null(d->a, t);
        if (v == NULL)
            return tf_codec__nomem(d->err);
        v->state = TF_VALUE_KNOWN;
        v->u.str = text;
        *out = v;
        return TF_CODEC_OK;
    case TF_NUMBER:
        rc = decode_number(d, o, out);
        if (rc == TF_CODEC_OK)
            (*out)->type = t;
        return rc;
    case TF_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            return mismatch(d, t, o);
        rc = new_or_nomem(d, out, tf_value_bool(d->a, o->via.boolean));
        if (rc == TF_CODEC_OK)
            (*out)->type = t;
        return rc;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        if (o->type != MSGPACK_OBJECT_ARRAY)
            return mismatch(d, t, o);
        return decode_items(d, o, t, out);
    case TF_MAP:
        if (o->type != MSGPACK_OBJECT_MAP)
            return mismatch(d, t, o);
        return decode_map(d, o, t, out);
    case TF_OBJECT:
        if (o->type != MSGPACK_OBJECT_MAP)
            return mismatch(d, t, o);
        return decode_object(d, o, t, out);
    case TF_DYNAMIC:
        return decode_dynamic(d, o, out);
    }
    return tf_codec__fail(d->err, "the schema has a type the provider cannot read");
}

int tf_codec_decode_msgpack(struct tf_value **out, struct tf_arena *a, const struct tf_type *type,
                            const uint8_t *buf, size_t len, struct tf_codec_error *err)
{
    struct tf_codec_error scratch;
    struct dec d;
    msgpack_unpacked unpacked;
    size_t off = 0;
    int rc;

    /* Not an initializer: that would zero the whole trail, where only its length matters. */
    d.a = a;
    d.err = err = err != NULL ? err : &scratch;
    d.trail.n = 0;
    tf_codec__error_reset(err);
    if (len == 0)
        return new_or_nomem(&d, out, tf_value_null(a, type));
    rc = check_bounds(buf, len, err);
    if (rc != TF_CODEC_OK)
        return rc;
    msgpack_unpacked_init(&unpacked);
    switch (msgpack_unpack_next(&unpacked, (const char *)buf, len, &off)) {
    case MSGPACK_UNPACK_SUCCESS:
        rc = decode(&d, &unpacked.data, type, out);
        break;
    case MSGPACK_UNPACK_NOMEM_ERROR:
        rc = tf_codec__nomem(err);
        break;
    default:
        rc = tf_codec__fail(err, "malformed msgpack");
        break;
    }
    if (rc != TF_CODEC_OK)
        tf_codec__trail_path(&d.trail, &err->path);
    msgpack_unpacked_destroy(&unpacked);
    return rc;
}

/* ---- Encoding -------------------------------------------------------------------------------- */

/* Where msgpack-c's packer writes: arena memory that doubles when full. tf_arena_grow extends it
 * where it lies when it can, so a large value costs the arena about its own size, not the sum of
 * every buffer it outgrew. */
struct out_buf {
    struct tf_arena *a;
    uint8_t *data;
    size_t len, cap;
};

#define OUT_BUF_FIRST 1024

/* Gives o room for len more bytes; false when the arena refuses. */
static bool out_buf_grow(struct out_buf *o, size_t len)
{
    size_t cap = o->cap > 0 ? o->cap : OUT_BUF_FIRST;
    uint8_t *grown;

    while (cap - o->len < len) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    grown = tf_arena_grow(o->a, o->data, o->cap, cap);
    if (grown == NULL)
        return false;
    o->data = grown;
    o->cap = cap;
    return true;
}

/* The next len bytes of o, for the caller to fill; NULL when the arena refuses to grow it. */
static inline uint8_t *out_buf_reserve(struct out_buf *o, size_t len)
{
    if (len > o->cap - o->len && !out_buf_grow(o, len))
        return NULL;
    o->len += len;
    return o->data + o->len - len;
}

static int out_buf_write(void *data, const char *buf, size_t len)
{
    uint8_t *p = out_buf_reserve(data, len);

    if (p == NULL)
        return -1;
    /* Most of the packer's writes are one byte (nil, bool, small ints, container headers). */
    if (len == 1)
        *p = (uint8_t)*buf;
    else
        memcpy(p, buf, len);
    return 0;
}

struct enc {
    msgpack_packer pk; /* writes to out */
    struct out_buf *out;
    struct tf_codec_error *err;
    struct tf_codec_trail trail;
    int pack_failed; /* msgpack-c reports a failed buffer append by a non-zero return */
};

static void pack_text(struct enc *e, const char *s, size_t n)
{
    uint8_t *p;

    if (n > 31) {
        e->pack_failed |= msgpack_pack_str(&e->pk, n);
        e->pack_failed |= msgpack_pack_str_body(&e->pk, s, n);
        return;
    }
    /* A fixstr (every attribute name, most values) goes out in one piece, header byte 0xa0 | n
     * and then the bytes, where the packer would make two writes. */
    p = out_buf_reserve(e->out, n + 1);
    if (p == NULL) {
        e->pack_failed = 1;
        return;
    }
    p[0] = (uint8_t)(0xa0 | n);
    memcpy(p + 1, s, n);
}

/* The commonest tokens are a byte or three (msgpack spec: nil c0, false c2, true c3, fixmap
 * 80|n, fixarray 90|n, and Terraform's unknown d4 00 00) and go straight into the buffer, where
 * the packer would call its write callback for each; longer forms are left to the packer. */
static void put_token(struct enc *e, const uint8_t *bytes, size_t n)
{
    e->pack_failed |= out_buf_write(e->out, (const char *)bytes, n);
}

static void pack_byte(struct enc *e, uint8_t b)
{
    put_token(e, &b, 1);
}

static void pack_map_header(struct enc *e, size_t n)
{
    if (n < 16)
        pack_byte(e, (uint8_t)(0x80 | n));
    else
        e->pack_failed |= msgpack_pack_map(&e->pk, n);
}

static void pack_array_header(struct enc *e, size_t n)
{
    if (n < 16)
        pack_byte(e, (uint8_t)(0x90 | n));
    else
        e->pack_failed |= msgpack_pack_array(&e->pk, n);
}

static int encode(struct enc *e, const struct tf_value *v, const struct tf_type *t);

static int encode_dynamic(struct enc *e, const struct tf_value *v)
{
    char *json = tf_type_to_json(v->type);

    if (json == NULL)
        return tf_codec__nomem(e->err);
    pack_array_header(e, 2);
    pack_text(e, json, strlen(json));
    free(json);
    return encode(e, v, v->type);
}

static int encode_known(struct enc *e, const struct tf_value *v, const struct tf_type *t)
{
    const struct tf_type *elem;
    int rc;

    switch (t->kind) {
    case TF_STRING:
        pack_text(e, v->u.str, strlen(v->u.str));
        return TF_CODEC_OK;
    case TF_BOOL:
        pack_byte(e, v->u.b ? 0xc3 : 0xc2);
        return TF_CODEC_OK;
    case TF_NUMBER:
        if (v->u.num.repr == TF_NUM_INT)
            e->pack_failed |= msgpack_pack_int64(&e->pk, v->u.num.i);
        else if (v->u.num.repr == TF_NUM_FLOAT)
            e->pack_failed |= msgpack_pack_double(&e->pk, v->u.num.f);
        else
            pack_text(e, v->u.num.dec, strlen(v->u.num.dec));
        return TF_CODEC_OK;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        if (t->kind == TF_TUPLE && v->u.coll.n != t->n)
            return tf_codec__fail(e->err, "a tuple has %zu elements where its type has %zu",
                                  v->u.coll.n, t->n);
        pack_array_header(e, v->u.coll.n);
        for (size_t i = 0; i < v->u.coll.n; i++) {
            elem = t->kind == TF_TUPLE ? t->elems[i] : t->elem;
            tf_codec__trail_push(&e->trail, TF_STEP_INDEX, NULL, (int64_t)i);
            rc = encode(e, v->u.coll.items[i], elem);
            if (rc != TF_CODEC_OK)
                return rc;
            tf_codec__trail_pop(&e->trail);
        }
        return TF_CODEC_OK;
    case TF_MAP:
        pack_map_header(e, v->u.map.n);
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i > 0 && strcmp(v->u.map.keys[i - 1], v->u.map.keys[i]) >= 0)
                return tf_codec__fail(e->err, "map keys are not sorted and unique (the provider "
                                              "forgot tf_value_map_sort)");
            pack_text(e, v->u.map.keys[i], strlen(v->u.map.keys[i]));
            tf_codec__trail_push(&e->trail, TF_STEP_KEY, v->u.map.keys[i], 0);
            rc = encode(e, v->u.map.vals[i], t->elem);
            if (rc != TF_CODEC_OK)
                return rc;
            tf_codec__trail_pop(&e->trail);
        }
        return TF_CODEC_OK;
    case TF_OBJECT:
        if (v->u.coll.n != t->n)
            return tf_codec__fail(e->err, "an object has %zu attributes where its type has %zu",
                                  v->u.coll.n, t->n);
        pack_map_header(e, t->n);
        for (size_t i = 0; i < t->n; i++) {
            const struct tf_attr_type *a = &t->attrs[i];
            pack_text(e, a->name, a->name_len != 0 ? a->name_len : strlen(a->name));
            tf_codec__trail_push(&e->trail, TF_STEP_ATTR, a->name, 0);
            rc = encode(e, v->u.coll.items[i], a->type);
            if (rc != TF_CODEC_OK)
                return rc;
            tf_codec__trail_pop(&e->trail);
        }
        return TF_CODEC_OK;
    case TF_DYNAMIC:
        break;
    }
    return tf_codec__fail(e->err, "a known value has no concrete type");
}

static int encode(struct enc *e, const struct tf_value *v, const struct tf_type *t)
{
    /* A value at a `dynamic` place carries its real type along, as Terraform's encoder does. */
    if (t->kind == TF_DYNAMIC && v != NULL && v->type->kind != TF_DYNAMIC)
        return encode_dynamic(e, v);
    if (tf_value_is_null(v)) {
        if (!t->block_collection)
            pack_byte(e, 0xc0);
        else if (t->kind == TF_MAP)
            pack_map_header(e, 0);
        else
            pack_array_header(e, 0);
        return TF_CODEC_OK;
    }
    if (v->state == TF_VALUE_UNKNOWN) {
        /* fixext 1, type 0, one zero byte: exactly what Terraform writes. */
        static const uint8_t unknown[] = {0xd4, 0x00, 0x00};
        put_token(e, unknown, sizeof(unknown));
        return TF_CODEC_OK;
    }
    if (v->type->kind != t->kind)
        return tf_codec__fail(e->err, "the provider built %s where the schema wants %s",
                              tf_codec__kind_name(v->type->kind), tf_codec__kind_name(t->kind));
    return encode_known(e, v, t);
}

int tf_codec_encode_msgpack(uint8_t **out, size_t *out_len, struct tf_arena *a,
                            const struct tf_value *v, struct tf_codec_error *err)
{
    struct tf_codec_error scratch;
    struct out_buf buf = {.a = a};
    struct enc e;
    int rc;

    /* Not an initializer: that would zero the whole trail, where only its length matters. */
    e.out = &buf;
    e.err = err = err != NULL ? err : &scratch;
    e.trail.n = 0;
    e.pack_failed = 0;
    tf_codec__error_reset(err);
    msgpack_packer_init(&e.pk, &buf, out_buf_write);
    if (v == NULL)
        pack_byte(&e, 0xc0);
    rc = v == NULL ? TF_CODEC_OK : encode(&e, v, v->type);
    if (rc == TF_CODEC_OK && e.pack_failed)
        rc = tf_codec__nomem(err);
    if (rc != TF_CODEC_OK) {
        tf_codec__trail_path(&e.trail, &err->path);
        return rc;
    }
    *out_len = buf.len;
    *out = buf.data;
    return TF_CODEC_OK;
}
