/*
 * test_xml.c - parsing of EC2 answers: a success document for every operation, error
 * documents, and hostile input (truncated, malformed, oversized, DOCTYPE/entity bombs); and
 * ec2_error_copy_clean (error.c), which every remote text passes through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ec2.h"
#include "error.h"
#include "ops.h"
#include "xml.h"

#define NS "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""

static xmlDoc *parse_ok(const char *text)
{
    xmlDoc *doc = NULL;
    struct ec2_error err;

    ec2_error_init(&err);
    assert_int_equal(ec2_xml_parse(&doc, text, strlen(text), &err), 0);
    assert_non_null(doc);
    return doc;
}

static const char describe_images_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DescribeImagesResponse " NS ">\n"
    "  <requestId>req-1</requestId>\n"
    "  <imagesSet>\n"
    "    <item>\n"
    "      <imageId>ami-1</imageId><imageLocation>123/img</imageLocation>\n"
    "      <imageState>failed</imageState><imageOwnerId>123456789012</imageOwnerId>\n"
    "      <creationDate>2024-01-02T03:04:05.000Z</creationDate><isPublic>false</isPublic>\n"
    "      <architecture>x86_64</architecture><imageType>machine</imageType>\n"
    "      <kernelId>aki-1</kernelId><ramdiskId>ari-1</ramdiskId><platform>windows</platform>\n"
    "      "
    "<platformDetails>Linux/UNIX</platformDetails><usageOperation>RunInstances</usageOperation>\n"
    "      <name>my &amp; image</name><description>line1\nline2</description>\n"
    "      <rootDeviceType>ebs</rootDeviceType><rootDeviceName>/dev/xvda</rootDeviceName>\n"
    "      <virtualizationType>hvm</virtualizationType><hypervisor>xen</hypervisor>\n"
    "      <enaSupport>true</enaSupport><sriovNetSupport>simple</sriovNetSupport>\n"
    "      <bootMode>uefi</bootMode><tpmSupport>v2.0</tpmSupport><imdsSupport>v2.0</imdsSupport>\n"
    "      <deprecationTime>2030-01-01T00:00:00Z</deprecationTime>\n"
    "      <deregistrationProtection>enabled-with-cooldown</deregistrationProtection>\n"
    "      "
    "<sourceImageId>ami-0</sourceImageId><lastLaunchedTime>2024-05-01T00:00:00Z</"
    "lastLaunchedTime>\n"
    "      <stateReason><code>Client.InvalidSnapshot</code><message>bad "
    "snap</message></stateReason>\n"
    "      <blockDeviceMapping>\n"
    "        <item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-1</snapshotId>\n"
    "          <volumeSize>8</volumeSize><deleteOnTermination>true</deleteOnTermination>\n"
    "          <volumeType>gp3</volumeType><iops>3000</iops><throughput>125</throughput>\n"
    "          <encrypted>false</encrypted><kmsKeyId>k1</kmsKeyId></ebs></item>\n"
    "        <item><deviceName>/dev/sdb</deviceName><virtualName>ephemeral0</virtualName></item>\n"
    "        <item><deviceName>/dev/sdc</deviceName><noDevice/></item>\n"
    "      </blockDeviceMapping>\n"
    "      <tagSet><item><key>Name</key><value>n1</value></item>"
    "<item><key>empty</key><value/></item></tagSet>\n"
    "    </item>\n"
    "    <item><imageId>ami-2</imageId><imageState>available</imageState></item>\n"
    "  </imagesSet>\n"
    "  <nextToken>page-2</nextToken>\n"
    "</DescribeImagesResponse>";

static void test_xml__describe_images_every_field(void **state)
{
    xmlDoc *doc = parse_ok(describe_images_doc);
    struct ec2_describe_images_output out;
    struct ec2_error err;
    char *next = NULL;
    const struct ec2_image *img;
    const struct ec2_block_device *b;

    (void)state;
    memset(&out, 0, sizeof(out));
    ec2_error_init(&err);
    assert_int_equal(ec2_parse_describe_images_page(&out, &next, doc, &err), 0);
    assert_string_equal(next, "page-2");
    assert_string_equal(out.request_id, "req-1");
    assert_int_equal(out.n_images, 2);
    img = &out.images[0];
    assert_string_equal(img->image_id, "ami-1");
    assert_string_equal(img->image_location, "123/img");
    assert_string_equal(img->state, "failed");
    assert_string_equal(img->owner_id, "123456789012");
    assert_string_equal(img->creation_date, "2024-01-02T03:04:05.000Z");
    assert_int_equal(img->is_public, EC2_BOOL_FALSE);
    assert_string_equal(img->architecture, "x86_64");
    assert_string_equal(img->image_type, "machine");
    assert_string_equal(img->kernel_id, "aki-1");
    assert_string_equal(img->ramdisk_id, "ari-1");
    assert_string_equal(img->platform, "windows");
    assert_string_equal(img->platform_details, "Linux/UNIX");
    assert_string_equal(img->usage_operation, "RunInstances");
    assert_string_equal(img->name, "my & image");
    assert_string_equal(img->description, "line1\nline2");
    assert_string_equal(img->root_device_type, "ebs");
    assert_string_equal(img->root_device_name, "/dev/xvda");
    assert_string_equal(img->virtualization_type, "hvm");
    assert_string_equal(img->hypervisor, "xen");
    assert_int_equal(img->ena_support, EC2_BOOL_TRUE);
    assert_string_equal(img->sriov_net_support, "simple");
    assert_string_equal(img->boot_mode, "uefi");
    assert_string_equal(img->tpm_support, "v2.0");
    assert_string_equal(img->imds_support, "v2.0");
    assert_string_equal(img->deprecation_time, "2030-01-01T00:00:00Z");
    assert_string_equal(img->deregistration_protection, "enabled-with-cooldown");
    assert_string_equal(img->source_image_id, "ami-0");
    assert_string_equal(img->last_launched_time, "2024-05-01T00:00:00Z");
    assert_string_equal(img->state_reason_code, "Client.InvalidSnapshot");
    assert_string_equal(img->state_reason_message, "bad snap");
    assert_null(img->owner_alias);
    assert_int_equal(img->n_block_devices, 3);
    b = &img->block_devices[0];
    assert_true(b->has_ebs);
    assert_string_equal(b->device_name, "/dev/xvda");
    assert_string_equal(b->snapshot_id, "snap-1");
    assert_int_equal(b->volume_size, 8);
    assert_string_equal(b->volume_type, "gp3");
    assert_int_equal(b->iops, 3000);
    assert_int_equal(b->throughput, 125);
    assert_int_equal(b->delete_on_termination, EC2_BOOL_TRUE);
    assert_int_equal(b->encrypted, EC2_BOOL_FALSE);
    assert_string_equal(b->kms_key_id, "k1");
    assert_false(img->block_devices[1].has_ebs);
    assert_string_equal(img->block_devices[1].virtual_name, "ephemeral0");
    assert_null(img->block_devices[1].no_device);
    assert_string_equal(img->block_devices[2].no_device, "");
    assert_int_equal(img->n_tags, 2);
    assert_string_equal(img->tags[0].key, "Name");
    assert_string_equal(img->tags[0].value, "n1");
    assert_string_equal(img->tags[1].value, "");
    assert_string_equal(out.images[1].state, "available");
    assert_int_equal(out.images[1].n_block_devices, 0);
    assert_int_equal(out.images[1].is_public, EC2_BOOL_UNSET);
    free(next);
    ec2_describe_images_output_dispose(&out);
    ec2_describe_images_output_dispose(&out); /* idempotent */
    xmlFreeDoc(doc);
}

static void test_xml__describe_images_empty_set_and_no_token(void **state)
{
    xmlDoc *doc = parse_ok("<DescribeImagesResponse " NS "><requestId>r</requestId><imagesSet/>"
                           "<nextToken/></DescribeImagesResponse>");
    struct ec2_describe_images_output out;
    char *next = NULL;

    (void)state;
    memset(&out, 0, sizeof(out));
    assert_int_equal(ec2_parse_describe_images_page(&out, &next, doc, NULL), 0);
    assert_int_equal(out.n_images, 0);
    assert_null(next);
    ec2_describe_images_output_dispose(&out);
    xmlFreeDoc(doc);
}

static void test_xml__rejects_malformed_numbers_in_images(void **state)
{
    xmlDoc *doc = parse_ok("<DescribeImagesResponse><imagesSet><item><imageId>a</imageId>"
                           "<blockDeviceMapping><item><ebs><volumeSize>8x</volumeSize></ebs></item>"
                           "</blockDeviceMapping></item></imagesSet></DescribeImagesResponse>");
    struct ec2_describe_images_output out;
    struct ec2_error err;
    char *next = NULL;

    (void)state;
    memset(&out, 0, sizeof(out));
    ec2_error_init(&err);
    assert_int_equal(ec2_parse_describe_images_page(&out, &next, doc, &err), EC2_ERR_PARSE);
    assert_int_equal(out.n_images, 0);
    ec2_describe_images_output_dispose(&out);
    xmlFreeDoc(doc);
}

static void test_xml__register_and_copy_image(void **state)
{
    xmlDoc *reg = parse_ok("<RegisterImageResponse " NS "><requestId>r1</requestId>"
                           "<imageId>ami-9</imageId></RegisterImageResponse>");
    xmlDoc *copy = parse_ok("<CopyImageResponse " NS "><requestId>r2</requestId>"
                            "<imageId>ami-8</imageId></CopyImageResponse>");
    xmlDoc *bad =
        parse_ok("<RegisterImageResponse><requestId>r</requestId></RegisterImageResponse>");
    struct ec2_register_image_output r;
    struct ec2_copy_image_output c;
    struct ec2_error err;

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(ec2_parse_register_image(&r, reg, NULL), 0);
    assert_string_equal(r.image_id, "ami-9");
    assert_string_equal(r.request_id, "r1");
    assert_int_equal(ec2_parse_copy_image(&c, copy, NULL), 0);
    assert_string_equal(c.image_id, "ami-8");
    assert_string_equal(c.request_id, "r2");
    ec2_error_init(&err);
    assert_int_equal(ec2_parse_register_image(&r, bad, &err), EC2_ERR_PARSE);
    assert_non_null(strstr(err.message, "imageId"));
    ec2_register_image_output_dispose(&r);
    ec2_copy_image_output_dispose(&c);
    xmlFreeDoc(reg);
    xmlFreeDoc(copy);
    xmlFreeDoc(bad);
}

static void test_xml__deregister_image_snapshot_results(void **state)
{
    xmlDoc *doc = parse_ok(
        "<DeregisterImageResponse " NS "><requestId>r</requestId><return>true</return>"
        "<deleteSnapshotResultSet><item><snapshotId>snap-1</snapshotId><returnCode>success"
        "</returnCode></item><item><snapshotId>snap-2</snapshotId><returnCode>skipped</returnCode>"
        "</item><item><snapshotId>snap-3</snapshotId><returnCode>missing-permissions</returnCode>"
        "</item></deleteSnapshotResultSet></DeregisterImageResponse>");
    struct ec2_deregister_image_output out;

    (void)state;
    assert_int_equal(ec2_parse_deregister_image(&out, doc, NULL), 0);
    assert_true(out.ret);
    assert_int_equal(out.n_snapshot_results, 3);
    assert_string_equal(out.snapshot_results[0].snapshot_id, "snap-1");
    assert_string_equal(out.snapshot_results[0].return_code, "success");
    assert_string_equal(out.snapshot_results[1].return_code, "skipped");
    assert_string_equal(out.snapshot_results[2].return_code, "missing-permissions");
    ec2_deregister_image_output_dispose(&out);
    xmlFreeDoc(doc);
}

static void test_xml__unit_return_true_false_and_missing(void **state)
{
    xmlDoc *t = parse_ok("<CreateTagsResponse " NS "><requestId>r</requestId><return>true</return>"
                         "</CreateTagsResponse>");
    xmlDoc *f = parse_ok("<DeleteTagsResponse><requestId>r2</requestId><return>false</return>"
                         "</DeleteTagsResponse>");
    xmlDoc *m =
        parse_ok("<DeleteSnapshotResponse><requestId>r3</requestId></DeleteSnapshotResponse>");
    struct ec2_unit_output out;
    struct ec2_error err;

    (void)state;
    assert_int_equal(ec2_parse_unit(&out, t, NULL), 0);
    assert_true(out.ret);
    assert_string_equal(out.request_id, "r");
    ec2_error_init(&err);
    assert_int_equal(ec2_parse_unit(&out, f, &err), EC2_ERR_API);
    assert_string_equal(err.request_id, "r2");
    assert_int_equal(ec2_parse_unit(NULL, m, &err), EC2_ERR_PARSE);
    xmlFreeDoc(t);
    xmlFreeDoc(f);
    xmlFreeDoc(m);
}

static void test_xml__protection_return_is_a_string(void **state)
{
    xmlDoc *doc = parse_ok("<EnableImageDeregistrationProtectionResponse " NS "><requestId>r"
                           "</requestId><return>enabled-without-cooldown</return>"
                           "</EnableImageDeregistrationProtectionResponse>");
    struct ec2_protection_output out;

    (void)state;
    assert_int_equal(ec2_parse_protection(&out, doc, NULL), 0);
    assert_string_equal(out.ret, "enabled-without-cooldown");
    assert_string_equal(out.request_id, "r");
    xmlFreeDoc(doc);
}

static void test_xml__image_attribute(void **state)
{
    xmlDoc *lp = parse_ok("<DescribeImageAttributeResponse " NS "><requestId>r</requestId>"
                          "<imageId>ami-1</imageId><launchPermission><item><userId>111122223333"
                          "</userId></item><item><group>all</group></item></launchPermission>"
                          "</DescribeImageAttributeResponse>");
    xmlDoc *bm = parse_ok("<DescribeImageAttributeResponse><imageId>ami-1</imageId><bootMode>"
                          "<value>uefi</value></bootMode></DescribeImageAttributeResponse>");
    struct ec2_image_attribute_output out;

    (void)state;
    assert_int_equal(ec2_parse_image_attribute(&out, lp, NULL), 0);
    assert_string_equal(out.image_id, "ami-1");
    assert_int_equal(out.n_launch_permissions, 2);
    assert_string_equal(out.launch_permissions[0].user_id, "111122223333");
    assert_string_equal(out.launch_permissions[1].group, "all");
    assert_null(out.value);
    ec2_image_attribute_output_dispose(&out);
    assert_int_equal(ec2_parse_image_attribute(&out, bm, NULL), 0);
    assert_string_equal(out.value, "uefi");
    ec2_image_attribute_output_dispose(&out);
    xmlFreeDoc(lp);
    xmlFreeDoc(bm);
}

static void test_xml__snapshots_and_create_snapshot(void **state)
{
    xmlDoc *d = parse_ok(
        "<DescribeSnapshotsResponse " NS "><requestId>r</requestId><snapshotSet><item>"
        "<snapshotId>snap-1</snapshotId><volumeId>vol-1</volumeId><status>completed</status>"
        "<startTime>2024-01-01T00:00:00.000Z</startTime><progress>100%</progress><ownerId>1"
        "</ownerId><volumeSize>8</volumeSize><description>d</description><encrypted>true"
        "</encrypted><kmsKeyId>k</kmsKeyId><tagSet><item><key>a</key><value>b</value></item>"
        "</tagSet></item></snapshotSet></DescribeSnapshotsResponse>");
    xmlDoc *c =
        parse_ok("<CreateSnapshotResponse " NS "><requestId>r2</requestId><snapshotId>snap-9"
                 "</snapshotId><volumeId>vol-9</volumeId><status>pending</status>"
                 "<volumeSize>20</volumeSize><encrypted>false</encrypted>"
                 "</CreateSnapshotResponse>");
    struct ec2_describe_snapshots_output out;
    struct ec2_create_snapshot_output cs;
    char *next = NULL;

    (void)state;
    memset(&out, 0, sizeof(out));
    assert_int_equal(ec2_parse_describe_snapshots_page(&out, &next, d, NULL), 0);
    assert_null(next);
    assert_int_equal(out.n_snapshots, 1);
    assert_string_equal(out.snapshots[0].snapshot_id, "snap-1");
    assert_string_equal(out.snapshots[0].volume_id, "vol-1");
    assert_string_equal(out.snapshots[0].state, "completed");
    assert_string_equal(out.snapshots[0].progress, "100%");
    assert_int_equal(out.snapshots[0].volume_size, 8);
    assert_int_equal(out.snapshots[0].encrypted, EC2_BOOL_TRUE);
    assert_string_equal(out.snapshots[0].tags[0].value, "b");
    ec2_describe_snapshots_output_dispose(&out);
    assert_int_equal(ec2_parse_create_snapshot(&cs, c, NULL), 0);
    assert_string_equal(cs.snapshot.snapshot_id, "snap-9");
    assert_int_equal(cs.snapshot.volume_size, 20);
    assert_string_equal(cs.request_id, "r2");
    ec2_create_snapshot_output_dispose(&cs);
    xmlFreeDoc(d);
    xmlFreeDoc(c);
}

static void test_xml__reads_error_document(void **state)
{
    static const char doc[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
        "UnauthorizedOperation</Code><Message>You are not authorized.\r\nEncoded authorization "
        "failure message: abc</Message></Error></Errors><RequestID>req-9</RequestID></Response>";
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_true(ec2_xml_read_error(&err, doc, strlen(doc)));
    assert_string_equal(err.ec2_code, "UnauthorizedOperation");
    assert_string_equal(err.request_id, "req-9");
    /* Remote text loses its CR/LF. */
    assert_null(strchr(err.message, '\n'));
    assert_null(strchr(err.message, '\r'));
    assert_non_null(strstr(err.message, "Encoded authorization failure message: abc"));
}

/* n copies of the character c followed by tail, in a static buffer. */
static char *repeat(const char *c, size_t n, const char *tail)
{
    static char buf[2048];

    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        strcat(buf, c);
    return strcat(buf, tail);
}

static void test_xml__error_text_is_cut_between_characters(void **state)
{
    char doc[2048], message[700], request_id[100];
    struct ec2_error err;

    (void)state;
    /* 300 two-byte characters: 255 fill 510 bytes of the 511 the message holds, the 256th would
     * be cut in half */
    strcpy(message, repeat("\xc3\xa9", 300, ""));
    /* 'a' and 20 three-byte characters fill 61 bytes of the request id's 63 */
    strcpy(request_id, repeat("\xe2\x82\xac", 30, ""));
    snprintf(doc, sizeof(doc),
             "<Response><Errors><Error><Code>Bad</Code><Message>%s</Message></Error></Errors>"
             "<RequestID>a%s</RequestID></Response>",
             message, request_id);
    ec2_error_init(&err);
    assert_true(ec2_xml_read_error(&err, doc, strlen(doc)));
    assert_string_equal(err.message, repeat("\xc3\xa9", 255, ""));
    snprintf(request_id, sizeof(request_id), "a%s", repeat("\xe2\x82\xac", 20, ""));
    assert_string_equal(err.request_id, request_id);
}

static void test_error__copy_clean_leaves_one_line_of_valid_utf8(void **state)
{
    char buf[16], in_place[] = " a\xff"
                               "b\r\n\xc0\x80 ";
    struct ec2_error err;

    (void)state;
    /* control bytes become spaces, invalid and overlong bytes '?', blanks are trimmed */
    ec2_error_copy_clean(buf, sizeof(buf), " \tx\ty\x7f\xed\xa0\x80z\n", 11);
    assert_string_equal(buf, "x y ???z");
    /* a character cut by len is dropped, as is one that would not fit the buffer */
    ec2_error_copy_clean(buf, sizeof(buf), "ok \xe2\x9c\x93", 5);
    assert_string_equal(buf, "ok");
    ec2_error_copy_clean(buf, 6, "abcd\xc3\xa9", 6);
    assert_string_equal(buf, "abcd");
    ec2_error_copy_clean(buf, sizeof(buf), "\xf0\x9f\x98\x80!", 5);
    assert_string_equal(buf, "\xf0\x9f\x98\x80!");
    /* a NUL ends the text before len does */
    ec2_error_copy_clean(buf, sizeof(buf), "ab\0cd", 5);
    assert_string_equal(buf, "ab");
    /* the destination may be the source */
    ec2_error_copy_clean(in_place, sizeof(in_place), in_place, strlen(in_place));
    assert_string_equal(in_place, "a?b  ??");
    /* a formatted message cut by its buffer ends on a character boundary */
    ec2_error_set(&err, EC2_ERR_API, EC2_CLASS_CLIENT, "%s", repeat("\xc3\xa9", 300, ""));
    assert_string_equal(err.message, repeat("\xc3\xa9", 255, ""));
}

static void test_xml__error_reader_refuses_non_error_documents(void **state)
{
    static const char html[] = "<html><body>502 Bad Gateway</body></html>";
    static const char cut[] = "<Response><Errors><Error><Code>Throttl";
    struct ec2_error err;

    (void)state;
    ec2_error_init(&err);
    assert_false(ec2_xml_read_error(&err, html, strlen(html)));
    assert_false(ec2_xml_read_error(&err, cut, strlen(cut)));
    assert_false(ec2_xml_read_error(&err, "", 0));
    assert_string_equal(err.ec2_code, "");
}

static void test_xml__truncated_document_is_transient(void **state)
{
    static const char *const cuts[] = {
        "<DescribeImagesResponse><imagesSet><item><imageId>ami-1</image",
        "<DescribeImagesResponse><imagesSet><item>",
        "<DescribeImagesResponse",
        "",
    };
    struct ec2_error err;
    xmlDoc *doc = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        ec2_error_init(&err);
        assert_int_equal(ec2_xml_parse(&doc, cuts[i], strlen(cuts[i]), &err), EC2_ERR_PARSE);
        assert_null(doc);
        assert_int_equal(err.error_class, EC2_CLASS_TRANSIENT);
        assert_true(ec2_error_is_retryable(&err));
    }
}

static void test_xml__malformed_document_is_not_retryable(void **state)
{
    static const char *const bad[] = {
        "<a><b></a></b>",
        "<a>&unknown;</a>",
        "<a x='1' x='2'/>",
        "not xml at all",
    };
    struct ec2_error err;
    xmlDoc *doc = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ec2_error_init(&err);
        assert_int_equal(ec2_xml_parse(&doc, bad[i], strlen(bad[i]), &err), EC2_ERR_PARSE);
        assert_null(doc);
        assert_int_equal(err.error_class, EC2_CLASS_CLIENT);
    }
}

static void test_xml__refuses_billion_laughs(void **state)
{
    static const char bomb[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n<DescribeImagesResponse><imagesSet><item><name>&lol9;</name></item></imagesSet>"
        "</DescribeImagesResponse>";
    struct ec2_error err;
    xmlDoc *doc = NULL;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(ec2_xml_parse(&doc, bomb, strlen(bomb), &err), EC2_ERR_PARSE);
    assert_null(doc);
    assert_non_null(strstr(err.message, "DOCTYPE"));
}

static void test_xml__refuses_external_entities(void **state)
{
    static const char xxe[] = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM "
                              "\"file:///etc/passwd\">]><r><Code>&x;</Code></r>";
    struct ec2_error err;
    xmlDoc *doc = NULL;

    (void)state;
    ec2_error_init(&err);
    assert_int_equal(ec2_xml_parse(&doc, xxe, strlen(xxe), &err), EC2_ERR_PARSE);
    assert_false(ec2_xml_read_error(&err, xxe, strlen(xxe)));
}

static void test_xml__refuses_oversized_document(void **state)
{
    size_t len = EC2_XML_MAX_BYTES + 1;
    char *big = malloc(len);
    struct ec2_error err;
    xmlDoc *doc = NULL;

    (void)state;
    assert_non_null(big);
    memset(big, ' ', len);
    ec2_error_init(&err);
    assert_int_equal(ec2_xml_parse(&doc, big, len, &err), EC2_ERR_TOO_LARGE);
    assert_null(doc);
    free(big);
}

static void test_xml__deep_nesting_is_refused_not_crashing(void **state)
{
    const size_t depth = 100000;
    char *deep = malloc(depth * 7 + 1);
    size_t n = 0;
    struct ec2_error err;
    xmlDoc *doc = NULL;
    int rc;

    (void)state;
    assert_non_null(deep);
    for (size_t i = 0; i < depth; i++) {
        memcpy(deep + n, "<a>", 3);
        n += 3;
    }
    for (size_t i = 0; i < depth; i++) {
        memcpy(deep + n, "</a>", 4);
        n += 4;
    }
    ec2_error_init(&err);
    rc = ec2_xml_parse(&doc, deep, n, &err);
    /* libxml2's default depth limit rejects this; either way nothing crashes. */
    assert_int_equal(rc, EC2_ERR_PARSE);
    xmlFreeDoc(doc);
    free(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml__describe_images_every_field),
        cmocka_unit_test(test_xml__describe_images_empty_set_and_no_token),
        cmocka_unit_test(test_xml__rejects_malformed_numbers_in_images),
        cmocka_unit_test(test_xml__register_and_copy_image),
        cmocka_unit_test(test_xml__deregister_image_snapshot_results),
        cmocka_unit_test(test_xml__unit_return_true_false_and_missing),
        cmocka_unit_test(test_xml__protection_return_is_a_string),
        cmocka_unit_test(test_xml__image_attribute),
        cmocka_unit_test(test_xml__snapshots_and_create_snapshot),
        cmocka_unit_test(test_xml__reads_error_document),
        cmocka_unit_test(test_xml__error_text_is_cut_between_characters),
        cmocka_unit_test(test_error__copy_clean_leaves_one_line_of_valid_utf8),
        cmocka_unit_test(test_xml__error_reader_refuses_non_error_documents),
        cmocka_unit_test(test_xml__truncated_document_is_transient),
        cmocka_unit_test(test_xml__malformed_document_is_not_retryable),
        cmocka_unit_test(test_xml__refuses_billion_laughs),
        cmocka_unit_test(test_xml__refuses_external_entities),
        cmocka_unit_test(test_xml__refuses_oversized_document),
        cmocka_unit_test(test_xml__deep_nesting_is_refused_not_crashing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
