/*
 * log.c - hclog-style JSON lines on stderr. See log.h.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LOG_MESSAGE_MAX 8192

static enum tf_log_level current_level = TF_LOG_INFO;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

static enum tf_log_level parse_level(const char *s)
{
    for (int i = TF_LOG_TRACE; i <= TF_LOG_OFF; i++) {
        if (strcasecmp(s, level_names[i]) == 0)
            return (enum tf_log_level)i;
    }
    /* Terraform treats any other non-empty TF_LOG value as TRACE. */
    return TF_LOG_TRACE;
}

void tf_log_init(void)
{
    const char *v = getenv("TF_LOG_PROVIDER");
    if (v == NULL || *v == '\0')
        v = getenv("TF_LOG");
    current_level = (v != NULL && *v != '\0') ? parse_level(v) : TF_LOG_INFO;
}

bool tf_log_enabled(enum tf_log_level level)
{
    return level >= current_level && level < TF_LOG_OFF;
}

/* Appends s to out as JSON string content; returns the new length, never past cap - 1. */
static size_t json_escape(char *out, size_t len, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s != '\0' && len + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[len++] = '\\';
            out[len++] = (char)c;
        } else if (c == '\n') {
            out[len++] = '\\';
            out[len++] = 'n';
        } else if (c < 0x20 || c == 0x7f) {
            memcpy(out + len, "\\u00", 4);
            out[len + 4] = hex[c >> 4];
            out[len + 5] = hex[c & 15];
            len += 6;
        } else {
            out[len++] = (char)c;
        }
    }
    out[len] = '\0';
    return len;
}

void tf_log(enum tf_log_level level, const char *fmt, ...)
{
    if (!tf_log_enabled(level))
        return;

    char message[LOG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char stamp[64];
    size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof(stamp) - n, ".%06ldZ", (long)tv.tv_usec);

    char line[LOG_MESSAGE_MAX * 6 + 256];
    int len = snprintf(
        line, sizeof(line),
        "{\"@level\":\"%s\",\"@module\":\"provider.ec2\",\"@timestamp\":\"%s\",\"@message\":\"",
        level_names[level], stamp);
    size_t l = json_escape(line, (size_t)len, sizeof(line) - 4, message);
    memcpy(line + l, "\"}\n", 4);
    /* One write per line keeps lines from concurrent calls whole. */
    ssize_t ignored = write(STDERR_FILENO, line, l + 3);
    (void)ignored;
}
