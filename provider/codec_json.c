/*
 * codec_json.c - JSON text -> value tree (codec.h), for raw state in UpgradeResourceState.
 *
 * json-c parses the text (bounded depth, see tf_codec__parse_json); the walk below reads it as the
 * schema type with the same rules and messages as the msgpack decoder, except what state JSON
 * needs: attributes missing from an object are null, extra ones may be ignored, a `dynamic` value
 * is
 * {"value": V, "type": T} as Terraform writes it, and there are no unknowns.
 *
 * Numbers: integers that fit int64 are TF_NUM_INT, larger unsigned ones decimal text; every other
 * number keeps its exact text as TF_NUM_DECIMAL (json-c keeps the text of non-integers). json-c
 * clamps integers beyond 64 bits to INT64_MIN or UINT64_MAX, so those two values are refused as out
 * of range rather than silently changed.
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "codec.h"
#include "codec_internal.h"

struct jdec {
    struct tf_arena *a;
    struct tf_codec_error *err;
    int ignore_extra;
    struct tf_codec_trail trail;
};

static const char *json_kind_name(struct json_object *j)
{
    switch (json_object_get_type(j)) {
    case json_type_boolean:
        return "a bool";
    case json_type_int:
    case json_type_double:
        return "a number";
    case json_type_string:
        return "a string";
    case json_type_array:
        return "an array";
    case json_type_object:
        return "an object";
    default:
        return "null";
    }
}

static int jmismatch(struct jdec *d, const struct tf_type *t, struct json_object *j)
{
    return tf_codec__fail(d->err, "expected %s, got %s", tf_codec__kind_name(t->kind),
                          json_kind_name(j));
}

static int jdecode(struct jdec *d, struct json_object *j, const struct tf_type *t,
                   struct tf_value **out);

static int jdecode_number(struct jdec *d, struct json_object *j, const struct tf_type *t,
                          struct tf_value **out)
{
    struct tf_value *v = tf_value_int(d->a, 0);
    int64_t i;
    uint64_t u;
    const char *text;

    if (v == NULL)
        return tf_codec__nomem(d->err);
    v->type = t;
    if (json_object_is_type(j, json_type_int)) {
        i = json_object_get_int64(j);
        u = json_object_get_uint64(j);
        if (i == INT64_MIN || u == UINT64_MAX)
            return tf_codec__fail(d->err, "a number is outside the 64-bit range this provider "
                                          "reads from JSON state");
        if (i != INT64_MAX || u == (uint64_t)INT64_MAX) {
            v->u.num.i = i;
        } else {
            v->u.num.repr = TF_NUM_DECIMAL;
            v->u.num.dec = tf_arena_sprintf(d->a, "%" PRIu64, u);
            if (v->u.num.dec == NULL)
                return tf_codec__nomem(d->err);
        }
    } else if (json_object_is_type(j, json_type_double)) {
        text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
        if (text == NULL)
            return tf_codec__nomem(d->err);
        if (!tf_value__number_text_valid(text, strlen(text)))
            return tf_codec__fail(d->err, "expected a number, got \"%.32s\"", text);
        v->u.num.repr = TF_NUM_DECIMAL;
        v->u.num.dec = tf_arena_strdup(d->a, text);
        if (v->u.num.dec == NULL)
            return tf_codec__nomem(d->err);
    } else if (json_object_is_type(j, json_type_string)) {
        /* cty accepts a number written as a JSON string. */
        text = json_object_get_string(j);
        if (!tf_value__number_text_valid(text, (size_t)json_object_get_string_len(j)))
            return tf_codec__fail(d->err, "expected a number, got a string that is not a number");
        v->u.num.repr = TF_NUM_DECIMAL;
        v->u.num.dec = tf_arena_strdup(d->a, text);
        if (v->u.num.dec == NULL)
            return tf_codec__nomem(d->err);
    } else {
        return jmismatch(d, t, j);
    }
    *out = v;
    return TF_CODEC_OK;
}

static int jdecode_items(struct jdec *d, struct json_object *j, const struct tf_type *t,
                         struct tf_value **out)
{
    size_t n = json_object_array_length(j);
    struct tf_value *v;
    int rc;

    if (t->kind == TF_TUPLE && n != t->n)
        return tf_codec__fail(d->err, "expected a tuple of %zu elements, got %zu", t->n, n);
    v = tf_value_collection(d->a, t, n);
    if (v == NULL)
        return tf_codec__nomem(d->err);
    for (size_t i = 0; i < n; i++) {
        tf_codec__trail_push(&d->trail, TF_STEP_INDEX, NULL, (int64_t)i);
        rc = jdecode(d, json_object_array_get_idx(j, i),
                     t->kind == TF_TUPLE ? t->elems[i] : t->elem, &v->u.coll.items[i]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_pop(&d->trail);
    }
    *out = v;
    return TF_CODEC_OK;
}

static int jdecode_map(struct jdec *d, struct json_object *j, const struct tf_type *t,
                       struct tf_value **out)
{
    struct tf_value *v = tf_value_map(d->a, t, (size_t)json_object_object_length(j));
    size_t i = 0;
    int rc;

    if (v == NULL)
        return tf_codec__nomem(d->err);
    json_object_object_foreach(j, key, child)
    {
        rc = tf_codec__check_text(key, strlen(key), d->err);
        if (rc != TF_CODEC_OK)
            return rc;
        v->u.map.keys[i] = tf_arena_strdup(d->a, key);
        if (v->u.map.keys[i] == NULL)
            return tf_codec__nomem(d->err);
        tf_codec__trail_push(&d->trail, TF_STEP_KEY, v->u.map.keys[i], 0);
        rc = jdecode(d, child, t->elem, &v->u.map.vals[i]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_pop(&d->trail);
        i++;
    }
    tf_value_map_sort(v);
    *out = v;
    return TF_CODEC_OK;
}

static int jdecode_object(struct jdec *d, struct json_object *j, const struct tf_type *t,
                          struct tf_value **out)
{
    struct tf_value *v = tf_value_collection(d->a, t, t->n);
    struct json_object *child;
    char quoted[TF_CODEC_EXCERPT_SIZE];
    int rc;

    if (v == NULL)
        return tf_codec__nomem(d->err);
    if (!d->ignore_extra) {
        json_object_object_foreach(j, key, unused)
        {
            (void)unused;
            if (tf_type_attr_index(t, key) < 0)
                return tf_codec__fail(d->err, "unexpected attribute \"%s\"",
                                      tf_codec__excerpt(quoted, key, strlen(key)));
        }
    }
    for (size_t i = 0; i < t->n; i++) {
        /* Old state may predate an attribute: absent reads as null. */
        if (!json_object_object_get_ex(j, t->attrs[i].name, &child))
            child = NULL;
        tf_codec__trail_push(&d->trail, TF_STEP_ATTR, t->attrs[i].name, 0);
        rc = jdecode(d, child, t->attrs[i].type, &v->u.coll.items[i]);
        if (rc != TF_CODEC_OK)
            return rc;
        tf_codec__trail_pop(&d->trail);
    }
    *out = v;
    return TF_CODEC_OK;
}

static int jdecode_dynamic(struct jdec *d, struct json_object *j, struct tf_value **out)
{
    struct json_object *jtype, *jvalue;
    const struct tf_type *concrete;
    int rc;

    if (!json_object_is_type(j, json_type_object) || json_object_object_length(j) != 2 ||
        !json_object_object_get_ex(j, "type", &jtype) ||
        !json_object_object_get_ex(j, "value", &jvalue))
        return tf_codec__fail(d->err,
                              "expected {\"value\": ..., \"type\": ...} for a dynamic "
                              "value, got %s",
                              json_kind_name(j));
    rc = tf_type__from_json_object(&concrete, d->a, jtype, d->err);
    if (rc != TF_CODEC_OK)
        return rc;
    if (concrete->kind == TF_DYNAMIC)
        return tf_codec__fail(d->err, "a dynamic value's type cannot itself be \"dynamic\"");
    return jdecode(d, jvalue, concrete, out);
}

static int jdecode(struct jdec *d, struct json_object *j, const struct tf_type *t,
                   struct tf_value **out)
{
    struct tf_value *v;
    int rc;

    if (j == NULL) {
        v = tf_value_null(d->a, t);
        if (v == NULL)
            return tf_codec__nomem(d->err);
        *out = v;
        return TF_CODEC_OK;
    }
    switch (t->kind) {
    case TF_STRING:
        if (!json_object_is_type(j, json_type_string))
            return jmismatch(d, t, j);
        rc = tf_codec__check_text(json_object_get_string(j), (size_t)json_object_get_string_len(j),
                                  d->err);
        if (rc != TF_CODEC_OK)
            return rc;
        v = tf_value_string(d->a, json_object_get_string(j));
        break;
    case TF_NUMBER:
        return jdecode_number(d, j, t, out);
    case TF_BOOL:
        if (!json_object_is_type(j, json_type_boolean))
            return jmismatch(d, t, j);
        v = tf_value_bool(d->a, json_object_get_boolean(j));
        break;
    case TF_LIST:
    case TF_SET:
    case TF_TUPLE:
        if (!json_object_is_type(j, json_type_array))
            return jmismatch(d, t, j);
        return jdecode_items(d, j, t, out);
    case TF_MAP:
        if (!json_object_is_type(j, json_type_object))
            return jmismatch(d, t, j);
        return jdecode_map(d, j, t, out);
    case TF_OBJECT:
        if (!json_object_is_type(j, json_type_object))
            return jmismatch(d, t, j);
        return jdecode_object(d, j, t, out);
    case TF_DYNAMIC:
        return jdecode_dynamic(d, j, out);
    default:
        return tf_codec__fail(d->err, "the schema has a type the provider cannot read");
    }
    if (v == NULL)
        return tf_codec__nomem(d->err);
    v->type = t;
    *out = v;
    return TF_CODEC_OK;
}

int tf_codec_decode_json(struct tf_value **out, struct tf_arena *a, const struct tf_type *type,
                         const char *text, size_t len, int ignore_extra, struct tf_codec_error *err)
{
    struct tf_codec_error scratch;
    struct jdec d = {.a = a, .err = err != NULL ? err : &scratch, .ignore_extra = ignore_extra};
    struct json_object *j = NULL;
    int rc;

    err = d.err;
    tf_codec__error_reset(err);
    rc = tf_codec__parse_json(&j, text, len, err);
    if (rc != TF_CODEC_OK)
        return rc;
    rc = jdecode(&d, j, type, out);
    if (rc != TF_CODEC_OK)
        tf_codec__trail_path(&d.trail, &err->path);
    json_object_put(j);
    return rc;
}
