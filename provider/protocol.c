/*
 * protocol.c - tfplugin5 and tfplugin6 requests in, the provider's internal model (resource.h) out.
 *
 * Every message the provider serves is wire-identical in tfplugin5 and tfplugin6 (same field
 * numbers and types; test_protocol_wire.c checks it against both generated descriptors), except
 * PrepareProviderConfig's response, which has a prepared_config field before the diagnostics. So
 * both protocols are parsed and answered with the tfplugin6 types, and only that one response is
 * built with the tfplugin5 type. The schema response never sets the one field where the two Schema
 * messages differ (v6 nested_type vs v5 write_only, both number 10).
 *
 * Each handler: unpack the request, decode its DynamicValues with the schema's type into the call's
 * arena, run the generic rules and the resource callback, encode the answer, free everything.
 * Handlers run concurrently on the server's worker threads; they share only the immutable schemas,
 * the configured provider and the stop flag.
 */
#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "log.h"
#include "provider.h"
#include "tfplugin5.pb-c.h"
#include "tfplugin6.pb-c.h"

/* A single call may decode up to three values of a request up to 256 MiB; this bounds what one
 * call's decoded trees and diagnostics can take. */
#define CALL_ARENA_CAP ((size_t)1 << 30)

#define GRPC_STATUS_OK                 0
#define GRPC_STATUS_INVALID_ARGUMENT   3
#define GRPC_STATUS_INTERNAL           13
#define GRPC_STATUS_RESOURCE_EXHAUSTED 8

/* The serialized GetProviderSchema response: the same bytes for both protocols and every call. */
static uint8_t *schema_response;
static size_t schema_response_len;

/* Test hook (TF_EC2_TEST_BLOCK_METHOD=GetMetadata): GetMetadata then blocks until StopProvider or
 * 30 s, so the end-to-end tests can prove that other calls proceed while one handler blocks. */
static int block_get_metadata;

/* ---- Call context ---------------------------------------------------------------------------- */

static int call_begin(struct tf_call *call, char *status_msg, size_t status_msg_size)
{
    memset(call, 0, sizeof(*call));
    call->arena = tf_arena_new(CALL_ARENA_CAP);
    if (call->arena == NULL) {
        snprintf(status_msg, status_msg_size, "out of memory");
        return GRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    tf_diags_init(&call->diags, call->arena);
    call->provider = tf_provider_current();
    return GRPC_STATUS_OK;
}

/* protobuf-c allocates the unpacked request in the call's arena, which frees it with the rest. */
static void *arena_pb_alloc(void *arena, size_t size)
{
    return tf_arena_alloc(arena, size);
}

static void arena_pb_free(void *arena, void *p)
{
    (void)arena;
    (void)p;
}

static ProtobufCMessage *unpack(struct tf_call *call, const ProtobufCMessageDescriptor *desc,
                                const uint8_t *req, size_t req_len, char *status_msg,
                                size_t status_msg_size)
{
    ProtobufCAllocator alloc = {arena_pb_alloc, arena_pb_free, call->arena};
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, &alloc, req_len, req);
    if (m == NULL)
        snprintf(status_msg, status_msg_size, "malformed %s message", desc->name);
    return m;
}

/* Serializes resp into a malloc'd buffer for the server. */
static int pack(const ProtobufCMessage *resp, uint8_t **out, size_t *out_len, char *status_msg,
                size_t status_msg_size)
{
    size_t len = protobuf_c_message_get_packed_size(resp);
    uint8_t *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        snprintf(status_msg, status_msg_size, "out of memory");
        return GRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    protobuf_c_message_pack(resp, buf);
    *out = buf;
    *out_len = len;
    return GRPC_STATUS_OK;
}

static void *arena_new(struct tf_call *call, size_t size)
{
    void *p = tf_arena_alloc(call->arena, size);
    if (p == NULL)
        call->diags.oom = true;
    return p;
}

/* ---- Values ---------------------------------------------------------------------------------- */

/* Decodes one DynamicValue; on failure adds an error naming what was being decoded and returns
 * NULL. An absent DynamicValue is a null value. */
static struct tf_value *decode_value(struct tf_call *call, const Tfplugin6__DynamicValue *dv,
                                     const struct tf_type *type, const char *what)
{
    struct tf_value *v = NULL;
    struct tf_codec_error err;
    int rc;
    if (dv == NULL)
        rc = (v = tf_value_null(call->arena, type)) != NULL ? TF_CODEC_OK : TF_CODEC_NOMEM;
    else if (dv->json.len > 0 && dv->msgpack.len == 0)
        rc = tf_codec_decode_json(&v, call->arena, type, (const char *)dv->json.data, dv->json.len,
                                  0, &err);
    else
        rc =
            tf_codec_decode_msgpack(&v, call->arena, type, dv->msgpack.data, dv->msgpack.len, &err);
    if (rc == TF_CODEC_NOMEM) {
        tf_diag_error(&call->diags, NULL, "Value too large",
                      "The %s is larger than the provider accepts in one call.", what);
        return NULL;
    }
    if (rc != TF_CODEC_OK) {
        tf_diag_error(&call->diags, err.path.n > 0 ? &err.path : NULL,
                      "Invalid value from Terraform", "The %s could not be decoded: %s", what,
                      err.message);
        return NULL;
    }
    return v;
}

/* Encodes v (NULL meaning a null of type) as a msgpack DynamicValue in the arena. */
static Tfplugin6__DynamicValue *encode_value(struct tf_call *call, const struct tf_value *v,
                                             const struct tf_type *type)
{
    Tfplugin6__DynamicValue *dv = arena_new(call, sizeof(*dv));
    if (dv == NULL)
        return NULL;
    tfplugin6__dynamic_value__init(dv);
    if (v == NULL && (v = tf_value_null(call->arena, type)) == NULL) {
        call->diags.oom = true;
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    struct tf_codec_error err;
    int rc = tf_codec_encode_msgpack(&buf, &len, call->arena, v, &err);
    if (rc == TF_CODEC_NOMEM) {
        call->diags.oom = true;
        return NULL;
    }
    if (rc != TF_CODEC_OK) {
        tf_diag_error(&call->diags, err.path.n > 0 ? &err.path : NULL,
                      "Provider produced an invalid value", "This is a bug in the provider: %s",
                      err.message);
        return NULL;
    }
    dv->msgpack.data = buf;
    dv->msgpack.len = len;
    return dv;
}

/* True when two DynamicValues carry the same msgpack bytes (and no JSON). */
static bool same_bytes(const Tfplugin6__DynamicValue *a, const Tfplugin6__DynamicValue *b)
{
    return a != NULL && b != NULL && a->json.len == 0 && b->json.len == 0 && a->msgpack.len > 0 &&
           a->msgpack.len == b->msgpack.len &&
           memcmp(a->msgpack.data, b->msgpack.data, a->msgpack.len) == 0;
}

static struct tf_bytes private_in(ProtobufCBinaryData b)
{
    struct tf_bytes out = {b.data, b.len};
    return out;
}

static ProtobufCBinaryData private_out(struct tf_bytes b)
{
    ProtobufCBinaryData out = {b.len, (uint8_t *)b.data};
    return out;
}

/* ---- Diagnostics and paths ------------------------------------------------------------------- */

static Tfplugin6__AttributePath *encode_path(struct tf_call *call, const struct tf_path *path)
{
    Tfplugin6__AttributePath *ap = arena_new(call, sizeof(*ap));
    Tfplugin6__AttributePath__Step **steps = arena_new(call, (path->n + 1) * sizeof(*steps));
    if (ap == NULL || steps == NULL)
        return NULL;
    tfplugin6__attribute_path__init(ap);
    for (size_t i = 0; i < path->n; i++) {
        const struct tf_path_step *s = &path->steps[i];
        Tfplugin6__AttributePath__Step *step = arena_new(call, sizeof(*step));
        if (step == NULL)
            return NULL;
        tfplugin6__attribute_path__step__init(step);
        switch (s->kind) {
        case TF_STEP_ATTR:
            step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
            step->attribute_name = tf_arena_strdup(call->arena, s->name);
            break;
        case TF_STEP_KEY:
            step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_STRING;
            step->element_key_string = tf_arena_strdup(call->arena, s->name);
            break;
        case TF_STEP_INDEX:
            step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ELEMENT_KEY_INT;
            step->element_key_int = s->index;
            break;
        }
        steps[i] = step;
    }
    ap->n_steps = path->n;
    ap->steps = steps;
    return ap;
}

static Tfplugin6__Diagnostic *new_diagnostic(struct tf_call *call, const struct tf_diag *d)
{
    Tfplugin6__Diagnostic *out = tf_arena_alloc(call->arena, sizeof(*out));
    if (out == NULL)
        return NULL;
    tfplugin6__diagnostic__init(out);
    out->severity = d->severity == TF_DIAG_ERROR ? TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR
                                                 : TFPLUGIN6__DIAGNOSTIC__SEVERITY__WARNING;
    out->summary = (char *)d->summary;
    out->detail = (char *)(d->detail != NULL ? d->detail : "");
    if (d->has_path && d->path.n > 0)
        out->attribute = encode_path(call, &d->path);
    return out;
}

/* The call's diagnostics as protocol messages. When memory ran out anywhere in the call, a static
 * error is added so the failure is never silent. */
static Tfplugin6__Diagnostic **encode_diags(struct tf_call *call, size_t *n)
{
    static Tfplugin6__Diagnostic oom_diag = {
        PROTOBUF_C_MESSAGE_INIT(&tfplugin6__diagnostic__descriptor),
        TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR,
        "Provider ran out of memory",
        "The provider could not allocate memory for this operation.",
        NULL,
    };
    size_t count = call->diags.n_errors + call->diags.n_warnings;
    Tfplugin6__Diagnostic **out = tf_arena_alloc(call->arena, (count + 1) * sizeof(*out));
    if (out == NULL) {
        static Tfplugin6__Diagnostic *oom_only[] = {&oom_diag};
        *n = 1;
        return oom_only;
    }
    size_t i = 0;
    for (const struct tf_diag *d = call->diags.head; d != NULL && i < count; d = d->next) {
        Tfplugin6__Diagnostic *m = new_diagnostic(call, d);
        if (m == NULL) {
            call->diags.oom = true;
            break;
        }
        out[i++] = m;
    }
    if (call->diags.oom)
        out[i++] = &oom_diag;
    *n = i;
    return out;
}

/* ---- Schemas --------------------------------------------------------------------------------- */

static Tfplugin6__Schema__Block *encode_block(struct tf_call *call,
                                              const struct tf_schema_block *b);

static Tfplugin6__Schema__Attribute *encode_attr(struct tf_call *call,
                                                 const struct tf_schema_attr *a)
{
    Tfplugin6__Schema__Attribute *m = arena_new(call, sizeof(*m));
    char *type_json = tf_type_to_json(a->type);
    char *type_copy = type_json != NULL ? tf_arena_strdup(call->arena, type_json) : NULL;
    free(type_json);
    if (m == NULL || type_copy == NULL) {
        call->diags.oom = true;
        return NULL;
    }
    tfplugin6__schema__attribute__init(m);
    m->name = (char *)a->name;
    m->type.data = (uint8_t *)type_copy;
    m->type.len = strlen(type_copy);
    m->description = (char *)(a->description != NULL ? a->description : "");
    m->required = (a->flags & TF_ATTR_REQUIRED) != 0;
    m->optional = (a->flags & TF_ATTR_OPTIONAL) != 0;
    m->computed = (a->flags & TF_ATTR_COMPUTED) != 0;
    m->sensitive = (a->flags & TF_ATTR_SENSITIVE) != 0;
    m->deprecated = (a->flags & TF_ATTR_DEPRECATED) != 0;
    return m;
}

static Tfplugin6__Schema__NestedBlock *encode_nested(struct tf_call *call,
                                                     const struct tf_schema_nested *nb)
{
    Tfplugin6__Schema__NestedBlock *m = arena_new(call, sizeof(*m));
    if (m == NULL)
        return NULL;
    tfplugin6__schema__nested_block__init(m);
    m->type_name = (char *)nb->type_name;
    m->block = encode_block(call, nb->block);
    m->nesting = (Tfplugin6__Schema__NestedBlock__NestingMode)nb->nesting;
    m->min_items = nb->min_items;
    m->max_items = nb->max_items;
    return m->block != NULL ? m : NULL;
}

static Tfplugin6__Schema__Block *encode_block(struct tf_call *call, const struct tf_schema_block *b)
{
    Tfplugin6__Schema__Block *m = arena_new(call, sizeof(*m));
    Tfplugin6__Schema__Attribute **attrs = arena_new(call, (b->n_attrs + 1) * sizeof(*attrs));
    Tfplugin6__Schema__NestedBlock **blocks = arena_new(call, (b->n_blocks + 1) * sizeof(*blocks));
    if (m == NULL || attrs == NULL || blocks == NULL)
        return NULL;
    tfplugin6__schema__block__init(m);
    for (size_t i = 0; i < b->n_attrs; i++) {
        if ((attrs[i] = encode_attr(call, &b->attrs[i])) == NULL)
            return NULL;
    }
    for (size_t i = 0; i < b->n_blocks; i++) {
        if ((blocks[i] = encode_nested(call, &b->blocks[i])) == NULL)
            return NULL;
    }
    m->n_attributes = b->n_attrs;
    m->attributes = attrs;
    m->n_block_types = b->n_blocks;
    m->block_types = blocks;
    m->description = (char *)(b->description != NULL ? b->description : "");
    m->description_kind = TFPLUGIN6__STRING_KIND__PLAIN;
    m->deprecated = b->deprecated;
    return m;
}

static Tfplugin6__Schema *encode_schema(struct tf_call *call, const struct tf_schema *s)
{
    Tfplugin6__Schema *m = arena_new(call, sizeof(*m));
    if (m == NULL)
        return NULL;
    tfplugin6__schema__init(m);
    m->version = s->version;
    m->block = encode_block(call, &s->block);
    return m->block != NULL ? m : NULL;
}

static size_t count_tables(void)
{
    size_t n = 0;
    while (tf_provider_resources[n] != NULL)
        n++;
    size_t d = 0;
    while (tf_provider_data_sources[d] != NULL)
        d++;
    return n > d ? n : d;
}

/* Builds the schema response once: it never changes during the process. */
static int build_schema_response(void)
{
    struct tf_call call;
    char msg[128];
    if (call_begin(&call, msg, sizeof(msg)) != GRPC_STATUS_OK)
        return -1;
    size_t max = count_tables() + 1;
    Tfplugin6__GetProviderSchema__Response resp = TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__INIT;
    Tfplugin6__ServerCapabilities caps = TFPLUGIN6__SERVER_CAPABILITIES__INIT;
    caps.plan_destroy = 1;
    caps.get_provider_schema_optional = 0;
    resp.server_capabilities = &caps;
    resp.provider = encode_schema(&call, &tf_provider_schema);
    Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry **res =
        arena_new(&call, max * sizeof(*res));
    Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry **ds =
        arena_new(&call, max * sizeof(*ds));
    for (size_t i = 0; res != NULL && tf_provider_resources[i] != NULL; i++) {
        res[i] = arena_new(&call, sizeof(*res[i]));
        if (res[i] == NULL)
            break;
        tfplugin6__get_provider_schema__response__resource_schemas_entry__init(res[i]);
        res[i]->key = (char *)tf_provider_resources[i]->type_name;
        res[i]->value = encode_schema(&call, tf_provider_resources[i]->schema);
        resp.n_resource_schemas = i + 1;
    }
    for (size_t i = 0; ds != NULL && tf_provider_data_sources[i] != NULL; i++) {
        ds[i] = arena_new(&call, sizeof(*ds[i]));
        if (ds[i] == NULL)
            break;
        tfplugin6__get_provider_schema__response__data_source_schemas_entry__init(ds[i]);
        ds[i]->key = (char *)tf_provider_data_sources[i]->type_name;
        ds[i]->value = encode_schema(&call, tf_provider_data_sources[i]->schema);
        resp.n_data_source_schemas = i + 1;
    }
    resp.resource_schemas = res;
    resp.data_source_schemas = ds;
    int rc = -1;
    if (!tf_diags_has_errors(&call.diags) && resp.provider != NULL &&
        pack(&resp.base, &schema_response, &schema_response_len, msg, sizeof(msg)) ==
            GRPC_STATUS_OK)
        rc = 0;
    tf_arena_free(call.arena);
    return rc;
}

/* ---- Handlers -------------------------------------------------------------------------------- */

#define HANDLER_ARGS                                                                               \
    const uint8_t *req_bytes, size_t req_len, uint8_t **out, size_t *out_len, char *status_msg,    \
        size_t status_msg_size
#define HANDLER_PASS req_bytes, req_len, out, out_len, status_msg, status_msg_size

/* A method: its request and response types, and the work between them. The work reads the
 * unpacked request, fills the response (allocated in the call's arena) and reports problems as
 * diagnostics; serve() does everything else. */
struct method_impl {
    const ProtobufCMessageDescriptor *request;
    const ProtobufCMessageDescriptor *response;
    void (*work)(struct tf_call *call, const void *req, void *resp);
};

/* Every response served here has a repeated Diagnostic field named "diagnostics"; it is found by
 * name so one function serves every response type (PrepareProviderConfig's v5 response included,
 * whose Diagnostic is wire-identical to v6's). */
static void attach_diagnostics(struct tf_call *call, ProtobufCMessage *resp)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name(resp->descriptor, "diagnostics");
    if (f == NULL)
        return;
    size_t n = 0;
    Tfplugin6__Diagnostic **diags = encode_diags(call, &n);
    *(size_t *)((char *)resp + f->quantifier_offset) = n;
    *(Tfplugin6__Diagnostic ***)((char *)resp + f->offset) = diags;
}

static int serve(const struct method_impl *m, HANDLER_ARGS)
{
    struct tf_call call;
    int rc = call_begin(&call, status_msg, status_msg_size);
    if (rc != GRPC_STATUS_OK)
        return rc;
    ProtobufCMessage *req =
        unpack(&call, m->request, req_bytes, req_len, status_msg, status_msg_size);
    ProtobufCMessage *resp = tf_arena_alloc(call.arena, m->response->sizeof_message);
    if (req == NULL) {
        rc = GRPC_STATUS_INVALID_ARGUMENT;
    } else if (resp == NULL) {
        snprintf(status_msg, status_msg_size, "out of memory");
        rc = GRPC_STATUS_RESOURCE_EXHAUSTED;
    } else {
        protobuf_c_message_init(m->response, resp);
        m->work(&call, req, resp);
        attach_diagnostics(&call, resp);
        /* Pack before freeing the arena: the request and response point into it. */
        rc = pack(resp, out, out_len, status_msg, status_msg_size);
    }
    tf_arena_free(call.arena);
    return rc;
}

static int handle_get_schema(HANDLER_ARGS)
{
    (void)req_bytes;
    (void)req_len;
    uint8_t *copy = malloc(schema_response_len > 0 ? schema_response_len : 1);
    if (copy == NULL) {
        snprintf(status_msg, status_msg_size, "out of memory");
        return GRPC_STATUS_RESOURCE_EXHAUSTED;
    }
    memcpy(copy, schema_response, schema_response_len);
    *out = copy;
    *out_len = schema_response_len;
    return GRPC_STATUS_OK;
}

static void wait_for_stop_hook(void)
{
    const struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 3000 && !tf_provider_stopping(); i++)
        nanosleep(&tick, NULL);
}

static void get_metadata(struct tf_call *call, const void *request, void *response)
{
    (void)request;
    Tfplugin6__GetMetadata__Response *resp = response;
    if (block_get_metadata)
        wait_for_stop_hook();
    size_t max = count_tables() + 1;
    Tfplugin6__ServerCapabilities *caps = arena_new(call, sizeof(*caps));
    Tfplugin6__GetMetadata__ResourceMetadata **res = arena_new(call, max * sizeof(*res));
    Tfplugin6__GetMetadata__DataSourceMetadata **ds = arena_new(call, max * sizeof(*ds));
    if (caps == NULL || res == NULL || ds == NULL)
        return;
    tfplugin6__server_capabilities__init(caps);
    caps->plan_destroy = 1;
    resp->server_capabilities = caps;
    for (size_t i = 0; tf_provider_resources[i] != NULL; i++) {
        if ((res[i] = arena_new(call, sizeof(*res[i]))) == NULL)
            return;
        tfplugin6__get_metadata__resource_metadata__init(res[i]);
        res[i]->type_name = (char *)tf_provider_resources[i]->type_name;
        resp->resources = res;
        resp->n_resources = i + 1;
    }
    for (size_t i = 0; tf_provider_data_sources[i] != NULL; i++) {
        if ((ds[i] = arena_new(call, sizeof(*ds[i]))) == NULL)
            return;
        tfplugin6__get_metadata__data_source_metadata__init(ds[i]);
        ds[i]->type_name = (char *)tf_provider_data_sources[i]->type_name;
        resp->data_sources = ds;
        resp->n_data_sources = i + 1;
    }
}

/* ValidateProviderConfig (v6) and PrepareProviderConfig (v5): the same work; v5's response keeps
 * prepared_config unset, so Terraform uses the configuration as given. */
static void validate_provider_config(struct tf_call *call, const void *request, void *response)
{
    (void)response;
    const Tfplugin6__ValidateProviderConfig__Request *req = request;
    const struct tf_type *type = tf_schema_type(&tf_provider_schema.block);
    struct tf_value *v = decode_value(call, req->config, type, "provider configuration");
    if (v != NULL)
        tf_provider_validate(call, v);
}

static const struct tf_resource *find_resource(struct tf_call *call, const char *type_name)
{
    const struct tf_resource *r = tf_provider_resource(type_name);
    if (r == NULL)
        tf_diag_error(&call->diags, NULL, "Unknown resource type",
                      "This provider has no resource type \"%s\".", type_name);
    return r;
}

static const struct tf_data_source *find_data_source(struct tf_call *call, const char *type_name)
{
    const struct tf_data_source *ds = tf_provider_data_source(type_name);
    if (ds == NULL)
        tf_diag_error(&call->diags, NULL, "Unknown data source",
                      "This provider has no data source \"%s\".", type_name);
    return ds;
}

/* Calls that change or read EC2 need ConfigureProvider first; Terraform guarantees that, so this
 * is a clear error for misbehaving clients rather than a crash. */
static bool require_configured(struct tf_call *call)
{
    if (call->provider != NULL)
        return true;
    tf_diag_error(&call->diags, NULL, "Provider not configured",
                  "ConfigureProvider must succeed before resources are planned, applied or read.");
    return false;
}

static void validate_resource_config(struct tf_call *call, const void *request, void *response)
{
    (void)response;
    const Tfplugin6__ValidateResourceConfig__Request *req = request;
    const struct tf_resource *r = find_resource(call, req->type_name);
    if (r == NULL)
        return;
    struct tf_value *config =
        decode_value(call, req->config, tf_schema_type(&r->schema->block), "configuration");
    if (config != NULL && r->validate != NULL)
        r->validate(call, config);
}

static void validate_data_config(struct tf_call *call, const void *request, void *response)
{
    (void)response;
    const Tfplugin6__ValidateDataResourceConfig__Request *req = request;
    const struct tf_data_source *ds = find_data_source(call, req->type_name);
    if (ds == NULL)
        return;
    struct tf_value *config =
        decode_value(call, req->config, tf_schema_type(&ds->schema->block), "configuration");
    if (config != NULL && ds->validate != NULL)
        ds->validate(call, config);
}

static void configure(struct tf_call *call, const void *request, void *response)
{
    (void)response;
    const Tfplugin6__ConfigureProvider__Request *req = request;
    struct tf_value *config = decode_value(
        call, req->config, tf_schema_type(&tf_provider_schema.block), "provider configuration");
    if (config != NULL)
        tf_provider_configure(call, config, req->terraform_version);
}

static void upgrade_state(struct tf_call *call, const void *request, void *response)
{
    const Tfplugin6__UpgradeResourceState__Request *req = request;
    Tfplugin6__UpgradeResourceState__Response *resp = response;
    const struct tf_resource *r = find_resource(call, req->type_name);
    if (r == NULL)
        return;
    const Tfplugin6__RawState *raw = req->raw_state;
    if (raw == NULL || (raw->json.len == 0 && raw->n_flatmap > 0)) {
        tf_diag_error(&call->diags, NULL, "Unsupported state format",
                      "The stored state of this %s is not JSON (flatmap state from Terraform 0.11 "
                      "and older is not supported).",
                      r->type_name);
        return;
    }
    const struct tf_type *type = tf_schema_type(&r->schema->block);
    struct tf_upgrade_op op = {
        .version = req->version, .json = (const char *)raw->json.data, .json_len = raw->json.len};
    if (r->upgrade != NULL) {
        r->upgrade(call, &op);
    } else {
        struct tf_codec_error err;
        if (tf_codec_decode_json(&op.upgraded, call->arena, type, op.json, op.json_len, 1, &err) !=
            TF_CODEC_OK)
            tf_diag_error(&call->diags, err.path.n > 0 ? &err.path : NULL, "Invalid stored state",
                          "The stored state could not be read: %s", err.message);
    }
    if (!tf_diags_has_errors(&call->diags))
        resp->upgraded_state = encode_value(call, op.upgraded, type);
}

static void read_resource(struct tf_call *call, const void *request, void *response)
{
    const Tfplugin6__ReadResource__Request *req = request;
    Tfplugin6__ReadResource__Response *resp = response;
    const struct tf_resource *r = find_resource(call, req->type_name);
    if (r == NULL || !require_configured(call))
        return;
    const struct tf_type *type = tf_schema_type(&r->schema->block);
    struct tf_read_op op = {.private_in = private_in(req->private_)};
    op.current = decode_value(call, req->current_state, type, "current state");
    if (op.current == NULL)
        return;
    op.new_state = (struct tf_value *)op.current;
    op.private_out = op.private_in;
    r->read(call, &op);
    resp->new_state = encode_value(call, op.new_state, type);
    resp->private_ = private_out(op.private_out);
}

static Tfplugin6__AttributePath **encode_paths(struct tf_call *call, const struct tf_paths *paths)
{
    Tfplugin6__AttributePath **out = arena_new(call, (paths->n + 1) * sizeof(*out));
    for (size_t i = 0; out != NULL && i < paths->n; i++) {
        if ((out[i] = encode_path(call, &paths->items[i])) == NULL)
            return NULL;
    }
    return out;
}

static void plan_resource_change(struct tf_call *call, const void *request, void *response)
{
    const Tfplugin6__PlanResourceChange__Request *req = request;
    Tfplugin6__PlanResourceChange__Response *resp = response;
    const struct tf_resource *r = find_resource(call, req->type_name);
    if (r == NULL || !require_configured(call))
        return;
    const struct tf_type *type = tf_schema_type(&r->schema->block);
    struct tf_plan_op op = {.prior_private = private_in(req->prior_private)};
    op.prior = decode_value(call, req->prior_state, type, "prior state");
    op.proposed = decode_value(call, req->proposed_new_state, type, "proposed new state");
    /* On create Terraform proposes the configuration itself, byte for byte: the values are
     * read-only here, so one tree serves both. */
    op.config = same_bytes(req->config, req->proposed_new_state)
                    ? op.proposed
                    : decode_value(call, req->config, type, "configuration");
    if (tf_diags_has_errors(&call->diags))
        return;
    tf_plan_generic(call, r->schema, &op);
    if (!tf_diags_has_errors(&call->diags) && r->plan != NULL)
        r->plan(call, &op);
    resp->planned_state = encode_value(call, op.planned, type);
    resp->requires_replace = encode_paths(call, &op.requires_replace);
    resp->n_requires_replace = resp->requires_replace != NULL ? op.requires_replace.n : 0;
    resp->planned_private = private_out(op.planned_private);
}

static void apply_resource_change(struct tf_call *call, const void *request, void *response)
{
    const Tfplugin6__ApplyResourceChange__Request *req = request;
    Tfplugin6__ApplyResourceChange__Response *resp = response;
    const struct tf_resource *r = find_resource(call, req->type_name);
    if (r == NULL || !require_configured(call))
        return;
    const struct tf_type *type = tf_schema_type(&r->schema->block);
    struct tf_apply_op op = {.planned_private = private_in(req->planned_private)};
    op.prior = decode_value(call, req->prior_state, type, "prior state");
    op.planned = decode_value(call, req->planned_state, type, "planned state");
    op.config = decode_value(call, req->config, type, "configuration");
    if (tf_diags_has_errors(&call->diags))
        return;
    /* Until the resource says otherwise, nothing changed. */
    op.new_state = (struct tf_value *)op.prior;
    op.private_out = op.planned_private;
    r->apply(call, &op);
    resp->new_state = encode_value(call, op.new_state, type);
    resp->private_ = private_out(op.private_out);
}

static void import_resource_state(struct tf_call *call, const void *request, void *response)
{
    const Tfplugin6__ImportResourceState__Request *req = request;
    Tfplugin6__ImportResourceState__Response *resp = response;
    const struct tf_resource *r = find_resource(call, req->type_name);
    if (r == NULL)
        return;
    if (r->import == NULL) {
        tf_diag_error(&call->diags, NULL, "Import not supported",
                      "Resource type %s cannot be imported.", r->type_name);
        return;
    }
    if (!require_configured(call))
        return;
    struct tf_import_op op = {.id = req->id != NULL ? req->id : ""};
    r->import(call, &op);
    if (tf_diags_has_errors(&call->diags))
        return;
    Tfplugin6__ImportResourceState__ImportedResource *imp = arena_new(call, sizeof(*imp));
    Tfplugin6__ImportResourceState__ImportedResource **list = arena_new(call, sizeof(*list));
    if (imp == NULL || list == NULL)
        return;
    tfplugin6__import_resource_state__imported_resource__init(imp);
    imp->type_name = (char *)r->type_name;
    imp->state = encode_value(call, op.state, tf_schema_type(&r->schema->block));
    imp->private_ = private_out(op.private_out);
    list[0] = imp;
    resp->n_imported_resources = 1;
    resp->imported_resources = list;
}

static void read_data_source(struct tf_call *call, const void *request, void *response)
{
    const Tfplugin6__ReadDataSource__Request *req = request;
    Tfplugin6__ReadDataSource__Response *resp = response;
    const struct tf_data_source *ds = find_data_source(call, req->type_name);
    if (ds == NULL || !require_configured(call))
        return;
    const struct tf_type *type = tf_schema_type(&ds->schema->block);
    struct tf_read_data_op op = {0};
    op.config = decode_value(call, req->config, type, "configuration");
    if (op.config == NULL)
        return;
    ds->read(call, &op);
    if (!tf_diags_has_errors(&call->diags))
        resp->state = encode_value(call, op.state, type);
}

static void stop_provider(struct tf_call *call, const void *request, void *response)
{
    (void)call;
    (void)request;
    (void)response;
    tf_log(TF_LOG_INFO, "StopProvider: cancelling in-flight EC2 calls and waits");
    tf_provider_stop();
}

#define METHOD(name, req_type, resp_type)                                                          \
    static const struct method_impl name##_impl = {&req_type##__descriptor,                        \
                                                   &resp_type##__descriptor, name};                \
    static int handle_##name(HANDLER_ARGS)                                                         \
    {                                                                                              \
        return serve(&name##_impl, HANDLER_PASS);                                                  \
    }

METHOD(get_metadata, tfplugin6__get_metadata__request, tfplugin6__get_metadata__response)
METHOD(validate_provider_config, tfplugin6__validate_provider_config__request,
       tfplugin6__validate_provider_config__response)
METHOD(validate_resource_config, tfplugin6__validate_resource_config__request,
       tfplugin6__validate_resource_config__response)
METHOD(validate_data_config, tfplugin6__validate_data_resource_config__request,
       tfplugin6__validate_data_resource_config__response)
METHOD(configure, tfplugin6__configure_provider__request, tfplugin6__configure_provider__response)
METHOD(upgrade_state, tfplugin6__upgrade_resource_state__request,
       tfplugin6__upgrade_resource_state__response)
METHOD(read_resource, tfplugin6__read_resource__request, tfplugin6__read_resource__response)
METHOD(plan_resource_change, tfplugin6__plan_resource_change__request,
       tfplugin6__plan_resource_change__response)
METHOD(apply_resource_change, tfplugin6__apply_resource_change__request,
       tfplugin6__apply_resource_change__response)
METHOD(import_resource_state, tfplugin6__import_resource_state__request,
       tfplugin6__import_resource_state__response)
METHOD(read_data_source, tfplugin6__read_data_source__request,
       tfplugin6__read_data_source__response)
METHOD(stop_provider, tfplugin6__stop_provider__request, tfplugin6__stop_provider__response)

/* The one method whose v5 response differs (prepared_config before the diagnostics). */
static const struct method_impl prepare_provider_config_impl = {
    &tfplugin6__validate_provider_config__request__descriptor,
    &tfplugin5__prepare_provider_config__response__descriptor, validate_provider_config};
static int handle_prepare_provider_config(HANDLER_ARGS)
{
    return serve(&prepare_provider_config_impl, HANDLER_PASS);
}

/* ---- Tables ---------------------------------------------------------------------------------- */

static const struct tf_method v6_methods[] = {
    {"/tfplugin6.Provider/GetMetadata", handle_get_metadata},
    {"/tfplugin6.Provider/GetProviderSchema", handle_get_schema},
    {"/tfplugin6.Provider/ValidateProviderConfig", handle_validate_provider_config},
    {"/tfplugin6.Provider/ValidateResourceConfig", handle_validate_resource_config},
    {"/tfplugin6.Provider/ValidateDataResourceConfig", handle_validate_data_config},
    {"/tfplugin6.Provider/ConfigureProvider", handle_configure},
    {"/tfplugin6.Provider/UpgradeResourceState", handle_upgrade_state},
    {"/tfplugin6.Provider/ReadResource", handle_read_resource},
    {"/tfplugin6.Provider/PlanResourceChange", handle_plan_resource_change},
    {"/tfplugin6.Provider/ApplyResourceChange", handle_apply_resource_change},
    {"/tfplugin6.Provider/ImportResourceState", handle_import_resource_state},
    {"/tfplugin6.Provider/ReadDataSource", handle_read_data_source},
    {"/tfplugin6.Provider/StopProvider", handle_stop_provider},
};

static const struct tf_method v5_methods[] = {
    {"/tfplugin5.Provider/GetMetadata", handle_get_metadata},
    {"/tfplugin5.Provider/GetSchema", handle_get_schema},
    {"/tfplugin5.Provider/PrepareProviderConfig", handle_prepare_provider_config},
    {"/tfplugin5.Provider/ValidateResourceTypeConfig", handle_validate_resource_config},
    {"/tfplugin5.Provider/ValidateDataSourceConfig", handle_validate_data_config},
    {"/tfplugin5.Provider/Configure", handle_configure},
    {"/tfplugin5.Provider/UpgradeResourceState", handle_upgrade_state},
    {"/tfplugin5.Provider/ReadResource", handle_read_resource},
    {"/tfplugin5.Provider/PlanResourceChange", handle_plan_resource_change},
    {"/tfplugin5.Provider/ApplyResourceChange", handle_apply_resource_change},
    {"/tfplugin5.Provider/ImportResourceState", handle_import_resource_state},
    {"/tfplugin5.Provider/ReadDataSource", handle_read_data_source},
    {"/tfplugin5.Provider/Stop", handle_stop_provider},
};

const struct tf_method *tf_protocol_methods(int version, size_t *n)
{
    if (version == 6) {
        *n = TF_COUNTOF(v6_methods);
        return v6_methods;
    }
    if (version == 5) {
        *n = TF_COUNTOF(v5_methods);
        return v5_methods;
    }
    *n = 0;
    return NULL;
}

int tf_protocol_init(void)
{
    const char *hook = getenv("TF_EC2_TEST_BLOCK_METHOD");
    block_get_metadata = hook != NULL && strcmp(hook, "GetMetadata") == 0;
    /* Schema types are built here, before the server's threads exist. */
    if (tf_schema_type(&tf_provider_schema.block) == NULL)
        return -1;
    for (size_t i = 0; tf_provider_resources[i] != NULL; i++) {
        if (tf_schema_type(&tf_provider_resources[i]->schema->block) == NULL)
            return -1;
    }
    for (size_t i = 0; tf_provider_data_sources[i] != NULL; i++) {
        if (tf_schema_type(&tf_provider_data_sources[i]->schema->block) == NULL)
            return -1;
    }
    return build_schema_response();
}

void tf_protocol_shutdown(void)
{
    tf_provider_free();
    free(schema_response);
    schema_response = NULL;
    schema_response_len = 0;
}
