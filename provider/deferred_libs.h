/*
 * deferred_libs.h - libcurl and libxml2, loaded on first use instead of at exec.
 *
 * Only the EC2 library (ec2/) uses libcurl and libxml2, and only once a provider is configured;
 * many provider processes (schema fetches, validate) never get there. Loading the two libraries
 * with their ~30 dependencies (gnutls, krb5, ldap, ICU, ...) at exec cost several milliseconds and
 * about 7 MiB of resident pages before the handshake. deferred_libs.c, linked into the provider
 * executable only (unit tests link the real libraries), defines every libcurl/libxml2 function
 * that ec2/ calls; the first call dlopen()s both libraries, runs their process-wide setup
 * (curl_global_init, xmlInitParser) under pthread_once, and forwards.
 *
 * When loading fails, the error is logged once and every forwarded call reports failure the way
 * the library itself reports it (NULL handle, CURLE_FAILED_INIT, ...), so ec2/ returns its usual
 * errors. Calls that take a handle can only be reached after a successful load.
 *
 * The forwarded functions must cover what ec2/ uses: the linker would take a missing one from
 * libcurl or libxml2 themselves, loading them at exec again, and the build checks that it did not
 * (provider/transport.cmake).
 */
#ifndef TF_DEFERRED_LIBS_H
#define TF_DEFERRED_LIBS_H

/* Runs xmlCleanupParser and curl_global_cleanup if the libraries were loaded. Call once at exit,
 * after every thread that could use them has finished. */
void tf_deferred_libs_cleanup(void);

#endif
