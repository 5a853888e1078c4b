/*
 * endpoint.h - region and endpoint resolution, and the parts of the endpoint URL that signing
 * needs.
 *
 * Region: explicit -> AWS_REGION -> AWS_DEFAULT_REGION -> the profile's region.
 * Endpoint: explicit -> AWS_ENDPOINT_URL_EC2 -> AWS_ENDPOINT_URL -> the profile's endpoint
 * (services section, then endpoint_url) -> https://ec2.<region>.amazonaws.com (".com.cn" for
 * cn- regions). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the environment and profile.
 */
#ifndef EC2_ENDPOINT_H
#define EC2_ENDPOINT_H

#include "config_file.h"
#include "ec2.h"

/* [out] out: malloc'd region. 0, EC2_ERR_NOMEM or EC2_ERR_CONFIG (none found, or characters
 * other than a-z, 0-9 and '-'). `profile` may be NULL. */
int ec2_endpoint_region(char **out, const char *explicit_region, const struct ec2_profile *profile,
                        struct ec2_error *err);

/* [out] out: malloc'd endpoint URL. 0 or EC2_ERR_NOMEM. */
int ec2_endpoint_url(char **out, const char *explicit_endpoint, const char *region,
                     const struct ec2_profile *profile, struct ec2_error *err);

/* The URL split for signing: host ("host" or "host:port" when the port is explicit) and path
 * ("/" when empty). Both malloc'd. */
struct ec2_endpoint_parts {
    char *host;
    char *path;
};

/* 0, EC2_ERR_NOMEM or EC2_ERR_CONFIG (not an http(s) URL, query or credentials in it). */
int ec2_endpoint_parse(struct ec2_endpoint_parts *out, const char *url, struct ec2_error *err);
void ec2_endpoint_parts_dispose(struct ec2_endpoint_parts *parts);

#endif
