/*
 * fuzz_codec_json.c - libFuzzer target for tf_codec_decode_json (provider/codec.h), which reads
 * state JSON in UpgradeResourceState.
 *
 * Each input is decoded as each real schema type (resource, data source, provider block) and as
 * `dynamic`, both strictly and with ignore_extra. What decodes is carried across to msgpack - the
 * form the provider answers in - and must come back equal. Text that is not UTF-8 never decodes
 * strictly (raw bytes sit only inside JSON strings, which codec.h requires to be UTF-8; the lenient
 * mode may drop an extra attribute whatever its name). Decoding must not depend on ignore_extra for
 * input that the strict mode accepts. Failures must be clean one-line errors.
 */
#include "fuzz_util.h"

#include "codec.h"
#include "provider.h"
#include "res_ami.h"
#include "schema.h"

#define ARENA_CAP ((size_t)64 << 20)

static const struct tf_type *types[4];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    types[0] = tf_schema_type(&tf_ami_schema.block);
    types[1] = tf_schema_type(&tf_ami_data_schema.block);
    types[2] = tf_schema_type(&tf_provider_schema.block);
    types[3] = &tf_type_dynamic;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        FUZZ_CHECK(types[i] != NULL);
    return 0;
}

/* The JSON value, written as msgpack and read back, is the same value. */
static void check_via_msgpack(struct tf_arena *a, const struct tf_value *v)
{
    struct tf_codec_error err;
    struct tf_value *again = NULL;
    uint8_t *enc = NULL;
    size_t len = 0;
    int rc;

    rc = tf_codec_encode_msgpack(&enc, &len, a, v, &err);
    if (rc == TF_CODEC_NOMEM)
        return;
    FUZZ_CHECK(rc == TF_CODEC_OK);
    rc = tf_codec_decode_msgpack(&again, a, v->type, enc, len, &err);
    if (rc == TF_CODEC_NOMEM)
        return;
    FUZZ_CHECK(rc == TF_CODEC_OK);
    FUZZ_CHECK(tf_value_equal(v, again));
}

/* Decode with one ignore_extra setting; successes cross to msgpack, failures are clean. */
static int decode(struct tf_value **out, struct tf_arena *a, const struct tf_type *type,
                  const uint8_t *data, size_t size, int ignore_extra)
{
    struct tf_codec_error err;
    int rc = tf_codec_decode_json(out, a, type, (const char *)data, size, ignore_extra, &err);

    if (rc == TF_CODEC_OK) {
        FUZZ_CHECK(*out != NULL && (*out)->type != NULL);
        if (!ignore_extra)
            FUZZ_CHECK(fuzz_utf8_valid((const char *)data, size));
        check_via_msgpack(a, *out);
    } else {
        FUZZ_CHECK(rc == TF_CODEC_ERR || rc == TF_CODEC_NOMEM);
        FUZZ_CHECK(err.message[0] != '\0' && fuzz_message_ok(err.message, sizeof(err.message)));
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_lax_utf8() && !fuzz_utf8_valid((const char *)data, size))
        return 0;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct tf_arena *a = tf_arena_new(ARENA_CAP);
        struct tf_value *strict = NULL, *lenient = NULL;
        int rc_strict, rc_lenient;

        FUZZ_CHECK(a != NULL);
        rc_strict = decode(&strict, a, types[i], data, size, 0);
        rc_lenient = decode(&lenient, a, types[i], data, size, 1);
        /* ignore_extra only forgives extra attributes: what strict mode takes, it takes alike. */
        if (rc_strict == TF_CODEC_OK && rc_lenient == TF_CODEC_OK)
            FUZZ_CHECK(tf_value_equal(strict, lenient));
        if (rc_strict == TF_CODEC_OK)
            FUZZ_CHECK(rc_lenient != TF_CODEC_ERR);
        tf_arena_free(a);
    }
    return 0;
}
