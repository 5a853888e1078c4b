/*
 * config_file.c - shared config/credentials INI files and profile resolution (see
 * config_file.h).
 */
#include "config_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"

void ec2_ini_init(struct ec2_ini *ini)
{
    memset(ini, 0, sizeof(*ini));
}

void ec2_ini_dispose(struct ec2_ini *ini)
{
    if (ini == NULL)
        return;
    for (size_t i = 0; i < ini->n; i++) {
        free(ini->entries[i].section);
        free(ini->entries[i].key);
        /* Values may be secret keys: do not leave them in freed memory. */
        memset(ini->entries[i].value, 0, strlen(ini->entries[i].value));
        free(ini->entries[i].value);
    }
    free(ini->entries);
    memset(ini, 0, sizeof(*ini));
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Copy [s, s+len) trimmed, with inner runs of blanks collapsed to one space. */
static char *dup_trimmed(const char *s, size_t len, bool collapse)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    bool space = false;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (blank(s[i])) {
            space = n > 0;
            if (!collapse && n > 0)
                out[n++] = s[i];
            continue;
        }
        if (collapse && space)
            out[n++] = ' ';
        space = false;
        out[n++] = s[i];
    }
    while (n > 0 && blank(out[n - 1]))
        n--;
    out[n] = '\0';
    return out;
}

static int add_entry(struct ec2_ini *ini, const char *section, const char *key, size_t klen,
                     const char *value, size_t vlen)
{
    struct ec2_ini_entry *e;

    if (ini->n == ini->cap) {
        size_t cap = ini->cap != 0 ? ini->cap * 2 : 16;
        struct ec2_ini_entry *grown = realloc(ini->entries, cap * sizeof(*grown));
        if (grown == NULL)
            return EC2_ERR_NOMEM;
        ini->entries = grown;
        ini->cap = cap;
    }
    e = &ini->entries[ini->n];
    e->section = strdup(section);
    e->key = dup_trimmed(key, klen, false);
    e->value = dup_trimmed(value, vlen, false);
    if (e->section == NULL || e->key == NULL || e->value == NULL) {
        free(e->section);
        free(e->key);
        free(e->value);
        return EC2_ERR_NOMEM;
    }
    ini->n++;
    return 0;
}

int ec2_ini_parse(struct ec2_ini *ini, const char *text, size_t len, const char *origin,
                  struct ec2_error *err)
{
    char *section = NULL;
    char parent[128] = "";
    const char *p = text, *end = text + len;
    int line_no = 0, rc = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl != NULL ? nl : end;
        const char *s = p, *e = line_end;
        bool indented = s < e && blank(*s);

        line_no++;
        p = nl != NULL ? nl + 1 : end;
        while (s < e && blank(*s))
            s++;
        while (e > s && blank(e[-1]))
            e--;
        if (s == e || *s == '#' || *s == ';')
            continue;
        if (*s == '[' && !indented) {
            if (e[-1] != ']')
                goto malformed;
            free(section);
            section = dup_trimmed(s + 1, (size_t)(e - s - 2), true);
            parent[0] = '\0';
            if (section == NULL) {
                rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
                goto cleanup;
            }
            continue;
        }
        {
            const char *eq = memchr(s, '=', (size_t)(e - s));
            char key[256];
            size_t klen;
            if (eq == NULL || section == NULL || eq == s)
                goto malformed;
            klen = (size_t)(eq - s);
            if (indented && parent[0] != '\0') {
                /* A nested setting: "parent.sub". */
                int n = snprintf(key, sizeof(key), "%s.%.*s", parent, (int)klen, s);
                if (n < 0 || (size_t)n >= sizeof(key))
                    goto malformed;
                klen = (size_t)n;
            } else {
                if (klen >= sizeof(key))
                    goto malformed;
                memcpy(key, s, klen);
                key[klen] = '\0';
                parent[0] = '\0';
                /* An empty value opens a block of indented sub-settings. */
                {
                    const char *v = eq + 1;
                    while (v < e && blank(*v))
                        v++;
                    if (v == e) {
                        char *k = dup_trimmed(s, klen, false);
                        if (k == NULL) {
                            rc =
                                ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
                            goto cleanup;
                        }
                        snprintf(parent, sizeof(parent), "%s", k);
                        free(k);
                    }
                }
            }
            rc = add_entry(ini, section, key, klen, eq + 1, (size_t)(e - eq - 1));
            if (rc < 0) {
                ec2_error_set(err, rc, EC2_CLASS_LOCAL, "out of memory");
                goto cleanup;
            }
        }
    }
    goto cleanup;

malformed:
    rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                       "%s line %d: expected [section], key = value or a comment", origin, line_no);
cleanup:
    free(section);
    return rc;
}

/* "~/x" -> "$HOME/x"; other paths copied. NULL on allocation failure. */
static char *expand_home(const char *path)
{
    const char *home = getenv("HOME");
    struct ec2_buf b;

    ec2_buf_init(&b, 0);
    if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home != NULL) {
        if (ec2_buf_appendf(&b, "%s%s", home, path + 1) < 0)
            return NULL;
    } else if (ec2_buf_append(&b, path, strlen(path)) < 0) {
        return NULL;
    }
    return b.data;
}

int ec2_ini_load_file(struct ec2_ini *ini, const char *path, bool *found, struct ec2_error *err)
{
    struct ec2_buf content;
    char *full = expand_home(path);
    char chunk[4096];
    FILE *f = NULL;
    int rc = 0;

    *found = false;
    ec2_buf_init(&content, EC2_INI_MAX_FILE_BYTES);
    if (full == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    f = fopen(full, "rb");
    if (f == NULL) {
        if (errno != ENOENT && errno != ENOTDIR)
            rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL, "cannot read %s: %s", path,
                               strerror(errno));
        goto cleanup;
    }
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), f);
        if (n > 0) {
            rc = ec2_buf_append(&content, chunk, n);
            if (rc == EC2_ERR_TOO_LARGE) {
                rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                                   "cannot load %s: it is larger than %zu bytes", path,
                                   EC2_INI_MAX_FILE_BYTES);
                goto cleanup;
            }
            if (rc < 0) {
                rc = ec2_error_set(err, rc, EC2_CLASS_LOCAL, "cannot load %s: %s", path,
                                   ec2_strerror(rc));
                goto cleanup;
            }
        }
        if (n < sizeof(chunk))
            break;
    }
    if (ferror(f)) {
        rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL, "cannot read %s", path);
        goto cleanup;
    }
    *found = true;
    rc = ec2_ini_parse(ini, ec2_buf_str(&content), content.len, path, err);
cleanup:
    if (f != NULL)
        fclose(f);
    ec2_buf_dispose(&content);
    free(full);
    return rc;
}

const char *ec2_ini_get(const struct ec2_ini *ini, const char *section, const char *key)
{
    for (size_t i = ini->n; i-- > 0;) {
        if (strcmp(ini->entries[i].section, section) == 0 && strcmp(ini->entries[i].key, key) == 0)
            return ini->entries[i].value;
    }
    return NULL;
}

bool ec2_ini_has_section(const struct ec2_ini *ini, const char *section)
{
    for (size_t i = 0; i < ini->n; i++) {
        if (strcmp(ini->entries[i].section, section) == 0)
            return true;
    }
    return false;
}

void ec2_profile_dispose(struct ec2_profile *profile)
{
    if (profile == NULL)
        return;
    free(profile->name);
    free(profile->region);
    free(profile->endpoint_url);
    if (profile->secret_key != NULL)
        memset(profile->secret_key, 0, strlen(profile->secret_key));
    if (profile->session_token != NULL)
        memset(profile->session_token, 0, strlen(profile->session_token));
    free(profile->access_key);
    free(profile->secret_key);
    free(profile->session_token);
    free(profile->credential_process);
    memset(profile, 0, sizeof(*profile));
}

static int load_all(struct ec2_ini *ini, const char *const *files, size_t n, const char *env,
                    const char *fallback, struct ec2_error *err)
{
    const char *single = getenv(env);
    bool found = false;
    int rc;

    if (n == 0) {
        return ec2_ini_load_file(ini, single != NULL && single[0] != '\0' ? single : fallback,
                                 &found, err);
    }
    for (size_t i = 0; i < n; i++) {
        rc = ec2_ini_load_file(ini, files[i], &found, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Set *dst to a copy of the first non-empty candidate. 0 or EC2_ERR_NOMEM. */
static int pick(char **dst, const char *a, const char *b)
{
    const char *v = a != NULL && a[0] != '\0' ? a : (b != NULL && b[0] != '\0' ? b : NULL);

    *dst = NULL;
    if (v == NULL)
        return 0;
    *dst = strdup(v);
    return *dst != NULL ? 0 : EC2_ERR_NOMEM;
}

int ec2_profile_load(struct ec2_profile *out, const char *name,
                     const char *const *credentials_files, size_t n_credentials_files,
                     const char *const *config_files, size_t n_config_files, struct ec2_error *err)
{
    struct ec2_ini creds, config;
    struct ec2_profile p;
    char cfg_section[300];
    const char *env_profile = getenv("AWS_PROFILE");
    const char *services, *service_endpoint = NULL;
    bool explicit_name = true;
    int rc;

    memset(&p, 0, sizeof(p));
    ec2_ini_init(&creds);
    ec2_ini_init(&config);
    if (name == NULL || name[0] == '\0') {
        name = env_profile;
        if (name == NULL || name[0] == '\0') {
            name = "default";
            explicit_name = false;
        }
    }
    rc = load_all(&creds, credentials_files, n_credentials_files, "AWS_SHARED_CREDENTIALS_FILE",
                  "~/.aws/credentials", err);
    if (rc == 0)
        rc = load_all(&config, config_files, n_config_files, "AWS_CONFIG_FILE", "~/.aws/config",
                      err);
    if (rc < 0)
        goto cleanup;
    if (strcmp(name, "default") == 0 && !ec2_ini_has_section(&config, "profile default"))
        snprintf(cfg_section, sizeof(cfg_section), "%s", "default");
    else
        snprintf(cfg_section, sizeof(cfg_section), "profile %s", name);
    p.found = ec2_ini_has_section(&creds, name) || ec2_ini_has_section(&config, cfg_section);
    if (!p.found && explicit_name) {
        rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                           "profile \"%s\" not found in the shared config or credentials files",
                           name);
        goto cleanup;
    }
    services = ec2_ini_get(&config, cfg_section, "services");
    if (services != NULL && services[0] != '\0') {
        char svc_section[300];
        snprintf(svc_section, sizeof(svc_section), "services %s", services);
        service_endpoint = ec2_ini_get(&config, svc_section, "ec2.endpoint_url");
    }
    p.name = strdup(name);
    if (p.name == NULL || pick(&p.region, ec2_ini_get(&config, cfg_section, "region"), NULL) < 0 ||
        pick(&p.endpoint_url, service_endpoint, ec2_ini_get(&config, cfg_section, "endpoint_url")) <
            0 ||
        pick(&p.access_key, ec2_ini_get(&creds, name, "aws_access_key_id"),
             ec2_ini_get(&config, cfg_section, "aws_access_key_id")) < 0 ||
        pick(&p.secret_key, ec2_ini_get(&creds, name, "aws_secret_access_key"),
             ec2_ini_get(&config, cfg_section, "aws_secret_access_key")) < 0 ||
        pick(&p.session_token, ec2_ini_get(&creds, name, "aws_session_token"),
             ec2_ini_get(&config, cfg_section, "aws_session_token")) < 0 ||
        pick(&p.credential_process, ec2_ini_get(&creds, name, "credential_process"),
             ec2_ini_get(&config, cfg_section, "credential_process")) < 0) {
        rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        goto cleanup;
    }
    *out = p;
    memset(&p, 0, sizeof(p));
cleanup:
    ec2_profile_dispose(&p);
    ec2_ini_dispose(&creds);
    ec2_ini_dispose(&config);
    return rc;
}
