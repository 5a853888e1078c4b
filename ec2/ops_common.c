/*
 * ops_common.c - helpers shared by the operation files (see ops.h): required-argument checks,
 * DryRun, unit operations answering <return>, tag sets, request ids, UUIDs.
 */
#include "ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "error.h"
#include "xml.h"

/* Pages one call may fetch when the caller sets no limit: far beyond any real listing. */
#define MAX_PAGES 1000

/* Fetches the pages into out; on success *next_token is where a later call would resume. */
static int paginate(void *out, char **next_token, struct ec2_client *client,
                    const struct ec2_pager *pager, const void *in, const char *start_token,
                    int max_pages, const struct ec2_call_opts *opts, struct ec2_error *err)
{
    char *token = NULL;
    int rc = 0;

    *next_token = NULL;
    if (start_token != NULL && start_token[0] != '\0') {
        token = strdup(start_token);
        if (token == NULL)
            return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    }
    for (int page = 0; page < MAX_PAGES; page++) {
        struct ec2_query q;
        xmlDoc *doc = NULL;
        char *next = NULL;
        pager->build_page(&q, in, token, opts);
        rc = ec2_client_send(&doc, client, pager->action, &q, opts, err);
        if (rc == 0)
            rc = pager->parse_page(out, &next, doc, err);
        xmlFreeDoc(doc);
        ec2_query_dispose(&q);
        /* A server repeating its token would page forever: stop on the same token. */
        if (rc < 0 || next == NULL || (token != NULL && strcmp(next, token) == 0)) {
            free(next);
            free(token);
            token = NULL;
            break;
        }
        free(token);
        token = next;
        if (max_pages > 0 && page + 1 >= max_pages)
            break;
    }
    if (rc < 0) {
        free(token);
        return rc;
    }
    *next_token = token;
    return 0;
}

int ec2_ops_describe(void *out, struct ec2_client *client, const struct ec2_pager *pager,
                     const void *in, const char *start_token, int max_pages,
                     const struct ec2_call_opts *opts, struct ec2_error *err)
{
    char *token = NULL;
    void *all;
    int rc;

    if (out == NULL || client == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "%s needs out and client", pager->action);
    all = calloc(1, pager->out_size);
    if (all == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    rc = paginate(all, &token, client, pager, in, start_token, max_pages, opts, err);
    if (rc < 0) {
        pager->dispose(all);
    } else {
        memcpy((char *)all + pager->next_token_offset, &token, sizeof(token));
        memcpy(out, all, pager->out_size);
    }
    free(all);
    return rc;
}

int ec2_parse_describe_page(void **items, size_t *n, size_t item_size,
                            int (*parse_item)(void *item, const xmlNode *node,
                                              struct ec2_error *err),
                            const char *set_name, const char *what, char *request_id,
                            char **next_token, const xmlDoc *doc, struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    xmlNode *set = ec2_xml_child(root, set_name);
    size_t count = ec2_parse_count_items(set);
    int rc;

    *next_token = NULL;
    if (count > 0) {
        if (*n + count < *n || *n + count > SIZE_MAX / item_size)
            return ec2_error_set(err, EC2_ERR_TOO_LARGE, EC2_CLASS_CLIENT, "too many %s", what);
        void *grown = realloc(*items, (*n + count) * item_size);
        if (grown == NULL)
            return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        *items = grown;
    }
    for (xmlNode *it = ec2_xml_child(set, "item"); it != NULL; it = ec2_xml_next(it, "item")) {
        rc = parse_item((char *)*items + *n * item_size, it, err);
        if (rc < 0)
            return rc;
        (*n)++;
    }
    ec2_parse_request_id(request_id, 64, doc);
    if (ec2_xml_get_str(next_token, root, "nextToken") < 0)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    if (*next_token != NULL && (*next_token)[0] == '\0') {
        free(*next_token);
        *next_token = NULL;
    }
    return 0;
}

int ec2_ops_require(const char *value, const char *what, struct ec2_error *err)
{
    if (value == NULL || value[0] == '\0')
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL, "%s is required",
                             what);
    return 0;
}

void ec2_ops_add_dry_run(struct ec2_query *q, const struct ec2_call_opts *opts)
{
    if (opts != NULL)
        ec2_query_add_opt_bool(q, opts->dry_run, "DryRun");
}

void ec2_parse_request_id(char *buf, size_t size, const xmlDoc *doc)
{
    ec2_xml_copy_str(buf, size, xmlDocGetRootElement((xmlDoc *)doc), "requestId");
}

size_t ec2_parse_count_items(const xmlNode *set)
{
    size_t n = 0;

    for (xmlNode *it = ec2_xml_child(set, "item"); it != NULL; it = ec2_xml_next(it, "item"))
        n++;
    return n;
}

void ec2_tags_free(struct ec2_tag_owned *tags, size_t n)
{
    for (size_t i = 0; i < n && tags != NULL; i++) {
        free(tags[i].key);
        free(tags[i].value);
    }
    free(tags);
}

int ec2_parse_tags(struct ec2_tag_owned **tags, size_t *n, const xmlNode *parent,
                   struct ec2_error *err)
{
    xmlNode *set = ec2_xml_child(parent, "tagSet");
    size_t count = ec2_parse_count_items(set), i = 0;
    struct ec2_tag_owned *arr;

    *tags = NULL;
    *n = 0;
    if (count == 0)
        return 0;
    arr = calloc(count, sizeof(*arr));
    if (arr == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
    for (xmlNode *it = ec2_xml_child(set, "item"); it != NULL; it = ec2_xml_next(it, "item")) {
        if (ec2_xml_get_str(&arr[i].key, it, "key") < 0 ||
            ec2_xml_get_str(&arr[i].value, it, "value") < 0) {
            ec2_tags_free(arr, i + 1);
            return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        }
        i++;
    }
    *tags = arr;
    *n = count;
    return 0;
}

int ec2_parse_unit(struct ec2_unit_output *out, const xmlDoc *doc, struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    enum ec2_bool ret = EC2_BOOL_UNSET;

    if (ec2_xml_get_bool(&ret, root, "return") < 0 || ret == EC2_BOOL_UNSET)
        return ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                             "EC2 answer to %s lacks a valid <return>", (const char *)root->name);
    if (ret == EC2_BOOL_FALSE) {
        ec2_error_set(err, EC2_ERR_API, EC2_CLASS_CLIENT, "EC2 answered %s with return=false",
                      (const char *)root->name);
        if (err != NULL)
            ec2_parse_request_id(err->request_id, sizeof(err->request_id), doc);
        return EC2_ERR_API;
    }
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
        out->ret = true;
        ec2_parse_request_id(out->request_id, sizeof(out->request_id), doc);
    }
    return 0;
}

int ec2_ops_unit(struct ec2_unit_output *out, struct ec2_client *client, const char *action,
                 const struct ec2_query *q, const struct ec2_call_opts *opts, struct ec2_error *err)
{
    xmlDoc *doc = NULL;
    int rc = ec2_client_send(&doc, client, action, q, opts, err);

    if (rc == 0)
        rc = ec2_parse_unit(out, doc, err);
    xmlFreeDoc(doc);
    return rc;
}

int ec2_uuid4(char buf[37])
{
    unsigned char b[16];

    if (RAND_bytes(b, sizeof(b)) != 1)
        return EC2_ERR_GENERIC;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}
