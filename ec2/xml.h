/*
 * xml.h - safe parsing of EC2 XML answers with libxml2, and small typed accessors.
 *
 * Safety: no network, no DTD loading, no entity substitution, and any document carrying a
 * DOCTYPE is refused before libxml2 sees it (EC2 never sends one; a DOCTYPE is how entity
 * bombs arrive). Documents above a size cap are refused too.
 * Elements are matched by local name, ignoring the EC2 namespace.
 */
#ifndef EC2_XML_H
#define EC2_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "ec2.h"

#define EC2_XML_MAX_BYTES ((size_t)64 << 20)

/*
 * Parse a document. [out] out: freed by the caller with xmlFreeDoc(); set on success only.
 * Returns 0, EC2_ERR_TOO_LARGE, EC2_ERR_NOMEM or EC2_ERR_PARSE. A document cut short (premature
 * end) is EC2_ERR_PARSE with class TRANSIENT, so the request is retried; other malformed or
 * refused documents are class CLIENT.
 */
int ec2_xml_parse(xmlDoc **out, const char *data, size_t len, struct ec2_error *err);

/*
 * Read an EC2 error document (<Response><Errors><Error><Code>/<Message>, <RequestID>) into
 * err->ec2_code, err->message and err->request_id (sanitised). Other fields are untouched.
 * Returns true when the document had an Error with a Code.
 */
bool ec2_xml_read_error(struct ec2_error *err, const char *data, size_t len);

/* First element child of `parent` named `name`, or NULL. */
xmlNode *ec2_xml_child(const xmlNode *parent, const char *name);
/* Next element sibling after `node` named `name`, or NULL (to walk <item> lists). */
xmlNode *ec2_xml_next(const xmlNode *node, const char *name);

/* Text of the named child, malloc'd, into *out (NULL when absent). 0 or EC2_ERR_NOMEM. */
int ec2_xml_get_str(char **out, const xmlNode *parent, const char *name);
/* Text of the named child into a fixed buffer ("" when absent, truncated when longer). */
void ec2_xml_copy_str(char *buf, size_t size, const xmlNode *parent, const char *name);
/* Decimal child into *out (0 when absent). 0 or EC2_ERR_PARSE when not a 32-bit integer. */
int ec2_xml_get_int32(int32_t *out, const xmlNode *parent, const char *name);
/* "true"/"false" child into *out (EC2_BOOL_UNSET when absent). 0 or EC2_ERR_PARSE. */
int ec2_xml_get_bool(enum ec2_bool *out, const xmlNode *parent, const char *name);

#endif
