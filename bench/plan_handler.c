/*
 * plan_handler.c - what one PlanResourceChange costs inside the provider, without the transport.
 *
 * bench/plugin_bench.py measures calls/s through gRPC; this program explains the difference between
 * a plan and the empty method there. It runs the provider's own tfplugin6 handlers in-process on
 * request bytes the Python bench wrote (a ConfigureProvider request, then a PlanResourceChange
 * request), so it times exactly the work a plan call adds to the gRPC call: unpacking the request,
 * decoding its values, the plan rules and the resource's plan, encoding the answer. It also times
 * the part of that work the libraries themselves do (protobuf-c unpacking the request, msgpack-c
 * parsing and writing one value of that size), a floor no handler can go under. Caches are hot
 * here, so a call inside the server, interleaved with gRPC's own work, costs more.
 *
 * usage: plan_handler CONFIGURE_REQUEST_FILE PLAN_REQUEST_FILE [CALLS]
 * Prints medians over 5 batches of CALLS (default 100000) calls, in microseconds per call.
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "protocol.h"
#include "tfplugin6.pb-c.h"

#define BATCHES 5

struct bytes {
    uint8_t *data;
    size_t len;
};

static int read_file(const char *path, struct bytes *out)
{
    FILE *f = fopen(path, "rb");
    long len;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        if (f != NULL)
            fclose(f);
        return -1;
    }
    out->len = (size_t)len;
    out->data = malloc(out->len > 0 ? out->len : 1);
    if (out->data == NULL || fread(out->data, 1, out->len, f) != out->len) {
        free(out->data);
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static tf_method_handler find_handler(const char *path)
{
    size_t n;
    const struct tf_method *methods = tf_protocol_methods(6, &n);

    for (size_t i = 0; i < n; i++)
        if (strcmp(methods[i].path, path) == 0)
            return methods[i].handler;
    return NULL;
}

/* One call of the handler; returns its gRPC status and prints the message on failure. */
static int call(tf_method_handler h, const struct bytes *req, size_t *resp_len)
{
    uint8_t *resp = NULL;
    char msg[512] = "";
    int rc = h(req->data, req->len, &resp, resp_len, msg, sizeof(msg));

    if (rc != 0)
        fprintf(stderr, "plan_handler: status %d: %s\n", rc, msg);
    free(resp);
    return rc;
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The work the benchmark times: one step, repeated. */
struct step {
    const char *name;
    int (*run)(void *arg);
    void *arg;
};

/* Median over BATCHES batches of the microseconds one run takes; -1 when a run fails. */
static double median_us(const struct step *s, long calls)
{
    double per_call[BATCHES];

    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_us();
        for (long i = 0; i < calls; i++)
            if (s->run(s->arg) != 0)
                return -1;
        per_call[b] = (now_us() - t0) / (double)calls;
    }
    qsort(per_call, BATCHES, sizeof(per_call[0]), compare_doubles);
    return per_call[BATCHES / 2];
}

static tf_method_handler plan;

static int run_plan(void *arg)
{
    size_t len;

    return call(plan, arg, &len);
}

static int run_protobuf_unpack(void *arg)
{
    const struct bytes *req = arg;
    ProtobufCMessage *m = protobuf_c_message_unpack(
        &tfplugin6__plan_resource_change__request__descriptor, NULL, req->len, req->data);

    if (m == NULL)
        return -1;
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}

/* msgpack-c alone: parse the proposed state into its object tree and write that tree back out. */
static int run_msgpack(void *arg)
{
    const ProtobufCBinaryData *value = arg;
    msgpack_unpacked unpacked;
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    size_t off = 0;
    int rc = -1;

    msgpack_unpacked_init(&unpacked);
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    if (msgpack_unpack_next(&unpacked, (const char *)value->data, value->len, &off) ==
            MSGPACK_UNPACK_SUCCESS &&
        msgpack_pack_object(&pk, unpacked.data) == 0)
        rc = 0;
    msgpack_sbuffer_destroy(&sbuf);
    msgpack_unpacked_destroy(&unpacked);
    return rc;
}

int main(int argc, char **argv)
{
    struct bytes configure, request;
    Tfplugin6__PlanResourceChange__Request *parsed = NULL;
    long calls = argc > 3 ? strtol(argv[3], NULL, 10) : 100000;
    size_t resp_len = 0;
    int status = 1;

    if (argc < 3 || calls <= 0) {
        fprintf(stderr, "usage: plan_handler CONFIGURE_REQUEST_FILE PLAN_REQUEST_FILE [CALLS]\n");
        return 2;
    }
    if (read_file(argv[1], &configure) != 0 || read_file(argv[2], &request) != 0) {
        fprintf(stderr, "plan_handler: cannot read %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    tf_log_init();
    plan = find_handler("/tfplugin6.Provider/PlanResourceChange");
    if (tf_protocol_init() != 0 || plan == NULL ||
        call(find_handler("/tfplugin6.Provider/ConfigureProvider"), &configure, &resp_len) != 0 ||
        call(plan, &request, &resp_len) != 0)
        goto out;
    parsed = (Tfplugin6__PlanResourceChange__Request *)protobuf_c_message_unpack(
        &tfplugin6__plan_resource_change__request__descriptor, NULL, request.len, request.data);
    if (parsed == NULL || parsed->proposed_new_state == NULL)
        goto out;

    const struct step steps[] = {
        {"PlanResourceChange handler (all of it)", run_plan, &request},
        {"  floor: protobuf-c unpacks the request", run_protobuf_unpack, &request},
        {"  floor: msgpack-c parses + writes one value", run_msgpack,
         &parsed->proposed_new_state->msgpack},
    };
    printf("request %zu bytes, proposed state %zu bytes, response %zu bytes; median of %d x %ld "
           "calls\n",
           request.len, parsed->proposed_new_state->msgpack.len, resp_len, BATCHES, calls);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        double us = median_us(&steps[i], calls);
        if (us < 0)
            goto out;
        printf("  %-46s %7.2f us/call\n", steps[i].name, us);
    }
    status = 0;
out:
    if (status != 0)
        fprintf(stderr, "plan_handler: a call failed\n");
    if (parsed != NULL)
        protobuf_c_message_free_unpacked(&parsed->base, NULL);
    tf_protocol_shutdown();
    free(configure.data);
    free(request.data);
    return status;
}
