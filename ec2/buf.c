/*
 * buf.c - growable capped buffer (see buf.h).
 */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec2.h"

#define BUF_DEFAULT_MAX ((size_t)1 << 30)

void ec2_buf_init(struct ec2_buf *buf, size_t max)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->max = max != 0 ? max : BUF_DEFAULT_MAX;
}

static int reserve(struct ec2_buf *buf, size_t extra)
{
    size_t need, cap;
    char *data;

    if (extra > buf->max || buf->len > buf->max - extra)
        return EC2_ERR_TOO_LARGE;
    need = buf->len + extra + 1;
    if (need <= buf->cap)
        return 0;
    cap = buf->cap != 0 ? buf->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    data = realloc(buf->data, cap);
    if (data == NULL)
        return EC2_ERR_NOMEM;
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int ec2_buf_append(struct ec2_buf *buf, const void *data, size_t len)
{
    int rc = reserve(buf, len);

    if (rc < 0)
        return rc;
    if (len > 0)
        memcpy(buf->data + buf->len, data, len);
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int ec2_buf_appends(struct ec2_buf *buf, const char *str)
{
    return ec2_buf_append(buf, str, strlen(str));
}

int ec2_buf_appendf(struct ec2_buf *buf, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return EC2_ERR_GENERIC;
    rc = reserve(buf, (size_t)n);
    if (rc < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return 0;
}

static bool unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_' || ch == '.' || ch == '~';
}

int ec2_buf_append_uri(struct ec2_buf *buf, const char *str, size_t len, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = buf->len;

    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)str[i];
        char enc[3];
        int rc;
        if (unreserved(ch) || (keep_slash && ch == '/')) {
            rc = ec2_buf_append(buf, &str[i], 1);
        } else {
            enc[0] = '%';
            enc[1] = hex[ch >> 4];
            enc[2] = hex[ch & 15];
            rc = ec2_buf_append(buf, enc, 3);
        }
        if (rc < 0) {
            /* Keep the "previous content on failure" promise. */
            buf->len = start;
            if (buf->data != NULL)
                buf->data[start] = '\0';
            return rc;
        }
    }
    return 0;
}

const char *ec2_buf_str(const struct ec2_buf *buf)
{
    return buf->data != NULL ? buf->data : "";
}

void ec2_buf_clear(struct ec2_buf *buf)
{
    buf->len = 0;
    if (buf->data != NULL)
        buf->data[0] = '\0';
}

void ec2_buf_dispose(struct ec2_buf *buf)
{
    if (buf == NULL)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}
