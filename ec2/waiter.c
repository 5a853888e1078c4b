/*
 * waiter.c - waiters polling DescribeImages until an image is available or gone.
 *
 * Schedule: the first poll after initial_delay_ms, each delay then multiplied (1.5 by default),
 * capped at settle_delay_ms during the first settle_ms of the wait and at max_delay_ms after it,
 * never sleeping past the deadline (see struct ec2_waiter_opts for why). Sleeps go through
 * hooks.sleep_ms with the caller's cancel flag, which wakes within 100 ms of cancellation.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "error.h"

#define DEFAULT_INITIAL_MS      250
#define DEFAULT_MULTIPLIER      1.5
#define DEFAULT_MAX_MS          10000
#define DEFAULT_SETTLE_DELAY_MS 700
#define DEFAULT_SETTLE_MS       10000

enum verdict { KEEP_POLLING, DONE, FAILED };

struct schedule {
    int64_t delay;
    double multiplier;
    int64_t max_delay;
    int max_polls;
    int64_t settle_delay;
    int64_t settle_until; /* monotonic ms: the settle phase ends here */
};

static void schedule_init(struct schedule *s, const struct ec2_waiter_opts *w, int64_t now)
{
    s->delay = w != NULL && w->initial_delay_ms > 0 ? w->initial_delay_ms : DEFAULT_INITIAL_MS;
    s->multiplier = w != NULL && w->multiplier >= 1.0 ? w->multiplier : DEFAULT_MULTIPLIER;
    s->max_delay = w != NULL && w->max_delay_ms > 0 ? w->max_delay_ms : DEFAULT_MAX_MS;
    s->max_polls = w != NULL && w->max_polls > 0 ? w->max_polls : 0;
    s->settle_delay =
        w != NULL && w->settle_delay_ms > 0 ? w->settle_delay_ms : DEFAULT_SETTLE_DELAY_MS;
    s->settle_until = now + (w != NULL && w->settle_ms > 0 ? w->settle_ms : DEFAULT_SETTLE_MS);
    if (s->delay > s->max_delay)
        s->delay = s->max_delay;
}

/* The longest delay allowed now: settle_delay while settling, max_delay afterwards. */
static int64_t delay_cap(const struct schedule *s, int64_t now)
{
    return now < s->settle_until && s->settle_delay < s->max_delay ? s->settle_delay : s->max_delay;
}

/* Sleep the next delay, clipped to the deadline. 0, EC2_ERR_TIMEOUT or EC2_ERR_CANCELLED. */
static int pause_before_poll(struct ec2_client *c, struct schedule *s,
                             const struct ec2_call_opts *opts, const char *what,
                             struct ec2_error *err)
{
    int64_t now = c->hooks.monotonic_ms(c->hooks.payload);
    int64_t delay = s->delay < delay_cap(s, now) ? s->delay : delay_cap(s, now);

    if (opts->deadline_ms > 0) {
        int64_t left = opts->deadline_ms - now;
        if (left <= 0)
            return ec2_error_set(err, EC2_ERR_TIMEOUT, EC2_CLASS_TIMEOUT,
                                 "deadline exceeded waiting for %s", what);
        if (delay > left)
            delay = left;
    }
    if (c->hooks.sleep_ms(c->hooks.payload, delay, opts->cancel) == EC2_ERR_CANCELLED)
        return ec2_error_set(err, EC2_ERR_CANCELLED, EC2_CLASS_CANCELLED,
                             "cancelled while waiting for %s", what);
    if (opts->deadline_ms > 0 && c->hooks.monotonic_ms(c->hooks.payload) >= opts->deadline_ms)
        return ec2_error_set(err, EC2_ERR_TIMEOUT, EC2_CLASS_TIMEOUT,
                             "deadline exceeded waiting for %s", what);
    /* Grow from what was actually slept, so the schedule resumes smoothly after settling. */
    s->delay = (int64_t)((double)delay * s->multiplier);
    if (s->delay > s->max_delay)
        s->delay = s->max_delay;
    return 0;
}

typedef enum verdict (*judge_fn)(const struct ec2_image *img, int describe_rc,
                                 struct ec2_error *err);

static bool state_is(const struct ec2_image *img, const char *state)
{
    return img != NULL && img->state != NULL && strcmp(img->state, state) == 0;
}

static enum verdict judge_available(const struct ec2_image *img, int describe_rc,
                                    struct ec2_error *err)
{
    static const char *const failed[] = {"failed", "error", "invalid", "deregistered", "disabled"};

    /* Eventual consistency: a just-registered image may not be visible yet. */
    if (describe_rc == EC2_ERR_NOT_FOUND || img == NULL)
        return KEEP_POLLING;
    if (state_is(img, "available"))
        return DONE;
    for (size_t i = 0; i < sizeof(failed) / sizeof(failed[0]); i++) {
        if (state_is(img, failed[i])) {
            ec2_error_set(err, EC2_ERR_WAITER_FAILED, EC2_CLASS_CLIENT, "image %s is %s: %s",
                          img->image_id != NULL ? img->image_id : "", img->state,
                          img->state_reason_message != NULL ? img->state_reason_message
                                                            : "no reason given");
            if (err != NULL && img->state_reason_code != NULL)
                snprintf(err->ec2_code, sizeof(err->ec2_code), "%s", img->state_reason_code);
            return FAILED;
        }
    }
    return KEEP_POLLING;
}

static enum verdict judge_deregistered(const struct ec2_image *img, int describe_rc,
                                       struct ec2_error *err)
{
    (void)err;
    if (describe_rc == EC2_ERR_NOT_FOUND || img == NULL || state_is(img, "deregistered"))
        return DONE;
    return KEEP_POLLING;
}

static int wait_image(struct ec2_image *out, struct ec2_wait_result *result,
                      struct ec2_client *client, const char *image_id,
                      const struct ec2_waiter_opts *wopts, const struct ec2_call_opts *opts,
                      judge_fn judge, const char *what, struct ec2_error *err)
{
    static const struct ec2_call_opts no_opts = EC2_CALL_OPTS_INIT;
    struct ec2_call_opts call;
    struct ec2_wait_result res;
    struct schedule sched;
    char label[160];
    int rc;

    memset(&res, 0, sizeof(res));
    if (client == NULL || image_id == NULL || image_id[0] == '\0')
        return ec2_error_set(err, EC2_ERR_INVALID_ARGUMENT, EC2_CLASS_LOCAL,
                             "waiter needs a client and an image id");
    if (opts == NULL)
        opts = &no_opts;
    call = *opts;
    call.dry_run = EC2_BOOL_UNSET;
    schedule_init(&sched, wopts, client->hooks.monotonic_ms(client->hooks.payload));
    snprintf(label, sizeof(label), "image %s to be %s", image_id, what);
    for (;;) {
        struct ec2_describe_images_input in;
        struct ec2_describe_images_output page;
        const struct ec2_image *img = NULL;
        struct ec2_error de;
        enum verdict v;

        if (sched.max_polls > 0 && res.describes >= sched.max_polls) {
            rc = ec2_error_set(err, EC2_ERR_GENERIC, EC2_CLASS_CLIENT,
                               "gave up waiting for %s after %d polls", label, res.describes);
            break;
        }
        rc = pause_before_poll(client, &sched, &call, label, err);
        if (rc < 0)
            break;
        memset(&in, 0, sizeof(in));
        memset(&page, 0, sizeof(page));
        in.image_ids = &image_id;
        in.n_image_ids = 1;
        res.describes++;
        ec2_error_init(&de);
        rc = ec2_describe_images(&page, client, &in, &call, &de);
        if (rc < 0 && rc != EC2_ERR_NOT_FOUND) {
            if (err != NULL)
                *err = de;
            break;
        }
        for (size_t i = 0; i < page.n_images && rc == 0; i++) {
            if (page.images[i].image_id != NULL && strcmp(page.images[i].image_id, image_id) == 0)
                img = &page.images[i];
        }
        if (img != NULL && img->state != NULL)
            snprintf(res.last_state, sizeof(res.last_state), "%s", img->state);
        ec2_client_log(client, EC2_LOG_DEBUG, "waiting for %s: poll %d, state %s", label,
                       res.describes, img != NULL && img->state != NULL ? img->state : "(none)");
        v = judge(img, rc, err);
        if (v == DONE && out != NULL && img != NULL) {
            *out = *img;
            /* Ownership moved to `out`: drop it from the page before disposing the rest. */
            memset((struct ec2_image *)img, 0, sizeof(*img));
        }
        ec2_describe_images_output_dispose(&page);
        if (v == DONE) {
            rc = 0;
            break;
        }
        if (v == FAILED) {
            rc = EC2_ERR_WAITER_FAILED;
            break;
        }
    }
    if (result != NULL)
        *result = res;
    return rc;
}

int ec2_wait_image_available(struct ec2_image *out, struct ec2_wait_result *result,
                             struct ec2_client *client, const char *image_id,
                             const struct ec2_waiter_opts *wopts, const struct ec2_call_opts *opts,
                             struct ec2_error *err)
{
    return wait_image(out, result, client, image_id, wopts, opts, judge_available, "available",
                      err);
}

int ec2_wait_image_deregistered(struct ec2_wait_result *result, struct ec2_client *client,
                                const char *image_id, const struct ec2_waiter_opts *wopts,
                                const struct ec2_call_opts *opts, struct ec2_error *err)
{
    return wait_image(NULL, result, client, image_id, wopts, opts, judge_deregistered,
                      "deregistered", err);
}
