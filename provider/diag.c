/*
 * diag.c - collecting diagnostics in a call's arena. See diag.h.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tf_diags_init(struct tf_diags *d, struct tf_arena *arena)
{
    memset(d, 0, sizeof(*d));
    d->arena = arena;
}

/* Remote text may carry CR/LF; a summary is one line. */
static void fold_newlines(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '\r' || *s == '\n')
            *s = ' ';
    }
}

static void vadd(struct tf_diags *d, enum tf_severity severity, const struct tf_path *path,
                 const char *summary, const char *fmt, va_list ap)
{
    struct tf_diag *diag = tf_arena_alloc(d->arena, sizeof(*diag));
    char *sum = tf_arena_strdup(d->arena, summary != NULL ? summary : "");
    char *detail = NULL;
    if (fmt != NULL) {
        char buf[4096];
        vsnprintf(buf, sizeof(buf), fmt, ap);
        detail = tf_arena_strdup(d->arena, buf);
        if (detail == NULL)
            sum = NULL;
    }
    if (diag == NULL || sum == NULL) {
        d->oom = true;
        return;
    }
    fold_newlines(sum);
    diag->severity = severity;
    diag->summary = sum;
    diag->detail = detail;
    if (path != NULL) {
        diag->has_path = true;
        diag->path = *path;
    }
    if (d->tail != NULL)
        d->tail->next = diag;
    else
        d->head = diag;
    d->tail = diag;
    if (severity == TF_DIAG_ERROR)
        d->n_errors++;
    else
        d->n_warnings++;
}

void tf_diag_add(struct tf_diags *d, enum tf_severity severity, const struct tf_path *path,
                 const char *summary, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vadd(d, severity, path, summary, fmt, ap);
    va_end(ap);
}

void tf_diag_attr(struct tf_diags *d, enum tf_severity severity, const char *attr,
                  const char *summary, const char *fmt, ...)
{
    struct tf_path path = tf_path_attr(attr);
    va_list ap;
    va_start(ap, fmt);
    vadd(d, severity, &path, summary, fmt, ap);
    va_end(ap);
}
