/*
 * credentials.h - the credential chain and a thread-safe cache of the credentials it found.
 *
 * Chain (first source that is configured wins): explicit keys -> AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN -> the profile's keys in the shared files -> the
 * profile's credential_process -> IMDSv2 (unless disabled). A source that is configured but
 * fails (credential_process exits 1) is an error; the chain does not fall through past it.
 * Expiring credentials (credential_process, IMDS) are refreshed 5 minutes before expiry under
 * the cache's mutex; when a refresh fails while the old credentials are still valid they keep
 * being used.
 */
#ifndef EC2_CREDENTIALS_H
#define EC2_CREDENTIALS_H

#include <stdbool.h>
#include <stdint.h>

#include "config_file.h"
#include "ec2.h"

#define EC2_CREDS_REFRESH_WINDOW_MS  (5 * 60 * 1000)
#define EC2_CREDS_PROCESS_TIMEOUT_MS (60 * 1000)

/* One set of credentials, copied out of the cache for a single request; wipe after use. */
struct ec2_credentials {
    char access_key[128];
    char secret_key[128];
    char session_token[4096];
    int64_t expires_ms; /* wall clock ms; 0 = does not expire */
};

/* Zero the struct, secrets included. */
void ec2_credentials_wipe(struct ec2_credentials *creds);

/*
 * Parse a credentials JSON document: credential_process "Version": 1 output
 * (AccessKeyId, SecretAccessKey, SessionToken, Expiration) or the IMDS document (Code "Success",
 * AccessKeyId, SecretAccessKey, Token, Expiration). `source` names it in messages.
 * Returns 0 or EC2_ERR_CREDENTIALS (never quoting the document).
 */
int ec2_credentials_from_json(struct ec2_credentials *out, const char *json, size_t len,
                              const char *source, struct ec2_error *err);

struct ec2_creds_config {
    const char *access_key; /* explicit; with secret_key */
    const char *secret_key;
    const char *session_token;
    const struct ec2_profile *profile; /* may be NULL */
    bool disable_imds;
    const struct ec2_hooks *hooks; /* filled (no NULL members) */
    void (*log)(void *payload, int level, const char *msg);
    void *log_payload;
};

struct ec2_creds;

/*
 * Resolve the chain and load the first credentials.
 * Returns 0, EC2_ERR_NOMEM, EC2_ERR_INVALID_ARGUMENT (only one of access_key / secret_key),
 * EC2_ERR_NO_CREDENTIALS or EC2_ERR_CREDENTIALS.
 */
int ec2_creds_new(struct ec2_creds **out, const struct ec2_creds_config *config,
                  struct ec2_error *err);
void ec2_creds_free(struct ec2_creds *creds);

/* Copy current credentials into `out`, refreshing first when they are about to expire.
 * Thread-safe. Returns 0, EC2_ERR_CREDENTIALS, EC2_ERR_NO_CREDENTIALS or EC2_ERR_NOMEM. */
int ec2_creds_get(struct ec2_creds *creds, struct ec2_credentials *out, struct ec2_error *err);

/* "static", "environment", "shared-credentials-file", "credential_process" or "imds". */
const char *ec2_creds_source(const struct ec2_creds *creds);

#endif
