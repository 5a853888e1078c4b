/*
 * error.c - codes, names and texts of ec2 errors, and the helpers that fill struct ec2_error.
 *
 * Names and texts come from the one EC2_ERROR_LIST in ec2.h so they never drift from the enum.
 * Remote text (EC2's messages) and every formatted message pass through ec2_error_copy_clean() so
 * that a diagnostic is always one line of valid UTF-8 (Terraform rejects any other text).
 */
#include "error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *ec2_strerror(int code)
{
    switch (code) {
#define EC2_ERROR_TEXT_(name, num, text)                                                           \
    case num:                                                                                      \
        return text;
        EC2_ERROR_LIST(EC2_ERROR_TEXT_)
#undef EC2_ERROR_TEXT_
    default:
        return "unknown error";
    }
}

const char *ec2_error_name(int code)
{
    switch (code) {
#define EC2_ERROR_NAME_(name, num, text)                                                           \
    case num:                                                                                      \
        return #name;
        EC2_ERROR_LIST(EC2_ERROR_NAME_)
#undef EC2_ERROR_NAME_
    default:
        return "EC2_ERR_UNKNOWN";
    }
}

const char *ec2_error_class_name(enum ec2_error_class error_class)
{
    switch (error_class) {
    case EC2_CLASS_NONE:
        return "none";
    case EC2_CLASS_THROTTLING:
        return "throttling";
    case EC2_CLASS_TRANSIENT:
        return "transient";
    case EC2_CLASS_CLIENT:
        return "client";
    case EC2_CLASS_DRY_RUN_OK:
        return "dry-run-ok";
    case EC2_CLASS_UNAUTHORIZED:
        return "unauthorized";
    case EC2_CLASS_NOT_FOUND:
        return "not-found";
    case EC2_CLASS_CANCELLED:
        return "cancelled";
    case EC2_CLASS_TIMEOUT:
        return "timeout";
    case EC2_CLASS_LOCAL:
        return "local";
    }
    return "unknown";
}

void ec2_error_init(struct ec2_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof(*err));
}

bool ec2_error_is_retryable(const struct ec2_error *err)
{
    return err != NULL &&
           (err->error_class == EC2_CLASS_THROTTLING || err->error_class == EC2_CLASS_TRANSIENT);
}

/* Bytes in the valid UTF-8 sequence at s (n > 0 bytes available; RFC 3629 ranges, so no overlong
 * forms, surrogates or code points past U+10FFFF), or 0 when invalid. *cut is set when the
 * sequence is a valid start that the end of the text cuts short. */
static size_t utf8_sequence(const unsigned char *s, size_t n, bool *cut)
{
    unsigned char lo = 0x80, hi = 0xbf;
    size_t len;

    *cut = false;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xe0)
        lo = 0xa0;
    else if (s[0] == 0xed)
        hi = 0x9f;
    else if (s[0] == 0xf0)
        lo = 0x90;
    else if (s[0] == 0xf4)
        hi = 0x8f;
    for (size_t i = 1; i < len; i++) {
        if (i == n) {
            *cut = true;
            return 0;
        }
        if (s[i] < lo || s[i] > hi)
            return 0;
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

void ec2_error_copy_clean(char *dst, size_t size, const char *src, size_t len)
{
    const unsigned char *u = (const unsigned char *)src;
    size_t n = 0, i = 0, step;
    bool cut;

    if (size == 0)
        return;
    len = strnlen(src, len);
    while (i < len && is_blank(src[i]))
        i++;
    /* Each output byte comes from at least one input byte at or after it, so dst may be src. */
    while (i < len) {
        step = utf8_sequence(u + i, len - i, &cut);
        /* A character cut by the caller's byte limit is dropped, not shown half. */
        if (cut)
            break;
        if (step <= 1) {
            if (n + 1 >= size)
                break;
            dst[n++] = step == 0 ? '?' : (u[i] < 0x20 || u[i] == 0x7f) ? ' ' : src[i];
            i++;
            continue;
        }
        if (n + step >= size)
            break;
        memmove(dst + n, src + i, step);
        n += step;
        i += step;
    }
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

int ec2_error_set(struct ec2_error *err, int code, enum ec2_error_class error_class,
                  const char *fmt, ...)
{
    char tmp[sizeof(err->message)];
    va_list ap;

    if (err == NULL)
        return code;
    memset(err, 0, sizeof(*err));
    err->code = code;
    err->error_class = error_class;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    ec2_error_copy_clean(err->message, sizeof(err->message), tmp, strlen(tmp));
    return code;
}

size_t ec2_error_format(char *buf, size_t size, const struct ec2_error *err)
{
    char detail[160] = "";
    const char *msg;
    int n;

    if (err == NULL)
        return (size_t)snprintf(buf, size, "%s", "unknown error");
    msg = err->message[0] != '\0' ? err->message : ec2_strerror(err->code);
    if (err->request_id[0] != '\0' && err->http_status != 0)
        snprintf(detail, sizeof(detail), " (request id %s, HTTP %d)", err->request_id,
                 err->http_status);
    else if (err->request_id[0] != '\0')
        snprintf(detail, sizeof(detail), " (request id %s)", err->request_id);
    else if (err->http_status != 0)
        snprintf(detail, sizeof(detail), " (HTTP %d)", err->http_status);
    n = snprintf(buf, size, "%s%s%s%s", err->ec2_code, err->ec2_code[0] != '\0' ? ": " : "", msg,
                 detail);
    return n < 0 ? 0 : (size_t)n;
}
