/*
 * config_file.h - the AWS shared config and credentials files (INI) and profile resolution.
 *
 * Format as the AWS CLI reads it: `[section]` headers, `key = value` lines, `#` or `;` comment
 * lines, and indented `sub = value` lines under a key with an empty value (stored as
 * "key.sub", e.g. "ec2.endpoint_url" in a [services x] section). No inline comments.
 * In the config file a profile is `[profile name]` (or `[default]`); in the credentials file it
 * is `[name]`. When several files are given they are merged, later files overriding earlier.
 */
#ifndef EC2_CONFIG_FILE_H
#define EC2_CONFIG_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ec2.h"

#define EC2_INI_MAX_FILE_BYTES ((size_t)1 << 20)

struct ec2_ini_entry {
    char *section; /* trimmed, inner blanks collapsed ("profile dev") */
    char *key;
    char *value;
};

struct ec2_ini {
    struct ec2_ini_entry *entries;
    size_t n;
    size_t cap;
};

/* Start empty. Cannot fail. */
void ec2_ini_init(struct ec2_ini *ini);
/*
 * Parse `text` and append its entries. `origin` names the source in error messages (a path; the
 * offending line's content is never quoted, it may hold a secret).
 * Returns 0, EC2_ERR_NOMEM or EC2_ERR_CONFIG (a line that is not a section, key = value,
 * comment or indented continuation).
 */
int ec2_ini_parse(struct ec2_ini *ini, const char *text, size_t len, const char *origin,
                  struct ec2_error *err);
/* Load a file ("~/" expands to $HOME). A missing file sets *found = false and returns 0.
 * Returns 0, EC2_ERR_NOMEM or EC2_ERR_CONFIG (unreadable, too large, malformed). */
int ec2_ini_load_file(struct ec2_ini *ini, const char *path, bool *found, struct ec2_error *err);
/* The value of the last `key` in `section`, or NULL; borrowed. */
const char *ec2_ini_get(const struct ec2_ini *ini, const char *section, const char *key);
/* True when any entry belongs to `section`. */
bool ec2_ini_has_section(const struct ec2_ini *ini, const char *section);
void ec2_ini_dispose(struct ec2_ini *ini);

/* What the library needs from one profile; all strings owned, NULL when unset. */
struct ec2_profile {
    char *name;
    char *region;
    char *endpoint_url; /* [services x] ec2.endpoint_url, else endpoint_url */
    char *access_key;   /* the credentials file wins over the config file, key by key */
    char *secret_key;
    char *session_token;
    char *credential_process;
    bool found; /* the profile exists in some file */
};

/*
 * Load a profile. `name` NULL means AWS_PROFILE, then "default". Empty file lists mean
 * AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, and AWS_CONFIG_FILE or ~/.aws/config.
 * Returns 0, EC2_ERR_NOMEM or EC2_ERR_CONFIG (malformed file, or a profile named explicitly
 * (argument or AWS_PROFILE) that no file defines). `out` is set on success only; free its
 * strings with ec2_profile_dispose().
 */
int ec2_profile_load(struct ec2_profile *out, const char *name,
                     const char *const *credentials_files, size_t n_credentials_files,
                     const char *const *config_files, size_t n_config_files, struct ec2_error *err);
void ec2_profile_dispose(struct ec2_profile *profile);

#endif
