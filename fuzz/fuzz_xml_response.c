/*
 * fuzz_xml_response.c - libFuzzer target for the EC2 answer parsers (ec2/ops.h) behind
 * ec2_xml_parse (ec2/xml.h): the XML every EC2 operation reads back from the network.
 *
 * The first input byte picks the parser (modulo their number), the rest is the answer document.
 * Checks, from the contracts in ec2.h and ops.h: a parser returns 0 or a negative code; on success
 * `err` is untouched; on failure err->code is the code returned, the message is one line, and the
 * output is still zeroed (the describe pages append to a caller's output instead, so for them
 * only the dispose that the real caller runs). The describe pages are parsed twice into the same
 * output, as two answer pages are.
 */
#include "fuzz_util.h"

#include "ec2.h"
#include "ops.h"
#include "xml.h"

/* err filled with a pattern, to tell whether a parser wrote to it. */
static void poison(struct ec2_error *err)
{
    memset(err, 0x5a, sizeof(*err));
}

static int untouched(const struct ec2_error *err)
{
    struct ec2_error p;

    poison(&p);
    return memcmp(&p, err, sizeof(p)) == 0;
}

static int all_zero(const void *p, size_t size)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < size; i++) {
        if (b[i] != 0)
            return 0;
    }
    return 1;
}

static void check_result(int rc, const struct ec2_error *err)
{
    if (rc == 0) {
        FUZZ_CHECK(untouched(err));
        return;
    }
    FUZZ_CHECK(rc < 0 && err->code == rc);
    FUZZ_CHECK(err->message[0] != '\0' && fuzz_message_ok(err->message, sizeof(err->message)));
}

/* Parse into a zeroed output; on failure it must still be zeroed. The caller disposes it. */
#define PARSE_ONE(parser, out, doc, err)                                                           \
    do {                                                                                           \
        memset(&(out), 0, sizeof(out));                                                            \
        poison(&(err));                                                                            \
        int rc_ = parser(&(out), (doc), &(err));                                                   \
        check_result(rc_, &(err));                                                                 \
        if (rc_ < 0)                                                                               \
            FUZZ_CHECK(all_zero(&(out), sizeof(out)));                                             \
    } while (0)

/* Two pages into one output, as ec2_describe_images / ec2_describe_snapshots do. */
#define PARSE_PAGES(parser, out, doc, err)                                                         \
    do {                                                                                           \
        memset(&(out), 0, sizeof(out));                                                            \
        for (int page_ = 0; page_ < 2; page_++) {                                                  \
            char *next_ = NULL;                                                                    \
            poison(&(err));                                                                        \
            int rc_ = parser(&(out), &next_, (doc), &(err));                                       \
            check_result(rc_, &(err));                                                             \
            if (rc_ < 0)                                                                           \
                FUZZ_CHECK(next_ == NULL);                                                         \
            free(next_);                                                                           \
            if (rc_ < 0)                                                                           \
                break;                                                                             \
        }                                                                                          \
    } while (0)

static void parse(unsigned which, const xmlDoc *doc)
{
    struct ec2_error err;

    switch (which) {
    case 0: {
        struct ec2_unit_output out;
        PARSE_ONE(ec2_parse_unit, out, doc, err);
        break;
    }
    case 1: {
        struct ec2_register_image_output out;
        PARSE_ONE(ec2_parse_register_image, out, doc, err);
        ec2_register_image_output_dispose(&out);
        break;
    }
    case 2: {
        struct ec2_describe_images_output out;
        PARSE_PAGES(ec2_parse_describe_images_page, out, doc, err);
        ec2_describe_images_output_dispose(&out);
        break;
    }
    case 3: {
        struct ec2_deregister_image_output out;
        PARSE_ONE(ec2_parse_deregister_image, out, doc, err);
        ec2_deregister_image_output_dispose(&out);
        break;
    }
    case 4: {
        struct ec2_image_attribute_output out;
        PARSE_ONE(ec2_parse_image_attribute, out, doc, err);
        ec2_image_attribute_output_dispose(&out);
        break;
    }
    case 5: {
        struct ec2_protection_output out;
        PARSE_ONE(ec2_parse_protection, out, doc, err);
        break;
    }
    case 6: {
        struct ec2_copy_image_output out;
        PARSE_ONE(ec2_parse_copy_image, out, doc, err);
        ec2_copy_image_output_dispose(&out);
        break;
    }
    case 7: {
        struct ec2_describe_snapshots_output out;
        PARSE_PAGES(ec2_parse_describe_snapshots_page, out, doc, err);
        ec2_describe_snapshots_output_dispose(&out);
        break;
    }
    default: {
        struct ec2_create_snapshot_output out;
        PARSE_ONE(ec2_parse_create_snapshot, out, doc, err);
        ec2_create_snapshot_output_dispose(&out);
        break;
    }
    }
}

#define N_PARSERS 9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ec2_error err;
    xmlDoc *doc = NULL;
    int rc;

    if (size < 1)
        return 0;
    poison(&err);
    rc = ec2_xml_parse(&doc, (const char *)data + 1, size - 1, &err);
    check_result(rc, &err);
    if (rc < 0) {
        FUZZ_CHECK(doc == NULL);
        return 0;
    }
    FUZZ_CHECK(doc != NULL && xmlDocGetRootElement(doc) != NULL);
    parse(data[0] % N_PARSERS, doc);
    xmlFreeDoc(doc);
    return 0;
}
