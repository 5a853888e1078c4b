/*
 * server.h - the gRPC server the provider runs on: gRPC C core, byte-oriented, unary calls only.
 *
 * The server knows no message types. Every method path of the tables it is given (struct tf_method
 * from protocol.h, "/tfplugin6.Provider/ReadResource") is registered with gRPC, which hands each
 * call over together with its request; the handler gets the request bytes and returns a status
 * and the response bytes. A path in no table is answered UNIMPLEMENTED (12) at once, without
 * reading the request, so streaming methods such as plugin.GRPCStdio/StreamStdio fail fast too.
 * Messages may be up to 256 MiB each way.
 *
 * THREADS
 *  - The caller's thread (main) runs tf_server_start, tf_server_stop and tf_server_free.
 *  - A pool of worker threads (TF_SERVER_WORKERS, growing to TF_SERVER_MAX_WORKERS when all are
 *    inside handlers) shares ONE completion queue. A worker takes the next event, advances that
 *    call (arrival with its request -> handler -> reply -> release) and runs the handler itself,
 *    so up to TF_SERVER_WORKERS handlers run at once; while some block (an EC2 waiter), the
 *    others keep serving, StopProvider and Shutdown included. Each call's state is
 *    touched by one worker at a time (gRPC delivers one event per batch), so it needs no lock.
 *  - Shared: the method tables (read-only), the gRPC server and queue (thread-safe by gRPC), the
 *    `stopping` flag (atomic) and the shutdown bookkeeping under the server's mutex.
 *  - gRPC core starts threads of its own (timers, executor); they never call our code except the
 *    log function, which goes through tf_log.
 * The caller blocks every signal it wants to handle before tf_server_start, so that all these
 * threads inherit the mask and signals reach only the thread that waits for them.
 *
 * SHUTDOWN (tf_server_stop): the server stops accepting calls and lets running ones finish for a
 * grace period, then cancels what is left, closes the connections and waits once more. When every
 * call has ended, the queue is drained and the workers are joined. A handler stuck past the
 * deadline cannot be interrupted; the stop then reports TF_TRANSPORT_ERR_BUSY and the process
 * should exit without freeing (see main.c).
 */
#ifndef TF_SERVER_H
#define TF_SERVER_H

#include "handshake.h"
#include "protocol.h"

#include <stddef.h>

/* Worker threads started with the server: Terraform runs up to 10 operations at once by default
 * (-parallelism=10), and the health check, StopProvider and Shutdown must still find a free worker
 * then. When every worker is inside a handler, one more is started (up to TF_SERVER_MAX_WORKERS),
 * so a higher -parallelism never starves StopProvider either. */
#define TF_SERVER_WORKERS     16
#define TF_SERVER_MAX_WORKERS 1024
/* Per-message limit both ways, as Go providers set it (gRPC's default is 4 MiB). */
#define TF_SERVER_MAX_MESSAGE (256 * 1024 * 1024)

struct tf_method_table {
    const struct tf_method *methods;
    size_t n;
};

struct tf_server_config {
    const char *socket_path; /* absolute path of the unix socket to create (its directory exists) */
    /* TLS: all three set for AutoMTLS; all NULL for plaintext. client_ca_pem is the only root the
     * client certificate is verified against, and a client without a certificate is refused. */
    const char *key_pem;
    const char *cert_pem;
    const char *client_ca_pem;
    /* Every path of every table is registered, so a path may appear only once. The tables' methods
     * arrays must outlive the server; the tables array itself need not. */
    const struct tf_method_table *tables;
    size_t n_tables;
};

struct tf_server;

/* Initialises gRPC, binds the socket and starts the workers; calls may arrive as soon as it
 * returns. The config's strings are copied by gRPC and may be freed afterwards; the methods may
 * not. Returns 0 with *out set; TF_TRANSPORT_ERR_INPUT for an inconsistent config (a path listed
 * twice included), TF_TRANSPORT_ERR_GRPC if gRPC cannot create the credentials or bind,
 * TF_TRANSPORT_ERR_SYSTEM if a thread cannot start, TF_TRANSPORT_ERR_NOMEM. On error nothing is
 * left running and *out is untouched. */
int tf_server_start(struct tf_server **out, const struct tf_server_config *cfg,
                    struct tf_transport_error *err);

/* Stops the server as described above, waiting at most grace_ms for running calls to end, then
 * cancelling what is left and closing the connections, and waiting at most grace_ms again. Returns
 * 0 when every worker has exited (then call tf_server_free), or TF_TRANSPORT_ERR_BUSY when a
 * handler is still running (then the server must not be freed: exit the process). Call once. */
int tf_server_stop(struct tf_server *srv, int grace_ms);

/* Releases a server whose tf_server_stop returned 0. NULL-safe. gRPC itself stays initialised (its
 * internal threads idle until the process exits): grpc_shutdown can block for seconds. */
void tf_server_free(struct tf_server *srv);

#endif
