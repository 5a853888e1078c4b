/*
 * provider_config.h - turns the provider block into an EC2 client and settings (ConfigureProvider).
 */
#ifndef TF_PROVIDER_CONFIG_H
#define TF_PROVIDER_CONFIG_H

#include "provider.h"

/* Upper bound of max_retries: beyond it a throttled plan would wait for hours. */
#define TF_PROVIDER_MAX_RETRIES_LIMIT 100
/* Default max_retries: 2 retries, i.e. the AWS SDKs' 3 attempts of "standard" mode. */
#define TF_PROVIDER_DEFAULT_MAX_RETRIES 2

/* Fills p (settings and a new EC2 client that p then owns) from a validated provider block.
 * Returns 0, or -1 with an error diagnostic (pointing at the attribute when one is to blame). */
int tf_provider_config_build(struct tf_call *call, struct tf_provider *p,
                             const struct tf_value *config);

#endif
