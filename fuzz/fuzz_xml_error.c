/*
 * fuzz_xml_error.c - libFuzzer target for ec2_xml_read_error (ec2/xml.h), which reads the error
 * document of every failed EC2 request (<Response><Errors><Error><Code>..).
 *
 * Code, message and request id come from the network and end up in Terraform diagnostics, so each
 * must be a NUL-terminated single line of valid UTF-8 within its buffer; and the reader must leave
 * the other fields of the error alone, as xml.h promises. A document it accepts must carry a code.
 */
#include "fuzz_util.h"

#include "xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ec2_error err;
    bool found;

    memset(&err, 0, sizeof(err));
    err.code = EC2_ERR_HTTP;
    err.error_class = EC2_CLASS_CLIENT;
    err.http_status = 400;
    err.attempts = 3;
    found = ec2_xml_read_error(&err, (const char *)data, size);
    FUZZ_CHECK(err.code == EC2_ERR_HTTP && err.error_class == EC2_CLASS_CLIENT);
    FUZZ_CHECK(err.http_status == 400 && err.attempts == 3);
    FUZZ_CHECK(fuzz_message_ok(err.ec2_code, sizeof(err.ec2_code)));
    FUZZ_CHECK(fuzz_message_ok(err.message, sizeof(err.message)));
    FUZZ_CHECK(fuzz_message_ok(err.request_id, sizeof(err.request_id)));
    if (found)
        FUZZ_CHECK(err.ec2_code[0] != '\0');
    return 0;
}
