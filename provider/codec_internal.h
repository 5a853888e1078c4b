/*
 * codec_internal.h - helpers shared by the value layer's own files (value.c, codec_msgpack.c,
 * codec_json.c, type_json.c). Not part of any public contract: nothing outside those files includes
 * it but their unit test.
 */
#ifndef TF_CODEC_INTERNAL_H
#define TF_CODEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "codec.h"

/* Fill err->message (printf-style); err->path is left as the caller set it. Always returns
 * TF_CODEC_ERR so a caller can write `return tf_codec__fail(err, ...)`. */
int tf_codec__fail(struct tf_codec_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Record an exhausted arena and return TF_CODEC_NOMEM. */
int tf_codec__nomem(struct tf_codec_error *err);
/* "a string", "a list", ... for messages. */
const char *tf_codec__kind_name(enum tf_kind kind);
/* Length of the longest prefix of s[0..len) that is valid UTF-8 (RFC 3629: no overlong forms,
 * surrogates or code points past U+10FFFF; NUL bytes count as valid): len when all of it is. */
size_t tf_codec__utf8_prefix(const char *s, size_t len);
/* 0 when s[0..len) is valid UTF-8 without NUL bytes, else TF_CODEC_ERR with a message. */
int tf_codec__check_text(const char *s, size_t len, struct tf_codec_error *err);
/* Empties err at the start of a codec call. err is about 2.5 KiB and only its message and its
 * path's first n steps are ever read, so only those are reset: clearing all of it cost a plan call
 * about 0.1 us. */
static inline void tf_codec__error_reset(struct tf_codec_error *err)
{
    err->message[0] = '\0';
    err->path.n = 0;
}

/* Size of the buffer tf_codec__excerpt fills: room for a 64-character name and an ellipsis. */
#define TF_CODEC_EXCERPT_SIZE 72
/* Copy untrusted s[0..len) into buf (TF_CODEC_EXCERPT_SIZE bytes) so that it can be quoted in a
 * message, which must be one line of valid UTF-8 (Terraform rejects a diagnostic that is not):
 * \n, \r and \t are written as those escapes and other control bytes (NUL included) as \xHH,
 * each invalid UTF-8 byte becomes U+FFFD, and text that does not fit is cut on a character
 * boundary and ends in "...". Returns buf, always NUL-terminated. */
const char *tf_codec__excerpt(char buf[TF_CODEC_EXCERPT_SIZE], const char *s, size_t len);
/* True when s[0..len) is a decimal number: [+-]digits[.digits][e[+-]digits], digits on at least one
 * side of the point, an exponent of at most 15 digits. */
bool tf_value__number_text_valid(const char *s, size_t len);

/* Where a walk of a value is, kept as references (attribute names from the type, map keys from the
 * value being walked) that cost nothing to push and pop on every element; tf_codec__trail_path
 * turns it into err->path only when an error is reported, while those references are still alive.
 * After a failed step the walk returns without popping, so the trail then ends at the culprit.
 * Steps past TF_PATH_MAX_STEPS are counted but not kept: the reported path then names an ancestor.
 */
struct tf_codec_trail {
    size_t n;
    struct {
        enum tf_path_step_kind kind;
        const char *name; /* ATTR, KEY: NUL-terminated */
        int64_t index;    /* INDEX */
    } steps[TF_PATH_MAX_STEPS];
};

static inline void tf_codec__trail_push(struct tf_codec_trail *t, enum tf_path_step_kind kind,
                                        const char *name, int64_t index)
{
    if (t->n < TF_PATH_MAX_STEPS) {
        t->steps[t->n].kind = kind;
        t->steps[t->n].name = name;
        t->steps[t->n].index = index;
    }
    t->n++;
}

static inline void tf_codec__trail_pop(struct tf_codec_trail *t)
{
    t->n--;
}

/* Replaces *path with the trail's steps. */
void tf_codec__trail_path(const struct tf_codec_trail *t, struct tf_path *path);

struct json_object;
/* Parse one JSON document of exactly len bytes (trailing whitespace allowed), nesting at most
 * TF_CODEC_MAX_DEPTH deep. On success *out is owned by the caller (json_object_put); note that
 * json-c represents the JSON null as a NULL object. */
int tf_codec__parse_json(struct json_object **out, const char *text, size_t len,
                         struct tf_codec_error *err);
/* tf_type_from_json with a status code: TF_CODEC_ERR (err says why) or TF_CODEC_NOMEM. */
int tf_type__from_json(const struct tf_type **out, struct tf_arena *a, const char *text, size_t len,
                       struct tf_codec_error *err);
/* Type from parsed JSON type text, built in arena a. TF_CODEC_ERR (err says why) or TF_CODEC_NOMEM.
 */
int tf_type__from_json_object(const struct tf_type **out, struct tf_arena *a, struct json_object *j,
                              struct tf_codec_error *err);

#endif
