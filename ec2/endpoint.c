/*
 * endpoint.c - region and endpoint resolution (see endpoint.h).
 *
 * The endpoint URL is checked and split here without libcurl (see ec2_endpoint_parse), so that
 * a client can be created, and its configuration errors reported, before libcurl is needed.
 */
#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"

static bool present(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static bool valid_region(const char *r)
{
    if (!present(r) || strlen(r) > 64)
        return false;
    for (const char *p = r; *p != '\0'; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    }
    return true;
}

int ec2_endpoint_region(char **out, const char *explicit_region, const struct ec2_profile *profile,
                        struct ec2_error *err)
{
    const char *candidates[4];
    const char *region = NULL;
    char *copy;

    candidates[0] = explicit_region;
    candidates[1] = getenv("AWS_REGION");
    candidates[2] = getenv("AWS_DEFAULT_REGION");
    candidates[3] = profile != NULL ? profile->region : NULL;
    for (size_t i = 0; i < 4 && region == NULL; i++) {
        if (present(candidates[i]))
            region = candidates[i];
    }
    if (region == NULL)
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                             "no AWS region: set region, AWS_REGION or a profile region");
    if (!valid_region(region))
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL, "invalid AWS region \"%.64s\"",
                             region);
    copy = strdup(region);
    if (copy == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    *out = copy;
    return 0;
}

int ec2_endpoint_url(char **out, const char *explicit_endpoint, const char *region,
                     const struct ec2_profile *profile, struct ec2_error *err)
{
    const char *ignore = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    bool use_configured = !(ignore != NULL && strcasecmp(ignore, "true") == 0);
    const char *candidates[4];
    const char *chosen = NULL;
    char *copy;

    candidates[0] = explicit_endpoint;
    candidates[1] = use_configured ? getenv("AWS_ENDPOINT_URL_EC2") : NULL;
    candidates[2] = use_configured ? getenv("AWS_ENDPOINT_URL") : NULL;
    candidates[3] = use_configured && profile != NULL ? profile->endpoint_url : NULL;
    for (size_t i = 0; i < 4 && chosen == NULL; i++) {
        if (present(candidates[i]))
            chosen = candidates[i];
    }
    if (chosen != NULL) {
        copy = strdup(chosen);
    } else {
        bool china = strncmp(region, "cn-", 3) == 0;
        size_t len = strlen(region) + 40;
        copy = malloc(len);
        if (copy != NULL)
            snprintf(copy, len, "https://ec2.%s.amazonaws.com%s", region, china ? ".cn" : "");
    }
    if (copy == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    *out = copy;
    return 0;
}

void ec2_endpoint_parts_dispose(struct ec2_endpoint_parts *parts)
{
    if (parts == NULL)
        return;
    free(parts->host);
    free(parts->path);
    parts->host = NULL;
    parts->path = NULL;
}

/* RFC 3986 unreserved characters, the only ones a host name may use here. */
static bool unreserved(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

static bool hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* True when [p, end) is a valid RFC 3986 path: pchars, '/' and complete %XX escapes. */
static bool valid_path(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p == '%') {
            if (end - p < 3 || !hex_digit(p[1]) || !hex_digit(p[2]))
                return false;
            p += 2;
        } else if (!unreserved(*p) && (*p == '\0' || strchr("!$&'()*+,;=:@/", *p) == NULL)) {
            return false;
        }
    }
    return true;
}

/* True when [p, end) is "[v6-literal]" or a non-empty name of unreserved characters. */
static bool valid_host(const char *p, const char *end)
{
    if (p == end)
        return false;
    if (*p == '[') {
        if (end - p < 4 || end[-1] != ']')
            return false;
        for (p++; p < end - 1; p++) {
            if (!hex_digit(*p) && *p != ':' && *p != '.')
                return false;
        }
        return true;
    }
    for (; p < end; p++) {
        if (!unreserved(*p))
            return false;
    }
    return true;
}

/* True when [p, end) is a decimal port from 1 to 65535. */
static bool valid_port(const char *p, const char *end)
{
    long port = 0;

    if (p == end || end - p > 5)
        return false;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        port = port * 10 + (*p - '0');
    }
    return port >= 1 && port <= 65535;
}

/*
 * A strict parser rather than libcurl's URL API, so that creating a client needs no libcurl at
 * all. It accepts only what an endpoint needs: http(s)://host[:port][/path], the host a name of
 * unreserved characters or a bracketed IPv6 literal. The Host that is signed is also the Host
 * header sent (client.c passes it to libcurl), so the two cannot disagree; a URL accepted here
 * that libcurl still refuses fails the first request with EC2_ERR_CONFIG (http.c).
 */
int ec2_endpoint_parse(struct ec2_endpoint_parts *out, const char *url, struct ec2_error *err)
{
    struct ec2_endpoint_parts parts = {NULL, NULL};
    const char *sep, *authority, *authority_end, *host_end, *path_end;

    sep = url != NULL ? strstr(url, "://") : NULL;
    if (sep == NULL || url + strcspn(url, ":/?#@") != sep)
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                             "endpoint \"%.200s\" is not a valid URL",
                             url != NULL && strchr(url, '@') == NULL ? url : "(not shown)");
    authority = sep + 3;
    authority_end = authority + strcspn(authority, "/?#");
    path_end = authority_end + strcspn(authority_end, "?#");
    /* Checked before anything echoes the URL, which could then carry a password. */
    if (memchr(authority, '@', (size_t)(authority_end - authority)) != NULL || *path_end != '\0')
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                             "endpoint must not carry a query string, fragment or user name");
    if (!((sep - url == 4 && strncasecmp(url, "http", 4) == 0) ||
          (sep - url == 5 && strncasecmp(url, "https", 5) == 0)))
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                             "endpoint \"%.200s\" must use http or https", url);
    if (*authority == '[') {
        host_end = memchr(authority, ']', (size_t)(authority_end - authority));
        host_end = host_end != NULL ? host_end + 1 : authority_end;
    } else {
        host_end = memchr(authority, ':', (size_t)(authority_end - authority));
        host_end = host_end != NULL ? host_end : authority_end;
    }
    if (!valid_host(authority, host_end) ||
        (host_end != authority_end &&
         (*host_end != ':' || !valid_port(host_end + 1, authority_end))) ||
        !valid_path(authority_end, path_end))
        return ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                             "endpoint \"%.200s\" is not a valid URL: it must be "
                             "http(s)://host[:port][/path]",
                             url);
    /* The authority as written: an explicit port is part of what the Host header shows. */
    parts.host = strndup(authority, (size_t)(authority_end - authority));
    parts.path = authority_end == path_end
                     ? strdup("/")
                     : strndup(authority_end, (size_t)(path_end - authority_end));
    if (parts.host == NULL || parts.path == NULL) {
        ec2_endpoint_parts_dispose(&parts);
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    }
    *out = parts;
    return 0;
}
