/*
 * clock.h - the real clock, sleep and randomness behind struct ec2_hooks, and hook defaults.
 *
 * Everything time-dependent in the library goes through a filled struct ec2_hooks so tests can
 * make retries and waiters deterministic.
 */
#ifndef EC2_CLOCK_H
#define EC2_CLOCK_H

#include "ec2.h"

/* Copy `src` (may be NULL) into `dst`, using the real implementation for each NULL member. */
void ec2_hooks_fill(struct ec2_hooks *dst, const struct ec2_hooks *src);

/* Sleep `ms` in slices of at most 50 ms, stopping early once *cancel != 0 (cancel may be NULL).
 * Returns 0 or EC2_ERR_CANCELLED. */
int ec2_clock_sleep(void *payload, int64_t ms, const atomic_int *cancel);

/* Real CLOCK_MONOTONIC in milliseconds. */
int64_t ec2_clock_monotonic_ms(void *payload);

#endif
