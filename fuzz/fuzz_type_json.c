/*
 * fuzz_type_json.c - libFuzzer target for tf_type_from_json (provider/codec.h): the JSON type text
 * Terraform sends inside every `dynamic` value, and that the provider writes back with
 * tf_type_to_json.
 *
 * A type that parses must come from valid UTF-8 text and print, and the printed text must parse to
 * an equal type which prints to the same text (the provider's own output is stable). Rejected text
 * must give a one-line error.
 */
#include "fuzz_util.h"

#include "codec.h"

#define ARENA_CAP ((size_t)64 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tf_arena *a;
    struct tf_codec_error err;
    const struct tf_type *type, *again;
    char *text = NULL, *text2 = NULL;

    if (fuzz_lax_utf8() && !fuzz_utf8_valid((const char *)data, size))
        return 0;
    a = tf_arena_new(ARENA_CAP);
    FUZZ_CHECK(a != NULL);
    memset(&err, 0, sizeof(err));
    type = tf_type_from_json(a, (const char *)data, size, &err);
    if (type == NULL) {
        FUZZ_CHECK(err.message[0] != '\0' && fuzz_message_ok(err.message, sizeof(err.message)));
        goto cleanup;
    }
    /* JSON holds raw bytes only inside strings, so a document that is not UTF-8 has a string
     * that is not: codec.h refuses such strings, and the type's names would reach msgpack. */
    FUZZ_CHECK(fuzz_utf8_valid((const char *)data, size));
    text = tf_type_to_json(type);
    FUZZ_CHECK(text != NULL);
    again = tf_type_from_json(a, text, strlen(text), &err);
    FUZZ_CHECK(again != NULL);
    FUZZ_CHECK(tf_type_equal(type, again));
    text2 = tf_type_to_json(again);
    FUZZ_CHECK(text2 != NULL && strcmp(text, text2) == 0);
cleanup:
    free(text);
    free(text2);
    tf_arena_free(a);
    return 0;
}
