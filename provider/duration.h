/*
 * duration.h - Terraform-style durations ("30s", "40m", "1h30m", "1.5h", "500ms") for the timeouts
 * block of a resource.
 *
 * Pure functions: validation (at ValidateResourceConfig) and the deadlines of apply both parse with
 * this one parser, so a value that validates is exactly a value apply understands.
 */
#ifndef TF_DURATION_H
#define TF_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The longest accepted duration: a year is beyond any EC2 wait and keeps deadlines far from
 * int64 overflow. */
#define TF_DURATION_MAX_MS ((int64_t)366 * 24 * 3600 * 1000)

/*
 * Parse text as a sequence of <number><unit>, number an unsigned decimal (fraction allowed), unit
 * one of "ms", "s", "m", "h" (as Go's time.ParseDuration, without ns/us and signs). The total must
 * be positive and at most TF_DURATION_MAX_MS.
 * [out] out_ms: the duration in milliseconds (fractions of a millisecond truncated); set on
 * success only.
 * why/why_size: on failure, receives a one-line reason for the user (may be NULL).
 * Returns 0, or -1 when text is NULL, empty or malformed.
 */
int tf_duration_parse(int64_t *out_ms, const char *text, char *why, size_t why_size);

#endif
