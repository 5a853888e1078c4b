/*
 * fuzz_client_cert.c - libFuzzer target for tf_tls_check_client_cert (provider/tls.h), the check
 * main.c runs on PLUGIN_CLIENT_CERT before handing the PEM to gRPC as its trusted root.
 *
 * The input is the variable's value (cut at the first NUL, as the environment would). The check
 * must answer 0 or TF_TRANSPORT_ERR_TLS, with a one-line message on failure, and must not leave
 * errors behind in OpenSSL's per-thread queue, where a later, unrelated TLS failure would pick them
 * up as its reason.
 */
#include "fuzz_util.h"

#include <openssl/err.h>

#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *pem = fuzz_cstr(data, size);
    struct tf_transport_error err;
    int rc;

    FUZZ_CHECK(pem != NULL);
    memset(&err, 0, sizeof(err));
    ERR_clear_error();
    rc = tf_tls_check_client_cert(pem, &err);
    FUZZ_CHECK(rc == TF_TRANSPORT_OK || rc == TF_TRANSPORT_ERR_TLS);
    if (rc != TF_TRANSPORT_OK) {
        FUZZ_CHECK(err.code == rc);
        FUZZ_CHECK(err.message[0] != '\0' && fuzz_message_ok(err.message, sizeof(err.message)));
    }
    FUZZ_CHECK(ERR_peek_error() == 0);
    free(pem);
    return 0;
}
