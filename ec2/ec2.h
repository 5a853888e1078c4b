/*
 * ec2.h - public contract of the EC2 client library (the only header the provider includes).
 *
 * The library speaks the EC2 Query API (POST /, form body, SigV4, XML answers) for the handful of
 * operations an AMI resource needs. It knows nothing of Terraform: callers hand it a config, get a
 * client, and call one function per operation with a per-call options struct (deadline, cancel
 * flag, DryRun).
 *
 * Conventions (whole header):
 * - Every function returning int returns 0 on success or a negative EC2_ERR_* code; when it fails
 *   and `err` is not NULL, `err` is filled (code, class, EC2 code, message, request id, HTTP
 *   status, attempts). `err` is untouched on success.
 * - Request structs are the caller's; their strings and arrays are borrowed for the call only.
 *   NULL strings and zero counts mean "not sent"; enum ec2_bool EC2_BOOL_UNSET means "not sent".
 * - Output structs are caller-allocated, filled only on success, and emptied by their
 *   `_dispose` function (NULL-safe, idempotent: it zeroes the struct). Every `char *` in an
 *   output is owned by the output and NULL when EC2 did not send the element. Numeric output
 *   fields are 0 when absent.
 * - Thread safety: ec2_global_init() must run once in main() before any thread exists. A client
 *   is immutable after ec2_client_new() and may be used by any number of threads at once;
 *   credentials that expire are refreshed internally under a lock.
 * - Credentials never appear in logs, errors or any string this library returns.
 */
#ifndef EC2_EC2_H
#define EC2_EC2_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * One list gives every code its number, name and text. Numbers are fixed forever; retired codes
 * stay as placeholders.
 */
#define EC2_ERROR_LIST(X)                                                                          \
    X(EC2_OK, 0, "success")                                                                        \
    X(EC2_ERR_GENERIC, -1, "error")                                                                \
    X(EC2_ERR_INVALID_ARGUMENT, -2, "invalid argument")                                            \
    X(EC2_ERR_NOMEM, -3, "out of memory")                                                          \
    X(EC2_ERR_CONFIG, -4, "invalid configuration")                                                 \
    X(EC2_ERR_NO_CREDENTIALS, -5, "no AWS credentials found")                                      \
    X(EC2_ERR_CREDENTIALS, -6, "failed to load AWS credentials")                                   \
    X(EC2_ERR_NETWORK, -7, "network error")                                                        \
    X(EC2_ERR_TLS, -8, "TLS error")                                                                \
    X(EC2_ERR_TIMEOUT, -9, "deadline exceeded")                                                    \
    X(EC2_ERR_CANCELLED, -10, "cancelled")                                                         \
    X(EC2_ERR_HTTP, -11, "HTTP error without an EC2 error document")                               \
    X(EC2_ERR_PARSE, -12, "malformed response")                                                    \
    X(EC2_ERR_TOO_LARGE, -13, "response too large")                                                \
    X(EC2_ERR_API, -14, "EC2 returned an error")                                                   \
    X(EC2_ERR_THROTTLED, -15, "request throttled")                                                 \
    X(EC2_ERR_DRY_RUN_OK, -16, "request would have succeeded (DryRun)")                            \
    X(EC2_ERR_UNAUTHORIZED, -17, "not authorized")                                                 \
    X(EC2_ERR_NOT_FOUND, -18, "resource not found")                                                \
    X(EC2_ERR_WAITER_FAILED, -19, "resource reached a failure state")

enum ec2_error_code {
#define EC2_ERROR_ENUM_(name, num, text) name = num,
    EC2_ERROR_LIST(EC2_ERROR_ENUM_)
#undef EC2_ERROR_ENUM_
};

/* What kind of failure an error is: drives retries and how the caller reacts. */
enum ec2_error_class {
    EC2_CLASS_NONE = 0,     /* success, or nothing classified yet */
    EC2_CLASS_THROTTLING,   /* throttled by EC2 (retryable) */
    EC2_CLASS_TRANSIENT,    /* 5xx, connection trouble, truncated response (retryable) */
    EC2_CLASS_CLIENT,       /* 4xx and other errors retrying cannot fix */
    EC2_CLASS_DRY_RUN_OK,   /* DryRunOperation: the request would have succeeded */
    EC2_CLASS_UNAUTHORIZED, /* UnauthorizedOperation / AuthFailure: message says why */
    EC2_CLASS_NOT_FOUND,    /* *.NotFound codes (InvalidAMIID.NotFound, ...) */
    EC2_CLASS_CANCELLED,    /* the caller's cancel flag was raised */
    EC2_CLASS_TIMEOUT,      /* the call's deadline passed */
    EC2_CLASS_LOCAL,        /* failed before anything was sent (config, credentials, memory) */
};

struct ec2_error {
    int code;                         /* enum ec2_error_code */
    enum ec2_error_class error_class; /* see enum ec2_error_class */
    int http_status;                  /* 0 when no HTTP response was received */
    int attempts;                     /* HTTP attempts made (1 = no retry) */
    char ec2_code[64];                /* EC2's <Code> verbatim, "" when none */
    char message[512];                /* one line, no CR/LF; EC2's <Message> or our own text */
    char request_id[64];              /* EC2's request id, "" when none */
};

/* Zero an error struct. */
void ec2_error_init(struct ec2_error *err);

/* Static text / name for a code ("deadline exceeded" / "EC2_ERR_TIMEOUT"); never NULL. */
const char *ec2_strerror(int code);
const char *ec2_error_name(int code);
/* Static name for a class ("throttling", "transient", ...); never NULL. */
const char *ec2_error_class_name(enum ec2_error_class error_class);

/* True when retrying the same request could succeed (throttling or transient). */
bool ec2_error_is_retryable(const struct ec2_error *err);

/*
 * Format a one-line description: "<EC2 code>: <message> (request id <id>, HTTP <status>)", parts
 * left out when empty. Always NUL-terminates (when size > 0); returns the length it wanted, like
 * snprintf.
 */
size_t ec2_error_format(char *buf, size_t size, const struct ec2_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Library setup and configuration                                                             */
/* ------------------------------------------------------------------------------------------ */

/* Initialise libcurl and libxml2. Call once from main() before any thread; 0 or EC2_ERR_GENERIC. */
int ec2_global_init(void);
/* Release what ec2_global_init() set up; call after every client is freed. */
void ec2_global_cleanup(void);

enum ec2_log_level {
    EC2_LOG_TRACE = 0, /* wire dumps (bodies with credentials never logged) */
    EC2_LOG_DEBUG = 1,
    EC2_LOG_INFO = 2,
    EC2_LOG_WARN = 3,
    EC2_LOG_ERROR = 4,
};

/*
 * Injectable time, sleep and randomness, for deterministic tests. Any NULL member uses the real
 * one. All take `payload` first.
 * - wall_ms: milliseconds since the Unix epoch (signing time; corrected by clock skew).
 * - monotonic_ms: a monotonic clock in milliseconds; call deadlines are on this clock.
 * - sleep_ms: sleep `ms`, waking early (within 100 ms) once *cancel is non-zero (cancel may be
 *   NULL); returns 0, or EC2_ERR_CANCELLED when woken by cancellation.
 * - random: a uniform double in [0, 1).
 */
struct ec2_hooks {
    void *payload;
    int64_t (*wall_ms)(void *payload);
    int64_t (*monotonic_ms)(void *payload);
    int (*sleep_ms)(void *payload, int64_t ms, const atomic_int *cancel);
    double (*random)(void *payload);
};

/*
 * Client configuration. Everything is optional; zero means "default". All strings are copied by
 * ec2_client_new(), so the config may be freed right after.
 */
struct ec2_config {
    /* Region: this -> AWS_REGION -> AWS_DEFAULT_REGION -> the profile's `region`. Required in
     * the end: ec2_client_new() fails with EC2_ERR_CONFIG when none is found. */
    const char *region;
    /* Endpoint URL (http:// or https://): this -> AWS_ENDPOINT_URL_EC2 -> AWS_ENDPOINT_URL ->
     * the profile's `endpoint_url` -> https://ec2.<region>.amazonaws.com[.cn]. */
    const char *endpoint;

    /* Credentials: explicit keys -> environment -> shared files (profile) -> credential_process
     * -> IMDSv2. access_key and secret_key must be given together. */
    const char *access_key;
    const char *secret_key;
    const char *session_token;
    const char *profile; /* default: AWS_PROFILE, then "default" */
    /* Replace the default file lists (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, and
     * AWS_CONFIG_FILE or ~/.aws/config) when n_ > 0. Missing files are skipped. */
    const char *const *shared_credentials_files;
    size_t n_shared_credentials_files;
    const char *const *shared_config_files;
    size_t n_shared_config_files;
    bool disable_imds; /* skip the instance metadata step (also AWS_EC2_METADATA_DISABLED=true) */

    /* Retries ("standard" mode). */
    int max_attempts;            /* total attempts per request; default 3, 1 disables retries */
    int64_t retry_base_delay_ms; /* backoff base; default 100 */
    int64_t retry_max_delay_ms;  /* backoff cap; default 20000 */

    /* Transport. */
    const char *ca_bundle;      /* PEM file with trusted CAs; default: the system store */
    bool insecure;              /* skip TLS verification (tests only) */
    int64_t connect_timeout_ms; /* default 10000 */
    int64_t request_timeout_ms; /* per HTTP attempt; default 60000; capped by the deadline */
    size_t max_response_bytes;  /* default 64 MiB; larger answers fail with EC2_ERR_TOO_LARGE */
    const char *user_agent;     /* prepended to our own product token */

    /* Logging: called from the calling thread; `msg` is one line without credentials. */
    void (*log)(void *payload, int level, const char *msg);
    void *log_payload;
    int log_level; /* lowest level passed to `log`; default EC2_LOG_TRACE (0) */

    struct ec2_hooks hooks;
};

/* Reset a config to all defaults (all zero). */
void ec2_config_init(struct ec2_config *config);

struct ec2_client;

/*
 * Create a client: resolves region, endpoint and the credential source (which may run the
 * credential process or query IMDS once). Unless IMDS is queried it makes no libcurl or libxml2
 * call: the first request sets libcurl up, so a client that never sends never needs them.
 * [out] out: the new client, freed by ec2_client_free(); set on success only.
 * Returns 0, EC2_ERR_INVALID_ARGUMENT, EC2_ERR_NOMEM, EC2_ERR_CONFIG (no region, bad endpoint URL,
 * unreadable explicit file), EC2_ERR_NO_CREDENTIALS (chain found nothing) or
 * EC2_ERR_CREDENTIALS (a source was configured but failed, e.g. credential_process exited 1).
 */
int ec2_client_new(struct ec2_client **out, const struct ec2_config *config, struct ec2_error *err);

/* Free a client (NULL-safe). No call may be running on it. */
void ec2_client_free(struct ec2_client *client);

/* Borrowed strings, valid until ec2_client_free(). */
const char *ec2_client_region(const struct ec2_client *client);
const char *ec2_client_endpoint(const struct ec2_client *client);
/* "static", "environment", "shared-credentials-file", "credential_process" or "imds". */
const char *ec2_client_credentials_source(const struct ec2_client *client);

/* The client's monotonic clock (hooks.monotonic_ms or CLOCK_MONOTONIC), for building deadlines. */
int64_t ec2_client_monotonic_ms(const struct ec2_client *client);

/*
 * Optional boolean: UNSET is not sent (requests) or was absent (responses). The numbering makes a
 * C bool convert safely: false -> UNSET (EC2's default applies), true -> TRUE; use EC2_BOOL_FALSE
 * to send an explicit "false".
 */
enum ec2_bool { EC2_BOOL_UNSET = 0, EC2_BOOL_TRUE = 1, EC2_BOOL_FALSE = 2 };

/* Per-call options; NULL everywhere means all zero (no deadline, no cancellation, no DryRun). */
struct ec2_call_opts {
    int64_t deadline_ms;      /* absolute, on ec2_client_monotonic_ms()'s clock; 0 = none */
    const atomic_int *cancel; /* the caller's flag: non-zero aborts within 100 ms; may be NULL */
    enum ec2_bool dry_run;    /* DryRun: TRUE (or a C true) sends DryRun=true */
};
#define EC2_CALL_OPTS_INIT                                                                         \
    {                                                                                              \
        0, NULL, EC2_BOOL_UNSET                                                                    \
    }

/* ------------------------------------------------------------------------------------------ */
/* Shared request / response pieces                                                            */
/* ------------------------------------------------------------------------------------------ */

/* Request tag (borrowed). In DeleteTags a NULL value deletes the key whatever its value. */
struct ec2_tag {
    const char *key;
    const char *value;
};

/* Response tag (owned by the output). */
struct ec2_tag_owned {
    char *key;
    char *value;
};

/* Filter.N.Name / Filter.N.Value.M */
struct ec2_filter {
    const char *name;
    const char *const *values;
    size_t n_values;
};

/* TagSpecification.N.ResourceType / .Tag.M.{Key,Value} */
struct ec2_tag_specification {
    const char *resource_type; /* "image", "snapshot", ... */
    const struct ec2_tag *tags;
    size_t n_tags;
};

/* BlockDeviceMapping.N.Ebs.* (request). Zero numbers are not sent. */
struct ec2_ebs_block_device {
    const char *snapshot_id;
    int32_t volume_size; /* GiB */
    const char *volume_type;
    int32_t iops;
    int32_t throughput; /* MiB/s */
    enum ec2_bool delete_on_termination;
    enum ec2_bool encrypted;
    const char *kms_key_id;
};

/* BlockDeviceMapping.N (request). */
struct ec2_block_device_mapping {
    const char *device_name;
    const char *virtual_name;
    const char *no_device;                  /* sent as NoDevice=<value>, usually "" */
    const struct ec2_ebs_block_device *ebs; /* NULL: no Ebs.* keys */
};

/* blockDeviceMapping/item (response). */
struct ec2_block_device {
    char *device_name;
    char *virtual_name;
    char *no_device; /* non-NULL when <noDevice> was present */
    bool has_ebs;    /* the members below are meaningful only when true */
    char *snapshot_id;
    int32_t volume_size;
    char *volume_type;
    int32_t iops;
    int32_t throughput;
    enum ec2_bool delete_on_termination;
    enum ec2_bool encrypted;
    char *kms_key_id;
};

/* Output of operations that answer only <return>true</return>. */
struct ec2_unit_output {
    char request_id[64];
    bool ret; /* always true on success: <return>false</return> fails with EC2_ERR_API */
};

/*
 * Operations (below) all have the same shape: (out, client, input..., opts, err). Each sends one
 * logical request (retried per the client's policy; DescribeImages/DescribeSnapshots one request
 * per page) and returns 0 or:
 *   EC2_ERR_INVALID_ARGUMENT  a required input is missing; nothing was sent
 *   EC2_ERR_DRY_RUN_OK        opts->dry_run and EC2 says the call would have succeeded
 *   EC2_ERR_UNAUTHORIZED      UnauthorizedOperation/AuthFailure...: err->message says why
 *   EC2_ERR_NOT_FOUND         a *.NotFound code (InvalidAMIID.NotFound...)
 *   EC2_ERR_THROTTLED         still throttled after the last attempt
 *   EC2_ERR_API               any other EC2 error: err->ec2_code, err->error_class
 *   EC2_ERR_HTTP              an HTTP error without an EC2 error document (proxy, balancer)
 *   EC2_ERR_PARSE, EC2_ERR_TOO_LARGE   the answer could not be read
 *   EC2_ERR_NETWORK, EC2_ERR_TLS       transport failures (after retries)
 *   EC2_ERR_TIMEOUT, EC2_ERR_CANCELLED the call's deadline passed / its cancel flag was raised
 *   EC2_ERR_CREDENTIALS       expiring credentials could not be refreshed
 *   EC2_ERR_NOMEM
 * err->attempts tells how many HTTP attempts the failing request made.
 */

/* ------------------------------------------------------------------------------------------ */
/* Images                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* imagesSet/item. */
struct ec2_image {
    char *image_id;
    char *image_location;
    char *state; /* available|pending|failed|invalid|deregistered|transient|error|disabled */
    char *owner_id;
    char *owner_alias;
    char *creation_date;
    enum ec2_bool is_public;
    char *architecture;
    char *image_type;
    char *kernel_id;
    char *ramdisk_id;
    char *platform;
    char *platform_details;
    char *usage_operation;
    char *name;
    char *description;
    char *root_device_type;
    char *root_device_name;
    char *virtualization_type;
    char *hypervisor;
    enum ec2_bool ena_support;
    char *sriov_net_support;
    char *boot_mode;
    char *tpm_support;
    char *imds_support;
    char *deprecation_time;
    char *deregistration_protection;
    char *source_image_id;
    char *last_launched_time;
    char *state_reason_code;
    char *state_reason_message;
    struct ec2_block_device *block_devices;
    size_t n_block_devices;
    struct ec2_tag_owned *tags;
    size_t n_tags;
};
void ec2_image_dispose(struct ec2_image *image);

struct ec2_register_image_input {
    const char *name; /* required */
    const char *description;
    const char *image_location;
    const char *architecture;
    const char *kernel_id;
    const char *ramdisk_id;
    const char *root_device_name;
    const char *virtualization_type;
    const char *sriov_net_support;
    enum ec2_bool ena_support;
    const char *boot_mode;
    const char *tpm_support;
    const char *uefi_data;
    const char *imds_support;
    const struct ec2_block_device_mapping *block_device_mappings;
    size_t n_block_device_mappings;
    const struct ec2_tag_specification *tag_specifications;
    size_t n_tag_specifications;
};
struct ec2_register_image_output {
    char request_id[64];
    char *image_id;
};
void ec2_register_image_output_dispose(struct ec2_register_image_output *out);
int ec2_register_image(struct ec2_register_image_output *out, struct ec2_client *client,
                       const struct ec2_register_image_input *in, const struct ec2_call_opts *opts,
                       struct ec2_error *err);

struct ec2_describe_images_input {
    const char *const *image_ids;
    size_t n_image_ids;
    const char *const *owners;
    size_t n_owners;
    const char *const *executable_by;
    size_t n_executable_by;
    const struct ec2_filter *filters;
    size_t n_filters;
    enum ec2_bool include_deprecated;
    enum ec2_bool include_disabled;
    int32_t max_results;    /* page size (0: EC2's default; not allowed together with image_ids) */
    const char *next_token; /* start from this page (NULL: the first) */
    int32_t max_pages;      /* 0: every page; else stop after this many requests */
};
/* Pages are fetched until the last (or max_pages); `images` holds them all in answer order. */
struct ec2_describe_images_output {
    char request_id[64]; /* of the last page */
    struct ec2_image *images;
    size_t n_images;
    char *next_token; /* where to resume when max_pages stopped early, else NULL */
};
void ec2_describe_images_output_dispose(struct ec2_describe_images_output *out);
/* Unknown image ids fail with EC2_ERR_NOT_FOUND (ec2_code InvalidAMIID.NotFound). */
int ec2_describe_images(struct ec2_describe_images_output *out, struct ec2_client *client,
                        const struct ec2_describe_images_input *in,
                        const struct ec2_call_opts *opts, struct ec2_error *err);

struct ec2_deregister_image_input {
    const char *image_id;                      /* required */
    enum ec2_bool delete_associated_snapshots; /* a C true works: see enum ec2_bool */
};
/* deleteSnapshotResultSet/item. return_code: success|skipped|missing-permissions|
 * internal-error|client-error. */
struct ec2_snapshot_result {
    char *snapshot_id;
    char *return_code;
};
struct ec2_deregister_image_output {
    char request_id[64];
    bool ret;
    struct ec2_snapshot_result *snapshot_results;
    size_t n_snapshot_results;
};
void ec2_deregister_image_output_dispose(struct ec2_deregister_image_output *out);
int ec2_deregister_image(struct ec2_deregister_image_output *out, struct ec2_client *client,
                         const struct ec2_deregister_image_input *in,
                         const struct ec2_call_opts *opts, struct ec2_error *err);

/* LaunchPermission.{Add,Remove}.N.* : set exactly one member. */
struct ec2_launch_permission {
    const char *user_id;
    const char *group; /* "all" */
    const char *organization_arn;
    const char *organizational_unit_arn;
};
struct ec2_modify_image_attribute_input {
    const char *image_id;    /* required */
    const char *description; /* Description.Value; NULL: unchanged */
    const struct ec2_launch_permission *launch_permission_add;
    size_t n_launch_permission_add;
    const struct ec2_launch_permission *launch_permission_remove;
    size_t n_launch_permission_remove;
};
/* `out` may be NULL in every operation taking struct ec2_unit_output. */
int ec2_modify_image_attribute(struct ec2_unit_output *out, struct ec2_client *client,
                               const struct ec2_modify_image_attribute_input *in,
                               const struct ec2_call_opts *opts, struct ec2_error *err);

/* deprecate_at: seconds since the Unix epoch, sent as ISO-8601 UTC. */
int ec2_enable_image_deprecation(struct ec2_unit_output *out, struct ec2_client *client,
                                 const char *image_id, int64_t deprecate_at,
                                 const struct ec2_call_opts *opts, struct ec2_error *err);
int ec2_disable_image_deprecation(struct ec2_unit_output *out, struct ec2_client *client,
                                  const char *image_id, const struct ec2_call_opts *opts,
                                  struct ec2_error *err);

/* <return> of the deregistration-protection operations is a string. */
struct ec2_protection_output {
    char request_id[64];
    char ret[64]; /* e.g. "enabled-with-cooldown", "enabled-without-cooldown", "disabled" */
};
int ec2_enable_image_deregistration_protection(struct ec2_protection_output *out,
                                               struct ec2_client *client, const char *image_id,
                                               enum ec2_bool with_cooldown,
                                               const struct ec2_call_opts *opts,
                                               struct ec2_error *err);
int ec2_disable_image_deregistration_protection(struct ec2_protection_output *out,
                                                struct ec2_client *client, const char *image_id,
                                                const struct ec2_call_opts *opts,
                                                struct ec2_error *err);

/* launchPermission/item (response). */
struct ec2_launch_permission_owned {
    char *user_id;
    char *group;
    char *organization_arn;
    char *organizational_unit_arn;
};
/*
 * DescribeImageAttribute answer. Only the requested attribute is filled: `description` and
 * `launch_permissions` for those two; `value` for attributes answered as <x><value>..</value></x>
 * (bootMode, imdsSupport, tpmSupport, uefiData, sriovNetSupport, kernel, ramdisk,
 * lastLaunchedTime, deregistrationProtection).
 */
struct ec2_image_attribute_output {
    char request_id[64];
    char *image_id;
    char *description;
    struct ec2_launch_permission_owned *launch_permissions;
    size_t n_launch_permissions;
    char *value;
};
void ec2_image_attribute_output_dispose(struct ec2_image_attribute_output *out);
/* attribute: "description", "launchPermission", "bootMode", ... (EC2's names). */
int ec2_describe_image_attribute(struct ec2_image_attribute_output *out, struct ec2_client *client,
                                 const char *image_id, const char *attribute,
                                 const struct ec2_call_opts *opts, struct ec2_error *err);

struct ec2_copy_image_input {
    const char *name;            /* required */
    const char *source_image_id; /* required */
    const char *source_region;   /* required */
    const char *client_token;    /* NULL: a fresh UUID v4, reused on every retry of this call */
    const char *description;
    enum ec2_bool encrypted;
    const char *kms_key_id;
    enum ec2_bool copy_image_tags;
    const struct ec2_tag_specification *tag_specifications;
    size_t n_tag_specifications;
};
struct ec2_copy_image_output {
    char request_id[64];
    char client_token[64]; /* the token sent (given or generated): keep it to retry the copy */
    char *image_id;
};
void ec2_copy_image_output_dispose(struct ec2_copy_image_output *out);
int ec2_copy_image(struct ec2_copy_image_output *out, struct ec2_client *client,
                   const struct ec2_copy_image_input *in, const struct ec2_call_opts *opts,
                   struct ec2_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Tags                                                                                        */
/* ------------------------------------------------------------------------------------------ */

struct ec2_tags_input {
    const char *const *resource_ids; /* required, at least one */
    size_t n_resource_ids;
    const struct ec2_tag *tags; /* CreateTags: at least one; DeleteTags: none = all tags */
    size_t n_tags;
};
int ec2_create_tags(struct ec2_unit_output *out, struct ec2_client *client,
                    const struct ec2_tags_input *in, const struct ec2_call_opts *opts,
                    struct ec2_error *err);
int ec2_delete_tags(struct ec2_unit_output *out, struct ec2_client *client,
                    const struct ec2_tags_input *in, const struct ec2_call_opts *opts,
                    struct ec2_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Snapshots                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* snapshotSet/item, or the CreateSnapshot answer. */
struct ec2_snapshot {
    char *snapshot_id;
    char *volume_id;
    char *state; /* pending|completed|error|recoverable|recovering */
    char *state_message;
    char *start_time;
    char *progress;
    char *owner_id;
    char *owner_alias;
    char *description;
    int32_t volume_size;
    enum ec2_bool encrypted;
    char *kms_key_id;
    struct ec2_tag_owned *tags;
    size_t n_tags;
};
void ec2_snapshot_dispose(struct ec2_snapshot *snapshot);

struct ec2_describe_snapshots_input {
    const char *const *snapshot_ids;
    size_t n_snapshot_ids;
    const char *const *owners;
    size_t n_owners;
    const char *const *restorable_by;
    size_t n_restorable_by;
    const struct ec2_filter *filters;
    size_t n_filters;
    int32_t max_results;    /* page size; 0: EC2's default */
    const char *next_token; /* start from this page (NULL: the first) */
    int32_t max_pages;      /* 0: every page; else stop after this many requests */
};
struct ec2_describe_snapshots_output {
    char request_id[64]; /* of the last page */
    struct ec2_snapshot *snapshots;
    size_t n_snapshots;
    char *next_token; /* where to resume when max_pages stopped early, else NULL */
};
void ec2_describe_snapshots_output_dispose(struct ec2_describe_snapshots_output *out);
int ec2_describe_snapshots(struct ec2_describe_snapshots_output *out, struct ec2_client *client,
                           const struct ec2_describe_snapshots_input *in,
                           const struct ec2_call_opts *opts, struct ec2_error *err);

struct ec2_create_snapshot_input {
    const char *volume_id; /* required */
    const char *description;
    const struct ec2_tag_specification *tag_specifications;
    size_t n_tag_specifications;
};
struct ec2_create_snapshot_output {
    char request_id[64];
    struct ec2_snapshot snapshot;
};
void ec2_create_snapshot_output_dispose(struct ec2_create_snapshot_output *out);
int ec2_create_snapshot(struct ec2_create_snapshot_output *out, struct ec2_client *client,
                        const struct ec2_create_snapshot_input *in,
                        const struct ec2_call_opts *opts, struct ec2_error *err);

int ec2_delete_snapshot(struct ec2_unit_output *out, struct ec2_client *client,
                        const char *snapshot_id, const struct ec2_call_opts *opts,
                        struct ec2_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Waiters                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/*
 * Polling schedule: first DescribeImages after initial_delay_ms, each later delay times
 * multiplier; during the first settle_ms of the wait no delay exceeds settle_delay_ms, later
 * none exceeds max_delay_ms; never past the call's deadline. Most waits end within seconds, and
 * each second slept after EC2 is done is a second the user waits: the settle phase keeps that lag
 * under settle_delay_ms, while long waits still slow down to one poll per max_delay_ms. Zero
 * members use the defaults (250 ms, 1.5, 700 ms for 10000 ms, 10000 ms). max_polls 0 means "until
 * the deadline" (forever without one, but still cancellable).
 */
struct ec2_waiter_opts {
    int64_t initial_delay_ms;
    double multiplier;
    int64_t max_delay_ms;
    int max_polls;
    int64_t settle_delay_ms;
    int64_t settle_ms;
};

struct ec2_wait_result {
    int describes;       /* DescribeImages calls made (set on success and failure) */
    char last_state[32]; /* last state seen, "" when the image was never described */
};

/*
 * Wait until the image is `available`. InvalidAMIID.NotFound right after creation counts as
 * "not yet visible" and polling goes on. Throttling and transient errors are retried by each
 * DescribeImages call, and a poll that still fails ends the wait with its error.
 * [out] out: when not NULL, the image as last described, set on success only (dispose it).
 * [out] result: may be NULL.
 * Returns 0; EC2_ERR_WAITER_FAILED when the image turned failed|error|invalid|deregistered|
 * disabled (err->ec2_code = stateReason code, err->message = its message); EC2_ERR_TIMEOUT;
 * EC2_ERR_CANCELLED; EC2_ERR_GENERIC when max_polls ran out; or a DescribeImages error.
 */
int ec2_wait_image_available(struct ec2_image *out, struct ec2_wait_result *result,
                             struct ec2_client *client, const char *image_id,
                             const struct ec2_waiter_opts *wopts, const struct ec2_call_opts *opts,
                             struct ec2_error *err);

/*
 * Wait until the image is gone: not found, not listed, or in state `deregistered`.
 * Returns 0, EC2_ERR_TIMEOUT, EC2_ERR_CANCELLED, EC2_ERR_GENERIC (max_polls ran out) or a
 * DescribeImages error.
 */
int ec2_wait_image_deregistered(struct ec2_wait_result *result, struct ec2_client *client,
                                const char *image_id, const struct ec2_waiter_opts *wopts,
                                const struct ec2_call_opts *opts, struct ec2_error *err);

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Parse "YYYY-MM-DDTHH:MM:SS[.fff]Z" into seconds since the epoch; 0 or EC2_ERR_INVALID_ARGUMENT.
 */
int ec2_time_parse(int64_t *out, const char *text);
/* Format seconds since the epoch as "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes); 0 or
 * EC2_ERR_INVALID_ARGUMENT. */
int ec2_time_format(char *buf, size_t size, int64_t epoch_seconds);

#ifdef __cplusplus
}
#endif

#endif /* EC2_EC2_H */
