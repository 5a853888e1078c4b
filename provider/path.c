/*
 * path.c - attribute paths (path.h): a fixed array of steps, built while walking a value, and their
 * human form for messages.
 */
#include "path.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static struct tf_path_step *push(struct tf_path *p, enum tf_path_step_kind kind)
{
    struct tf_path_step *s;

    if (p->n >= TF_PATH_MAX_STEPS)
        return NULL;
    s = &p->steps[p->n++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    return s;
}

static void copy_name(struct tf_path_step *s, const char *name)
{
    size_t len = strlen(name);
    if (len >= sizeof(s->name)) {
        /* Cut between characters, never inside one: the name becomes a protobuf string, which
         * must stay valid UTF-8. Continuation bytes are 10xxxxxx. */
        len = sizeof(s->name) - 1;
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(s->name, name, len);
    s->name[len] = '\0';
}

void tf_path_push_attr(struct tf_path *p, const char *name)
{
    struct tf_path_step *s = push(p, TF_STEP_ATTR);

    if (s != NULL)
        copy_name(s, name);
}

void tf_path_push_key(struct tf_path *p, const char *key)
{
    struct tf_path_step *s = push(p, TF_STEP_KEY);

    if (s != NULL)
        copy_name(s, key);
}

void tf_path_push_index(struct tf_path *p, int64_t index)
{
    struct tf_path_step *s = push(p, TF_STEP_INDEX);

    if (s != NULL)
        s->index = index;
}

void tf_path_pop(struct tf_path *p)
{
    if (p->n > 0)
        p->n--;
}

struct tf_path tf_path_attr(const char *name)
{
    struct tf_path p = TF_PATH_INIT;

    tf_path_push_attr(&p, name);
    return p;
}

char *tf_path_format(const struct tf_path *p, char *buf, size_t size)
{
    size_t used = 0;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n && used + 1 < size; i++) {
        const struct tf_path_step *s = &p->steps[i];
        int w = 0;

        switch (s->kind) {
        case TF_STEP_ATTR:
            w = snprintf(buf + used, size - used, "%s%s", i > 0 ? "." : "", s->name);
            break;
        case TF_STEP_INDEX:
            w = snprintf(buf + used, size - used, "[%" PRId64 "]", s->index);
            break;
        case TF_STEP_KEY:
            /* Escape the two characters that would make the quoted key ambiguous. */
            w = snprintf(buf + used, size - used, "[\"");
            for (const char *c = s->name; w >= 0 && *c != '\0' && used + (size_t)w + 1 < size;
                 c++) {
                if (*c == '"' || *c == '\\')
                    buf[used + (size_t)w++] = '\\';
                if (used + (size_t)w + 1 < size)
                    buf[used + (size_t)w++] = *c;
            }
            if (w >= 0 && used + (size_t)w < size) {
                buf[used + (size_t)w] = '\0';
                w += snprintf(buf + used + w, size - used - (size_t)w, "\"]");
            }
            break;
        }
        if (w < 0)
            break;
        used += (size_t)w;
        if (used >= size)
            used = size - 1;
    }
    buf[used] = '\0';
    return buf;
}
