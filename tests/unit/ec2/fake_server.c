/*
 * fake_server.c - minimal threaded HTTP server for unit tests (see fake_server.h).
 */
#include "fake_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct fake_server {
    int listen_fd;
    char url[64];
    fake_handler handler;
    void *payload;
    pthread_t thread;
    pthread_mutex_t lock;
    volatile int stop;
    int active;      /* connection threads still running, guarded by lock */
    int connections; /* accepted so far, guarded by lock */
    int count;
    struct fake_request requests[FAKE_MAX_REQUESTS];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

void fake_request_header(const struct fake_request *req, const char *name, char *buf, size_t size)
{
    size_t nlen = strlen(name);
    const char *p = req->headers;

    buf[0] = '\0';
    while (*p != '\0') {
        const char *end = strstr(p, "\r\n");
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
            const char *v = p + nlen + 1;
            size_t vlen = len - nlen - 1;
            while (vlen > 0 && *v == ' ') {
                v++;
                vlen--;
            }
            snprintf(buf, size, "%.*s", (int)vlen, v);
            return;
        }
        if (end == NULL)
            break;
        p = end + 2;
    }
}

/* Read one request from fd into req; false on EOF/error. `pending` carries leftover bytes. */
static bool read_request(struct fake_server *s, int fd, struct fake_request *req, char *pending,
                         size_t *pending_len, size_t cap)
{
    char *hdr_end;
    size_t body_len = 0, head_len;
    char value[32];

    for (;;) {
        ssize_t n;
        struct pollfd pfd = {fd, POLLIN, 0};
        pending[*pending_len] = '\0';
        hdr_end = strstr(pending, "\r\n\r\n");
        if (hdr_end != NULL)
            break;
        if (*pending_len + 1 >= cap)
            return false;
        if (poll(&pfd, 1, 100) <= 0) {
            if (s->stop)
                return false;
            continue;
        }
        n = read(fd, pending + *pending_len, cap - 1 - *pending_len);
        if (n <= 0)
            return false;
        *pending_len += (size_t)n;
    }
    memset(req, 0, sizeof(*req));
    head_len = (size_t)(hdr_end - pending) + 4;
    sscanf(pending, "%15s %255s", req->method, req->path);
    {
        const char *first = strstr(pending, "\r\n");
        size_t hlen = (size_t)(hdr_end + 2 - (first + 2));
        if (hlen >= sizeof(req->headers))
            hlen = sizeof(req->headers) - 1;
        memcpy(req->headers, first + 2, hlen);
    }
    fake_request_header(req, "Content-Length", value, sizeof(value));
    body_len = (size_t)strtoul(value, NULL, 10);
    while (*pending_len < head_len + body_len) {
        ssize_t n;
        if (*pending_len + 1 >= cap)
            return false;
        n = read(fd, pending + *pending_len, cap - 1 - *pending_len);
        if (n <= 0)
            return false;
        *pending_len += (size_t)n;
    }
    snprintf(req->body, sizeof(req->body), "%.*s", (int)body_len, pending + head_len);
    memmove(pending, pending + head_len + body_len, *pending_len - head_len - body_len);
    *pending_len -= head_len + body_len;
    return true;
}

struct conn {
    struct fake_server *server;
    int fd;
    char pending[65536];
};

static void serve_connection(struct fake_server *s, int fd, char *pending, size_t cap)
{
    size_t pending_len = 0;

    for (;;) {
        struct fake_request req;
        struct fake_response resp;
        char head[1024];
        int index, n;

        if (!read_request(s, fd, &req, pending, &pending_len, cap))
            break;
        pthread_mutex_lock(&s->lock);
        index = s->count;
        if (s->count < FAKE_MAX_REQUESTS)
            s->requests[s->count++] = req;
        pthread_mutex_unlock(&s->lock);
        resp = s->handler(s->payload, index, &req);
        /* Sleep in slices so that stopping the server does not wait out a long delay. */
        for (int waited = 0; waited < resp.delay_ms && !s->stop; waited += 10)
            sleep_ms(10);
        if (resp.drop)
            break;
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nContent-Type: text/xml\r\n%s\r\n",
                     resp.status, resp.body != NULL ? strlen(resp.body) : 0,
                     resp.headers != NULL ? resp.headers : "");
        if (send(fd, head, (size_t)n, MSG_NOSIGNAL) < 0)
            break;
        if (resp.body != NULL && send(fd, resp.body, strlen(resp.body), MSG_NOSIGNAL) < 0)
            break;
    }
    close(fd);
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct fake_server *s = c->server;

    serve_connection(s, c->fd, c->pending, sizeof(c->pending));
    free(c);
    pthread_mutex_lock(&s->lock);
    s->active--;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Each connection gets its own thread so kept-alive connections never block new ones. */
static void *run(void *arg)
{
    struct fake_server *s = arg;

    while (!s->stop) {
        struct pollfd pfd = {s->listen_fd, POLLIN, 0};
        struct conn *c;
        pthread_t t;
        int fd;
        if (poll(&pfd, 1, 50) <= 0)
            continue;
        fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        c = malloc(sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->server = s;
        c->fd = fd;
        pthread_mutex_lock(&s->lock);
        s->active++;
        s->connections++;
        pthread_mutex_unlock(&s->lock);
        if (pthread_create(&t, NULL, conn_main, c) != 0) {
            close(fd);
            free(c);
            pthread_mutex_lock(&s->lock);
            s->active--;
            pthread_mutex_unlock(&s->lock);
            continue;
        }
        pthread_detach(t);
    }
    return NULL;
}

struct fake_server *fake_server_start(fake_handler handler, void *payload)
{
    struct fake_server *s = calloc(1, sizeof(*s));
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);

    if (s == NULL)
        return NULL;
    s->handler = handler;
    s->payload = payload;
    pthread_mutex_init(&s->lock, NULL);
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(s->listen_fd, 8) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) != 0) {
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        free(s);
        return NULL;
    }
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d", ntohs(addr.sin_port));
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        close(s->listen_fd);
        free(s);
        return NULL;
    }
    return s;
}

const char *fake_server_url(const struct fake_server *s)
{
    return s->url;
}

int fake_server_count(struct fake_server *s)
{
    int n;

    pthread_mutex_lock(&s->lock);
    n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

int fake_server_connections(struct fake_server *s)
{
    int n;

    pthread_mutex_lock(&s->lock);
    n = s->connections;
    pthread_mutex_unlock(&s->lock);
    return n;
}

const struct fake_request *fake_server_request(struct fake_server *s, int index)
{
    return index >= 0 && index < fake_server_count(s) ? &s->requests[index] : NULL;
}

void fake_server_stop(struct fake_server *s)
{
    if (s == NULL)
        return;
    s->stop = 1;
    pthread_join(s->thread, NULL);
    for (;;) {
        int active;
        pthread_mutex_lock(&s->lock);
        active = s->active;
        pthread_mutex_unlock(&s->lock);
        if (active == 0)
            break;
        sleep_ms(10);
    }
    close(s->listen_fd);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
