# The value layer: arena and value trees, attribute paths, the msgpack and JSON codecs, JSON type text
# and schema types. Included by provider/CMakeLists.txt into the tfcore library.
list(APPEND TF_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/value.c
  ${CMAKE_CURRENT_LIST_DIR}/path.c
  ${CMAKE_CURRENT_LIST_DIR}/codec_msgpack.c
  ${CMAKE_CURRENT_LIST_DIR}/codec_json.c
  ${CMAKE_CURRENT_LIST_DIR}/type_json.c
  ${CMAKE_CURRENT_LIST_DIR}/schema.c)
