/*
 * endpoint.c - region and endpoint resolution (see endpoint.h).
 *
 * URL parsing uses libcurl's URL API, the same parser that sends the request, so the Host we
 * sign is the Host libcurl sends.
 */
#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

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

int ec2_endpoint_parse(struct ec2_endpoint_parts *out, const char *url, struct ec2_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *user = NULL;
    struct ec2_endpoint_parts parts = {NULL, NULL};
    size_t len;
    int rc = 0;

    if (u == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                           "endpoint \"%.200s\" is not a valid URL", url != NULL ? url : "");
        goto cleanup;
    }
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                           "endpoint \"%.200s\" must use http or https", url);
        goto cleanup;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        rc = ec2_error_set(err, EC2_ERR_CONFIG, EC2_CLASS_LOCAL,
                           "endpoint must not carry a query string or user name");
        goto cleanup;
    }
    /* Without CURLU_DEFAULT_PORT only an explicit port is returned: that is what Host shows. */
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;
    len = strlen(host) + (port != NULL ? strlen(port) + 1 : 0) + 1;
    parts.host = malloc(len);
    parts.path = strdup(path != NULL && path[0] != '\0' ? path : "/");
    if (parts.host == NULL || parts.path == NULL) {
        ec2_endpoint_parts_dispose(&parts);
        rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        goto cleanup;
    }
    snprintf(parts.host, len, "%s%s%s", host, port != NULL ? ":" : "", port != NULL ? port : "");
    *out = parts;
cleanup:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}
