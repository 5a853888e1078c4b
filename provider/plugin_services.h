/*
 * plugin_services.h - the go-plugin services served beside the provider:
 * grpc.health.v1.Health/Check and plugin.GRPCController/Shutdown.
 *
 * go-plugin's client checks health (service "plugin") before using the plugin and calls Shutdown
 * when it is done; it kills the process two seconds later if it is still alive. Both are ordinary
 * entries for the server's method table (struct tf_method), byte in, byte out.
 */
#ifndef TF_PLUGIN_SERVICES_H
#define TF_PLUGIN_SERVICES_H

#include "protocol.h"

#include <stddef.h>

/* Called by the Shutdown handler, on a server worker thread, once the (empty) reply is made and
 * before it is sent; the function should only wake the thread that stops the server (which lets the
 * reply go out before closing). payload is the one given to tf_plugin_services_set_shutdown. */
typedef void (*tf_plugin_shutdown_fn)(void *payload);

/* Installs the shutdown function. Call once before the server starts; without one, Shutdown
 * answers OK and does nothing. */
void tf_plugin_services_set_shutdown(tf_plugin_shutdown_fn fn, void *payload);

/* The two methods, as a static table; *n receives its length. */
const struct tf_method *tf_plugin_services_methods(size_t *n);

#endif
