/*
 * codec.h - DynamicValue bytes <-> value tree (value.h), driven by a type.
 *
 * Terraform sends values as msgpack (and raw state as JSON) without types: the type comes from the
 * schema, so decoding is "read these bytes as this type". Unknown values are msgpack extension 0
 * (extension 12, refined unknowns, and any other extension are also unknown). `dynamic` values are
 * a two-element array [type JSON, value]. An object must carry exactly one key per attribute.
 *
 * Errors: decoding never crashes and never allocates past the arena's cap; a malformed input
 * returns TF_CODEC_ERR with err->message a sentence for the user and err->path the place it was
 * found. err is cleared first; NULL is allowed (no details then). Messages name attributes and map
 * keys but never quote string values, which may be secrets. Strings must be valid UTF-8 without NUL
 * bytes; anything else is TF_CODEC_ERR. Encoding writes msgpack only (Terraform accepts it for
 * every response). The value is written as its own type (v->type); inside it, a value at a
 * `dynamic` place is wrapped as [type JSON (str), value], unknowns are d4 00 00, NULL item pointers
 * are written as null, sets keep their item order, and map keys must be sorted and unique
 * (tf_value_map_sort) or the encoder returns TF_CODEC_ERR. Thread-safe: no shared state (the arena
 * and err belong to the caller).
 */
#ifndef TF_CODEC_H
#define TF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "path.h"
#include "value.h"

/* Maximum nesting depth of a decoded value (containers, counted from the top value); deeper input
 * is an error, not a stack overflow. 32 is what msgpack-c's unpacker supports
 * (MSGPACK_EMBED_STACK_SIZE); JSON is held to the same limit. */
#define TF_CODEC_MAX_DEPTH 32

enum tf_codec_status {
    TF_CODEC_OK = 0,
    TF_CODEC_ERR = -1,   /* malformed or mistyped input; err says where */
    TF_CODEC_NOMEM = -2, /* the arena cap or memory was exhausted */
};

/* Filled by every function below: on success message is "" and path empty; on failure message
 * says what is wrong and path where. Only path's first n steps are meaningful. */
struct tf_codec_error {
    char message[256];
    struct tf_path path;
};

/* Decode msgpack bytes of the given type. On success *out is a tree in arena a. An empty buffer
 * decodes as null (Terraform sends no bytes for an absent value). */
int tf_codec_decode_msgpack(struct tf_value **out, struct tf_arena *a, const struct tf_type *type,
                            const uint8_t *buf, size_t len, struct tf_codec_error *err);

/* Decode JSON text (state files, UpgradeResourceState.raw_state.json). Numbers keep their decimal
 * text exactly when they are not int64; JSON has no unknowns. Attributes missing from a JSON object
 * decode as null (old state may lack new attributes); unknown extra attributes are an error unless
 * ignore_extra is set (upgrade drops attributes a newer schema removed). */
int tf_codec_decode_json(struct tf_value **out, struct tf_arena *a, const struct tf_type *type,
                         const char *text, size_t len, int ignore_extra,
                         struct tf_codec_error *err);

/* Encode a value as msgpack into arena a, which owns *out (left untouched on error). Null
 * LIST/SET/MAP blocks (type->block_collection) are written as empty collections. Returns
 * TF_CODEC_OK, TF_CODEC_NOMEM (memory, or a's cap), or TF_CODEC_ERR when the tree is inconsistent
 * with its type. */
int tf_codec_encode_msgpack(uint8_t **out, size_t *out_len, struct tf_arena *a,
                            const struct tf_value *v, struct tf_codec_error *err);

/* Type <-> Terraform's JSON type text ("string", ["list","string"], ["object",{"a":"bool"}]).
 * tf_type_to_json returns a malloc'd string the caller frees; NULL on out-of-memory.
 * tf_type_from_json parses into arena a; NULL with err filled on malformed text. */
char *tf_type_to_json(const struct tf_type *type);
const struct tf_type *tf_type_from_json(struct tf_arena *a, const char *text, size_t len,
                                        struct tf_codec_error *err);

#endif
