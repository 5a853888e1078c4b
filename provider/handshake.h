/*
 * handshake.h - how the provider is launched: go-plugin's environment contract and its one stdout
 * line.
 *
 * Terraform (and OpenTofu) start the provider through hashicorp/go-plugin. The client sets a magic
 * cookie, the protocol versions it speaks and, for AutoMTLS, its own certificate; the plugin
 * answers with a single stdout line naming the socket and the server certificate, then serves gRPC
 * there. Everything here that reads input is a pure function of its arguments (no getenv inside),
 * so the unit tests drive it with any environment; main.c reads the real one. The socket directory
 * helpers are the only functions that touch the file system.
 *
 * Errors are values: functions return 0 or a negative enum tf_transport_code and fill a
 * caller-passed struct tf_transport_error with one line fit for the user. tls.h and server.h use
 * the same error type.
 */
#ifndef TF_HANDSHAKE_H
#define TF_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TF_HANDSHAKE_COOKIE_KEY   "TF_PLUGIN_MAGIC_COOKIE"
#define TF_HANDSHAKE_COOKIE_VALUE "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
/* go-plugin's own protocol version, the first field of the handshake line. */
#define TF_HANDSHAKE_CORE_VERSION 1
/* The provider address printed for TF_REATTACH_PROVIDERS in --debug mode. */
#define TF_HANDSHAKE_PROVIDER_ADDR "registry.terraform.io/ami-tools/ec2"

/* Codes shared by the transport modules (handshake, tls, server). Numbers are never reused. */
enum tf_transport_code {
    TF_TRANSPORT_OK = 0,
    TF_TRANSPORT_ERR_INPUT = -1,  /* the environment or an argument is malformed */
    TF_TRANSPORT_ERR_SYSTEM = -2, /* an OS call failed (errno text in the message) */
    TF_TRANSPORT_ERR_TLS = -3,    /* key or certificate generation, or a bad client cert */
    TF_TRANSPORT_ERR_GRPC = -4,   /* gRPC refused to create or start the server */
    TF_TRANSPORT_ERR_NOMEM = -5,
    TF_TRANSPORT_ERR_BUSY = -6, /* a server stop found handlers still running at its deadline */
};

struct tf_transport_error {
    int code;          /* the enum tf_transport_code also returned */
    char message[256]; /* one line, no secrets */
};

/* Sets err (when not NULL) to code and the formatted message; returns code, for `return set(...)`.
 */
int tf_transport_error_set(struct tf_transport_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The text printed on stderr when the binary is run by hand without the cookie. */
extern const char tf_handshake_not_a_plugin_message[];

/* True when value (TF_PLUGIN_MAGIC_COOKIE, may be NULL) is exactly go-plugin's cookie. */
bool tf_handshake_cookie_ok(const char *value);

/* The app protocol version to serve, given PLUGIN_PROTOCOL_VERSIONS (may be NULL): 6 when the list
 * offers 6, else 5. As in go-plugin, entries are comma-separated decimal integers (an optional
 * sign, no spaces); entries that do not parse are skipped, and when nothing matches, or the
 * variable is absent, the lowest version we speak (5) is used. */
int tf_handshake_pick_version(const char *offered);

/* Length of the unpadded standard base64 text for len bytes (without a NUL). */
size_t tf_handshake_base64_len(size_t len);

/* Writes in[0..len) as standard-alphabet base64 without '=' padding and NUL-terminates it.
 * Returns the text length, or TF_TRANSPORT_ERR_INPUT when out_size < tf_handshake_base64_len + 1.
 */
int tf_handshake_base64_encode(char *out, size_t out_size, const uint8_t *in, size_t len);

/* Formats the handshake line "1|<version>|unix|<socket_path>|grpc|<cert_b64>\n" (cert_b64 "" when
 * serving plaintext). Returns its length, or TF_TRANSPORT_ERR_INPUT if it does not fit or a field
 * holds '|' or a newline (the client splits on them). */
int tf_handshake_format_line(char *out, size_t out_size, int version, const char *socket_path,
                             const char *cert_b64);

/* Formats the --debug instruction "TF_REATTACH_PROVIDERS='{...}'" (no newline) for the provider at
 * TF_HANDSHAKE_PROVIDER_ADDR serving version over the unix socket_path. Returns its length, or
 * TF_TRANSPORT_ERR_INPUT if it does not fit or the path holds a character that would need escaping
 * in the JSON or the shell quotes (', ", \, control bytes). */
int tf_handshake_format_reattach(char *out, size_t out_size, int version, pid_t pid,
                                 const char *socket_path);

/* The folder under which the socket directory is made: unix_socket_dir (PLUGIN_UNIX_SOCKET_DIR)
 * when set and non-empty, else tmpdir (TMPDIR) when set and non-empty, else "/tmp". Returns one of
 * its arguments or a static string. */
const char *tf_handshake_socket_base(const char *unix_socket_dir, const char *tmpdir);

/* A private directory holding the listening socket. */
struct tf_socket_dir {
    char dir[256];  /* base/tf-ec2-XXXXXX, mode 0700 */
    char path[108]; /* dir/plugin.sock; fits sockaddr_un.sun_path */
};

/* Creates a fresh 0700 directory under base and fills out with it and the socket path inside (the
 * socket itself is created by the server). Returns 0; TF_TRANSPORT_ERR_INPUT if the path would not
 * fit a unix socket address; TF_TRANSPORT_ERR_SYSTEM if mkdtemp fails. On error out is untouched.
 */
int tf_handshake_socket_dir_create(struct tf_socket_dir *out, const char *base,
                                   struct tf_transport_error *err);

/* Removes the socket (if present) and the directory. Safe to call twice; errors are ignored, as
 * this runs on the way out. Async-signal-safe (unlink and rmdir only). */
void tf_handshake_socket_dir_remove(const struct tf_socket_dir *d);

#endif
