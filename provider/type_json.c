/*
 * type_json.c - Terraform's JSON type text ("string", ["list","string"], ["object",{"a":"bool"}])
 * both ways (codec.h), and the bounded JSON parse the JSON codec shares (codec_internal.h).
 *
 * Types are written into GetProviderSchema's Attribute.type and into every `dynamic` value, and
 * read back from `dynamic` values Terraform sends. Parsed types live in the call's arena; object
 * attributes are sorted by name so that two spellings of one type compare equal with tf_type_equal.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "codec_internal.h"

/* ---- Writing --------------------------------------------------------------------------------- */

static struct json_object *type_to_object(const struct tf_type *t);

/* [name, arg]; takes arg's reference whatever happens. */
static struct json_object *pair(const char *name, struct json_object *arg)
{
    struct json_object *arr = arg != NULL ? json_object_new_array() : NULL;
    struct json_object *s = arr != NULL ? json_object_new_string(name) : NULL;

    if (s == NULL || json_object_array_add(arr, s) != 0) {
        json_object_put(s);
        goto fail;
    }
    if (json_object_array_add(arr, arg) != 0)
        goto fail;
    return arr;
fail:
    json_object_put(arg);
    json_object_put(arr);
    return NULL;
}

static struct json_object *type_to_object(const struct tf_type *t)
{
    struct json_object *arg = NULL, *child;

    switch (t->kind) {
    case TF_STRING:
        return json_object_new_string("string");
    case TF_NUMBER:
        return json_object_new_string("number");
    case TF_BOOL:
        return json_object_new_string("bool");
    case TF_DYNAMIC:
        return json_object_new_string("dynamic");
    case TF_LIST:
    case TF_SET:
    case TF_MAP:
        return pair(t->kind == TF_LIST  ? "list"
                    : t->kind == TF_SET ? "set"
                                        : "map",
                    type_to_object(t->elem));
    case TF_OBJECT:
        arg = json_object_new_object();
        for (size_t i = 0; arg != NULL && i < t->n; i++) {
            child = type_to_object(t->attrs[i].type);
            if (child == NULL || json_object_object_add(arg, t->attrs[i].name, child) != 0) {
                json_object_put(child);
                json_object_put(arg);
                arg = NULL;
            }
        }
        return pair("object", arg);
    case TF_TUPLE:
        arg = json_object_new_array();
        for (size_t i = 0; arg != NULL && i < t->n; i++) {
            child = type_to_object(t->elems[i]);
            if (child == NULL || json_object_array_add(arg, child) != 0) {
                json_object_put(child);
                json_object_put(arg);
                arg = NULL;
            }
        }
        return pair("tuple", arg);
    }
    return NULL;
}

char *tf_type_to_json(const struct tf_type *type)
{
    struct json_object *j = type_to_object(type);
    char *text = NULL;

    if (j != NULL) {
        const char *s = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
        if (s != NULL)
            text = strdup(s);
    }
    json_object_put(j);
    return text;
}

/* ---- Reading --------------------------------------------------------------------------------- */

int tf_codec__parse_json(struct json_object **out, const char *text, size_t len,
                         struct tf_codec_error *err)
{
    struct json_tokener *tok;
    struct json_object *j;
    enum json_tokener_error jerr;
    size_t end;
    int rc = TF_CODEC_OK;

    if (len > INT32_MAX)
        return tf_codec__fail(err, "the JSON text is too large");
    /* json-c passes invalid UTF-8 through (its optional check lets overlong forms and surrogates
     * by), and what is accepted here must re-encode: the text is checked as RFC 3629 says first. */
    end = tf_codec__utf8_prefix(text, len);
    if (end != len)
        return tf_codec__fail(err, "malformed JSON at offset %zu: the text is not valid UTF-8",
                              end);
    tok = json_tokener_new_ex(TF_CODEC_MAX_DEPTH);
    if (tok == NULL)
        return tf_codec__nomem(err);
    j = json_tokener_parse_ex(tok, text, (int)len);
    jerr = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (jerr == json_tokener_continue && len > 0) {
        /* All text was read but a top-level number or literal may still be open: a NUL ends it,
         * as json-c documents. Anything else still open is truncated text. */
        j = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        if (jerr != json_tokener_success)
            jerr = json_tokener_continue;
        end = len;
    }
    if (jerr == json_tokener_continue) {
        rc = tf_codec__fail(err, "malformed JSON: the text ends early");
    } else if (jerr != json_tokener_success) {
        rc = tf_codec__fail(err, "malformed JSON at offset %zu: %s", end,
                            json_tokener_error_desc(jerr));
    } else {
        while (end < len && strchr(" \t\r\n", text[end]) != NULL && text[end] != '\0')
            end++;
        if (end != len)
            rc = tf_codec__fail(err, "malformed JSON: unexpected text after the value");
    }
    json_tokener_free(tok);
    if (rc != TF_CODEC_OK) {
        json_object_put(j);
        return rc;
    }
    *out = j;
    return TF_CODEC_OK;
}

static int bad_type(struct tf_codec_error *err)
{
    return tf_codec__fail(err, "invalid type: expected \"string\", \"number\", \"bool\", "
                               "\"dynamic\" or [kind, argument]");
}

int tf_type__from_json_object(const struct tf_type **out, struct tf_arena *a, struct json_object *j,
                              struct tf_codec_error *err)
{
    static const struct {
        const char *name;
        const struct tf_type *type;
    } primitives[] = {{"string", &tf_type_string},
                      {"number", &tf_type_number},
                      {"bool", &tf_type_bool},
                      {"dynamic", &tf_type_dynamic}};
    struct tf_type *t;
    struct json_object *arg;
    const char *kind;
    char quoted[TF_CODEC_EXCERPT_SIZE];
    size_t n;
    int rc;

    if (json_object_is_type(j, json_type_string)) {
        for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++) {
            if (strcmp(json_object_get_string(j), primitives[i].name) == 0) {
                *out = primitives[i].type;
                return TF_CODEC_OK;
            }
        }
        return tf_codec__fail(err, "invalid type: unknown primitive type \"%s\"",
                              tf_codec__excerpt(quoted, json_object_get_string(j),
                                                (size_t)json_object_get_string_len(j)));
    }
    /* ["kind", argument] with an optional third element (the optional-attribute list of an
     * object type, which only matters to Terraform's own conversions). */
    if (!json_object_is_type(j, json_type_array) || json_object_array_length(j) < 2 ||
        json_object_array_length(j) > 3 ||
        !json_object_is_type(json_object_array_get_idx(j, 0), json_type_string))
        return bad_type(err);
    kind = json_object_get_string(json_object_array_get_idx(j, 0));
    arg = json_object_array_get_idx(j, 1);
    t = tf_arena_alloc(a, sizeof(*t));
    if (t == NULL)
        return tf_codec__nomem(err);
    if (strcmp(kind, "list") == 0 || strcmp(kind, "set") == 0 || strcmp(kind, "map") == 0) {
        t->kind = kind[0] == 'l' ? TF_LIST : kind[0] == 's' ? TF_SET : TF_MAP;
        rc = tf_type__from_json_object(&t->elem, a, arg, err);
        if (rc != TF_CODEC_OK)
            return rc;
    } else if (strcmp(kind, "object") == 0 && json_object_is_type(arg, json_type_object)) {
        struct tf_attr_type *attrs;
        size_t i = 0;

        t->kind = TF_OBJECT;
        n = (size_t)json_object_object_length(arg);
        attrs = tf_arena_alloc(a, n * sizeof(*attrs));
        if (attrs == NULL)
            return tf_codec__nomem(err);
        json_object_object_foreach(arg, name, child)
        {
            attrs[i].name = tf_arena_strdup(a, name);
            if (attrs[i].name == NULL)
                return tf_codec__nomem(err);
            rc = tf_type__from_json_object(&attrs[i].type, a, child, err);
            if (rc != TF_CODEC_OK)
                return rc;
            i++;
        }
        t->attrs_sorted = tf_attrs_sort(attrs, n);
        t->attrs = attrs;
        t->n = n;
    } else if (strcmp(kind, "tuple") == 0 && json_object_is_type(arg, json_type_array)) {
        const struct tf_type **elems;

        t->kind = TF_TUPLE;
        n = json_object_array_length(arg);
        elems = tf_arena_alloc(a, n * sizeof(*elems));
        if (elems == NULL)
            return tf_codec__nomem(err);
        for (size_t i = 0; i < n; i++) {
            rc = tf_type__from_json_object(&elems[i], a, json_object_array_get_idx(arg, i), err);
            if (rc != TF_CODEC_OK)
                return rc;
        }
        t->elems = elems;
        t->n = n;
    } else {
        return bad_type(err);
    }
    *out = t;
    return TF_CODEC_OK;
}

int tf_type__from_json(const struct tf_type **out, struct tf_arena *a, const char *text, size_t len,
                       struct tf_codec_error *err)
{
    struct json_object *j = NULL;
    int rc = tf_codec__parse_json(&j, text, len, err);

    if (rc != TF_CODEC_OK)
        return rc;
    rc = tf_type__from_json_object(out, a, j, err);
    json_object_put(j);
    return rc;
}

const struct tf_type *tf_type_from_json(struct tf_arena *a, const char *text, size_t len,
                                        struct tf_codec_error *err)
{
    struct tf_codec_error scratch;
    const struct tf_type *t = NULL;

    if (err == NULL)
        err = &scratch;
    tf_codec__error_reset(err);
    return tf_type__from_json(&t, a, text, len, err) == TF_CODEC_OK ? t : NULL;
}
