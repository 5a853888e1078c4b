# Unit tests of the transport: the go-plugin handshake rules and the AutoMTLS identity. handshake.c
# and tls.c belong to the executable, not to tfcore, so the test compiles them itself.
tf_add_unit_test(test_handshake
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_handshake.c
          ${PROJECT_SOURCE_DIR}/provider/handshake.c
          ${PROJECT_SOURCE_DIR}/provider/tls.c
  LIBS PkgConfig::OPENSSL PkgConfig::JSONC)
target_include_directories(test_handshake PRIVATE ${PROJECT_SOURCE_DIR}/provider)
