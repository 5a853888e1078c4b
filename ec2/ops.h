/*
 * ops.h - what the operation files share: request helpers, and the answer parsers, exposed so
 * the unit tests can feed them documents without a network.
 *
 * Every parser takes a whole answer document, fills its output on success only (leaving it
 * zeroed on failure) and returns 0, EC2_ERR_NOMEM or EC2_ERR_PARSE (with `err` filled).
 */
#ifndef EC2_OPS_H
#define EC2_OPS_H

#include <libxml/tree.h>

#include "client.h"
#include "ec2.h"
#include "query.h"

/* Fail with EC2_ERR_INVALID_ARGUMENT when a required string is NULL or empty. */
int ec2_ops_require(const char *value, const char *what, struct ec2_error *err);

/* Add DryRun=true|false when opts sets it (opts may be NULL). */
void ec2_ops_add_dry_run(struct ec2_query *q, const struct ec2_call_opts *opts);

/* A paginated Describe call. build_page fills q for the page whose NextToken is `token` (NULL for
 * the first); parse_page appends the page's items to `out` and sets *next to the malloc'd token of
 * the next page (NULL on the last). The output is a struct of out_size bytes whose char *next_token
 * sits at next_token_offset, released by dispose. */
struct ec2_pager {
    const char *action;
    void (*build_page)(struct ec2_query *q, const void *in, const char *token,
                       const struct ec2_call_opts *opts);
    int (*parse_page)(void *out, char **next, xmlDoc *doc, struct ec2_error *err);
    void (*dispose)(void *out);
    size_t out_size;
    size_t next_token_offset;
};

/*
 * The whole Describe call: fetch pages from start_token (NULL or "": the first) until the last one,
 * max_pages of them (0: no limit but a safety cap), or a server that repeats its token. On success
 * *out holds every item read and its next_token the malloc'd token where a later call would resume
 * (NULL when every page was read); on failure *out is left as it was and nothing leaks.
 */
int ec2_ops_describe(void *out, struct ec2_client *client, const struct ec2_pager *pager,
                     const void *in, const char *start_token, int max_pages,
                     const struct ec2_call_opts *opts, struct ec2_error *err);

/* Send, then read <return>true</return> into `out` (may be NULL). */
int ec2_ops_unit(struct ec2_unit_output *out, struct ec2_client *client, const char *action,
                 const struct ec2_query *q, const struct ec2_call_opts *opts,
                 struct ec2_error *err);

/* <tagSet><item><key/><value/></item>... under `parent` (none: empty). */
int ec2_parse_tags(struct ec2_tag_owned **tags, size_t *n, const xmlNode *parent,
                   struct ec2_error *err);
void ec2_tags_free(struct ec2_tag_owned *tags, size_t n);

/* Number of <item> children of `set` (NULL: 0). */
size_t ec2_parse_count_items(const xmlNode *set);

/*
 * One page of a Describe answer: the <item>s of the element set_name (under the root) appended to
 * *items, a malloc'd array of *n items of item_size bytes that this grows, each read by parse_item
 * (which disposes of its own item when it fails); the requestId into request_id (64 bytes) and the
 * nextToken into *next_token (malloc'd; NULL when absent or empty). `what` names the items in the
 * too-many error. On failure the items read so far stay in *items and *n for the caller's dispose.
 */
int ec2_parse_describe_page(void **items, size_t *n, size_t item_size,
                            int (*parse_item)(void *item, const xmlNode *node,
                                              struct ec2_error *err),
                            const char *set_name, const char *what, char *request_id,
                            char **next_token, const xmlDoc *doc, struct ec2_error *err);

/* The answer's requestId into buf[64]. */
void ec2_parse_request_id(char *buf, size_t size, const xmlDoc *doc);

/* Answer parsers, one per operation. */
int ec2_parse_unit(struct ec2_unit_output *out, const xmlDoc *doc, struct ec2_error *err);
int ec2_parse_register_image(struct ec2_register_image_output *out, const xmlDoc *doc,
                             struct ec2_error *err);
/* One DescribeImages page: images appended to `out`, *next_token malloc'd or NULL. */
int ec2_parse_describe_images_page(struct ec2_describe_images_output *out, char **next_token,
                                   const xmlDoc *doc, struct ec2_error *err);
int ec2_parse_deregister_image(struct ec2_deregister_image_output *out, const xmlDoc *doc,
                               struct ec2_error *err);
int ec2_parse_image_attribute(struct ec2_image_attribute_output *out, const xmlDoc *doc,
                              struct ec2_error *err);
int ec2_parse_protection(struct ec2_protection_output *out, const xmlDoc *doc,
                         struct ec2_error *err);
int ec2_parse_copy_image(struct ec2_copy_image_output *out, const xmlDoc *doc,
                         struct ec2_error *err);
int ec2_parse_describe_snapshots_page(struct ec2_describe_snapshots_output *out, char **next_token,
                                      const xmlDoc *doc, struct ec2_error *err);
int ec2_parse_create_snapshot(struct ec2_create_snapshot_output *out, const xmlDoc *doc,
                              struct ec2_error *err);

/* Build the form bodies, exposed for the query tests. Each initialises `q`. */
void ec2_build_register_image(struct ec2_query *q, const struct ec2_register_image_input *in,
                              const struct ec2_call_opts *opts);
void ec2_build_describe_images(struct ec2_query *q, const struct ec2_describe_images_input *in,
                               const char *next_token, const struct ec2_call_opts *opts);
void ec2_build_modify_image_attribute(struct ec2_query *q,
                                      const struct ec2_modify_image_attribute_input *in,
                                      const struct ec2_call_opts *opts);
void ec2_build_copy_image(struct ec2_query *q, const struct ec2_copy_image_input *in,
                          const char *client_token, const struct ec2_call_opts *opts);

/* A random UUID v4 ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx") into buf[37]. 0 or EC2_ERR_GENERIC. */
int ec2_uuid4(char buf[37]);

#endif
