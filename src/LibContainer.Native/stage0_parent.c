/* stage0_parent.c: join namespaces given by path, then clone the container process.
 * CLONE_PARENT makes the library's process its parent, so the library can reap it and
 * read its exit status; this stage reports the pid and exits. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int join_namespace(const struct lc_op *op)
{
    int fd, rc;
    do {
        fd = open(op->s[0], O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -errno;
    rc = setns(fd, (int)op->a);
    rc = rc < 0 ? -errno : 0;
    close(fd);
    return rc;
}

uint32_t lc_stage0(struct lc_plan *plan)
{
    for (uint32_t i = 0; i < plan->nops; i++) {
        const struct lc_op *op = &plan->ops[i];
        lc.step = i;
        switch (op->code) {
        case LC_OP_SETNS: {
            int rc = join_namespace(op);
            if (rc < 0)
                lc_fail(-rc);
            break;
        }
        case LC_OP_CLONE: {
            long pid = syscall(SYS_clone, (unsigned long)op->a | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
            if (pid < 0)
                lc_fail(errno);
            if (pid > 0) {
                lc_send(LC_MSG_PID, i, (int32_t)pid);
                _exit(0);
            }
            prctl(PR_SET_NAME, "lc:[1:CHILD]", 0, 0, 0);
            /* A session of its own, as runc's init gives every container and exec process: no
             * signal from the caller's terminal reaches it, and CRIU can dump it (a session
             * leader outside the container's pid namespace cannot be dumped). */
            if (setsid() < 0)
                lc_fail(errno);
            return i + 1;
        }
        case LC_OP_UNSHARE: /* a time namespace: only unshare(2) makes one */
        case LC_OP_WRITE_FILE: /* its offsets, before the clone */
            lc_stage1_step(op);
            break;
        default:
            lc_fail(EINVAL); /* the plan put a container step before CLONE */
        }
    }
    lc_fail(EINVAL); /* no CLONE step */
}
