/*
 * process.c - credential_process runner (see process.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"

extern char **environ;

int ec2_process_run(struct ec2_buf *out, const char *command, int64_t timeout_ms,
                    struct ec2_error *err)
{
    posix_spawn_file_actions_t actions;
    int pipefd[2] = {-1, -1};
    char *argv[4];
    pid_t pid = -1;
    int status = 0, rc = 0, spawn_rc;
    bool actions_ready = false, too_large = false, timed_out = false;
    int64_t end = ec2_clock_monotonic_ms(NULL) + timeout_ms;

    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                             "credential_process: cannot create a pipe: %s", strerror(errno));
    if (posix_spawn_file_actions_init(&actions) != 0) {
        rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        goto cleanup;
    }
    actions_ready = true;
    if (posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1) != 0 ||
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) != 0) {
        rc = ec2_error_set(err, EC2_ERR_NOMEM, EC2_CLASS_LOCAL, "out of memory");
        goto cleanup;
    }
    argv[0] = "sh";
    argv[1] = "-c";
    argv[2] = (char *)command;
    argv[3] = NULL;
    spawn_rc = posix_spawn(&pid, "/bin/sh", &actions, NULL, argv, environ);
    if (spawn_rc != 0) {
        pid = -1;
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "credential_process: cannot start /bin/sh: %s", strerror(spawn_rc));
        goto cleanup;
    }
    close(pipefd[1]);
    pipefd[1] = -1;

    for (;;) {
        struct pollfd pfd = {pipefd[0], POLLIN, 0};
        char chunk[4096];
        int64_t left = end - ec2_clock_monotonic_ms(NULL);
        ssize_t n;
        int pr;
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            break;
        if (pr == 0)
            continue;
        n = read(pipefd[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (out->len + (size_t)n > EC2_PROCESS_MAX_OUTPUT) {
            too_large = true;
            break;
        }
        rc = ec2_buf_append(out, chunk, (size_t)n);
        if (rc < 0) {
            ec2_error_set(err, rc, EC2_CLASS_LOCAL, "credential_process: %s", ec2_strerror(rc));
            rc = rc == EC2_ERR_NOMEM ? rc : EC2_ERR_CREDENTIALS;
            break;
        }
    }
    if (timed_out || too_large || rc < 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (rc < 0)
        goto cleanup;
    if (timed_out)
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "credential_process timed out after %lld ms", (long long)timeout_ms);
    else if (too_large)
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "credential_process wrote more than %zu bytes", EC2_PROCESS_MAX_OUTPUT);
    else if (WIFSIGNALED(status))
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "credential_process was killed by signal %d", WTERMSIG(status));
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        rc = ec2_error_set(err, EC2_ERR_CREDENTIALS, EC2_CLASS_LOCAL,
                           "credential_process exited with status %d",
                           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
cleanup:
    if (actions_ready)
        posix_spawn_file_actions_destroy(&actions);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    return rc;
}
