tf_add_unit_test(test_protocol_wire SOURCES test_protocol_wire.c LIBS tfcore tfproto)
tf_add_unit_test(test_plan SOURCES test_plan.c LIBS tfcore)
