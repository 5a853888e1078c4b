/*
 * retry.h - the retry policy ("standard" mode): classification of failures, full-jitter
 * backoff, the retry token bucket, Retry-After and clock-skew detection.
 *
 * Pure decisions with no I/O; client.c runs the loop. The bucket is the one piece of shared
 * mutable state: it lives in the client, guarded by its own mutex.
 */
#ifndef EC2_RETRY_H
#define EC2_RETRY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ec2.h"

#define EC2_RETRY_BUCKET_CAPACITY 500
#define EC2_RETRY_COST            5
#define EC2_RETRY_TIMEOUT_COST    10
#define EC2_RETRY_SUCCESS_REFUND  1
/* A Date header this far from our clock means the signature failed because of skew. */
#define EC2_RETRY_SKEW_THRESHOLD_MS (4 * 60 * 1000)

/*
 * Classify an answered request from its HTTP status and err->ec2_code (already read from the
 * error document): sets err->code and err->error_class.
 * DryRunOperation -> EC2_ERR_DRY_RUN_OK/DRY_RUN_OK; UnauthorizedOperation, AuthFailure, Blocked,
 * OptInRequired -> EC2_ERR_UNAUTHORIZED/UNAUTHORIZED; throttling codes or HTTP 429 ->
 * EC2_ERR_THROTTLED/THROTTLING; *.NotFound -> EC2_ERR_NOT_FOUND/NOT_FOUND; transient codes or
 * HTTP 500/502/503/504 -> EC2_ERR_API/TRANSIENT; anything else EC2_ERR_API/CLIENT.
 */
void ec2_retry_classify(struct ec2_error *err);

/* True for codes that mean "your clock is wrong" (RequestExpired, RequestTimeTooSkewed, ...). */
bool ec2_retry_is_skew_code(const char *ec2_code);

/*
 * Full-jitter delay before retry number `retry` (0 = first retry):
 * random01 * min(base_ms * 2^retry, max_ms).
 */
int64_t ec2_retry_backoff_ms(int retry, int64_t base_ms, int64_t max_ms, double random01);

/*
 * Parse a Retry-After header (delta seconds or an HTTP date, relative to now_wall_ms) into
 * milliseconds; -1 when absent or unparsable.
 */
int64_t ec2_retry_after_ms(const char *value, int64_t now_wall_ms);

struct ec2_retry_bucket {
    pthread_mutex_t lock;
    int tokens;
    int capacity;
};

/* 0 or EC2_ERR_GENERIC (mutex creation failed). */
int ec2_retry_bucket_init(struct ec2_retry_bucket *bucket, int capacity);
void ec2_retry_bucket_dispose(struct ec2_retry_bucket *bucket);
/* Take the cost of one retry (EC2_RETRY_TIMEOUT_COST for timeouts, else EC2_RETRY_COST).
 * Returns the cost taken (> 0), or 0 when the bucket is too low: do not retry. */
int ec2_retry_bucket_acquire(struct ec2_retry_bucket *bucket, bool timeout);
/* After a success: give back what this call's retries took (`taken`, 0 when it needed no retry)
 * or, without retries, EC2_RETRY_SUCCESS_REFUND; never above capacity. */
void ec2_retry_bucket_success(struct ec2_retry_bucket *bucket, int taken);
/* Current level (for tests and logs). */
int ec2_retry_bucket_level(struct ec2_retry_bucket *bucket);

#endif
