/*
 * imds.c - IMDSv2 credential fetch (see imds.h).
 */
#include "imds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define TOKEN_TTL_HEADER "X-aws-ec2-metadata-token-ttl-seconds: 21600"

const char *ec2_imds_endpoint(void)
{
    const char *env = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");

    return env != NULL && env[0] != '\0' ? env : EC2_IMDS_DEFAULT_ENDPOINT;
}

/* One request; a transport failure or non-200 status fails with `fail_code`. */
static int imds_call(struct ec2_http_response *resp, struct ec2_http *http, const char *method,
                     const char *url, const char *header, int fail_code, const char *what,
                     struct ec2_error *err)
{
    struct ec2_http_request req;
    const char *headers[1];
    struct ec2_error e;
    int rc;

    memset(&req, 0, sizeof(req));
    headers[0] = header;
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.n_headers = header != NULL ? 1 : 0;
    req.body = strcmp(method, "PUT") == 0 ? "" : NULL;
    req.timeout_ms = EC2_IMDS_TIMEOUT_MS;
    ec2_error_init(&e);
    rc = ec2_http_perform(resp, http, &req, &e);
    if (rc == EC2_ERR_NOMEM)
        return ec2_error_set(err, rc, EC2_CLASS_LOCAL, "out of memory");
    if (rc < 0)
        return ec2_error_set(err, fail_code, EC2_CLASS_LOCAL, "instance metadata %s: %s", what,
                             e.message);
    if (resp->status != 200)
        return ec2_error_set(err, fail_code, EC2_CLASS_LOCAL, "instance metadata %s: HTTP %ld",
                             what, resp->status);
    return 0;
}

int ec2_imds_fetch(struct ec2_buf *json_out, struct ec2_http *http, const char *endpoint,
                   struct ec2_error *err)
{
    struct ec2_http_response token = {0}, roles = {0}, creds = {0};
    struct ec2_buf url, auth;
    char role[256];
    size_t rlen;
    int rc;

    ec2_buf_init(&url, 0);
    ec2_buf_init(&auth, 0);
    ec2_buf_init(&token.body, 0);
    ec2_buf_init(&roles.body, 0);
    ec2_buf_init(&creds.body, 0);
    rc = ec2_buf_appendf(&url, "%s/latest/api/token", endpoint);
    if (rc < 0)
        goto nomem;
    rc = imds_call(&token, http, "PUT", url.data, TOKEN_TTL_HEADER, EC2_ERR_NO_CREDENTIALS,
                   "token request", err);
    if (rc < 0)
        goto cleanup;
    while (token.body.len > 0 && strchr(" \t\r\n", token.body.data[token.body.len - 1]) != NULL)
        token.body.data[--token.body.len] = '\0';
    /* The token goes into a header: refuse one that could smuggle another header in. */
    if (token.body.len == 0 || strpbrk(ec2_buf_str(&token.body), "\r\n") != NULL) {
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "instance metadata returned an unusable session token");
        goto cleanup;
    }
    rc = ec2_buf_appendf(&auth, "X-aws-ec2-metadata-token: %s", token.body.data);
    ec2_buf_clear(&url);
    if (rc == 0)
        rc = ec2_buf_appendf(&url, "%s/latest/meta-data/iam/security-credentials/", endpoint);
    if (rc < 0)
        goto nomem;
    rc = imds_call(&roles, http, "GET", url.data, auth.data, EC2_ERR_NO_CREDENTIALS, "role listing",
                   err);
    if (rc < 0)
        goto cleanup;
    rlen = strcspn(ec2_buf_str(&roles.body), "\r\n");
    if (rlen == 0 || rlen >= sizeof(role)) {
        rc = ec2_error_set(err, EC2_ERR_NO_CREDENTIALS, EC2_CLASS_LOCAL,
                           "no IAM role is attached to this instance");
        goto cleanup;
    }
    memcpy(role, roles.body.data, rlen);
    role[rlen] = '\0';
    ec2_buf_clear(&url);
    rc = ec2_buf_appendf(&url, "%s/latest/meta-data/iam/security-credentials/", endpoint);
    if (rc == 0)
        rc = ec2_buf_append_uri(&url, role, rlen, false);
    if (rc < 0)
        goto nomem;
    rc = imds_call(&creds, http, "GET", url.data, auth.data, EC2_ERR_CREDENTIALS,
                   "credentials request", err);
    if (rc < 0)
        goto cleanup;
    rc = ec2_buf_append(json_out, ec2_buf_str(&creds.body), creds.body.len);
    if (rc < 0)
        goto nomem;
    goto cleanup;

nomem:
    rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
cleanup:
    if (creds.body.data != NULL)
        memset(creds.body.data, 0, creds.body.len);
    ec2_http_response_dispose(&token);
    ec2_http_response_dispose(&roles);
    ec2_http_response_dispose(&creds);
    ec2_buf_dispose(&url);
    ec2_buf_dispose(&auth);
    return rc;
}
