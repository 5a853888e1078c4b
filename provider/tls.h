/*
 * tls.h - the server's AutoMTLS identity: a fresh key and self-signed certificate for every run.
 *
 * go-plugin's AutoMTLS works without any PKI: the client passes its self-signed certificate in
 * PLUGIN_CLIENT_CERT, the server makes its own at start and prints it (DER, base64 without padding)
 * in the handshake line, and each side pins the other's certificate as its only trusted root. So
 * the certificate must be usable both as a CA and as the leaf: CN and SAN DNS localhost (the client
 * checks ServerName "localhost"), CA:TRUE, key usage digitalSignature, keyEncipherment,
 * keyAgreement and keyCertSign, extended key usage serverAuth and clientAuth, valid from 30 s ago
 * (clock skew). The key is ECDSA P-256: go-plugin itself makes P-521 keys, but its client accepts
 * any ECDSA curve Go's TLS stack does, and P-256 takes a fraction of the time to generate and
 * sign with, which is most of the start-up cost the handshake is measured by.
 *
 * Made with OpenSSL 3; nothing here keeps global state, so it is safe from any thread.
 */
#ifndef TF_TLS_H
#define TF_TLS_H

#include "handshake.h"

#include <stddef.h>

/* The server identity. Every string is NUL-terminated and owned by the struct. */
struct tf_tls_identity {
    char *key_pem; /* PKCS#8 private key, unencrypted, for gRPC; wiped by tf_tls_identity_dispose */
    char *cert_pem; /* the certificate, PEM */
    char *cert_b64; /* the certificate, DER in unpadded standard base64, for the handshake line */
};

/* Generates a key and certificate into *out (caller-allocated; zeroed on entry is not required).
 * Returns 0, TF_TRANSPORT_ERR_TLS (with OpenSSL's reason in err) or TF_TRANSPORT_ERR_NOMEM. On
 * error *out holds nothing to free. Release with tf_tls_identity_dispose. */
int tf_tls_identity_create(struct tf_tls_identity *out, struct tf_transport_error *err);

/* Frees what tf_tls_identity_create allocated, wiping the key first; leaves every field NULL.
 * NULL-safe and idempotent. */
void tf_tls_identity_dispose(struct tf_tls_identity *id);

/* Checks that pem (PLUGIN_CLIENT_CERT) holds at least one parseable X.509 certificate, so a broken
 * value is reported at start in plain words instead of as a failed TLS handshake later. Returns 0
 * or TF_TRANSPORT_ERR_TLS. */
int tf_tls_check_client_cert(const char *pem, struct tf_transport_error *err);

#endif
