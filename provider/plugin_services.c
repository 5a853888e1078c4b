/*
 * plugin_services.c - health check and GRPCController/Shutdown for the go-plugin client.
 * See plugin_services.h.
 */
#include "plugin_services.h"

#include "goplugin.pb-c.h"
#include "health.pb-c.h"
#include "log.h"

#include <grpc/status.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Written before the server starts, only read afterwards. */
static tf_plugin_shutdown_fn shutdown_fn;
static void *shutdown_payload;

void tf_plugin_services_set_shutdown(tf_plugin_shutdown_fn fn, void *payload)
{
    shutdown_fn = fn;
    shutdown_payload = payload;
}

static int health_check(const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len,
                        char *status_msg, size_t status_msg_size)
{
    Grpc__Health__V1__HealthCheckRequest *in =
        grpc__health__v1__health_check_request__unpack(NULL, req_len, req);
    Grpc__Health__V1__HealthCheckResponse out = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
    int status = GRPC_STATUS_OK;

    *resp = NULL;
    *resp_len = 0;
    if (in == NULL) {
        snprintf(status_msg, status_msg_size, "malformed HealthCheckRequest");
        return GRPC_STATUS_INVALID_ARGUMENT;
    }
    /* "" asks about the whole server; go-plugin asks about "plugin". */
    if (in->service[0] != '\0' && strcmp(in->service, "plugin") != 0) {
        snprintf(status_msg, status_msg_size, "unknown service");
        status = GRPC_STATUS_NOT_FOUND;
        goto cleanup;
    }
    out.status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
    *resp_len = grpc__health__v1__health_check_response__get_packed_size(&out);
    *resp = malloc(*resp_len > 0 ? *resp_len : 1);
    if (*resp == NULL) {
        *resp_len = 0;
        snprintf(status_msg, status_msg_size, "out of memory");
        status = GRPC_STATUS_RESOURCE_EXHAUSTED;
        goto cleanup;
    }
    grpc__health__v1__health_check_response__pack(&out, *resp);

cleanup:
    grpc__health__v1__health_check_request__free_unpacked(in, NULL);
    return status;
}

static int controller_shutdown(const uint8_t *req, size_t req_len, uint8_t **resp, size_t *resp_len,
                               char *status_msg, size_t status_msg_size)
{
    Plugin__Empty *in = plugin__empty__unpack(NULL, req_len, req);

    *resp = NULL;
    *resp_len = 0; /* Empty encodes to no bytes */
    if (in == NULL) {
        snprintf(status_msg, status_msg_size, "malformed Empty message");
        return GRPC_STATUS_INVALID_ARGUMENT;
    }
    plugin__empty__free_unpacked(in, NULL);
    tf_log(TF_LOG_DEBUG, "the client asked the plugin to shut down");
    if (shutdown_fn != NULL)
        shutdown_fn(shutdown_payload);
    return GRPC_STATUS_OK;
}

static const struct tf_method methods[] = {
    {"/grpc.health.v1.Health/Check", health_check},
    {"/plugin.GRPCController/Shutdown", controller_shutdown},
};

const struct tf_method *tf_plugin_services_methods(size_t *n)
{
    *n = sizeof(methods) / sizeof(methods[0]);
    return methods;
}
