/*
 * tls.c - the per-run ECDSA key and self-signed certificate for AutoMTLS, made with OpenSSL 3.
 * See tls.h for the properties the go-plugin client relies on.
 */
#include "tls.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* go-plugin's certificates last 30 years; the provider process never lives that long. */
#define CERT_LIFETIME_SECONDS (30L * 365 * 24 * 3600)
/* Tolerates a client clock slightly behind ours, as go-plugin does. */
#define CERT_BACKDATE_SECONDS 30

/* Fills err with msg and the newest OpenSSL reason, and empties OpenSSL's error queue. */
static int tls_fail(struct tf_transport_error *err, const char *msg)
{
    char reason[160] = "no detail from OpenSSL";
    unsigned long e = ERR_peek_last_error();
    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return tf_transport_error_set(err, TF_TRANSPORT_ERR_TLS, "%s: %s", msg, reason);
}

/* Copies a memory BIO's contents into a fresh NUL-terminated string; NULL on out-of-memory. */
static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    if (len < 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, data, (size_t)len);
    s[len] = '\0';
    return s;
}

static int add_extension(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (ext == NULL)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

/* A random positive 127-bit serial number, as X.509 wants serials unique per issuer. */
static int set_random_serial(X509 *cert)
{
    int rc = -1;
    BIGNUM *bn = BN_new();
    if (bn != NULL && BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
        rc = 0;
    BN_free(bn);
    return rc;
}

/* Builds and self-signs the certificate for key. Returns NULL with err filled on failure. */
static X509 *make_certificate(EVP_PKEY *key, struct tf_transport_error *err)
{
    X509 *cert = X509_new();
    X509_NAME *name = NULL;
    X509V3_CTX ctx;
    time_t now = time(NULL);

    if (cert == NULL) {
        tls_fail(err, "cannot allocate a certificate");
        return NULL;
    }
    if (X509_set_version(cert, X509_VERSION_3) != 1 || set_random_serial(cert) != 0 ||
        X509_time_adj_ex(X509_getm_notBefore(cert), 0, -CERT_BACKDATE_SECONDS, &now) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), 0, CERT_LIFETIME_SECONDS, &now) == NULL ||
        X509_set_pubkey(cert, key) != 1) {
        tls_fail(err, "cannot fill the certificate");
        goto fail;
    }
    name = X509_get_subject_name(cert);
    if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                                   -1, 0) != 1 ||
        X509_set_issuer_name(cert, name) != 1) {
        tls_fail(err, "cannot set the certificate name");
        goto fail;
    }

    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    /* The client pins this very certificate as its root, hence CA and keyCertSign on a leaf. */
    if (add_extension(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_extension(cert, &ctx, NID_key_usage,
                      "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") != 0 ||
        add_extension(cert, &ctx, NID_ext_key_usage, "serverAuth,clientAuth") != 0 ||
        add_extension(cert, &ctx, NID_subject_alt_name, "DNS:localhost") != 0 ||
        add_extension(cert, &ctx, NID_subject_key_identifier, "hash") != 0) {
        tls_fail(err, "cannot add the certificate extensions");
        goto fail;
    }
    /* SHA-256 matches the P-256 key's strength, as Go picks for such keys. */
    if (X509_sign(cert, key, EVP_sha256()) <= 0) {
        tls_fail(err, "cannot sign the certificate");
        goto fail;
    }
    return cert;

fail:
    X509_free(cert);
    return NULL;
}

int tf_tls_identity_create(struct tf_tls_identity *out, struct tf_transport_error *err)
{
    int rc = TF_TRANSPORT_ERR_NOMEM;
    struct tf_tls_identity id = {NULL, NULL, NULL};
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    BIO *key_bio = NULL;
    BIO *cert_bio = NULL;
    unsigned char *der = NULL;
    int der_len;

    key = EVP_EC_gen("P-256");
    if (key == NULL) {
        rc = tls_fail(err, "cannot generate the ECDSA P-256 key");
        goto cleanup;
    }
    cert = make_certificate(key, err);
    if (cert == NULL) {
        rc = TF_TRANSPORT_ERR_TLS;
        goto cleanup;
    }

    key_bio = BIO_new(BIO_s_secmem());
    cert_bio = BIO_new(BIO_s_mem());
    if (key_bio == NULL || cert_bio == NULL) {
        rc = tls_fail(err, "cannot allocate a memory buffer");
        goto cleanup;
    }
    if (PEM_write_bio_PrivateKey(key_bio, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        PEM_write_bio_X509(cert_bio, cert) != 1) {
        rc = tls_fail(err, "cannot encode the key and certificate as PEM");
        goto cleanup;
    }
    der_len = i2d_X509(cert, &der);
    if (der_len <= 0) {
        rc = tls_fail(err, "cannot encode the certificate as DER");
        goto cleanup;
    }

    id.key_pem = bio_to_string(key_bio);
    id.cert_pem = bio_to_string(cert_bio);
    size_t b64_size = tf_handshake_base64_len((size_t)der_len) + 1;
    id.cert_b64 = malloc(b64_size);
    if (id.key_pem == NULL || id.cert_pem == NULL || id.cert_b64 == NULL) {
        rc = tf_transport_error_set(err, TF_TRANSPORT_ERR_NOMEM,
                                    "out of memory while encoding the TLS identity");
        goto cleanup;
    }
    tf_handshake_base64_encode(id.cert_b64, b64_size, der, (size_t)der_len);

    *out = id;
    id = (struct tf_tls_identity){NULL, NULL, NULL};
    rc = TF_TRANSPORT_OK;

cleanup:
    tf_tls_identity_dispose(&id);
    OPENSSL_free(der);
    BIO_free(cert_bio);
    BIO_free(key_bio); /* a secure-heap BIO: its buffer is wiped on free */
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

void tf_tls_identity_dispose(struct tf_tls_identity *id)
{
    if (id == NULL)
        return;
    if (id->key_pem != NULL)
        OPENSSL_cleanse(id->key_pem, strlen(id->key_pem));
    free(id->key_pem);
    free(id->cert_pem);
    free(id->cert_b64);
    id->key_pem = NULL;
    id->cert_pem = NULL;
    id->cert_b64 = NULL;
}

int tf_tls_check_client_cert(const char *pem, struct tf_transport_error *err)
{
    int rc = TF_TRANSPORT_OK;
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = NULL;

    if (bio == NULL)
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_NOMEM,
                                      "out of memory while reading PLUGIN_CLIENT_CERT");
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (cert == NULL)
        rc = tls_fail(err, "PLUGIN_CLIENT_CERT does not hold a PEM X.509 certificate");
    X509_free(cert);
    BIO_free(bio);
    return rc;
}
