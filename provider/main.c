/*
 * main.c - terraform-provider-ec2's entry point.
 *
 * Launched by Terraform or OpenTofu through go-plugin: check the magic cookie, pick the protocol
 * version, make the AutoMTLS identity, listen on a private unix socket, print the handshake line,
 * then wait until it is time to go: GRPCController/Shutdown, SIGTERM (or SIGHUP, SIGQUIT), or the
 * parent process disappearing. SIGINT is ignored: Ctrl-C reaches the whole process group, and
 * Terraform turns it into StopProvider itself. On the way out the socket and its directory are
 * removed.
 *
 * With --debug the provider is started by hand instead: no cookie, plaintext, protocol 6, and it
 * prints the TF_REATTACH_PROVIDERS value to give Terraform; there SIGINT ends it too.
 *
 * libcurl and libxml2, which only the EC2 library uses once the provider is configured, are not
 * loaded at start: deferred_libs.c loads them and runs their process-wide setup on first use, so
 * the handshake comes sooner and processes that only serve the schema stay small.
 */
#define _GNU_SOURCE /* pipe2 */

#include "deferred_libs.h"
#include "handshake.h"
#include "log.h"
#include "plugin_services.h"
#include "protocol.h"
#include "server.h"
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* How long running calls get to finish at shutdown, and again after they are cancelled; go-plugin
 * kills the process 2 s after Shutdown, and Shutdown itself must end us within about 100 ms. */
#define STOP_GRACE_MS 30
/* How often the parent's presence is checked besides the parent-death signal. */
#define PARENT_POLL_MS 500
/* glibc malloc arenas. By default each thread that allocates gets its own arena, up to eight per
 * core, and every arena keeps its own free memory: with the worker pool and gRPC's threads that
 * was ~1.2 MiB more peak RSS under load, for no throughput difference our benchmark could resolve
 * (tcache spares most allocations the arena lock). MALLOC_ARENA_MAX overrides. */
#define MALLOC_ARENAS 2
/* The parent-death signal; it only prompts a check, as it also fires when the thread of the parent
 * that started us exits (Go may retire threads) while the parent lives on. */
#define PARENT_DEATH_SIGNAL SIGUSR2

/* Written by GRPCController/Shutdown (a worker thread) to wake the main thread. */
static int wake_pipe[2] = {-1, -1};

static void on_shutdown_rpc(void *payload)
{
    char byte = 1;
    (void)payload;
    /* A full pipe means a wake-up is already pending; nothing else can go wrong that matters. */
    if (write(wake_pipe[1], &byte, 1) < 0)
        return;
}

/* Blocks the signals main handles, for this thread and all threads started later, and returns a
 * signalfd that reports them (or -1). */
static int take_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, PARENT_DEATH_SIGNAL);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Waits for a reason to stop and returns its name, for the log. */
static const char *wait_for_stop(int sfd, bool debug, pid_t parent)
{
    struct pollfd fds[2] = {{sfd, POLLIN, 0}, {wake_pipe[0], POLLIN, 0}};

    for (;;) {
        int n = poll(fds, 2, debug ? -1 : PARENT_POLL_MS);
        if (n < 0 && errno != EINTR)
            return "a failed poll";
        if (n > 0 && fds[1].revents != 0)
            return "GRPCController/Shutdown";
        if (n > 0 && fds[0].revents != 0) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
                continue;
            if (si.ssi_signo == SIGINT && !debug)
                tf_log(TF_LOG_DEBUG,
                       "ignoring SIGINT: Terraform stops operations via StopProvider");
            else if (si.ssi_signo != PARENT_DEATH_SIGNAL)
                return strsignal((int)si.ssi_signo);
        }
        if (!debug && getppid() != parent)
            return "the parent process exiting";
    }
}

/* Prints the handshake line (and in debug mode the reattach instructions) on stdout, then points
 * stdout at /dev/null so that nothing else can ever reach the client's protocol stream. */
static int announce(bool debug, int version, const char *socket_path, const char *cert_b64,
                    struct tf_transport_error *err)
{
    char line[4096];
    int n;

    if (debug) {
        n = tf_handshake_format_reattach(line, sizeof(line), version, getpid(), socket_path);
        if (n < 0)
            return tf_transport_error_set(err, n, "cannot format the reattach instructions");
        printf("Provider started in debug mode. To attach Terraform or OpenTofu, set in their "
               "environment:\n\n\t%s\n\nCtrl-C or SIGTERM stops the provider.\n",
               line);
    } else {
        n = tf_handshake_format_line(line, sizeof(line), version, socket_path, cert_b64);
        if (n < 0)
            return tf_transport_error_set(err, n, "cannot format the handshake line");
        fputs(line, stdout);
    }
    if (fflush(stdout) != 0)
        return tf_transport_error_set(err, TF_TRANSPORT_ERR_SYSTEM,
                                      "cannot write the handshake to stdout: %s", strerror(errno));
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDOUT_FILENO);
        close(devnull);
    }
    return TF_TRANSPORT_OK;
}

/* Stops the server and removes the socket. When a handler is stuck past the deadline, its memory
 * cannot be freed under it, so the process ends right here. */
static void stop_server(struct tf_server *srv, const struct tf_socket_dir *sd)
{
    int rc = tf_server_stop(srv, STOP_GRACE_MS);
    tf_handshake_socket_dir_remove(sd);
    if (rc != 0) {
        tf_log(TF_LOG_WARN, "exiting with provider calls still running");
        _exit(0);
    }
    tf_server_free(srv);
}

static int serve(bool debug, pid_t parent, int sfd)
{
    int rc = 1;
    struct tf_transport_error err = {0, ""};
    struct tf_tls_identity id = {NULL, NULL, NULL};
    struct tf_socket_dir sd;
    bool have_dir = false;
    struct tf_server *srv = NULL;
    const char *client_cert = debug ? NULL : getenv("PLUGIN_CLIENT_CERT");
    int version = debug ? 6 : tf_handshake_pick_version(getenv("PLUGIN_PROTOCOL_VERSIONS"));
    struct tf_method_table tables[2];

    tables[0].methods = tf_protocol_methods(version, &tables[0].n);
    tables[1].methods = tf_plugin_services_methods(&tables[1].n);
    if (tables[0].methods == NULL) {
        tf_log(TF_LOG_ERROR, "no provider methods for protocol version %d", version);
        return 1;
    }
    /* go-plugin turns AutoMTLS on exactly when the variable is non-empty. */
    if (client_cert != NULL && client_cert[0] == '\0')
        client_cert = NULL;
    if (client_cert != NULL && (tf_tls_check_client_cert(client_cert, &err) != 0 ||
                                tf_tls_identity_create(&id, &err) != 0))
        goto cleanup;
    if (tf_handshake_socket_dir_create(
            &sd, tf_handshake_socket_base(getenv("PLUGIN_UNIX_SOCKET_DIR"), getenv("TMPDIR")),
            &err) != 0)
        goto cleanup;
    have_dir = true;

    if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        tf_transport_error_set(&err, TF_TRANSPORT_ERR_SYSTEM, "cannot create a pipe: %s",
                               strerror(errno));
        goto cleanup;
    }
    tf_plugin_services_set_shutdown(on_shutdown_rpc, NULL);

    struct tf_server_config cfg = {
        .socket_path = sd.path,
        .key_pem = id.key_pem,
        .cert_pem = id.cert_pem,
        .client_ca_pem = client_cert,
        .tables = tables,
        .n_tables = 2,
    };
    if (tf_server_start(&srv, &cfg, &err) != 0)
        goto cleanup;
    if (announce(debug, version, sd.path, client_cert != NULL ? id.cert_b64 : "", &err) != 0)
        goto cleanup;
    tf_tls_identity_dispose(&id); /* gRPC holds its own copy of the key */

    tf_log(TF_LOG_INFO, "serving plugin protocol %d on %s (%s)", version, sd.path,
           client_cert != NULL ? "mutual TLS" : "plaintext");
    const char *reason = wait_for_stop(sfd, debug, parent);
    tf_log(TF_LOG_INFO, "shutting down on %s", reason);
    rc = 0;

cleanup:
    if (rc != 0)
        tf_log(TF_LOG_ERROR, "%s", err.message);
    if (srv != NULL)
        stop_server(srv, &sd);
    if (have_dir)
        tf_handshake_socket_dir_remove(&sd);
    tf_tls_identity_dispose(&id);
    return rc;
}

int main(int argc, char **argv)
{
    /* Recorded first: if the parent dies later, we are re-parented and getppid() changes. */
    pid_t parent = getppid();
    bool debug = false;
    int rc;

    if (getenv("MALLOC_ARENA_MAX") == NULL)
        mallopt(M_ARENA_MAX, MALLOC_ARENAS);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--debug") == 0 || strcmp(argv[i], "-debug") == 0) {
            debug = true;
        } else {
            fprintf(stderr, "usage: %s [--debug]\n", argv[0]);
            return 2;
        }
    }
    if (!debug && !tf_handshake_cookie_ok(getenv(TF_HANDSHAKE_COOKIE_KEY))) {
        fputs(tf_handshake_not_a_plugin_message, stderr);
        return 1;
    }

    tf_log_init();
    int sfd = take_signals();
    if (sfd < 0) {
        tf_log(TF_LOG_ERROR, "cannot set up signal handling: %s", strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!debug) {
        prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL);
        if (getppid() != parent)
            return 0; /* the parent died before the signal was armed */
    }

    if (tf_protocol_init() != 0) {
        tf_log(TF_LOG_ERROR, "out of memory while preparing the provider");
        rc = 1;
    } else {
        rc = serve(debug, parent, sfd);
        tf_protocol_shutdown();
    }
    tf_deferred_libs_cleanup();
    close(sfd);
    return rc;
}
