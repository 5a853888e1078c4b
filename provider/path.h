/*
 * path.h - attribute paths, the way Terraform's AttributePath names a place in a value.
 *
 * The codec fills one when input is malformed, validation and resources pass one to diag.h, and the
 * protocol adapters turn it into AttributePath steps so Terraform points at the exact config line.
 * Fixed-size and self-contained (names are copied) so it can live on the stack and outlive the input.
 */
#ifndef TF_PATH_H
#define TF_PATH_H

#include <stddef.h>
#include <stdint.h>

#define TF_PATH_MAX_STEPS 16
#define TF_PATH_MAX_NAME 128

enum tf_path_step_kind {
    TF_STEP_ATTR, /* AttributePath.Step.attribute_name */
    TF_STEP_KEY,  /* element_key_string (map key) */
    TF_STEP_INDEX /* element_key_int (list/tuple index) */
};

struct tf_path_step {
    enum tf_path_step_kind kind;
    char name[TF_PATH_MAX_NAME]; /* ATTR and KEY; truncated if longer */
    int64_t index;               /* INDEX */
};

struct tf_path {
    size_t n; /* steps beyond TF_PATH_MAX_STEPS are dropped: the path then names an ancestor */
    struct tf_path_step steps[TF_PATH_MAX_STEPS];
};

#define TF_PATH_INIT {0}

/* Append a step; silently keeps the path as is when full. */
void tf_path_push_attr(struct tf_path *p, const char *name);
void tf_path_push_key(struct tf_path *p, const char *key);
void tf_path_push_index(struct tf_path *p, int64_t index);
void tf_path_pop(struct tf_path *p);
/* A one-step path naming a top-level attribute. */
struct tf_path tf_path_attr(const char *name);
/* Human form for messages: `ebs_block_device[0].snapshot_id`, `tags["Name"]`. Writes at most size
 * bytes (always NUL-terminated) and returns buf. */
char *tf_path_format(const struct tf_path *p, char *buf, size_t size);

#endif
