# The SDK half of the conformance tests, included by tests/conformance/CMakeLists.txt:
#   conformance_sdk     node --test: the emulator against the official AWS SDK for JavaScript (pinned by
#                       package-lock.json; scripts/deps.sh runs `npm ci` here).
#   conformance_params  pytest: cases.json through the SDK and through ec2-conformance-ops (our C client);
#                       the request parameters the emulator records must match case by case.
find_program(TF_NODE node)
if(NOT TF_NODE)
  # Keep the tests registered so a missing Node.js shows up as a failure, not as silence.
  message(WARNING "node not found: conformance_sdk and conformance_params will fail (install Node.js 20)")
  set(TF_NODE node)
endif()

add_test(NAME conformance_sdk
  COMMAND ${TF_NODE} --test ${CMAKE_CURRENT_SOURCE_DIR}/sdk_outputs.test.mjs
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
math(EXPR _tf_sdk_timeout "120 * ${TF_TEST_TIMEOUT_SCALE}")
set_tests_properties(conformance_sdk PROPERTIES
  TIMEOUT ${_tf_sdk_timeout}
  ENVIRONMENT "TF_PYTHON=${TF_PYTHON};NODE_NO_WARNINGS=1;TF_TEST_TIMEOUT_SCALE=${TF_TEST_TIMEOUT_SCALE}")

tf_add_pytest(conformance_params tests/conformance/test_params_match.py)
set_property(TEST conformance_params APPEND PROPERTY ENVIRONMENT "TF_NODE=${TF_NODE}")
set_tests_properties(conformance_params PROPERTIES TIMEOUT ${_tf_sdk_timeout})
if(TARGET ec2-conformance-ops)
  set_property(TEST conformance_params APPEND PROPERTY ENVIRONMENT
    "EC2_CONFORMANCE_OPS=$<TARGET_FILE:ec2-conformance-ops>")
endif()
