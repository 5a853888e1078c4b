/*
 * test_protocol_wire.c - protocol.c answers tfplugin5 calls with tfplugin6 message types. That is
 * only sound while every such message pair is wire-identical: same field numbers, labels and types,
 * recursively through sub-messages and enums. This test walks both generated descriptors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tfplugin5.pb-c.h"
#include "tfplugin6.pb-c.h"

/* Fields that differ between the versions and that protocol.c never sets or reads. */
static int ignored_field(const char *message, unsigned id)
{
    /* Schema.Attribute 10: v6 nested_type, v5 write_only (11 in v6). */
    return strcmp(message, "Attribute") == 0 && (id == 10 || id == 11);
}

static void assert_same_message(const ProtobufCMessageDescriptor *a,
                                const ProtobufCMessageDescriptor *b, int depth)
{
    if (depth > 8)
        return;
    char where[256];
    snprintf(where, sizeof(where), "%s vs %s", a->name, b->name);
    for (unsigned i = 0; i < a->n_fields; i++) {
        const ProtobufCFieldDescriptor *fa = &a->fields[i];
        if (ignored_field(a->short_name, fa->id))
            continue;
        const ProtobufCFieldDescriptor *fb = protobuf_c_message_descriptor_get_field(b, fa->id);
        if (fb == NULL) {
            print_error("%s: field %u (%s) missing in the second\n", where, fa->id, fa->name);
            fail();
        }
        assert_string_equal(fa->name, fb->name);
        assert_int_equal(fa->type, fb->type);
        assert_int_equal(fa->label, fb->label);
        if (fa->type == PROTOBUF_C_TYPE_MESSAGE)
            assert_same_message(fa->descriptor, fb->descriptor, depth + 1);
        if (fa->type == PROTOBUF_C_TYPE_ENUM) {
            const ProtobufCEnumDescriptor *ea = fa->descriptor, *eb = fb->descriptor;
            assert_int_equal(ea->n_values, eb->n_values);
            for (unsigned v = 0; v < ea->n_values; v++)
                assert_int_equal(ea->values[v].value, eb->values[v].value);
        }
    }
    for (unsigned i = 0; i < b->n_fields; i++) {
        if (ignored_field(b->short_name, b->fields[i].id))
            continue;
        assert_non_null(protobuf_c_message_descriptor_get_field(a, b->fields[i].id));
    }
}

#define SAME(v5, v6)                                                                               \
    static void test_wire__##v6(void **state)                                                      \
    {                                                                                              \
        (void)state;                                                                               \
        assert_same_message(&v5, &v6, 0);                                                          \
    }

SAME(tfplugin5__get_metadata__request__descriptor, tfplugin6__get_metadata__request__descriptor)
SAME(tfplugin5__get_metadata__response__descriptor, tfplugin6__get_metadata__response__descriptor)
SAME(tfplugin5__get_provider_schema__response__descriptor,
     tfplugin6__get_provider_schema__response__descriptor)
SAME(tfplugin5__prepare_provider_config__request__descriptor,
     tfplugin6__validate_provider_config__request__descriptor)
SAME(tfplugin5__validate_resource_type_config__request__descriptor,
     tfplugin6__validate_resource_config__request__descriptor)
SAME(tfplugin5__validate_resource_type_config__response__descriptor,
     tfplugin6__validate_resource_config__response__descriptor)
SAME(tfplugin5__validate_data_source_config__request__descriptor,
     tfplugin6__validate_data_resource_config__request__descriptor)
SAME(tfplugin5__validate_data_source_config__response__descriptor,
     tfplugin6__validate_data_resource_config__response__descriptor)
SAME(tfplugin5__configure__request__descriptor, tfplugin6__configure_provider__request__descriptor)
SAME(tfplugin5__configure__response__descriptor,
     tfplugin6__configure_provider__response__descriptor)
SAME(tfplugin5__upgrade_resource_state__request__descriptor,
     tfplugin6__upgrade_resource_state__request__descriptor)
SAME(tfplugin5__upgrade_resource_state__response__descriptor,
     tfplugin6__upgrade_resource_state__response__descriptor)
SAME(tfplugin5__read_resource__request__descriptor, tfplugin6__read_resource__request__descriptor)
SAME(tfplugin5__read_resource__response__descriptor, tfplugin6__read_resource__response__descriptor)
SAME(tfplugin5__plan_resource_change__request__descriptor,
     tfplugin6__plan_resource_change__request__descriptor)
SAME(tfplugin5__plan_resource_change__response__descriptor,
     tfplugin6__plan_resource_change__response__descriptor)
SAME(tfplugin5__apply_resource_change__request__descriptor,
     tfplugin6__apply_resource_change__request__descriptor)
SAME(tfplugin5__apply_resource_change__response__descriptor,
     tfplugin6__apply_resource_change__response__descriptor)
SAME(tfplugin5__import_resource_state__request__descriptor,
     tfplugin6__import_resource_state__request__descriptor)
SAME(tfplugin5__import_resource_state__response__descriptor,
     tfplugin6__import_resource_state__response__descriptor)
SAME(tfplugin5__read_data_source__request__descriptor,
     tfplugin6__read_data_source__request__descriptor)
SAME(tfplugin5__read_data_source__response__descriptor,
     tfplugin6__read_data_source__response__descriptor)
SAME(tfplugin5__stop__response__descriptor, tfplugin6__stop_provider__response__descriptor)
SAME(tfplugin5__diagnostic__descriptor, tfplugin6__diagnostic__descriptor)

/* The one response built with the v5 type: its diagnostics must be v6-compatible Diagnostics. */
static void test_wire__prepare_provider_config_response_diagnostics(void **state)
{
    (void)state;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
        &tfplugin5__prepare_provider_config__response__descriptor, 2);
    assert_non_null(f);
    assert_string_equal(f->name, "diagnostics");
    assert_same_message(f->descriptor, &tfplugin6__diagnostic__descriptor, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire__tfplugin6__get_metadata__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__get_metadata__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__get_provider_schema__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__validate_provider_config__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__validate_resource_config__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__validate_resource_config__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__validate_data_resource_config__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__validate_data_resource_config__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__configure_provider__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__configure_provider__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__upgrade_resource_state__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__upgrade_resource_state__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__read_resource__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__read_resource__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__plan_resource_change__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__plan_resource_change__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__apply_resource_change__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__apply_resource_change__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__import_resource_state__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__import_resource_state__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__read_data_source__request__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__read_data_source__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__stop_provider__response__descriptor),
        cmocka_unit_test(test_wire__tfplugin6__diagnostic__descriptor),
        cmocka_unit_test(test_wire__prepare_provider_config_response_diagnostics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
