/*
 * handshake.c - go-plugin's launch contract: cookie, version choice, the handshake and reattach
 * lines, and the private socket directory. See handshake.h; main.c calls these once at start.
 */
#include "handshake.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SOCKET_NAME "plugin.sock"

const char tf_handshake_not_a_plugin_message[] =
    "This binary is a plugin for Terraform and OpenTofu; it is not meant to be run directly.\n"
    "Run terraform or tofu instead: they start it when a configuration uses this provider.\n"
    "To attach a debugger, run it with --debug and follow the instructions it prints.\n";

int tf_transport_error_set(struct tf_transport_error *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

bool tf_handshake_cookie_ok(const char *value)
{
    return value != NULL && strcmp(value, TF_HANDSHAKE_COOKIE_VALUE) == 0;
}

/* Parses s[0..len) the way Go's strconv.Atoi does: optional sign, then at least one decimal digit,
 * nothing else. Returns false for anything else, including values past INT_MAX. */
static bool parse_int(const char *s, size_t len, int *out)
{
    size_t i = 0;
    bool negative = false;
    long value = 0;

    if (len > 0 && (s[0] == '+' || s[0] == '-')) {
        negative = s[0] == '-';
        i = 1;
    }
    if (i == len)
        return false;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        value = value * 10 + (s[i] - '0');
        if (value > INT_MAX)
            return false;
    }
    *out = negative ? (int)-value : (int)value;
    return true;
}

/* Whether the comma-separated list offers version; entries that do not parse are skipped. */
static bool list_offers(const char *list, int version)
{
    const char *p = list;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        int v;
        if (parse_int(p, len, &v) && v == version)
            return true;
        if (comma == NULL)
            return false;
        p = comma + 1;
    }
}

int tf_handshake_pick_version(const char *offered)
{
    /* go-plugin tries the server's versions newest first and falls back to its lowest one. */
    static const int served[] = {6, 5};
    if (offered == NULL || *offered == '\0')
        return 5;
    for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++) {
        if (list_offers(offered, served[i]))
            return served[i];
    }
    return 5;
}

size_t tf_handshake_base64_len(size_t len)
{
    return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
}

int tf_handshake_base64_encode(char *out, size_t out_size, const uint8_t *in, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t need = tf_handshake_base64_len(len);
    size_t o = 0;

    if (need >= out_size || need > INT_MAX)
        return TF_TRANSPORT_ERR_INPUT;
    for (size_t i = 0; i < len; i += 3) {
        size_t rest = len - i;
        uint32_t group = (uint32_t)in[i] << 16;
        if (rest > 1)
            group |= (uint32_t)in[i + 1] << 8;
        if (rest > 2)
            group |= in[i + 2];
        out[o++] = alphabet[(group >> 18) & 63];
        out[o++] = alphabet[(group >> 12) & 63];
        /* The raw encoding simply stops where padding would begin. */
        if (rest > 1)
            out[o++] = alphabet[(group >> 6) & 63];
        if (rest > 2)
            out[o++] = alphabet[group & 63];
    }
    out[o] = '\0';
    return (int)o;
}

static bool has_separator(const char *s)
{
    return strpbrk(s, "|\r\n") != NULL;
}

int tf_handshake_format_line(char *out, size_t out_size, int version, const char *socket_path,
                             const char *cert_b64)
{
    if (has_separator(socket_path) || has_separator(cert_b64))
        return TF_TRANSPORT_ERR_INPUT;
    int n = snprintf(out, out_size, "%d|%d|unix|%s|grpc|%s\n", TF_HANDSHAKE_CORE_VERSION, version,
                     socket_path, cert_b64);
    if (n < 0 || (size_t)n >= out_size)
        return TF_TRANSPORT_ERR_INPUT;
    return n;
}

int tf_handshake_format_reattach(char *out, size_t out_size, int version, pid_t pid,
                                 const char *socket_path)
{
    for (const char *p = socket_path; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '\'')
            return TF_TRANSPORT_ERR_INPUT;
    }
    int n =
        snprintf(out, out_size,
                 "TF_REATTACH_PROVIDERS='{\"%s\":{\"Protocol\":\"grpc\",\"ProtocolVersion\":%d,"
                 "\"Pid\":%ld,\"Test\":true,\"Addr\":{\"Network\":\"unix\",\"String\":\"%s\"}}}'",
                 TF_HANDSHAKE_PROVIDER_ADDR, version, (long)pid, socket_path);
    if (n < 0 || (size_t)n >= out_size)
        return TF_TRANSPORT_ERR_INPUT;
    return n;
}

const char *tf_handshake_socket_base(const char *unix_socket_dir, const char *tmpdir)
{
    if (unix_socket_dir != NULL && *unix_socket_dir != '\0')
        return unix_socket_dir;
    if (tmpdir != NULL && *tmpdir != '\0')
        return tmpdir;
    return "/tmp";
}

int tf_handshake_socket_dir_create(struct tf_socket_dir *out, const char *base,
                                   struct tf_transport_error *err)
{
    char dir[sizeof(out->dir)];
    char path[sizeof(out->path)];
    int n = snprintf(dir, sizeof(dir), "%s/tf-ec2-XXXXXX", base);

    if (n < 0 || (size_t)n >= sizeof(dir) || (size_t)n + 1 + strlen(SOCKET_NAME) >= sizeof(path))
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_INPUT,
                                      "socket directory base \"%s\" is too long for a unix socket "
                                      "path; set PLUGIN_UNIX_SOCKET_DIR or TMPDIR to a shorter one",
                                      base);
    /* mkdtemp makes the directory 0700: only this user can reach the socket inside. */
    if (mkdtemp(dir) == NULL)
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_SYSTEM,
                                      "cannot create a socket directory under %s: %s", base,
                                      strerror(errno));
    /* Fits: the length check above counted the directory, the slash, the name and the NUL. */
    size_t dir_len = strlen(dir);
    memcpy(path, dir, dir_len);
    path[dir_len] = '/';
    memcpy(path + dir_len + 1, SOCKET_NAME, sizeof(SOCKET_NAME));
    memcpy(out->dir, dir, sizeof(dir));
    memcpy(out->path, path, sizeof(path));
    return TF_TRANSPORT_OK;
}

void tf_handshake_socket_dir_remove(const struct tf_socket_dir *d)
{
    if (d->path[0] != '\0')
        unlink(d->path);
    if (d->dir[0] != '\0')
        rmdir(d->dir);
}
