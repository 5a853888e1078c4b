/*
 * protocol.h - the provider's gRPC methods, for the transport (server.c) to serve.
 *
 * The transport is byte-oriented: it receives one serialized request message for a method path and
 * sends back one serialized response. protocol.c decodes tfplugin5 / tfplugin6 messages (protoc-c),
 * turns them into the provider's single internal model, calls the provider and resources, and encodes
 * the answer. Nothing below protocol.c knows which protocol version is spoken.
 */
#ifndef TF_PROTOCOL_H
#define TF_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* A unary method handler. Returns a gRPC status code (0 = OK). On OK, *resp is a malloc'd serialized
 * response (possibly NULL with *resp_len 0 for an empty message) that the caller frees. On any other
 * status, status_msg (size bytes) holds a one-line message and *resp is NULL. Handlers are called
 * concurrently from the server's worker threads. */
typedef int (*tf_method_handler)(const uint8_t *req, size_t req_len, uint8_t **resp,
                                 size_t *resp_len, char *status_msg, size_t status_msg_size);

struct tf_method {
    const char *path; /* "/tfplugin6.Provider/GetProviderSchema" */
    tf_method_handler handler;
};

/* Prepares the provider (schema types, logging of the configuration) before any thread starts.
 * Returns 0, or -1 on out-of-memory. */
int tf_protocol_init(void);

/* The provider service's methods for protocol version 5 or 6 (NULL for any other version). The table
 * is static; *n receives its length. Paths not in it are answered UNIMPLEMENTED by the server. */
const struct tf_method *tf_protocol_methods(int version, size_t *n);

/* Releases what tf_protocol_init and ConfigureProvider built; called once at exit, after the server
 * has stopped. */
void tf_protocol_shutdown(void);

#endif
