/*
 * diag.h - diagnostics: what the user reads when something is wrong (or worth a warning).
 *
 * Resources, validation and the protocol adapters collect diagnostics in a struct tf_diags that lives
 * in the call's arena; protocol.c turns them into tfplugin Diagnostic messages. A diagnostic has a
 * severity, a one-line summary, an optional detail and an optional attribute path, which makes
 * Terraform point at the exact configuration line. Texts that come from outside (EC2 messages) have
 * CR/LF folded into spaces in summaries. No secret ever has a format path into a diagnostic.
 */
#ifndef TF_DIAG_H
#define TF_DIAG_H

#include <stdbool.h>
#include <stddef.h>

#include "path.h"
#include "value.h"

/* Values match the protocol's Diagnostic.Severity. */
enum tf_severity {
    TF_DIAG_ERROR = 1,
    TF_DIAG_WARNING = 2,
};

struct tf_diag {
    enum tf_severity severity;
    const char *summary;
    const char *detail;     /* may be NULL */
    bool has_path;
    struct tf_path path;
    struct tf_diag *next;
};

struct tf_diags {
    struct tf_arena *arena; /* where diagnostics are allocated */
    struct tf_diag *head, *tail;
    size_t n_errors, n_warnings;
    bool oom; /* a diagnostic could not be recorded; the call reports an error regardless */
};

void tf_diags_init(struct tf_diags *d, struct tf_arena *arena);
static inline bool tf_diags_has_errors(const struct tf_diags *d)
{
    return d->n_errors > 0 || d->oom;
}

/* Adds a diagnostic. path may be NULL (whole resource). The detail is printf-formatted (fmt may be
 * NULL for none). Never fails visibly: on out-of-memory, d->oom is set. */
void tf_diag_add(struct tf_diags *d, enum tf_severity severity, const struct tf_path *path,
                 const char *summary, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
#define tf_diag_error(d, path, summary, ...) tf_diag_add((d), TF_DIAG_ERROR, (path), (summary), __VA_ARGS__)
#define tf_diag_warning(d, path, summary, ...) tf_diag_add((d), TF_DIAG_WARNING, (path), (summary), __VA_ARGS__)

/* Same with a one-step path naming a top-level attribute. */
void tf_diag_attr(struct tf_diags *d, enum tf_severity severity, const char *attr, const char *summary,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
