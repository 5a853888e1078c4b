/*
 * server.c - the byte-oriented gRPC server on gRPC C core. See server.h for the threads and the
 * shutdown sequence.
 *
 * Every method of the tables is registered with gRPC, which then hands over each call together
 * with its request message: a unary call costs two events on the shared completion queue, the
 * call struct itself being the tag. CALL_NEW: a call and its request arrived; post a fresh request
 * for that method in its place, run the handler on this worker, send the reply and status.
 * CALL_FINISHED: the reply is out (or the call died); release everything. A path that is not
 * registered arrives as an unregistered ("generic") call, which is answered UNIMPLEMENTED at once
 * without reading its request. The server's own shutdown notification is a separate tag
 * (TAG_SHUTDOWN).
 */
#include "server.h"

#include "grpc_abseil.h"
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/log.h>

/* Calls requested ahead of arrival, per registered method and for unregistered paths; each
 * arrival posts a replacement at once, and calls beyond these wait in gRPC's own queue until then.
 */
#define PENDING_REQUESTS 2
/* Longest method path we log; paths are short ASCII names. */
#define PATH_LOG_MAX 128

enum tag_kind { CALL_NEW, CALL_FINISHED, TAG_SHUTDOWN };

/* A method as registered with gRPC. */
struct registered {
    const struct tf_method *method;
    void *handle; /* grpc_server_register_method's */
};

struct call {
    enum tag_kind kind; /* first member: the tag handed to gRPC points here */
    struct tf_server *srv;
    const struct registered *reg; /* NULL: an unregistered path */
    grpc_call *call;
    grpc_call_details details; /* unregistered paths only */
    gpr_timespec deadline;     /* registered methods only */
    grpc_metadata_array request_metadata;
    grpc_byte_buffer *request;
    grpc_byte_buffer *response;
    grpc_slice status_details;
    bool has_status_details;
    bool counted;  /* included in srv->active_calls */
    int cancelled; /* filled by RECV_CLOSE_ON_SERVER; unused but required by the op */
    struct timespec started;
};

struct tf_server {
    grpc_server *server;
    grpc_completion_queue *cq;
    struct registered *registered;
    size_t n_registered;
    atomic_bool stopping; /* set by tf_server_stop: do not post new requests */
    enum tag_kind shutdown_tag;
    pthread_mutex_t mu; /* guards the fields below */
    pthread_cond_t cond;
    size_t active_calls;    /* calls accepted and not yet released */
    bool shutdown_notified; /* gRPC's shutdown tag came back: no call or connection is left */
    size_t live_workers;    /* workers not yet returned */
    size_t busy_workers;    /* workers inside a handler */
    size_t n_workers;       /* threads started, all in workers[] */
    pthread_t workers[TF_SERVER_MAX_WORKERS];
};

/* gRPC core logs through here, so its lines reach Terraform as hclog JSON like ours. */
static void grpc_log_to_tf(gpr_log_func_args *args)
{
    enum tf_log_level level = TF_LOG_ERROR;
    if (args->severity == GPR_LOG_SEVERITY_DEBUG)
        level = TF_LOG_DEBUG;
    else if (args->severity == GPR_LOG_SEVERITY_INFO)
        level = TF_LOG_INFO;
    tf_log(level, "grpc: %s (%s:%d)", args->message, args->file, args->line);
}

/* The call's method path as a C string for logs, cut at PATH_LOG_MAX - 1 bytes. */
static void path_for_log(const struct call *c, char *out, size_t size)
{
    const char *path = (const char *)GRPC_SLICE_START_PTR(c->details.method);
    size_t len = GRPC_SLICE_LENGTH(c->details.method);
    if (c->reg != NULL) {
        path = c->reg->method->path;
        len = strlen(path);
    }
    if (len >= size)
        len = size - 1;
    memcpy(out, path, len);
    out[len] = '\0';
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

static void call_free(struct call *c)
{
    if (c->counted) {
        pthread_mutex_lock(&c->srv->mu);
        c->srv->active_calls--;
        pthread_cond_broadcast(&c->srv->cond);
        pthread_mutex_unlock(&c->srv->mu);
    }
    if (c->call != NULL)
        grpc_call_unref(c->call);
    if (c->request != NULL)
        grpc_byte_buffer_destroy(c->request);
    if (c->response != NULL)
        grpc_byte_buffer_destroy(c->response);
    if (c->has_status_details)
        grpc_slice_unref(c->status_details);
    grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->request_metadata);
    free(c);
}

/* Asks gRPC for the next incoming call of reg's method, or of an unregistered path when reg is
 * NULL. A failure here only lowers the number of pending requests (calls still wait in gRPC's own
 * queue for the others), so it is logged, not fatal. */
static void post_request(struct tf_server *srv, const struct registered *reg)
{
    grpc_call_error e;
    struct call *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        tf_log(TF_LOG_ERROR, "out of memory while waiting for a gRPC call");
        return;
    }
    c->kind = CALL_NEW;
    c->srv = srv;
    c->reg = reg;
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->request_metadata);
    if (reg != NULL)
        e = grpc_server_request_registered_call(srv->server, reg->handle, &c->call, &c->deadline,
                                                &c->request_metadata, &c->request, srv->cq, srv->cq,
                                                c);
    else
        e = grpc_server_request_call(srv->server, &c->call, &c->details, &c->request_metadata,
                                     srv->cq, srv->cq, c);
    if (e != GRPC_CALL_OK) {
        if (!atomic_load(&srv->stopping))
            tf_log(TF_LOG_ERROR, "gRPC refused to wait for a call (error %d)", (int)e);
        call_free(c);
    }
}

/* Sends status (and, on OK, c->response) and closes the call; the FINISHED event frees it.
 * message may be NULL. */
static void finish_call(struct call *c, grpc_status_code status, const char *message)
{
    grpc_op ops[4];
    size_t n = 0;

    memset(ops, 0, sizeof(ops));
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[n].data.send_initial_metadata.count = 0;
    n++;
    if (status == GRPC_STATUS_OK && c->response != NULL) {
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n].data.send_message.send_message = c->response;
        n++;
    }
    if (message != NULL && *message != '\0') {
        c->status_details = grpc_slice_from_copied_string(message);
        c->has_status_details = true;
    }
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.trailing_metadata_count = 0;
    ops[n].data.send_status_from_server.status = status;
    ops[n].data.send_status_from_server.status_details =
        c->has_status_details ? &c->status_details : NULL;
    n++;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n].data.recv_close_on_server.cancelled = &c->cancelled;
    n++;

    c->kind = CALL_FINISHED;
    grpc_call_error e = grpc_call_start_batch(c->call, ops, n, c, NULL);
    if (e != GRPC_CALL_OK) {
        tf_log(TF_LOG_ERROR, "gRPC refused to send a reply (error %d)", (int)e);
        call_free(c);
    }
}

static void *worker_main(void *arg);

/* Starts one more worker; called with srv->mu held. A failure only means less concurrency. */
static int add_worker(struct tf_server *srv)
{
    if (srv->n_workers >= TF_SERVER_MAX_WORKERS)
        return -1;
    int e = pthread_create(&srv->workers[srv->n_workers], NULL, worker_main, srv);
    if (e != 0)
        return e;
    srv->n_workers++;
    srv->live_workers++;
    return 0;
}

/* A worker is about to run a handler, which may block for as long as an EC2 wait. If that leaves
 * no worker free to take the next event, one more is started: otherwise enough blocking calls
 * would starve everything else, StopProvider and Shutdown included. */
static void enter_handler(struct tf_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->busy_workers++;
    if (srv->busy_workers >= srv->live_workers && !atomic_load(&srv->stopping) &&
        add_worker(srv) != 0)
        tf_log(TF_LOG_WARN, "all %zu gRPC workers are busy and no more can start", srv->n_workers);
    pthread_mutex_unlock(&srv->mu);
}

static void leave_handler(struct tf_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->busy_workers--;
    pthread_mutex_unlock(&srv->mu);
}

/* Runs the handler on the request that came with c and sends its answer. */
static void run_handler(struct call *c)
{
    grpc_byte_buffer_reader reader;
    grpc_slice request;
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    char message[512];
    char path[PATH_LOG_MAX];
    int status;

    if (c->request == NULL) {
        finish_call(c, GRPC_STATUS_INTERNAL, "the call carried no request message");
        return;
    }
    if (!grpc_byte_buffer_reader_init(&reader, c->request)) {
        finish_call(c, GRPC_STATUS_INTERNAL, "the request message could not be decompressed");
        return;
    }
    request = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    grpc_byte_buffer_destroy(c->request);
    c->request = NULL;

    message[0] = '\0';
    enter_handler(c->srv);
    status = c->reg->method->handler(GRPC_SLICE_START_PTR(request), GRPC_SLICE_LENGTH(request),
                                     &resp, &resp_len, message, sizeof(message));
    leave_handler(c->srv);
    grpc_slice_unref(request);
    message[sizeof(message) - 1] = '\0';

    path_for_log(c, path, sizeof(path));
    if (status < GRPC_STATUS_OK || status > GRPC_STATUS_UNAUTHENTICATED ||
        (status == GRPC_STATUS_OK && resp == NULL && resp_len > 0)) {
        tf_log(TF_LOG_ERROR, "handler for %s broke its contract (status %d)", path, status);
        status = GRPC_STATUS_INTERNAL;
        snprintf(message, sizeof(message), "internal error in the provider");
    }
    if (status != GRPC_STATUS_OK) {
        free(resp); /* the contract says NULL, but never leak */
        resp = NULL;
    } else {
        /* gRPC takes the handler's buffer as it is and frees it with free() once sent. */
        grpc_slice slice = resp_len > 0 ? grpc_slice_new(resp, resp_len, free) : grpc_empty_slice();
        if (resp_len == 0)
            free(resp);
        c->response = grpc_raw_byte_buffer_create(&slice, 1);
        grpc_slice_unref(slice);
    }
    tf_log(TF_LOG_TRACE, "gRPC %s: status %d in %ld ms", path, status, elapsed_ms(&c->started));
    finish_call(c, (grpc_status_code)status, status == GRPC_STATUS_OK ? NULL : message);
}

static void on_new_call(struct call *c, bool ok)
{
    struct tf_server *srv = c->srv;
    char path[PATH_LOG_MAX];

    if (!ok || atomic_load(&srv->stopping)) {
        /* The server is shutting down: it withdrew this request, or the call came too late to be
         * served (releasing it cancels it). */
        call_free(c);
        return;
    }
    post_request(srv, c->reg);

    pthread_mutex_lock(&srv->mu);
    srv->active_calls++;
    pthread_mutex_unlock(&srv->mu);
    c->counted = true;
    clock_gettime(CLOCK_MONOTONIC, &c->started);
    if (c->reg == NULL) {
        path_for_log(c, path, sizeof(path));
        tf_log(TF_LOG_DEBUG, "gRPC method %s is not implemented", path);
        finish_call(c, GRPC_STATUS_UNIMPLEMENTED, "method not implemented by this provider");
        return;
    }
    run_handler(c);
}

static void on_shutdown_notified(struct tf_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    srv->shutdown_notified = true;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->mu);
}

static void *worker_main(void *arg)
{
    struct tf_server *srv = arg;

    for (;;) {
        grpc_event ev =
            grpc_completion_queue_next(srv->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN)
            break;
        if (ev.type != GRPC_OP_COMPLETE)
            continue;
        enum tag_kind *kind = ev.tag;
        if (*kind == TAG_SHUTDOWN) {
            on_shutdown_notified(srv);
            continue;
        }
        struct call *c = (struct call *)kind;
        if (c->kind == CALL_NEW)
            on_new_call(c, ev.success != 0);
        else
            call_free(c); /* CALL_FINISHED: the reply is out or the call died */
    }

    pthread_mutex_lock(&srv->mu);
    srv->live_workers--;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

static grpc_server_credentials *make_credentials(const struct tf_server_config *cfg,
                                                 struct tf_transport_error *err)
{
    grpc_server_credentials *creds;
    if (cfg->key_pem == NULL) {
        creds = grpc_insecure_server_credentials_create();
    } else {
        grpc_ssl_pem_key_cert_pair pair = {cfg->key_pem, cfg->cert_pem};
        /* The client's own certificate is the only root: AutoMTLS pins it, nothing else. */
        creds = grpc_ssl_server_credentials_create_ex(
            cfg->client_ca_pem, &pair, 1,
            GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY, NULL);
    }
    if (creds == NULL)
        tf_transport_error_set(err, TF_TRANSPORT_ERR_GRPC,
                               "gRPC could not create the server credentials");
    return creds;
}

/* Waits until pred holds or ms elapse; returns pred's final value. Called with srv->mu held. */
static bool wait_until(struct tf_server *srv, bool (*pred)(const struct tf_server *), int ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += ms / 1000;
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (!pred(srv)) {
        if (pthread_cond_timedwait(&srv->cond, &srv->mu, &deadline) == ETIMEDOUT)
            break;
    }
    return pred(srv);
}

static bool is_notified(const struct tf_server *srv)
{
    return srv->shutdown_notified;
}

static bool is_idle(const struct tf_server *srv)
{
    return srv->shutdown_notified || srv->active_calls == 0;
}

static bool workers_gone(const struct tf_server *srv)
{
    return srv->live_workers == 0;
}

/* Undoes a start that failed after the server went live (a worker thread could not start). With
 * no worker at all, this thread drains the queue itself. Returns 0 or TF_TRANSPORT_ERR_BUSY. */
static int abandon_started(struct tf_server *srv)
{
    if (srv->n_workers > 0)
        return tf_server_stop(srv, 1000);
    atomic_store(&srv->stopping, true);
    grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);
    grpc_server_cancel_all_calls(srv->server);
    grpc_completion_queue_shutdown(srv->cq);
    srv->live_workers = 1;
    worker_main(srv);
    return TF_TRANSPORT_OK;
}

/* Registers every method of the tables, so that gRPC delivers each call with its request. */
static int register_methods(struct tf_server *srv, const struct tf_server_config *cfg,
                            struct tf_transport_error *err)
{
    size_t n = 0;

    for (size_t t = 0; t < cfg->n_tables; t++)
        n += cfg->tables[t].n;
    srv->registered = calloc(n > 0 ? n : 1, sizeof(*srv->registered));
    if (srv->registered == NULL)
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_NOMEM,
                                      "out of memory while starting the gRPC server");
    for (size_t t = 0; t < cfg->n_tables; t++) {
        for (size_t i = 0; i < cfg->tables[t].n; i++) {
            const struct tf_method *m = &cfg->tables[t].methods[i];
            void *handle = grpc_server_register_method(
                srv->server, m->path, NULL, GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
            if (handle == NULL)
                return tf_transport_error_set(err, TF_TRANSPORT_ERR_INPUT,
                                              "gRPC refused to register the method %s (listed "
                                              "twice?)",
                                              m->path);
            srv->registered[srv->n_registered].method = m;
            srv->registered[srv->n_registered].handle = handle;
            srv->n_registered++;
        }
    }
    return TF_TRANSPORT_OK;
}

int tf_server_start(struct tf_server **out, const struct tf_server_config *cfg,
                    struct tf_transport_error *err)
{
    int rc;
    struct tf_server *srv = NULL;
    grpc_server_credentials *creds = NULL;
    char *address = NULL;
    size_t address_len;
    bool started = false;

    if (cfg->socket_path == NULL || cfg->socket_path[0] != '/' ||
        (cfg->key_pem == NULL) != (cfg->cert_pem == NULL) ||
        (cfg->key_pem == NULL) != (cfg->client_ca_pem == NULL))
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_INPUT,
                                      "server configuration is inconsistent");

    srv = calloc(1, sizeof(*srv));
    address_len = strlen("unix:") + strlen(cfg->socket_path) + 1;
    address = malloc(address_len);
    if (srv == NULL || address == NULL) {
        free(srv);
        free(address);
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_NOMEM,
                                      "out of memory while starting the gRPC server");
    }
    snprintf(address, address_len, "unix:%s", cfg->socket_path);
    srv->shutdown_tag = TAG_SHUTDOWN;
    atomic_init(&srv->stopping, false);
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cond, NULL);

    gpr_set_log_function(grpc_log_to_tf);
    tf_abseil_no_deadlock_detection();
    grpc_init();

    grpc_arg args[2];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = TF_SERVER_MAX_MESSAGE;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    args[1].value.integer = TF_SERVER_MAX_MESSAGE;
    grpc_channel_args channel_args = {2, args};

    srv->cq = grpc_completion_queue_create_for_next(NULL);
    srv->server = grpc_server_create(&channel_args, NULL);
    if (srv->cq == NULL || srv->server == NULL) {
        rc = tf_transport_error_set(err, TF_TRANSPORT_ERR_GRPC, "gRPC could not create a server");
        goto fail;
    }
    grpc_server_register_completion_queue(srv->server, srv->cq, NULL);
    rc = register_methods(srv, cfg, err);
    if (rc != TF_TRANSPORT_OK)
        goto fail;

    creds = make_credentials(cfg, err);
    if (creds == NULL) {
        rc = TF_TRANSPORT_ERR_GRPC;
        goto fail;
    }
    if (grpc_server_add_http2_port(srv->server, address, creds) == 0) {
        rc =
            tf_transport_error_set(err, TF_TRANSPORT_ERR_GRPC,
                                   "gRPC could not listen on the unix socket %s", cfg->socket_path);
        goto fail;
    }
    grpc_server_credentials_release(creds);
    creds = NULL;

    grpc_server_start(srv->server);
    started = true;
    for (size_t i = 0; i < PENDING_REQUESTS; i++) {
        post_request(srv, NULL);
        for (size_t m = 0; m < srv->n_registered; m++)
            post_request(srv, &srv->registered[m]);
    }

    for (size_t i = 0; i < TF_SERVER_WORKERS; i++) {
        pthread_mutex_lock(&srv->mu);
        int e = add_worker(srv);
        pthread_mutex_unlock(&srv->mu);
        if (e != 0) {
            rc = tf_transport_error_set(err, TF_TRANSPORT_ERR_SYSTEM,
                                        "cannot start a gRPC worker thread: %s", strerror(e));
            goto fail;
        }
    }

    free(address);
    *out = srv;
    return TF_TRANSPORT_OK;

fail:
    if (creds != NULL)
        grpc_server_credentials_release(creds);
    if (started && abandon_started(srv) != 0) {
        free(address);
        return rc; /* a handler is running: leaking beats freeing memory in use */
    }
    if (!started) {
        /* gRPC allows destroying a server that never started only when no port was added, which
         * is the case on every path that gets here. */
        if (srv->server != NULL)
            grpc_server_destroy(srv->server);
        if (srv->cq != NULL)
            grpc_completion_queue_destroy(srv->cq);
        pthread_cond_destroy(&srv->cond);
        pthread_mutex_destroy(&srv->mu);
        free(srv->registered);
        free(srv);
    } else {
        tf_server_free(srv);
    }
    free(address);
    return rc;
}

int tf_server_stop(struct tf_server *srv, int grace_ms)
{
    bool done;

    atomic_store(&srv->stopping, true);
    grpc_server_shutdown_and_notify(srv->server, srv->cq, &srv->shutdown_tag);

    /* Running calls (the Shutdown reply among them) get the grace period to finish. Open
     * connections are not waited for: a client may keep its channel open, so once the calls are
     * done they are closed by the cancellation below, which is what lets gRPC notify. */
    pthread_mutex_lock(&srv->mu);
    done = wait_until(srv, is_idle, grace_ms);
    pthread_mutex_unlock(&srv->mu);
    if (!done)
        tf_log(TF_LOG_DEBUG, "cancelling the gRPC calls still running at shutdown");
    grpc_server_cancel_all_calls(srv->server);
    pthread_mutex_lock(&srv->mu);
    done = wait_until(srv, is_notified, grace_ms);
    pthread_mutex_unlock(&srv->mu);
    if (!done)
        return TF_TRANSPORT_ERR_BUSY;

    /* No call is left, so the queue only holds withdrawn requests; the workers drain it and leave.
     */
    grpc_completion_queue_shutdown(srv->cq);
    pthread_mutex_lock(&srv->mu);
    done = wait_until(srv, workers_gone, grace_ms);
    pthread_mutex_unlock(&srv->mu);
    if (!done)
        return TF_TRANSPORT_ERR_BUSY;
    /* Every worker has left its loop, so none can start another: n_workers is final. */
    for (size_t i = 0; i < srv->n_workers; i++)
        pthread_join(srv->workers[i], NULL);
    srv->n_workers = 0;
    return TF_TRANSPORT_OK;
}

void tf_server_free(struct tf_server *srv)
{
    if (srv == NULL)
        return;
    grpc_server_destroy(srv->server);
    grpc_completion_queue_destroy(srv->cq);
    /* No grpc_shutdown(): it joins gRPC's executor threads, which can sit in a poll for seconds
     * (seen: 8 s after refused TLS handshakes), and the process is about to exit anyway. */
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->mu);
    free(srv->registered);
    free(srv);
}
