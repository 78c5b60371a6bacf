/* hooks.c: createContainer and startContainer hooks run by the init itself, in the container's
 * namespaces: fork, the state JSON on the hook's stdin, wait with the spec's timeout. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOOK_FAILED ECANCELED /* the error a failing hook reports; its wait status goes in detail */

void lc_run_hook(const struct lc_op *op)
{
    int in[2];
    if (access(op->s[0], X_OK) < 0)
        lc_fail(errno); /* named by the step: the hook's path */
    if (pipe2(in, O_CLOEXEC) < 0)
        lc_fail(errno);
    pid_t pid = fork();
    if (pid < 0)
        lc_fail(errno);
    if (pid == 0) {
        dup2(in[0], 0);
        execve(op->s[0], op->argv, op->envp);
        _exit(127);
    }
    close(in[0]);
    int which = op->flags == 1 ? 1 : 0;
    const char *state = lc.hook_state[which];
    size_t left = state == NULL ? 0 : lc.hook_state_len[which];
    while (left > 0) {
        ssize_t n = write(in[1], state, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break; /* the hook need not read its stdin */
        state += n;
        left -= (size_t)n;
    }
    close(in[1]);

    int timeout_ms = (int)(op->c & 0xffffffff) * 1000;
    if (timeout_ms > 0) {
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (pidfd >= 0) {
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
            int rc;
            do {
                rc = poll(&pfd, 1, timeout_ms);
            } while (rc < 0 && errno == EINTR);
            close(pidfd);
            if (rc == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                lc_fail(ETIMEDOUT);
            }
        }
    }
    int status;
    pid_t got;
    do {
        got = waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    if (got < 0)
        lc_fail(errno);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        lc.detail = status;
        lc_fail(HOOK_FAILED);
    }
}
