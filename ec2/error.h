/*
 * error.h - internal helpers to fill a struct ec2_error (see ec2.h for the struct itself).
 *
 * Every module reports failures through these so that messages stay one line without CR/LF and
 * so that remote text is sanitised in one place.
 */
#ifndef EC2_ERROR_H
#define EC2_ERROR_H

#include <stddef.h>

#include "ec2.h"

/*
 * Fill `err` (may be NULL) with code, class and a printf-formatted message; http_status,
 * ec2_code and request_id are cleared. Returns `code` so callers can `return ec2_error_set(...)`.
 */
int ec2_error_set(struct ec2_error *err, int code, enum ec2_error_class error_class,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Copy at most `len` bytes of untrusted `src` (up to a NUL) into `dst` (size `size`, always
 * NUL-terminated) as one line of valid UTF-8: CR, LF and other control bytes become spaces, each
 * byte that is not valid UTF-8 becomes '?', surrounding blanks are trimmed, and text that does not
 * fit, or that `len` cuts, ends on a character boundary. `dst` may be `src`.
 */
void ec2_error_copy_clean(char *dst, size_t size, const char *src, size_t len);

#endif
