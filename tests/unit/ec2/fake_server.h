/*
 * fake_server.h - a tiny HTTP/1.1 server on 127.0.0.1 for the ec2 unit tests (test only).
 *
 * It runs in its own thread, keeps connections alive, records every request, and answers each
 * one with what the test's handler returns: a canned status/headers/body, an optional delay, or
 * a dropped connection.
 */
#ifndef FAKE_SERVER_H
#define FAKE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#define FAKE_MAX_REQUESTS 64

struct fake_request {
    char method[16];
    char path[256];
    char headers[4096]; /* raw header block, lines "Name: value\r\n" */
    char body[16384];
};

struct fake_response {
    int status;
    const char *headers; /* extra header lines, each ending in "\r\n"; may be NULL */
    const char *body;    /* may be NULL */
    int delay_ms;        /* wait before answering */
    bool drop;           /* close the connection without answering */
};

/* Pick the answer for request number `index` (0-based). */
typedef struct fake_response (*fake_handler)(void *payload, int index,
                                             const struct fake_request *req);

struct fake_server;

/* Start listening; NULL on failure. */
struct fake_server *fake_server_start(fake_handler handler, void *payload);
/* "http://127.0.0.1:PORT" (borrowed). */
const char *fake_server_url(const struct fake_server *s);
/* Requests seen so far (thread-safe snapshot count) and one of them (valid until stop). */
int fake_server_count(struct fake_server *s);
const struct fake_request *fake_server_request(struct fake_server *s, int index);
/* Value of a header of a recorded request into buf ("" when absent). */
void fake_request_header(const struct fake_request *req, const char *name, char *buf, size_t size);
/* Connections accepted so far. */
int fake_server_connections(struct fake_server *s);
void fake_server_stop(struct fake_server *s);

#endif
