/*
 * deferred_libs.c - loads libcurl and libxml2 on first use; see deferred_libs.h for why.
 *
 * Each libcurl/libxml2 function the EC2 library calls is defined here with the library's own
 * prototype (the headers check that they match), so the executable resolves them here and the
 * linker (--as-needed) leaves libcurl and libxml2 out of its DT_NEEDED list. The first call of
 * any of them loads both libraries under pthread_once, looks every function up and runs the
 * process-wide setup; from then on each definition forwards to the library's.
 *
 * The variadic setters pass their single argument on with the type the library reads for that
 * option (libcurl's option numbers encode it), as the libraries' own callers do.
 */
#define CURL_DISABLE_TYPECHECK /* the type-checking macros would hide the definitions below */
#include "deferred_libs.h"

#include "log.h"

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#if !defined(TF_LIBCURL_SONAME) || !defined(TF_LIBXML2_SONAME)
#error "the build passes the sonames of libcurl and libxml2 (TF_LIBCURL_SONAME, TF_LIBXML2_SONAME)"
#endif

#define CURL_FUNCTIONS(X)                                                                          \
    X(curl_easy_cleanup)                                                                           \
    X(curl_easy_getinfo)                                                                           \
    X(curl_easy_init)                                                                              \
    X(curl_easy_reset)                                                                             \
    X(curl_easy_setopt)                                                                            \
    X(curl_easy_strerror)                                                                          \
    X(curl_getdate)                                                                                \
    X(curl_global_cleanup)                                                                         \
    X(curl_global_init)                                                                            \
    X(curl_multi_add_handle)                                                                       \
    X(curl_multi_cleanup)                                                                          \
    X(curl_multi_info_read)                                                                        \
    X(curl_multi_init)                                                                             \
    X(curl_multi_perform)                                                                          \
    X(curl_multi_poll)                                                                             \
    X(curl_multi_remove_handle)                                                                    \
    X(curl_share_cleanup)                                                                          \
    X(curl_share_init)                                                                             \
    X(curl_share_setopt)                                                                           \
    X(curl_slist_append)                                                                           \
    X(curl_slist_free_all)

#define XML_FUNCTIONS(X)                                                                           \
    X(xmlCleanupParser)                                                                            \
    X(xmlCtxtReadMemory)                                                                           \
    X(xmlDocGetRootElement)                                                                        \
    X(xmlFreeDoc)                                                                                  \
    X(xmlFreeParserCtxt)                                                                           \
    X(xmlInitParser)                                                                               \
    X(xmlNewParserCtxt)                                                                            \
    X(xmlNodeGetContent)

/* The libraries' definitions, filled once by load_once. */
static struct {
#define DECLARE(name) __typeof__(name) *name;
    CURL_FUNCTIONS(DECLARE)
    XML_FUNCTIONS(DECLARE)
#undef DECLARE
    xmlFreeFunc *xml_free; /* libxml2's xmlFree variable (a function pointer it may change) */
} real;

static pthread_once_t load_control = PTHREAD_ONCE_INIT;
static atomic_bool loaded;

static void *open_library(const char *soname)
{
    void *lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
        tf_log(TF_LOG_ERROR, "cannot load %s: %s", soname, dlerror());
    return lib;
}

static void load_once(void)
{
    void *curl = open_library(TF_LIBCURL_SONAME);
    void *xml = open_library(TF_LIBXML2_SONAME);
    /* On failure both stay loaded: unloading libraries whose constructors ran gains nothing. */
    if (curl == NULL || xml == NULL)
        return;

    /* POSIX allows a function pointer to be written through a void * slot for dlsym's result. */
    const struct {
        void *lib;
        const char *name;
        void **slot;
    } symbols[] = {
#define CURL_ENTRY(name) {curl, #name, (void **)&real.name},
#define XML_ENTRY(name)  {xml, #name, (void **)&real.name},
        CURL_FUNCTIONS(CURL_ENTRY) XML_FUNCTIONS(XML_ENTRY)
#undef CURL_ENTRY
#undef XML_ENTRY
            {xml, "xmlFree", (void **)&real.xml_free},
    };
    for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
        *symbols[i].slot = dlsym(symbols[i].lib, symbols[i].name);
        if (*symbols[i].slot == NULL) {
            tf_log(TF_LOG_ERROR, "cannot find %s in %s", symbols[i].name,
                   symbols[i].lib == curl ? TF_LIBCURL_SONAME : TF_LIBXML2_SONAME);
            return;
        }
    }
    if (real.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        tf_log(TF_LOG_ERROR, "cannot initialise libcurl");
        return;
    }
    real.xmlInitParser();
    atomic_store(&loaded, true);
}

/* Loads the libraries on the first call; true when they are usable. */
static bool load(void)
{
    pthread_once(&load_control, load_once);
    return atomic_load(&loaded);
}

void tf_deferred_libs_cleanup(void)
{
    if (!atomic_load(&loaded))
        return;
    real.xmlCleanupParser();
    real.curl_global_cleanup();
}

/* A forwarding definition: `fail` is what the library itself returns for an unusable call. */
#define FORWARD(type, name, fail, params, args)                                                    \
    type name params                                                                               \
    {                                                                                              \
        return load() ? real.name args : (fail);                                                   \
    }
#define FORWARD_VOID(name, params, args)                                                           \
    void name params                                                                               \
    {                                                                                              \
        if (load())                                                                                \
            real.name args;                                                                        \
    }

/* --- libcurl --- */

FORWARD(CURL *, curl_easy_init, NULL, (void), ())
FORWARD_VOID(curl_easy_cleanup, (CURL * h), (h))
FORWARD_VOID(curl_easy_reset, (CURL * h), (h))
FORWARD(const char *, curl_easy_strerror, "libcurl could not be loaded", (CURLcode code), (code))
FORWARD(time_t, curl_getdate, -1, (const char *text, const time_t *unused), (text, unused))
FORWARD(CURLcode, curl_global_init, CURLE_FAILED_INIT, (long flags), (flags))
FORWARD_VOID(curl_global_cleanup, (void), ())
FORWARD(CURLM *, curl_multi_init, NULL, (void), ())
FORWARD(CURLMcode, curl_multi_add_handle, CURLM_BAD_HANDLE, (CURLM * m, CURL *h), (m, h))
FORWARD(CURLMcode, curl_multi_remove_handle, CURLM_BAD_HANDLE, (CURLM * m, CURL *h), (m, h))
FORWARD(CURLMcode, curl_multi_cleanup, CURLM_BAD_HANDLE, (CURLM * m), (m))
FORWARD(CURLMsg *, curl_multi_info_read, NULL, (CURLM * m, int *queued), (m, queued))
FORWARD(CURLMcode, curl_multi_perform, CURLM_BAD_HANDLE, (CURLM * m, int *running), (m, running))
FORWARD(CURLMcode, curl_multi_poll, CURLM_BAD_HANDLE,
        (CURLM * m, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms,
         int *ret),
        (m, extra_fds, extra_nfds, timeout_ms, ret))
FORWARD(CURLSH *, curl_share_init, NULL, (void), ())
FORWARD(CURLSHcode, curl_share_cleanup, CURLSHE_INVALID, (CURLSH * sh), (sh))
FORWARD(struct curl_slist *, curl_slist_append, NULL, (struct curl_slist * list, const char *data),
        (list, data))
FORWARD_VOID(curl_slist_free_all, (struct curl_slist * list), (list))

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    va_list ap;
    va_start(ap, info);
    void *out = va_arg(ap, void *);
    va_end(ap);
    return load() ? real.curl_easy_getinfo(h, info, out) : CURLE_FAILED_INIT;
}

/* The option number's range says the argument's type (curl.h, CURLOPTTYPE_*). */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
    CURLcode rc = CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, option);
    if (load()) {
        if (option < CURLOPTTYPE_OBJECTPOINT)
            rc = real.curl_easy_setopt(h, option, va_arg(ap, long));
        else if (option < CURLOPTTYPE_FUNCTIONPOINT)
            rc = real.curl_easy_setopt(h, option, va_arg(ap, void *));
        else if (option < CURLOPTTYPE_OFF_T)
            rc = real.curl_easy_setopt(h, option, va_arg(ap, void (*)(void)));
        else if (option < CURLOPTTYPE_BLOB)
            rc = real.curl_easy_setopt(h, option, va_arg(ap, curl_off_t));
        else
            rc = real.curl_easy_setopt(h, option, va_arg(ap, struct curl_blob *));
    }
    va_end(ap);
    return rc;
}

/* libcurl reads CURLSHOPT_(UN)SHARE as int, the callbacks as function pointers. */
CURLSHcode curl_share_setopt(CURLSH *sh, CURLSHoption option, ...)
{
    CURLSHcode rc = CURLSHE_INVALID;
    va_list ap;
    va_start(ap, option);
    if (load()) {
        switch (option) {
        case CURLSHOPT_SHARE:
        case CURLSHOPT_UNSHARE:
            rc = real.curl_share_setopt(sh, option, va_arg(ap, int));
            break;
        case CURLSHOPT_LOCKFUNC:
        case CURLSHOPT_UNLOCKFUNC:
            rc = real.curl_share_setopt(sh, option, va_arg(ap, void (*)(void)));
            break;
        case CURLSHOPT_USERDATA:
            rc = real.curl_share_setopt(sh, option, va_arg(ap, void *));
            break;
        default:
            rc = CURLSHE_BAD_OPTION;
            break;
        }
    }
    va_end(ap);
    return rc;
}

/* --- libxml2 --- */

FORWARD_VOID(xmlInitParser, (void), ())
FORWARD_VOID(xmlCleanupParser, (void), ())
FORWARD(xmlParserCtxtPtr, xmlNewParserCtxt, NULL, (void), ())
FORWARD_VOID(xmlFreeParserCtxt, (xmlParserCtxtPtr ctxt), (ctxt))
FORWARD(xmlDocPtr, xmlCtxtReadMemory, NULL,
        (xmlParserCtxtPtr ctxt, const char *buffer, int size, const char *url, const char *encoding,
         int options),
        (ctxt, buffer, size, url, encoding, options))
FORWARD_VOID(xmlFreeDoc, (xmlDocPtr doc), (doc))
FORWARD(xmlNodePtr, xmlDocGetRootElement, NULL, (const xmlDoc *doc), (doc))
FORWARD(xmlChar *, xmlNodeGetContent, NULL, (const xmlNode *node), (node))

/* libxml2 exports xmlFree as a variable; callers read it and call through it. */
static void free_via_libxml2(void *p)
{
    if (load())
        (*real.xml_free)(p);
}
xmlFreeFunc xmlFree = free_via_libxml2;
