# The transport: go-plugin handshake, AutoMTLS identity, the gRPC server, go-plugin's side services
# and main(). provider/CMakeLists.txt builds these into the terraform-provider-ec2 executable.
list(APPEND TF_TRANSPORT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/handshake.c
  ${CMAKE_CURRENT_LIST_DIR}/tls.c
  ${CMAKE_CURRENT_LIST_DIR}/server.c
  ${CMAKE_CURRENT_LIST_DIR}/grpc_abseil.cc
  ${CMAKE_CURRENT_LIST_DIR}/plugin_services.c
  ${CMAKE_CURRENT_LIST_DIR}/deferred_libs.c
  ${CMAKE_CURRENT_LIST_DIR}/main.c)

# libcurl and libxml2 are loaded on first use by deferred_libs.c, which needs their sonames. The
# executable does not link them (ec2/ does, for its tests) and, with --as-needed, keeps them out
# of its DT_NEEDED list; the check after linking fails the build if a libcurl/libxml2 function
# missing from deferred_libs.c brought them back. The executable is defined after this file is
# included, hence the deferred calls.
function(tf_soname out pattern libs)
  list(FILTER libs INCLUDE REGEX "${pattern}")
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${libs} OUTPUT_VARIABLE dump RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT dump MATCHES "SONAME +([^\n]+)")
    message(FATAL_ERROR "cannot read the soname of ${libs}")
  endif()
  set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()
tf_soname(TF_LIBCURL_SONAME "/libcurl[^/]*$" "${CURL_LINK_LIBRARIES}")
tf_soname(TF_LIBXML2_SONAME "/libxml2[^/]*$" "${LIBXML2_LINK_LIBRARIES}")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/deferred_libs.c PROPERTIES COMPILE_DEFINITIONS
  "TF_LIBCURL_SONAME=\"${TF_LIBCURL_SONAME}\";TF_LIBXML2_SONAME=\"${TF_LIBXML2_SONAME}\"")
cmake_language(DEFER CALL target_link_libraries terraform-provider-ec2 PRIVATE ${CMAKE_DL_LIBS})
# OpenSSL linked in when the dependencies are (see the top CMakeLists.txt): safe here because
# libcurl, with its own OpenSSL, is only ever dlopen'ed.
cmake_language(DEFER CALL set_property TARGET terraform-provider-ec2 PROPERTY TF_STATIC_OPENSSL ON)
cmake_language(DEFER CALL target_link_options terraform-provider-ec2 PRIVATE
  LINKER:--as-needed LINKER:--gc-sections)
# The code that runs, packed in one place: fewer resident pages (see bench/hot_text.py). Only with
# the static dependencies, for which the list was made; GNU ld (-T with INSERT) is required.
if(TF_STATIC_DEPS AND NOT SANITIZE AND NOT FUZZ)
  cmake_language(DEFER CALL target_link_options terraform-provider-ec2 PRIVATE
    LINKER:-T,${CMAKE_CURRENT_LIST_DIR}/hot_text.ld)
  cmake_language(DEFER CALL set_property TARGET terraform-provider-ec2 APPEND PROPERTY
    LINK_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/hot_text.ld)
endif()
# The executable is position-independent, so every pointer in its data needs a relocation at
# start: as RELA entries, ~24 bytes each, that is ~380 KiB the dynamic linker reads (and keeps
# resident) before main(). Packed (DT_RELR, binutils 2.38 and glibc 2.36) they take a few KiB.
include(CheckLinkerFlag)
check_linker_flag(C "LINKER:-z,pack-relative-relocs" TF_LINKER_HAS_RELR)
if(TF_LINKER_HAS_RELR)
  cmake_language(DEFER CALL target_link_options terraform-provider-ec2 PRIVATE
    LINKER:-z,pack-relative-relocs)
endif()
cmake_language(DEFER CALL add_custom_command TARGET terraform-provider-ec2 POST_BUILD
  COMMAND sh -c "! ${CMAKE_READELF} -d \"$1\" | grep -E 'NEEDED.*(${TF_LIBCURL_SONAME}|${TF_LIBXML2_SONAME})' || { echo \"$1 loads libcurl/libxml2 at start: complete provider/deferred_libs.c\" >&2; exit 1; }"
          sh $<TARGET_FILE:terraform-provider-ec2>
  VERBATIM)
