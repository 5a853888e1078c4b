/*
 * provider.h - the provider itself: its configuration, the resources and data sources it serves,
 * and the stop flag.
 *
 * ConfigureProvider builds one struct tf_provider (the EC2 client and settings) which is immutable
 * afterwards and read by every call. StopProvider sets a flag that in-flight EC2 calls and waiters
 * poll, so they return within 100 ms.
 */
#ifndef TF_PROVIDER_H
#define TF_PROVIDER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "resource.h"

struct ec2_client;

enum tf_snapshot_report {
    TF_SNAPSHOT_REPORT_PROBLEMS, /* a warning per snapshot EC2 did not delete */
    TF_SNAPSHOT_REPORT_ALL,      /* plus one per deleted snapshot */
};

struct tf_provider {
    struct ec2_client *ec2;
    bool plan_dry_run;
    enum tf_snapshot_report snapshot_report;
};

extern const struct tf_schema tf_provider_schema;

/* Checks the provider block as given (values may be unknown); errors point at attributes. */
void tf_provider_validate(struct tf_call *call, const struct tf_value *config);
/* Builds the configured provider from the block. On success it is published for every later call.
 * Calling it again replaces nothing and reports an error (Terraform configures once per process). */
void tf_provider_configure(struct tf_call *call, const struct tf_value *config,
                           const char *terraform_version);
/* The configured provider, or NULL before ConfigureProvider succeeded. */
const struct tf_provider *tf_provider_current(void);
/* Frees the configured provider at exit. */
void tf_provider_free(void);

const struct tf_resource *tf_provider_resource(const char *type_name);
const struct tf_data_source *tf_provider_data_source(const char *type_name);
/* NULL-terminated tables, in declaration order. */
extern const struct tf_resource *const tf_provider_resources[];
extern const struct tf_data_source *const tf_provider_data_sources[];

/* StopProvider: sets the flag every EC2 call and waiter polls. Never cleared: after a stop
 * Terraform ends the process. */
void tf_provider_stop(void);
bool tf_provider_stopping(void);
/* The flag itself, for the EC2 client's per-call options. */
const atomic_int *tf_provider_cancel_flag(void);

#endif
