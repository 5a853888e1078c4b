/*
 * resource.h - the internal model every resource and data source is written against.
 *
 * protocol.c decodes a tfplugin5 or tfplugin6 request into one of the operation structs below, runs the
 * generic lifecycle rules (plan.c), calls the resource's callback, and encodes the result. A resource
 * is a table of callbacks plus its schema; it never sees protocol messages. A callback reports
 * problems as diagnostics in call->diags; everything it allocates comes from call->arena and is freed
 * when the call ends.
 */
#ifndef TF_RESOURCE_H
#define TF_RESOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "path.h"
#include "schema.h"
#include "value.h"

struct tf_provider;

/* One gRPC call's context. */
struct tf_call {
    struct tf_arena *arena;
    struct tf_diags diags;
    const struct tf_provider *provider; /* the configured provider; NULL before ConfigureProvider */
};

/* Bytes Terraform keeps for the provider between plan, apply and read (private state). */
struct tf_bytes {
    const uint8_t *data;
    size_t len;
};

struct tf_paths {
    size_t n, cap;
    struct tf_path *items; /* in the call's arena */
};
/* Appends a path; sets diags->oom on allocation failure. */
void tf_paths_add(struct tf_call *call, struct tf_paths *paths, const struct tf_path *path);

struct tf_plan_op {
    const struct tf_value *prior;    /* null on create */
    const struct tf_value *config;   /* null on destroy */
    const struct tf_value *proposed; /* null on destroy */
    struct tf_bytes prior_private;
    /* Filled by the generic rules before the callback, which may refine them: */
    struct tf_value *planned;          /* null on destroy */
    struct tf_paths requires_replace;  /* force-new attributes that differ from prior */
    struct tf_bytes planned_private;
};

struct tf_apply_op {
    const struct tf_value *prior;   /* null on create */
    const struct tf_value *planned; /* null on destroy */
    const struct tf_value *config;  /* null on destroy */
    struct tf_bytes planned_private;
    struct tf_value *new_state; /* out: null after a destroy; after a failed create that made a
                                   remote object, that object's state (Terraform taints it) */
    struct tf_bytes private_out;
};

struct tf_read_op {
    const struct tf_value *current;
    struct tf_bytes private_in;
    struct tf_value *new_state; /* out: a null value when the remote object is gone */
    struct tf_bytes private_out;
};

struct tf_import_op {
    const char *id;
    struct tf_value *state; /* out: at least the id set; ReadResource follows */
    struct tf_bytes private_out;
};

struct tf_upgrade_op {
    int64_t version;          /* the schema version the state was written with */
    const char *json;         /* raw state JSON */
    size_t json_len;
    struct tf_value *upgraded; /* out */
};

struct tf_read_data_op {
    const struct tf_value *config;
    struct tf_value *state; /* out */
};

struct tf_resource {
    const char *type_name;
    const struct tf_schema *schema;
    void (*validate)(struct tf_call *call, const struct tf_value *config);
    void (*plan)(struct tf_call *call, struct tf_plan_op *op);
    void (*apply)(struct tf_call *call, struct tf_apply_op *op);
    void (*read)(struct tf_call *call, struct tf_read_op *op);
    void (*import)(struct tf_call *call, struct tf_import_op *op);
    /* NULL: the state JSON is decoded with the current schema, dropping removed attributes. */
    void (*upgrade)(struct tf_call *call, struct tf_upgrade_op *op);
};

struct tf_data_source {
    const char *type_name;
    const struct tf_schema *schema;
    void (*validate)(struct tf_call *call, const struct tf_value *config);
    void (*read)(struct tf_call *call, struct tf_read_data_op *op);
};

/* The generic plan rules (plan.c), applied before the resource's plan callback: planned starts as
 * the proposed state; on create, computed attributes that the configuration leaves null become
 * unknown (recursively through nested blocks); on update, requires_replace lists every force-new
 * attribute or block whose planned value differs from prior. */
void tf_plan_generic(struct tf_call *call, const struct tf_schema *schema, struct tf_plan_op *op);

#endif
