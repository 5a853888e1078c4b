/*
 * fuzz_util.h - what every libFuzzer target in fuzz/ shares: the entry points' prototypes (the
 * build warns about functions without one) and the checks that turn a broken invariant into a crash
 * libFuzzer records.
 *
 * A target returns 0 for every input; it aborts (through FUZZ_CHECK) only when the code under test
 * broke its own contract, so each crash file is a bug report.
 */
#ifndef TF_FUZZ_UTIL_H
#define TF_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with the broken invariant's text: libFuzzer then saves the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A malloc'd NUL-terminated copy of data[0..size), for APIs that take C strings (embedded NULs
 * then end the string early, as they would in the environment). NULL only on out-of-memory. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* True when s (NUL-terminated, within a buffer of `size` bytes) is one line of text: it ends before
 * the buffer does and holds no CR or LF. Errors shown to the user must be one line. */
static inline int fuzz_one_line(const char *s, size_t size)
{
    size_t len = strnlen(s, size);
    return len < size && memchr(s, '\n', len) == NULL && memchr(s, '\r', len) == NULL;
}

/* True when s[0..len) is valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF). Text that reaches Terraform travels in protobuf `string` fields, and Terraform's
 * protobuf decoder rejects a whole message whose strings are not valid UTF-8. */
static inline int fuzz_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        size_t n;
        unsigned min, cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1, min = 0x80, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, min = 0x800, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* True when FUZZ_LAX_UTF8 is set in the environment (run.sh -l): a fuzzing run then skips the
 * UTF-8 and one-line checks on messages and leaves out JSON input that is not UTF-8, so that it can
 * get past a known, not yet fixed, UTF-8 bug. Regression replays never set it. */
static inline int fuzz_lax_utf8(void)
{
    static int lax = -1;

    if (lax < 0)
        lax = getenv("FUZZ_LAX_UTF8") != NULL;
    return lax;
}

/* A message fit for a diagnostic: one line of valid UTF-8, NUL-terminated within its buffer. */
static inline int fuzz_message_ok(const char *s, size_t size)
{
    if (strnlen(s, size) >= size)
        return 0;
    return fuzz_lax_utf8() || (fuzz_one_line(s, size) && fuzz_utf8_valid(s, strlen(s)));
}

#endif
