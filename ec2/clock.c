/*
 * clock.c - real time, sleep and random sources, and ISO-8601 timestamps (see clock.h, ec2.h).
 *
 * The default random source is OpenSSL's RAND_bytes: thread-safe without a shared seed, which
 * rand() would need.
 */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

static int64_t wall_ms(void *payload)
{
    struct timespec ts;

    (void)payload;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ec2_clock_monotonic_ms(void *payload)
{
    struct timespec ts;

    (void)payload;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ec2_clock_sleep(void *payload, int64_t ms, const atomic_int *cancel)
{
    int64_t end = ec2_clock_monotonic_ms(payload) + ms;

    for (;;) {
        int64_t left;
        struct timespec ts;
        if (cancel != NULL && atomic_load(cancel) != 0)
            return EC2_ERR_CANCELLED;
        left = end - ec2_clock_monotonic_ms(payload);
        if (left <= 0)
            return 0;
        /* Short slices so that a raised cancel flag is seen within 50 ms. */
        if (left > 50)
            left = 50;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)left * 1000000L;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

static double random_unit(void *payload)
{
    uint64_t v = 0;

    (void)payload;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return 0.5; /* entropy failure: a mid-range jitter is still a valid backoff */
    return (double)(v >> 11) / (double)(UINT64_C(1) << 53);
}

void ec2_hooks_fill(struct ec2_hooks *dst, const struct ec2_hooks *src)
{
    struct ec2_hooks zero = {0};

    if (src == NULL)
        src = &zero;
    dst->payload = src->payload;
    dst->wall_ms = src->wall_ms != NULL ? src->wall_ms : wall_ms;
    dst->monotonic_ms = src->monotonic_ms != NULL ? src->monotonic_ms : ec2_clock_monotonic_ms;
    dst->sleep_ms = src->sleep_ms != NULL ? src->sleep_ms : ec2_clock_sleep;
    dst->random = src->random != NULL ? src->random : random_unit;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int ec2_time_parse(int64_t *out, const char *text)
{
    struct tm tm;
    int y, mo, d, h, mi, s;
    const char *p;
    time_t t;

    if (text == NULL || strlen(text) < 20)
        return EC2_ERR_INVALID_ARGUMENT;
    if (!digits(text, 4, &y) || text[4] != '-' || !digits(text + 5, 2, &mo) || text[7] != '-' ||
        !digits(text + 8, 2, &d) || (text[10] != 'T' && text[10] != 't') ||
        !digits(text + 11, 2, &h) || text[13] != ':' || !digits(text + 14, 2, &mi) ||
        text[16] != ':' || !digits(text + 17, 2, &s))
        return EC2_ERR_INVALID_ARGUMENT;
    p = text + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return EC2_ERR_INVALID_ARGUMENT;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (!((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') && strcmp(p, "+00:00") != 0)
        return EC2_ERR_INVALID_ARGUMENT;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return EC2_ERR_INVALID_ARGUMENT;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    t = timegm(&tm);
    if (t == (time_t)-1 && y != 1969)
        return EC2_ERR_INVALID_ARGUMENT;
    *out = (int64_t)t;
    return 0;
}

int ec2_time_format(char *buf, size_t size, int64_t epoch_seconds)
{
    struct tm tm;
    time_t t = (time_t)epoch_seconds;

    if (buf == NULL || size < 21 || epoch_seconds < 0 || epoch_seconds > 253402300799 ||
        gmtime_r(&t, &tm) == NULL)
        return EC2_ERR_INVALID_ARGUMENT;
    if (strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return EC2_ERR_INVALID_ARGUMENT;
    return 0;
}
