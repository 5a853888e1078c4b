# The transport: go-plugin handshake, AutoMTLS identity, the gRPC server, go-plugin's side services
# and main(). provider/CMakeLists.txt builds these into the terraform-provider-ec2 executable.
list(APPEND TF_TRANSPORT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/handshake.c
  ${CMAKE_CURRENT_LIST_DIR}/tls.c
  ${CMAKE_CURRENT_LIST_DIR}/server.c
  ${CMAKE_CURRENT_LIST_DIR}/plugin_services.c
  ${CMAKE_CURRENT_LIST_DIR}/deferred_libs.c
  ${CMAKE_CURRENT_LIST_DIR}/main.c)

# libcurl and libxml2 are loaded on first use by deferred_libs.c, which needs their sonames; with
# --as-needed the executable keeps them (which ec2/ links) out of its DT_NEEDED list. The
# executable is defined after this file is included, hence the deferred calls.
function(tf_soname out lib)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${lib} OUTPUT_VARIABLE dump RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT dump MATCHES "SONAME +([^\n]+)")
    message(FATAL_ERROR "cannot read the soname of ${lib}")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
list(FILTER CURL_LINK_LIBRARIES INCLUDE REGEX "/libcurl[^/]*$")
list(FILTER LIBXML2_LINK_LIBRARIES INCLUDE REGEX "/libxml2[^/]*$")
tf_soname(TF_LIBCURL_SONAME "${CURL_LINK_LIBRARIES}")
tf_soname(TF_LIBXML2_SONAME "${LIBXML2_LINK_LIBRARIES}")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/deferred_libs.c PROPERTIES COMPILE_DEFINITIONS
  "TF_LIBCURL_SONAME=\"${TF_LIBCURL_SONAME}\";TF_LIBXML2_SONAME=\"${TF_LIBXML2_SONAME}\"")
cmake_language(DEFER CALL target_link_libraries terraform-provider-ec2 PRIVATE
  PkgConfig::CURL PkgConfig::LIBXML2 ${CMAKE_DL_LIBS})
cmake_language(DEFER CALL target_link_options terraform-provider-ec2 PRIVATE
  LINKER:--as-needed LINKER:--gc-sections)
