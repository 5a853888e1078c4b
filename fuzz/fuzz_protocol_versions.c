/*
 * fuzz_protocol_versions.c - libFuzzer target for tf_handshake_pick_version (provider/handshake.h),
 * which reads PLUGIN_PROTOCOL_VERSIONS, the list of plugin protocol versions go-plugin's client
 * offers ("5,6").
 *
 * The input is the variable's value (cut at the first NUL, as the environment would). The answer
 * must be a version we serve (5 or 6), and 6 whenever the list holds the plain entry "6".
 */
#include "fuzz_util.h"

#include "handshake.h"

/* True when the comma-separated list holds exactly the entry "6". */
static int offers_plain_6(const char *list)
{
    for (const char *p = list;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == 1 && p[0] == '6')
            return 1;
        if (end == NULL)
            return 0;
        p = end;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *offered = fuzz_cstr(data, size);
    int version;

    FUZZ_CHECK(offered != NULL);
    version = tf_handshake_pick_version(offered);
    FUZZ_CHECK(version == 5 || version == 6);
    if (offers_plain_6(offered))
        FUZZ_CHECK(version == 6);
    free(offered);
    return 0;
}
