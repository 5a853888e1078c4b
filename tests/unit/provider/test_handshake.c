/*
 * test_handshake.c - the go-plugin launch contract (handshake.c) and the AutoMTLS identity (tls.c):
 * cookie, version choice, unpadded base64, the handshake and reattach lines, the socket directory,
 * and the certificate's properties as a go-plugin client checks them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "handshake.h"
#include "tls.h"

/* ---- cookie ---- */

static void test_handshake__cookie_must_match_exactly(void **state)
{
    (void)state;
    assert_true(tf_handshake_cookie_ok(TF_HANDSHAKE_COOKIE_VALUE));
    assert_false(tf_handshake_cookie_ok(NULL));
    assert_false(tf_handshake_cookie_ok(""));
    assert_false(tf_handshake_cookie_ok("d602bf8f470bc67ca7faa0386276bbdd"));
    assert_false(tf_handshake_cookie_ok(TF_HANDSHAKE_COOKIE_VALUE "\n"));
    assert_false(
        tf_handshake_cookie_ok("D602BF8F470BC67CA7FAA0386276BBDD4330EFAF76D1A219CB4D6991CA9872B2"));
}

/* ---- version negotiation ---- */

static void test_handshake__picks_6_when_offered_else_5(void **state)
{
    (void)state;
    static const struct {
        const char *offered;
        int expected;
    } rows[] = {
        {NULL, 5}, /* absent: the lowest we speak */
        {"", 5},   /* empty counts as absent */
        {"5", 5},
        {"6", 6},
        {"5,6", 6},
        {"6,5", 6}, /* order is random in go-plugin */
        {"4", 5},   /* nothing in common: still the lowest */
        {"7,8", 5},
        {"x,6", 6}, /* garbage entries are skipped */
        {"5,junk,6", 6},
        {"6,", 6},
        {",", 5},
        {" 6", 5}, /* Atoi rejects spaces, so this is garbage */
        {"6 ", 5},
        {"+6", 6}, /* Atoi accepts a sign and leading zeros */
        {"06", 6},
        {"-6", 5},
        {"6.0", 5},
        {"99999999999999999999,6", 6}, /* overflow is garbage, not a wrap to something */
        {"4294967302", 5},             /* 2^32 + 6 must not wrap to 6 */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int got = tf_handshake_pick_version(rows[i].offered);
        if (got != rows[i].expected)
            fail_msg("PLUGIN_PROTOCOL_VERSIONS=\"%s\": got %d, want %d",
                     rows[i].offered ? rows[i].offered : "(unset)", got, rows[i].expected);
    }
}

/* ---- base64 without padding ---- */

static void test_handshake__base64_is_standard_and_unpadded(void **state)
{
    (void)state;
    /* RFC 4648 section 10 vectors with the '=' removed, plus bytes that hit '+' and '/'. */
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } rows[] = {
        {"", 0, ""},
        {"f", 1, "Zg"},
        {"fo", 2, "Zm8"},
        {"foo", 3, "Zm9v"},
        {"foob", 4, "Zm9vYg"},
        {"fooba", 5, "Zm9vYmE"},
        {"foobar", 6, "Zm9vYmFy"},
        {"\xfb\xff", 2, "+/8"},
        {"\x00\x00\x00", 3, "AAAA"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int n =
            tf_handshake_base64_encode(out, sizeof(out), (const uint8_t *)rows[i].in, rows[i].len);
        assert_int_equal(n, (int)strlen(rows[i].out));
        assert_string_equal(out, rows[i].out);
        assert_int_equal(tf_handshake_base64_len(rows[i].len), strlen(rows[i].out));
    }
}

static void test_handshake__base64_rejects_a_short_buffer(void **state)
{
    char out[5];
    (void)state;
    /* "foob" needs 6 characters plus the NUL. */
    assert_int_equal(tf_handshake_base64_encode(out, sizeof(out), (const uint8_t *)"foob", 4),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_base64_encode(out, 4, (const uint8_t *)"foo", 3),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_base64_encode(out, 5, (const uint8_t *)"foo", 3), 4);
}

/* ---- the handshake line ---- */

static void test_handshake__line_has_go_plugin_layout(void **state)
{
    char line[256];
    (void)state;
    int n = tf_handshake_format_line(line, sizeof(line), 6, "/tmp/d/plugin.sock", "MIIB");
    assert_string_equal(line, "1|6|unix|/tmp/d/plugin.sock|grpc|MIIB\n");
    assert_int_equal(n, (int)strlen(line));

    tf_handshake_format_line(line, sizeof(line), 5, "/s", "");
    assert_string_equal(line, "1|5|unix|/s|grpc|\n"); /* plaintext: empty certificate field */
}

static void test_handshake__line_rejects_separators_and_overflow(void **state)
{
    char line[32];
    (void)state;
    assert_int_equal(tf_handshake_format_line(line, sizeof(line), 6, "/tmp/a|b", "X"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_line(line, sizeof(line), 6, "/tmp/a\nb", "X"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_line(line, sizeof(line), 6, "/s", "AB\nCD"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_line(line, sizeof(line), 6, "/s",
                                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                     TF_TRANSPORT_ERR_INPUT);
}

/* ---- the --debug reattach line ---- */

static void test_handshake__reattach_line_is_valid_json_for_terraform(void **state)
{
    char line[512];
    const char prefix[] = "TF_REATTACH_PROVIDERS='";
    (void)state;
    int n = tf_handshake_format_reattach(line, sizeof(line), 6, 4242, "/tmp/tf-ec2-x/plugin.sock");
    assert_true(n > 0);
    assert_int_equal(strncmp(line, prefix, strlen(prefix)), 0);
    assert_int_equal(line[n - 1], '\'');

    char json[512];
    size_t json_len = (size_t)n - strlen(prefix) - 1;
    memcpy(json, line + strlen(prefix), json_len);
    json[json_len] = '\0';
    json_object *root = json_tokener_parse(json);
    assert_non_null(root);
    json_object *p = NULL, *v = NULL, *addr = NULL;
    assert_true(json_object_object_get_ex(root, TF_HANDSHAKE_PROVIDER_ADDR, &p));
    assert_true(json_object_object_get_ex(p, "Protocol", &v));
    assert_string_equal(json_object_get_string(v), "grpc");
    assert_true(json_object_object_get_ex(p, "ProtocolVersion", &v));
    assert_int_equal(json_object_get_int(v), 6);
    assert_true(json_object_object_get_ex(p, "Pid", &v));
    assert_int_equal(json_object_get_int(v), 4242);
    assert_true(json_object_object_get_ex(p, "Test", &v));
    assert_true(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(p, "Addr", &addr));
    assert_true(json_object_object_get_ex(addr, "Network", &v));
    assert_string_equal(json_object_get_string(v), "unix");
    assert_true(json_object_object_get_ex(addr, "String", &v));
    assert_string_equal(json_object_get_string(v), "/tmp/tf-ec2-x/plugin.sock");
    json_object_put(root);
}

static void test_handshake__reattach_rejects_paths_needing_escapes(void **state)
{
    char line[512];
    (void)state;
    assert_int_equal(tf_handshake_format_reattach(line, sizeof(line), 6, 1, "/tmp/a'b"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_reattach(line, sizeof(line), 6, 1, "/tmp/a\"b"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_reattach(line, sizeof(line), 6, 1, "/tmp/a\\b"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_reattach(line, sizeof(line), 6, 1, "/tmp/a\tb"),
                     TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(tf_handshake_format_reattach(line, 40, 6, 1, "/tmp/x"),
                     TF_TRANSPORT_ERR_INPUT);
}

/* ---- socket directory ---- */

static void test_handshake__socket_base_prefers_plugin_dir_then_tmpdir(void **state)
{
    (void)state;
    assert_string_equal(tf_handshake_socket_base("/run/p", "/var/tmp"), "/run/p");
    assert_string_equal(tf_handshake_socket_base("", "/var/tmp"), "/var/tmp");
    assert_string_equal(tf_handshake_socket_base(NULL, "/var/tmp"), "/var/tmp");
    assert_string_equal(tf_handshake_socket_base(NULL, ""), "/tmp");
    assert_string_equal(tf_handshake_socket_base(NULL, NULL), "/tmp");
}

static void test_handshake__socket_dir_is_private_and_removed(void **state)
{
    char base[] = "/tmp/test_handshake_XXXXXX";
    struct tf_socket_dir d;
    struct tf_transport_error err = {0, ""};
    struct stat st;
    (void)state;

    assert_non_null(mkdtemp(base));
    assert_int_equal(tf_handshake_socket_dir_create(&d, base, &err), 0);
    assert_int_equal(strncmp(d.dir, base, strlen(base)), 0);
    assert_int_equal(stat(d.dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(strncmp(d.path, d.dir, strlen(d.dir)), 0);
    assert_string_equal(d.path + strlen(d.dir), "/plugin.sock");

    /* A stand-in for the socket, which the server creates: removal must take it too. */
    FILE *f = fopen(d.path, "w");
    assert_non_null(f);
    fclose(f);
    tf_handshake_socket_dir_remove(&d);
    assert_int_equal(stat(d.dir, &st), -1);
    tf_handshake_socket_dir_remove(&d); /* twice is harmless */
    assert_int_equal(rmdir(base), 0);
}

static void test_handshake__socket_dir_rejects_long_or_missing_base(void **state)
{
    char longbase[200];
    struct tf_socket_dir d;
    struct tf_transport_error err = {0, ""};
    (void)state;

    memset(longbase, 'a', sizeof(longbase) - 1);
    longbase[0] = '/';
    longbase[sizeof(longbase) - 1] = '\0';
    assert_int_equal(tf_handshake_socket_dir_create(&d, longbase, &err), TF_TRANSPORT_ERR_INPUT);
    assert_int_equal(err.code, TF_TRANSPORT_ERR_INPUT);
    assert_non_null(strstr(err.message, "too long"));

    assert_int_equal(tf_handshake_socket_dir_create(&d, "/nonexistent/test_handshake", &err),
                     TF_TRANSPORT_ERR_SYSTEM);
    assert_non_null(strstr(err.message, "/nonexistent/test_handshake"));
}

/* ---- the AutoMTLS identity ---- */

static X509 *cert_from_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    assert_non_null(bio);
    X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(cert);
    return cert;
}

static EVP_PKEY *key_from_pem(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    assert_non_null(bio);
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(key);
    return key;
}

static int identity_setup(void **state)
{
    static struct tf_tls_identity id;
    struct tf_transport_error err = {0, ""};
    if (tf_tls_identity_create(&id, &err) != 0) {
        fprintf(stderr, "tf_tls_identity_create: %s\n", err.message);
        return -1;
    }
    *state = &id;
    return 0;
}

static int identity_teardown(void **state)
{
    struct tf_tls_identity *id = *state;
    tf_tls_identity_dispose(id);
    return id->key_pem == NULL && id->cert_pem == NULL && id->cert_b64 == NULL ? 0 : -1;
}

static void test_tls__key_is_ecdsa_p256_and_matches_the_certificate(void **state)
{
    struct tf_tls_identity *id = *state;
    X509 *cert = cert_from_pem(id->cert_pem);
    EVP_PKEY *key = key_from_pem(id->key_pem);
    char curve[64];
    size_t curve_len = 0;

    assert_int_equal(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
    assert_int_equal(EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof(curve), &curve_len),
                     1);
    assert_string_equal(curve, "prime256v1");
    assert_int_equal(X509_check_private_key(cert, key), 1);
    EVP_PKEY_free(key);
    X509_free(cert);
}

static void test_tls__certificate_has_go_plugin_properties(void **state)
{
    struct tf_tls_identity *id = *state;
    X509 *cert = cert_from_pem(id->cert_pem);
    char cn[64];
    time_t now = time(NULL);
    time_t lo = now - 45, hi = now - 15;

    /* CN and SAN: the client checks ServerName "localhost". */
    assert_true(
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn)) > 0);
    assert_string_equal(cn, "localhost");
    assert_int_equal(X509_check_host(cert, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(cert, "example.com", 0, 0, NULL), 0);

    /* Self-issued, self-signed, and a CA, as the client pins it as its root. */
    assert_int_equal(X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)), 0);
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    assert_int_equal(X509_verify(cert, pub), 1);
    assert_int_equal(X509_check_ca(cert), 1);

    uint32_t ku = X509_get_key_usage(cert);
    assert_true(ku & KU_DIGITAL_SIGNATURE);
    assert_true(ku & KU_KEY_ENCIPHERMENT);
    assert_true(ku & KU_KEY_AGREEMENT);
    assert_true(ku & KU_KEY_CERT_SIGN);
    uint32_t xku = X509_get_extended_key_usage(cert);
    assert_true(xku & XKU_SSL_SERVER);
    assert_true(xku & XKU_SSL_CLIENT);

    /* Valid from 30 s ago, for clock skew; valid for years. */
    assert_true(X509_cmp_time(X509_get0_notBefore(cert), &lo) > 0);
    assert_true(X509_cmp_time(X509_get0_notBefore(cert), &hi) < 0);
    time_t in_ten_years = now + 10L * 365 * 24 * 3600;
    assert_true(X509_cmp_time(X509_get0_notAfter(cert), &in_ten_years) > 0);
    X509_free(cert);
}

static void test_tls__handshake_text_is_the_der_certificate(void **state)
{
    struct tf_tls_identity *id = *state;
    X509 *cert = cert_from_pem(id->cert_pem);
    unsigned char *der = NULL;
    int der_len = i2d_X509(cert, &der);
    assert_true(der_len > 0);

    assert_null(strchr(id->cert_b64, '='));
    assert_null(strchr(id->cert_b64, '\n'));
    assert_int_equal(strlen(id->cert_b64), tf_handshake_base64_len((size_t)der_len));

    /* EVP_DecodeBlock wants padding back; it then yields the DER (plus up to 2 zero bytes). */
    size_t len = strlen(id->cert_b64);
    char *padded = malloc(len + 3);
    unsigned char *decoded = malloc(len + 3);
    assert_non_null(padded);
    assert_non_null(decoded);
    memcpy(padded, id->cert_b64, len);
    while (len % 4 != 0)
        padded[len++] = '=';
    padded[len] = '\0';
    assert_true(EVP_DecodeBlock(decoded, (unsigned char *)padded, (int)len) >= der_len);
    assert_memory_equal(decoded, der, (size_t)der_len);

    free(decoded);
    free(padded);
    OPENSSL_free(der);
    X509_free(cert);
}

/* Verifies leaf against a store holding only root, for the purpose gRPC's server uses. */
static int verify_client(X509 *leaf, X509 *root)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_non_null(store);
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_add_cert(store, root), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
    int ok = X509_verify_cert(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok;
}

static void test_tls__go_plugin_style_client_cert_verifies_against_itself_only(void **state)
{
    /* Terraform's client certificate comes from the same go-plugin template as ours, so a second
     * identity stands for it: pinned as the only root, it must verify as a TLS client, and any
     * other certificate must not. */
    struct tf_tls_identity *server = *state;
    struct tf_tls_identity client = {NULL, NULL, NULL};
    struct tf_transport_error err = {0, ""};
    assert_int_equal(tf_tls_identity_create(&client, &err), 0);

    X509 *client_cert = cert_from_pem(client.cert_pem);
    X509 *server_cert = cert_from_pem(server->cert_pem);
    assert_int_equal(verify_client(client_cert, client_cert), 1);
    assert_int_equal(verify_client(server_cert, client_cert), 0);
    /* Fresh per run: two identities never share a key. */
    assert_string_not_equal(client.cert_b64, server->cert_b64);

    X509_free(server_cert);
    X509_free(client_cert);
    tf_tls_identity_dispose(&client);
}

static void test_tls__client_cert_check_accepts_pem_and_rejects_garbage(void **state)
{
    struct tf_tls_identity *id = *state;
    struct tf_transport_error err = {0, ""};

    assert_int_equal(tf_tls_check_client_cert(id->cert_pem, &err), 0);
    assert_int_equal(tf_tls_check_client_cert("not a certificate", &err), TF_TRANSPORT_ERR_TLS);
    assert_non_null(strstr(err.message, "PLUGIN_CLIENT_CERT"));
    assert_int_equal(tf_tls_check_client_cert("-----BEGIN CERTIFICATE-----\nAAAA\n"
                                              "-----END CERTIFICATE-----\n",
                                              &err),
                     TF_TRANSPORT_ERR_TLS);
    assert_int_equal(tf_tls_check_client_cert("", &err), TF_TRANSPORT_ERR_TLS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake__cookie_must_match_exactly),
        cmocka_unit_test(test_handshake__picks_6_when_offered_else_5),
        cmocka_unit_test(test_handshake__base64_is_standard_and_unpadded),
        cmocka_unit_test(test_handshake__base64_rejects_a_short_buffer),
        cmocka_unit_test(test_handshake__line_has_go_plugin_layout),
        cmocka_unit_test(test_handshake__line_rejects_separators_and_overflow),
        cmocka_unit_test(test_handshake__reattach_line_is_valid_json_for_terraform),
        cmocka_unit_test(test_handshake__reattach_rejects_paths_needing_escapes),
        cmocka_unit_test(test_handshake__socket_base_prefers_plugin_dir_then_tmpdir),
        cmocka_unit_test(test_handshake__socket_dir_is_private_and_removed),
        cmocka_unit_test(test_handshake__socket_dir_rejects_long_or_missing_base),
        cmocka_unit_test_setup_teardown(test_tls__key_is_ecdsa_p256_and_matches_the_certificate,
                                        identity_setup, identity_teardown),
        cmocka_unit_test_setup_teardown(test_tls__certificate_has_go_plugin_properties,
                                        identity_setup, identity_teardown),
        cmocka_unit_test_setup_teardown(test_tls__handshake_text_is_the_der_certificate,
                                        identity_setup, identity_teardown),
        cmocka_unit_test_setup_teardown(
            test_tls__go_plugin_style_client_cert_verifies_against_itself_only, identity_setup,
            identity_teardown),
        cmocka_unit_test_setup_teardown(test_tls__client_cert_check_accepts_pem_and_rejects_garbage,
                                        identity_setup, identity_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
