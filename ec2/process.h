/*
 * process.h - runs a credential_process command and captures its standard output.
 *
 * The command runs through /bin/sh -c, exactly as the AWS CLI runs it (the user wrote it in
 * their own config file); nothing from the network is ever spliced into it. Spawning uses
 * posix_spawn, which is safe in a threaded process.
 */
#ifndef EC2_PROCESS_H
#define EC2_PROCESS_H

#include <stdint.h>

#include "buf.h"
#include "ec2.h"

#define EC2_PROCESS_MAX_OUTPUT ((size_t)64 << 10)

/*
 * Run `command`, stdin from /dev/null, stderr discarded, stdout captured into `out` (which must
 * be initialised; at most EC2_PROCESS_MAX_OUTPUT bytes). The child is killed after timeout_ms.
 * Returns 0 (exit status 0), EC2_ERR_CREDENTIALS (could not start, non-zero exit, killed,
 * timed out, output too large) or EC2_ERR_NOMEM. Messages never include the output.
 */
int ec2_process_run(struct ec2_buf *out, const char *command, int64_t timeout_ms,
                    struct ec2_error *err);

#endif
