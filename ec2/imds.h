/*
 * imds.h - credentials from the EC2 instance metadata service, IMDSv2 only.
 *
 * PUT /latest/api/token (x-aws-ec2-metadata-token-ttl-seconds) gets a session token; then
 * GET /latest/meta-data/iam/security-credentials/ names the role and GET .../<role> returns the
 * credentials JSON. The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT or
 * http://169.254.169.254; requests never go through a proxy and use short timeouts, so a host
 * without IMDS fails fast.
 */
#ifndef EC2_IMDS_H
#define EC2_IMDS_H

#include "buf.h"
#include "ec2.h"
#include "http.h"

#define EC2_IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define EC2_IMDS_TIMEOUT_MS       2000

/* The endpoint to use (borrowed: the environment's or the default). */
const char *ec2_imds_endpoint(void);

/*
 * Fetch the credentials document into `json_out` (initialised by the caller). `http` must be
 * a no-proxy transport. Returns 0, EC2_ERR_NO_CREDENTIALS (no IMDS, no role attached) or
 * EC2_ERR_CREDENTIALS (IMDS answered but wrongly), EC2_ERR_NOMEM.
 */
int ec2_imds_fetch(struct ec2_buf *json_out, struct ec2_http *http, const char *endpoint,
                   struct ec2_error *err);

#endif
