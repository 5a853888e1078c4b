/*
 * query.c - EC2 Query API form bodies (see query.h).
 *
 * Keys and values are both percent-encoded per RFC 3986 (space is %20, never '+'), as the
 * SDKs do; booleans are "true"/"false"; lists are 1-based and omitted when empty.
 */
#include "query.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define QUERY_MAX_BODY ((size_t)8 << 20)
#define KEY_MAX        256

void ec2_query_init(struct ec2_query *q, const char *action)
{
    ec2_buf_init(&q->body, QUERY_MAX_BODY);
    q->status = 0;
    ec2_query_add(q, action, "Action");
    ec2_query_add(q, EC2_API_VERSION, "Version");
}

static void add_pair(struct ec2_query *q, const char *key, const char *value)
{
    size_t mark = q->body.len;
    int rc;

    if (q->status != 0)
        return;
    rc = q->body.len > 0 ? ec2_buf_append(&q->body, "&", 1) : 0;
    if (rc == 0)
        rc = ec2_buf_append_uri(&q->body, key, strlen(key), false);
    if (rc == 0)
        rc = ec2_buf_append(&q->body, "=", 1);
    if (rc == 0)
        rc = ec2_buf_append_uri(&q->body, value, strlen(value), false);
    if (rc < 0) {
        q->body.len = mark;
        if (q->body.data != NULL)
            q->body.data[mark] = '\0';
        q->status = rc;
    }
}

/* Format the key; an over-long key is a programming error reported as invalid argument. */
static bool format_key(struct ec2_query *q, char *key, const char *fmt, va_list ap)
{
    int n = vsnprintf(key, KEY_MAX, fmt, ap);

    if (n < 0 || n >= KEY_MAX) {
        if (q->status == 0)
            q->status = EC2_ERR_INVALID_ARGUMENT;
        return false;
    }
    return true;
}

void ec2_query_add(struct ec2_query *q, const char *value, const char *key_fmt, ...)
{
    char key[KEY_MAX];
    va_list ap;
    bool ok;

    if (value == NULL)
        return;
    va_start(ap, key_fmt);
    ok = format_key(q, key, key_fmt, ap);
    va_end(ap);
    if (ok)
        add_pair(q, key, value);
}

void ec2_query_add_bool(struct ec2_query *q, bool value, const char *key_fmt, ...)
{
    char key[KEY_MAX];
    va_list ap;
    bool ok;

    va_start(ap, key_fmt);
    ok = format_key(q, key, key_fmt, ap);
    va_end(ap);
    if (ok)
        add_pair(q, key, value ? "true" : "false");
}

void ec2_query_add_opt_bool(struct ec2_query *q, enum ec2_bool value, const char *key_fmt, ...)
{
    char key[KEY_MAX];
    va_list ap;
    bool ok;

    if (value == EC2_BOOL_UNSET)
        return;
    va_start(ap, key_fmt);
    ok = format_key(q, key, key_fmt, ap);
    va_end(ap);
    if (ok)
        add_pair(q, key, value == EC2_BOOL_TRUE ? "true" : "false");
}

void ec2_query_add_int(struct ec2_query *q, int64_t value, const char *key_fmt, ...)
{
    char key[KEY_MAX], text[24];
    va_list ap;
    bool ok;

    va_start(ap, key_fmt);
    ok = format_key(q, key, key_fmt, ap);
    va_end(ap);
    snprintf(text, sizeof(text), "%" PRId64, value);
    if (ok)
        add_pair(q, key, text);
}

void ec2_query_add_time(struct ec2_query *q, int64_t epoch_seconds, const char *key_fmt, ...)
{
    char key[KEY_MAX], text[32];
    va_list ap;
    bool ok;

    va_start(ap, key_fmt);
    ok = format_key(q, key, key_fmt, ap);
    va_end(ap);
    if (ec2_time_format(text, sizeof(text), epoch_seconds) < 0) {
        if (q->status == 0)
            q->status = EC2_ERR_INVALID_ARGUMENT;
        return;
    }
    if (ok)
        add_pair(q, key, text);
}

void ec2_query_add_list(struct ec2_query *q, const char *prefix, const char *const *values,
                        size_t n)
{
    for (size_t i = 0; i < n && values != NULL; i++)
        ec2_query_add(q, values[i], "%s.%zu", prefix, i + 1);
}

void ec2_query_add_filters(struct ec2_query *q, const struct ec2_filter *filters, size_t n)
{
    for (size_t i = 0; i < n && filters != NULL; i++) {
        ec2_query_add(q, filters[i].name, "Filter.%zu.Name", i + 1);
        for (size_t j = 0; j < filters[i].n_values && filters[i].values != NULL; j++)
            ec2_query_add(q, filters[i].values[j], "Filter.%zu.Value.%zu", i + 1, j + 1);
    }
}

void ec2_query_add_tags(struct ec2_query *q, const char *prefix, const struct ec2_tag *tags,
                        size_t n)
{
    for (size_t i = 0; i < n && tags != NULL; i++) {
        ec2_query_add(q, tags[i].key, "%s.%zu.Key", prefix, i + 1);
        ec2_query_add(q, tags[i].value, "%s.%zu.Value", prefix, i + 1);
    }
}

void ec2_query_add_tag_specifications(struct ec2_query *q,
                                      const struct ec2_tag_specification *specs, size_t n)
{
    char prefix[64];

    for (size_t i = 0; i < n && specs != NULL; i++) {
        ec2_query_add(q, specs[i].resource_type, "TagSpecification.%zu.ResourceType", i + 1);
        snprintf(prefix, sizeof(prefix), "TagSpecification.%zu.Tag", i + 1);
        ec2_query_add_tags(q, prefix, specs[i].tags, specs[i].n_tags);
    }
}

int ec2_query_status(const struct ec2_query *q)
{
    return q->status;
}

void ec2_query_dispose(struct ec2_query *q)
{
    if (q != NULL)
        ec2_buf_dispose(&q->body);
}
