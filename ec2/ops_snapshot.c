/*
 * ops_snapshot.c - snapshot and tag operations: DescribeSnapshots (all pages), CreateSnapshot,
 * DeleteSnapshot, CreateTags, DeleteTags; their bodies and answer parsers.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ops.h"
#include "xml.h"

static const struct {
    const char *xml;
    size_t offset;
} snapshot_strings[] = {
    {"snapshotId", offsetof(struct ec2_snapshot, snapshot_id)},
    {"volumeId", offsetof(struct ec2_snapshot, volume_id)},
    {"status", offsetof(struct ec2_snapshot, state)},
    {"statusMessage", offsetof(struct ec2_snapshot, state_message)},
    {"startTime", offsetof(struct ec2_snapshot, start_time)},
    {"progress", offsetof(struct ec2_snapshot, progress)},
    {"ownerId", offsetof(struct ec2_snapshot, owner_id)},
    {"ownerAlias", offsetof(struct ec2_snapshot, owner_alias)},
    {"description", offsetof(struct ec2_snapshot, description)},
    {"kmsKeyId", offsetof(struct ec2_snapshot, kms_key_id)},
};

void ec2_snapshot_dispose(struct ec2_snapshot *snapshot)
{
    if (snapshot == NULL)
        return;
    for (size_t i = 0; i < sizeof(snapshot_strings) / sizeof(snapshot_strings[0]); i++)
        free(*(char **)((char *)snapshot + snapshot_strings[i].offset));
    ec2_tags_free(snapshot->tags, snapshot->n_tags);
    memset(snapshot, 0, sizeof(*snapshot));
}

/* Snapshot fields from `node` (a snapshotSet item, or the CreateSnapshot root). */
static int parse_snapshot(void *out, const xmlNode *node, struct ec2_error *err)
{
    struct ec2_snapshot *s = out;
    int rc = 0;

    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < sizeof(snapshot_strings) / sizeof(snapshot_strings[0]) && rc == 0; i++)
        rc = ec2_xml_get_str((char **)((char *)s + snapshot_strings[i].offset), node,
                             snapshot_strings[i].xml);
    if (rc == 0)
        rc = ec2_xml_get_int32(&s->volume_size, node, "volumeSize");
    if (rc == 0)
        rc = ec2_xml_get_bool(&s->encrypted, node, "encrypted");
    if (rc == 0)
        rc = ec2_parse_tags(&s->tags, &s->n_tags, node, err);
    if (rc < 0) {
        ec2_snapshot_dispose(s);
        if (rc == EC2_ERR_NOMEM)
            return ec2_error_set(err, rc, EC2_CLASS_LOCAL, "out of memory");
        return ec2_error_set(err, rc, EC2_CLASS_CLIENT,
                             "EC2 snapshot description has a malformed number or boolean");
    }
    return 0;
}

void ec2_describe_snapshots_output_dispose(struct ec2_describe_snapshots_output *out)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < out->n_snapshots; i++)
        ec2_snapshot_dispose(&out->snapshots[i]);
    free(out->snapshots);
    free(out->next_token);
    memset(out, 0, sizeof(*out));
}

int ec2_parse_describe_snapshots_page(struct ec2_describe_snapshots_output *out, char **next_token,
                                      const xmlDoc *doc, struct ec2_error *err)
{
    /* Grown through a void * of its own: the array is not accessed as another pointer type. */
    void *items = out->snapshots;
    int rc =
        ec2_parse_describe_page(&items, &out->n_snapshots, sizeof(*out->snapshots), parse_snapshot,
                                "snapshotSet", "snapshots", out->request_id, next_token, doc, err);
    out->snapshots = items;
    return rc;
}

int ec2_parse_create_snapshot(struct ec2_create_snapshot_output *out, const xmlDoc *doc,
                              struct ec2_error *err)
{
    xmlNode *root = xmlDocGetRootElement((xmlDoc *)doc);
    struct ec2_create_snapshot_output r;
    int rc;

    memset(&r, 0, sizeof(r));
    rc = parse_snapshot(&r.snapshot, root, err);
    if (rc < 0)
        return rc;
    if (r.snapshot.snapshot_id == NULL || r.snapshot.snapshot_id[0] == '\0') {
        ec2_snapshot_dispose(&r.snapshot);
        return ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                             "EC2 answer to CreateSnapshot lacks <snapshotId>");
    }
    ec2_parse_request_id(r.request_id, sizeof(r.request_id), doc);
    *out = r;
    return 0;
}

void ec2_create_snapshot_output_dispose(struct ec2_create_snapshot_output *out)
{
    if (out == NULL)
        return;
    ec2_snapshot_dispose(&out->snapshot);
    memset(out, 0, sizeof(*out));
}

static void build_snapshots_page(struct ec2_query *q, const void *in, const char *token,
                                 const struct ec2_call_opts *opts)
{
    const struct ec2_describe_snapshots_input *s = in;

    ec2_query_init(q, "DescribeSnapshots");
    ec2_query_add_filters(q, s->filters, s->n_filters);
    if (s->max_results > 0)
        ec2_query_add_int(q, s->max_results, "MaxResults");
    ec2_query_add(q, token, "NextToken");
    ec2_query_add_list(q, "Owner", s->owners, s->n_owners);
    ec2_query_add_list(q, "RestorableBy", s->restorable_by, s->n_restorable_by);
    ec2_query_add_list(q, "SnapshotId", s->snapshot_ids, s->n_snapshot_ids);
    ec2_ops_add_dry_run(q, opts);
}

static int parse_snapshots_page(void *out, char **next, xmlDoc *doc, struct ec2_error *err)
{
    return ec2_parse_describe_snapshots_page(out, next, doc, err);
}

static void dispose_snapshots(void *out)
{
    ec2_describe_snapshots_output_dispose(out);
}

int ec2_describe_snapshots(struct ec2_describe_snapshots_output *out, struct ec2_client *client,
                           const struct ec2_describe_snapshots_input *in,
                           const struct ec2_call_opts *opts, struct ec2_error *err)
{
    static const struct ec2_describe_snapshots_input empty;
    static const struct ec2_pager pager = {
        "DescribeSnapshots",
        build_snapshots_page,
        parse_snapshots_page,
        dispose_snapshots,
        sizeof(struct ec2_describe_snapshots_output),
        offsetof(struct ec2_describe_snapshots_output, next_token)};

    if (in == NULL)
        in = &empty;
    return ec2_ops_describe(out, client, &pager, in, in->next_token, in->max_pages, opts, err);
}

int ec2_create_snapshot(struct ec2_create_snapshot_output *out, struct ec2_client *client,
                        const struct ec2_create_snapshot_input *in,
                        const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    xmlDoc *doc = NULL;
    int rc;

    if (out == NULL || client == NULL || in == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "CreateSnapshot needs out, client and input");
    rc = ec2_ops_require(in->volume_id, "CreateSnapshot VolumeId", err);
    if (rc < 0)
        return rc;
    ec2_query_init(&q, "CreateSnapshot");
    ec2_query_add(&q, in->description, "Description");
    ec2_query_add(&q, in->volume_id, "VolumeId");
    ec2_query_add_tag_specifications(&q, in->tag_specifications, in->n_tag_specifications);
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_client_send(&doc, client, "CreateSnapshot", &q, opts, err);
    if (rc == 0)
        rc = ec2_parse_create_snapshot(out, doc, err);
    xmlFreeDoc(doc);
    ec2_query_dispose(&q);
    return rc;
}

int ec2_delete_snapshot(struct ec2_unit_output *out, struct ec2_client *client,
                        const char *snapshot_id, const struct ec2_call_opts *opts,
                        struct ec2_error *err)
{
    struct ec2_query q;
    int rc;

    if (client == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "DeleteSnapshot needs a client");
    rc = ec2_ops_require(snapshot_id, "DeleteSnapshot SnapshotId", err);
    if (rc < 0)
        return rc;
    ec2_query_init(&q, "DeleteSnapshot");
    ec2_query_add(&q, snapshot_id, "SnapshotId");
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_ops_unit(out, client, "DeleteSnapshot", &q, opts, err);
    ec2_query_dispose(&q);
    return rc;
}

static int tags_op(struct ec2_unit_output *out, struct ec2_client *client, const char *action,
                   const struct ec2_tags_input *in, bool need_tags,
                   const struct ec2_call_opts *opts, struct ec2_error *err)
{
    struct ec2_query q;
    int rc;

    if (client == NULL || in == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "%s needs client and input", action);
    if (in->n_resource_ids == 0 || in->resource_ids == NULL)
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "%s needs at least one resource id", action);
    if (need_tags && (in->n_tags == 0 || in->tags == NULL))
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "%s needs at least one tag", action);
    ec2_query_init(&q, action);
    ec2_query_add_list(&q, "ResourceId", in->resource_ids, in->n_resource_ids);
    ec2_query_add_tags(&q, "Tag", in->tags, in->n_tags);
    ec2_ops_add_dry_run(&q, opts);
    rc = ec2_ops_unit(out, client, action, &q, opts, err);
    ec2_query_dispose(&q);
    return rc;
}

int ec2_create_tags(struct ec2_unit_output *out, struct ec2_client *client,
                    const struct ec2_tags_input *in, const struct ec2_call_opts *opts,
                    struct ec2_error *err)
{
    return tags_op(out, client, "CreateTags", in, true, opts, err);
}

int ec2_delete_tags(struct ec2_unit_output *out, struct ec2_client *client,
                    const struct ec2_tags_input *in, const struct ec2_call_opts *opts,
                    struct ec2_error *err)
{
    return tags_op(out, client, "DeleteTags", in, false, opts, err);
}
