/*
 * duration.c - parsing "1h30m"-style durations (duration.h). Each term is read as an integer part
 * and up to nine fraction digits in integer arithmetic, so "0.1h" is exactly 360000 ms without
 * floating-point rounding.
 */
#include "duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int fail(char *why, size_t why_size, const char *text, const char *reason)
{
    if (why != NULL && why_size > 0)
        snprintf(why, why_size, "\"%s\" is not a duration: %s", text != NULL ? text : "", reason);
    return -1;
}

/* Milliseconds per unit at the start of s, and the unit's length; 0 when no unit is there. */
static int64_t unit_ms(const char *s, size_t *len)
{
    if (strncmp(s, "ms", 2) == 0) {
        *len = 2;
        return 1;
    }
    *len = 1;
    switch (*s) {
    case 's':
        return 1000;
    case 'm':
        return 60 * 1000;
    case 'h':
        return 3600 * 1000;
    default:
        *len = 0;
        return 0;
    }
}

int tf_duration_parse(int64_t *out_ms, const char *text, char *why, size_t why_size)
{
    const char *p = text;
    int64_t total = 0;

    if (text == NULL || *text == '\0')
        return fail(why, why_size, text, "it is empty (write e.g. \"40m\" or \"1h30m\")");
    while (*p != '\0') {
        int64_t whole = 0, frac = 0, frac_scale = 1, mult;
        bool digits = false;
        size_t ulen;

        for (; *p >= '0' && *p <= '9'; p++) {
            digits = true;
            if (whole > TF_DURATION_MAX_MS)
                return fail(why, why_size, text, "it is too long (at most 366 days)");
            whole = whole * 10 + (*p - '0');
        }
        if (*p == '.') {
            for (p++; *p >= '0' && *p <= '9'; p++) {
                digits = true;
                if (frac_scale < 1000000000) {
                    frac = frac * 10 + (*p - '0');
                    frac_scale *= 10;
                }
            }
        }
        if (!digits)
            return fail(why, why_size, text, "expected a number followed by ms, s, m or h");
        mult = unit_ms(p, &ulen);
        if (mult == 0)
            return fail(why, why_size, text, "each number needs a unit: ms, s, m or h");
        p += ulen;
        if (whole > TF_DURATION_MAX_MS / mult)
            return fail(why, why_size, text, "it is too long (at most 366 days)");
        total += whole * mult + frac * mult / frac_scale;
        if (total > TF_DURATION_MAX_MS)
            return fail(why, why_size, text, "it is too long (at most 366 days)");
    }
    if (total <= 0)
        return fail(why, why_size, text, "it must be longer than zero");
    *out_ms = total;
    return 0;
}
