# Unit tests of the value layer: arena and values, codecs and type JSON, schema types.
tf_add_unit_test(test_value SOURCES test_value.c LIBS tfcore)
tf_add_unit_test(test_codec SOURCES test_codec.c LIBS tfcore)
tf_add_unit_test(test_schema SOURCES test_schema.c LIBS tfcore)
