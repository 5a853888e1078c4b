/*
 * query.h - builds an EC2 Query API form body: Action, Version, then flattened parameters.
 *
 * Errors are sticky: the add functions return nothing and record the first failure, which
 * ec2_query_finish() reports, so an operation can add all its parameters and check once.
 * Keys are printf formats so that list indexes (1-based) read naturally at the call site.
 */
#ifndef EC2_QUERY_H
#define EC2_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ec2.h"

#define EC2_API_VERSION "2016-11-15"

struct ec2_query {
    struct ec2_buf body;
    int status; /* first failure (EC2_ERR_NOMEM / EC2_ERR_TOO_LARGE) or 0 */
};

/* Start a body "Action=<action>&Version=2016-11-15". */
void ec2_query_init(struct ec2_query *q, const char *action);

/* Add key=value (value percent-encoded); a NULL value adds nothing. */
void ec2_query_add(struct ec2_query *q, const char *value, const char *key_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ec2_query_add_bool(struct ec2_query *q, bool value, const char *key_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* EC2_BOOL_UNSET adds nothing. */
void ec2_query_add_opt_bool(struct ec2_query *q, enum ec2_bool value, const char *key_fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ec2_query_add_int(struct ec2_query *q, int64_t value, const char *key_fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ISO-8601 UTC ("2030-01-01T00:00:00Z"); an out-of-range time records EC2_ERR_INVALID_ARGUMENT. */
void ec2_query_add_time(struct ec2_query *q, int64_t epoch_seconds, const char *key_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* <prefix>.1=v1&<prefix>.2=v2... (nothing for an empty list; NULL entries are skipped but keep
 * their index so positions stay stable). */
void ec2_query_add_list(struct ec2_query *q, const char *prefix, const char *const *values,
                        size_t n);
/* Filter.N.Name, Filter.N.Value.M */
void ec2_query_add_filters(struct ec2_query *q, const struct ec2_filter *filters, size_t n);
/* <prefix>.N.Key / <prefix>.N.Value (a NULL value sends only the key). */
void ec2_query_add_tags(struct ec2_query *q, const char *prefix, const struct ec2_tag *tags,
                        size_t n);
/* TagSpecification.N.ResourceType, TagSpecification.N.Tag.M.{Key,Value} */
void ec2_query_add_tag_specifications(struct ec2_query *q,
                                      const struct ec2_tag_specification *specs, size_t n);

/* 0 or the first recorded failure. */
int ec2_query_status(const struct ec2_query *q);

/* Free the body (NULL-safe). */
void ec2_query_dispose(struct ec2_query *q);

#endif
