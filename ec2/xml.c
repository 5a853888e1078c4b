/*
 * xml.c - libxml2 parsing of EC2 answers (see xml.h).
 *
 * DESIGN: parse options add XML_PARSE_NONET and leave out XML_PARSE_NOENT, XML_PARSE_DTDLOAD and
 * XML_PARSE_HUGE, so libxml2 neither fetches nor expands anything and keeps its default limits;
 * the DOCTYPE pre-check makes entity declarations impossible in the first place. Errors are
 * read from the parser context (not the global last error), so concurrent parses do not mix.
 */
#include "xml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "error.h"

#define PARSE_OPTIONS                                                                              \
    (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

static bool has_doctype(const char *data, size_t len)
{
    static const char needle[] = "<!DOCTYPE";
    const size_t nlen = sizeof(needle) - 1;

    for (size_t i = 0; i + nlen <= len; i++) {
        if (data[i] == '<' && memcmp(data + i, needle, nlen) == 0)
            return true;
    }
    return false;
}

/* An empty (or all-whitespace) body: the connection most likely ended before any XML. */
static bool blank(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n')
            return false;
    }
    return true;
}

/* Errors that mean "the input stopped early", i.e. a cut connection rather than a bad server. */
static bool premature_end(int code)
{
    switch (code) {
    case XML_ERR_DOCUMENT_END:
    case XML_ERR_TAG_NOT_FINISHED:
    case XML_ERR_LTSLASH_REQUIRED:
    case XML_ERR_GT_REQUIRED:
    case XML_ERR_NAME_REQUIRED:
    case XML_ERR_LT_REQUIRED:
    case XML_ERR_ATTRIBUTE_NOT_FINISHED:
    case XML_ERR_LITERAL_NOT_FINISHED:
    case XML_ERR_COMMENT_NOT_FINISHED:
    case XML_ERR_PI_NOT_FINISHED:
        return true;
    default:
        return false;
    }
}

int ec2_xml_parse(xmlDoc **out, const char *data, size_t len, struct ec2_error *err)
{
    xmlParserCtxt *ctxt = NULL;
    xmlDoc *doc = NULL;
    int rc = 0;

    if (len > EC2_XML_MAX_BYTES || len > (size_t)INT32_MAX)
        return ec2_error_set(err, EC2_ERR_TOO_LARGE, EC2_CLASS_CLIENT,
                             "EC2 response of %zu bytes is larger than the %zu byte limit", len,
                             EC2_XML_MAX_BYTES);
    if (has_doctype(data, len))
        return ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                             "EC2 response refused: it contains a DOCTYPE declaration");
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory parsing XML");
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, NULL, PARSE_OPTIONS);
    if (doc == NULL || !ctxt->wellFormed || xmlDocGetRootElement(doc) == NULL) {
        int code = ctxt->lastError.code;
        if (code == XML_ERR_NO_MEMORY)
            rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory parsing XML");
        else if (premature_end(code) || blank(data, len))
            rc = ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_TRANSIENT,
                               "EC2 response was cut short (XML ends early at line %d)",
                               ctxt->lastError.line);
        else
            rc = ec2_error_set(err, EC2_ERR_PARSE, EC2_CLASS_CLIENT,
                               "EC2 response is not well-formed XML (line %d, error %d)",
                               ctxt->lastError.line, code);
        goto cleanup;
    }
    *out = doc;
    doc = NULL;
cleanup:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

static bool name_is(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->name != NULL &&
           strcmp((const char *)node->name, name) == 0;
}

xmlNode *ec2_xml_child(const xmlNode *parent, const char *name)
{
    if (parent == NULL)
        return NULL;
    for (xmlNode *c = parent->children; c != NULL; c = c->next) {
        if (name_is(c, name))
            return c;
    }
    return NULL;
}

xmlNode *ec2_xml_next(const xmlNode *node, const char *name)
{
    if (node == NULL)
        return NULL;
    for (xmlNode *c = node->next; c != NULL; c = c->next) {
        if (name_is(c, name))
            return c;
    }
    return NULL;
}

/* Concatenated text of an element's direct text children (libxml2 may split them). */
static char *text_of(const xmlNode *node, bool *nomem)
{
    xmlChar *content = xmlNodeGetContent(node);
    char *copy;

    *nomem = false;
    if (content == NULL) {
        copy = strdup("");
    } else {
        copy = strdup((const char *)content);
        xmlFree(content);
    }
    if (copy == NULL)
        *nomem = true;
    return copy;
}

int ec2_xml_get_str(char **out, const xmlNode *parent, const char *name)
{
    xmlNode *node = ec2_xml_child(parent, name);
    bool nomem = false;

    *out = NULL;
    if (node == NULL)
        return 0;
    *out = text_of(node, &nomem);
    return nomem ? EC2_ERR_NOMEM : 0;
}

void ec2_xml_copy_str(char *buf, size_t size, const xmlNode *parent, const char *name)
{
    xmlNode *node = ec2_xml_child(parent, name);
    xmlChar *content;

    if (size == 0)
        return;
    buf[0] = '\0';
    if (node == NULL)
        return;
    content = xmlNodeGetContent(node);
    if (content == NULL)
        return;
    ec2_error_copy_clean(buf, size, (const char *)content, strlen((const char *)content));
    xmlFree(content);
}

int ec2_xml_get_int32(int32_t *out, const xmlNode *parent, const char *name)
{
    xmlNode *node = ec2_xml_child(parent, name);
    xmlChar *content;
    char *end = NULL;
    long long v;
    int rc = 0;

    *out = 0;
    if (node == NULL)
        return 0;
    content = xmlNodeGetContent(node);
    if (content == NULL)
        return EC2_ERR_PARSE;
    errno = 0;
    v = strtoll((const char *)content, &end, 10);
    if (errno != 0 || end == (char *)content || *end != '\0' || v < INT32_MIN || v > INT32_MAX)
        rc = EC2_ERR_PARSE;
    else
        *out = (int32_t)v;
    xmlFree(content);
    return rc;
}

int ec2_xml_get_bool(enum ec2_bool *out, const xmlNode *parent, const char *name)
{
    xmlNode *node = ec2_xml_child(parent, name);
    xmlChar *content;
    int rc = 0;

    *out = EC2_BOOL_UNSET;
    if (node == NULL)
        return 0;
    content = xmlNodeGetContent(node);
    if (content != NULL && strcmp((const char *)content, "true") == 0)
        *out = EC2_BOOL_TRUE;
    else if (content != NULL && strcmp((const char *)content, "false") == 0)
        *out = EC2_BOOL_FALSE;
    else
        rc = EC2_ERR_PARSE;
    xmlFree(content);
    return rc;
}

/* Depth-first search for the first <Error> element that has a <Code>. */
static xmlNode *find_error(xmlNode *node, int depth)
{
    if (depth > 4)
        return NULL;
    for (xmlNode *c = node; c != NULL; c = c->next) {
        xmlNode *found;
        if (name_is(c, "Error") && ec2_xml_child(c, "Code") != NULL)
            return c;
        found = find_error(c->children, depth + 1);
        if (found != NULL)
            return found;
    }
    return NULL;
}

bool ec2_xml_read_error(struct ec2_error *err, const char *data, size_t len)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *error;
    bool found = false;

    if (ec2_xml_parse(&doc, data, len, NULL) < 0)
        return false;
    root = xmlDocGetRootElement(doc);
    error = find_error(root, 0);
    if (error != NULL) {
        ec2_xml_copy_str(err->ec2_code, sizeof(err->ec2_code), error, "Code");
        ec2_xml_copy_str(err->message, sizeof(err->message), error, "Message");
        /* EC2 puts RequestID beside Errors; other AWS XML services put RequestId. */
        ec2_xml_copy_str(err->request_id, sizeof(err->request_id), root, "RequestID");
        if (err->request_id[0] == '\0')
            ec2_xml_copy_str(err->request_id, sizeof(err->request_id), root, "RequestId");
        found = err->ec2_code[0] != '\0';
    }
    xmlFreeDoc(doc);
    return found;
}
