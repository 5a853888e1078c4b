/*
 * retry.c - retry policy decisions (see retry.h).
 *
 * Code lists come from the EC2 wire reference: EC2's own RequestLimitExceeded plus the generic
 * AWS throttling codes; transient are 5xx and request timeouts. DryRunOperation and
 * UnauthorizedOperation are answers, not failures to retry.
 */
#include "retry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

static const char *const throttling_codes[] = {
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "PriorRequestNotComplete",
    "BandwidthLimitExceeded",
    "EC2ThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "LimitExceededException",
};

static const char *const transient_codes[] = {
    "RequestTimeout",  "RequestTimeoutException", "InternalError",
    "InternalFailure", "ServiceUnavailable",      "Unavailable",
};

static const char *const unauthorized_codes[] = {
    "UnauthorizedOperation", "AuthFailure",           "Blocked",
    "OptInRequired",         "InvalidClientTokenId",  "UnrecognizedClientException",
    "AccessDenied",          "AccessDeniedException",
};

static const char *const skew_codes[] = {
    "RequestExpired",        "RequestTimeTooSkewed",
    "RequestInTheFuture",    "InvalidSignatureException",
    "SignatureDoesNotMatch", "AuthFailure",
};

static bool in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(code, list[i]) == 0)
            return true;
    }
    return false;
}

#define IN_LIST(code, list) in_list(code, list, sizeof(list) / sizeof(list[0]))

static bool ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

void ec2_retry_classify(struct ec2_error *err)
{
    const char *code = err->ec2_code;
    int status = err->http_status;

    if (strcmp(code, "DryRunOperation") == 0) {
        err->code = EC2_ERR_DRY_RUN_OK;
        err->error_class = EC2_CLASS_DRY_RUN_OK;
    } else if (IN_LIST(code, unauthorized_codes)) {
        err->code = EC2_ERR_UNAUTHORIZED;
        err->error_class = EC2_CLASS_UNAUTHORIZED;
    } else if (IN_LIST(code, throttling_codes) || status == 429) {
        err->code = EC2_ERR_THROTTLED;
        err->error_class = EC2_CLASS_THROTTLING;
    } else if (ends_with(code, ".NotFound") || ends_with(code, "NotFound")) {
        err->code = EC2_ERR_NOT_FOUND;
        err->error_class = EC2_CLASS_NOT_FOUND;
    } else if (IN_LIST(code, transient_codes) || status == 500 || status == 502 || status == 503 ||
               status == 504) {
        err->code = EC2_ERR_API;
        err->error_class = EC2_CLASS_TRANSIENT;
    } else {
        err->code = EC2_ERR_API;
        err->error_class = EC2_CLASS_CLIENT;
    }
}

bool ec2_retry_is_skew_code(const char *ec2_code)
{
    return ec2_code != NULL && IN_LIST(ec2_code, skew_codes);
}

int64_t ec2_retry_backoff_ms(int retry, int64_t base_ms, int64_t max_ms, double random01)
{
    int64_t ceiling = base_ms;

    if (retry < 0)
        retry = 0;
    if (random01 < 0)
        random01 = 0;
    if (random01 > 1)
        random01 = 1;
    for (int i = 0; i < retry && ceiling < max_ms; i++)
        ceiling *= 2;
    if (ceiling > max_ms)
        ceiling = max_ms;
    return (int64_t)(random01 * (double)ceiling);
}

int64_t ec2_retry_after_ms(const char *value, int64_t now_wall_ms)
{
    char *end = NULL;
    long long secs;
    time_t when;

    if (value == NULL)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (*value == '\0')
        return -1;
    if (isdigit((unsigned char)*value)) {
        secs = strtoll(value, &end, 10);
        while (end != NULL && (*end == ' ' || *end == '\t'))
            end++;
        if (end == NULL || *end != '\0' || secs < 0 || secs > 86400)
            return -1;
        return (int64_t)secs * 1000;
    }
    when = curl_getdate(value, NULL);
    if (when == (time_t)-1)
        return -1;
    return (int64_t)when * 1000 > now_wall_ms ? (int64_t)when * 1000 - now_wall_ms : 0;
}

int ec2_retry_bucket_init(struct ec2_retry_bucket *bucket, int capacity)
{
    if (pthread_mutex_init(&bucket->lock, NULL) != 0)
        return EC2_ERR_GENERIC;
    bucket->capacity = capacity > 0 ? capacity : EC2_RETRY_BUCKET_CAPACITY;
    bucket->tokens = bucket->capacity;
    return 0;
}

void ec2_retry_bucket_dispose(struct ec2_retry_bucket *bucket)
{
    pthread_mutex_destroy(&bucket->lock);
}

int ec2_retry_bucket_acquire(struct ec2_retry_bucket *bucket, bool timeout)
{
    int cost = timeout ? EC2_RETRY_TIMEOUT_COST : EC2_RETRY_COST;
    int taken = 0;

    pthread_mutex_lock(&bucket->lock);
    if (bucket->tokens >= cost) {
        bucket->tokens -= cost;
        taken = cost;
    }
    pthread_mutex_unlock(&bucket->lock);
    return taken;
}

void ec2_retry_bucket_success(struct ec2_retry_bucket *bucket, int taken)
{
    pthread_mutex_lock(&bucket->lock);
    bucket->tokens += taken > 0 ? taken : EC2_RETRY_SUCCESS_REFUND;
    if (bucket->tokens > bucket->capacity)
        bucket->tokens = bucket->capacity;
    pthread_mutex_unlock(&bucket->lock);
}

int ec2_retry_bucket_level(struct ec2_retry_bucket *bucket)
{
    int level;

    pthread_mutex_lock(&bucket->lock);
    level = bucket->tokens;
    pthread_mutex_unlock(&bucket->lock);
    return level;
}
