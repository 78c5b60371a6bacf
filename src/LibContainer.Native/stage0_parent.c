/* stage0_parent.c: join namespaces given by path, then clone the container process.
 * CLONE_PARENT makes the library's process its parent, so the library can reap it and
 * read its exit status; this stage reports the pid and exits. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args of clone3(2), up to its cgroup field (CLONE_ARGS_SIZE_VER2). */
struct lc_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};

/* The child born in the cgroup2 directory cgroup_fd: no cgroup.procs write, so no wait for the
 * kernel's cgroup threadgroup lock (an RCU grace period after a quiet spell). Returns -1 when the
 * kernel will not (no clone3, no CLONE_INTO_CGROUP, a seccomp filter, nsdelegate after joining a
 * cgroup namespace): then the plain clone below, and the library writes cgroup.procs. */
static long clone_into_cgroup(uint64_t flags, int cgroup_fd)
{
    struct lc_clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags | CLONE_INTO_CGROUP;
    /* exit_signal stays 0: clone3 refuses one with CLONE_PARENT, whose child gets the caller's own
     * (SIGCHLD, as the library spawned this process), as clone's does. */
    args.cgroup = (uint64_t)cgroup_fd;
#ifdef SYS_clone3
    return syscall(SYS_clone3, &args, sizeof args);
#else
    errno = ENOSYS;
    return -1;
#endif
}

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
            int in_cgroup = 0;
            long pid = -1;
            if (op->b > 2) {
                pid = clone_into_cgroup((uint64_t)op->a | CLONE_PARENT, (int)op->b);
                in_cgroup = pid >= 0;
            }
            if (pid < 0)
                pid = syscall(SYS_clone, (unsigned long)op->a | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
            if (pid < 0)
                lc_fail(errno);
            if (pid > 0) {
                lc_send_detail(LC_MSG_PID, i, (int32_t)pid, in_cgroup);
                _exit(0);
            }
            if (op->b > 2)
                close((int)op->b);
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
