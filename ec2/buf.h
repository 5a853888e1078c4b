/*
 * buf.h - a growable, NUL-terminated byte buffer with a size cap, plus RFC 3986 encoding into it.
 *
 * Used for request bodies, response bodies, canonical requests and messages. The cap keeps any
 * single buffer (a response body above all) from eating memory.
 */
#ifndef EC2_BUF_H
#define EC2_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct ec2_buf {
    char *data; /* NUL-terminated when non-NULL; NULL while empty */
    size_t len;
    size_t cap;
    size_t max; /* largest allowed len */
};

/* Start empty with a cap of `max` bytes (0 means 1 GiB). Cannot fail. */
void ec2_buf_init(struct ec2_buf *buf, size_t max);

/*
 * Append bytes. Returns 0, EC2_ERR_NOMEM or EC2_ERR_TOO_LARGE (len would pass max); on failure
 * the buffer keeps its previous content.
 */
int ec2_buf_append(struct ec2_buf *buf, const void *data, size_t len);
int ec2_buf_appends(struct ec2_buf *buf, const char *str);
int ec2_buf_appendf(struct ec2_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Append `len` bytes of `str` percent-encoded per RFC 3986: only A-Za-z0-9-_.~ stay literal
 * (and '/' when keep_slash). Same returns as ec2_buf_append.
 */
int ec2_buf_append_uri(struct ec2_buf *buf, const char *str, size_t len, bool keep_slash);

/* The content as a string ("" when empty); borrowed. */
const char *ec2_buf_str(const struct ec2_buf *buf);

/* Drop the content, keep the allocation. */
void ec2_buf_clear(struct ec2_buf *buf);

/* Free the content and reset to empty (NULL-safe). */
void ec2_buf_dispose(struct ec2_buf *buf);

#endif
