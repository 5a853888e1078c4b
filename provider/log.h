/*
 * log.h - structured log lines on stderr, in the JSON form Terraform parses (hclog).
 *
 * go-plugin reads the provider's stderr line by line; a line that is a JSON object with @level,
 * @message and @timestamp is shown under TF_LOG / TF_LOG_PROVIDER at that level. stdout belongs to the
 * handshake line alone, so nothing here ever writes there.
 *
 * The level is read once by tf_log_init from TF_LOG_PROVIDER, else TF_LOG (TRACE, DEBUG, INFO, WARN,
 * ERROR, OFF; anything else set means TRACE, as in Terraform; unset means INFO, as go-plugin forwards
 * by its own filter). tf_log checks the level before formatting, so disabled lines cost one compare.
 * Callers never pass secrets: credentials have no format path into this module.
 * Thread-safe: each line is written with one write(2).
 */
#ifndef TF_LOG_H
#define TF_LOG_H

#include <stdbool.h>

enum tf_log_level {
    TF_LOG_TRACE = 0,
    TF_LOG_DEBUG = 1,
    TF_LOG_INFO = 2,
    TF_LOG_WARN = 3,
    TF_LOG_ERROR = 4,
    TF_LOG_OFF = 5,
};

void tf_log_init(void);
bool tf_log_enabled(enum tf_log_level level);
/* One JSON line: {"@level":..,"@message":..,"@module":"provider.ec2","@timestamp":..}. The
 * formatted message is JSON-escaped (control bytes included) and capped at 8 KiB. */
void tf_log(enum tf_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
