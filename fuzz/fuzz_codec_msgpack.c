/*
 * fuzz_codec_msgpack.c - libFuzzer target for tf_codec_decode_msgpack (provider/codec.h), the
 * decoder every DynamicValue Terraform sends goes through.
 *
 * Each input is decoded as each type the provider really decodes with: the ec2_ami resource's and
 * data source's schema types, the provider block's, and `dynamic` (which takes the [type JSON,
 * value] path and so reaches the JSON type parser). What decodes must survive a round trip: encode
 * it, decode the bytes again as the value's own type, and get an equal value and identical bytes on
 * a second encoding. Failures must be clean errors with a one-line message.
 */
#include "fuzz_util.h"

#include "codec.h"
#include "provider.h"
#include "res_ami.h"
#include "schema.h"

/* Modest, so that an input that makes the decoder allocate without bound hits the cap quickly. */
#define ARENA_CAP ((size_t)64 << 20)

static const struct tf_type *types[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* schema.h: build the schema types once, before any decoding (as main() does). */
    types[0] = tf_schema_type(&tf_ami_schema.block);
    types[1] = tf_schema_type(&tf_ami_data_schema.block);
    types[2] = tf_schema_type(&tf_provider_schema.block);
    types[3] = &tf_type_dynamic;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        FUZZ_CHECK(types[i] != NULL);
    return 0;
}

static void check_failure(int rc, const struct tf_codec_error *err)
{
    FUZZ_CHECK(rc == TF_CODEC_ERR || rc == TF_CODEC_NOMEM);
    FUZZ_CHECK(err->message[0] != '\0');
    FUZZ_CHECK(fuzz_message_ok(err->message, sizeof(err->message)));
}

/* decode(encode(v)) == v, and encoding is deterministic. */
static void check_round_trip(struct tf_arena *a, const struct tf_value *v)
{
    struct tf_codec_error err;
    struct tf_value *again = NULL;
    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    int rc;

    rc = tf_codec_encode_msgpack(&enc, &len, a, v, &err);
    if (rc == TF_CODEC_NOMEM)
        return;
    /* A tree the decoder built is consistent with its type: the encoder may not refuse it. */
    FUZZ_CHECK(rc == TF_CODEC_OK);
    rc = tf_codec_decode_msgpack(&again, a, v->type, enc, len, &err);
    if (rc == TF_CODEC_NOMEM)
        return;
    FUZZ_CHECK(rc == TF_CODEC_OK);
    FUZZ_CHECK(tf_value_equal(v, again));
    FUZZ_CHECK(tf_value_equal(again, v));
    rc = tf_codec_encode_msgpack(&enc2, &len2, a, again, &err);
    if (rc == TF_CODEC_NOMEM)
        return;
    FUZZ_CHECK(rc == TF_CODEC_OK);
    FUZZ_CHECK(len == len2 && memcmp(enc, enc2, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct tf_arena *a = tf_arena_new(ARENA_CAP);
        struct tf_codec_error err;
        struct tf_value *v = NULL;
        int rc;

        FUZZ_CHECK(a != NULL);
        rc = tf_codec_decode_msgpack(&v, a, types[i], data, size, &err);
        if (rc == TF_CODEC_OK) {
            FUZZ_CHECK(v != NULL && v->type != NULL);
            check_round_trip(a, v);
        } else {
            check_failure(rc, &err);
        }
        tf_arena_free(a);
    }
    return 0;
}
