# The transport: go-plugin handshake, AutoMTLS identity, the gRPC server, go-plugin's side services
# and main(). provider/CMakeLists.txt builds these into the terraform-provider-ec2 executable.
list(APPEND TF_TRANSPORT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/handshake.c
  ${CMAKE_CURRENT_LIST_DIR}/tls.c
  ${CMAKE_CURRENT_LIST_DIR}/server.c
  ${CMAKE_CURRENT_LIST_DIR}/plugin_services.c
  ${CMAKE_CURRENT_LIST_DIR}/main.c)

# main() initialises libcurl and libxml2 for the EC2 library before any thread starts. The
# executable is defined after this file is included, hence the deferred call.
cmake_language(DEFER CALL target_link_libraries terraform-provider-ec2 PRIVATE
  PkgConfig::CURL PkgConfig::LIBXML2)
