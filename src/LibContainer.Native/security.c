/* security.c: capabilities, seccomp, personality, io priority, scheduler, keyring, LSM labels.
 * The library decided every value (and compiled the seccomp profile to BPF with libseccomp);
 * these are the system calls that apply them. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if ((expr) < 0)                                                                            \
            lc_fail(errno);                                                                        \
    } while (0)

static int last_cap(void)
{
    char buf[16] = { 0 };
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    int last = 40;
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n > 0) {
            last = 0;
            for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
                last = last * 10 + (buf[i] - '0');
        }
        close(fd);
    }
    return last > 63 ? 63 : last;
}

static void caps_prepare(const struct lc_op *op)
{
    uint64_t bounding = (uint64_t)op->a;
    CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    int last = last_cap();
    for (int cap = 0; cap <= last; cap++)
        if (!(bounding & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            lc_fail(errno);
}

static void caps_apply(const struct lc_op *op)
{
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    uint64_t eff = (uint64_t)op->a, perm = (uint64_t)op->b, inh = (uint64_t)op->c, ambient = 0;
    if (op->nstr > 0 && op->slen[0] == sizeof ambient)
        memcpy(&ambient, op->s[0], sizeof ambient);
    CHECK(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(eff >> (32 * i));
        data[i].permitted = (uint32_t)(perm >> (32 * i));
        data[i].inheritable = (uint32_t)(inh >> (32 * i));
    }
    CHECK(syscall(SYS_capset, &header, data));
    CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
    for (int cap = 0; cap < 64; cap++)
        if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            lc_fail(errno);
}

static void load_seccomp(const struct lc_op *op)
{
    struct sock_fprog prog = {
        .len = (unsigned short)(op->slen[0] / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)(uintptr_t)op->s[0],
    };
    if (op->slen[0] % sizeof(struct sock_filter) != 0 || prog.len == 0)
        lc_fail(EINVAL);
    /* The decoder's buffer is not aligned for sock_filter; copy it. */
    static struct sock_filter s_filter[4096];
    if (prog.len > sizeof s_filter / sizeof s_filter[0])
        lc_fail(E2BIG);
    memcpy(s_filter, op->s[0], op->slen[0]);
    prog.filter = s_filter;
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)op->a, &prog);
    if (fd < 0)
        lc_fail(errno);
    if ((unsigned)op->a & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
        int rc = lc_send_fd(LC_MSG_SECCOMP, (int)fd);
        if (rc < 0)
            lc_fail(-rc);
        close((int)fd);
    }
}

static void write_attr(const char *path, const char *value, size_t len)
{
    int fd;
    do {
        fd = open(path, O_WRONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        lc_fail(errno);
    ssize_t n;
    do {
        n = write(fd, value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        lc_fail(errno);
    close(fd);
}

void lc_security_step(const struct lc_op *op)
{
    switch (op->code) {
    case LC_OP_CAPS_PREPARE:
        caps_prepare(op);
        break;
    case LC_OP_CAPS_APPLY:
        caps_apply(op);
        break;
    case LC_OP_SECCOMP:
        load_seccomp(op);
        break;
    case LC_OP_PERSONALITY:
        CHECK(personality((unsigned long)op->a));
        break;
    case LC_OP_IOPRIO:
        CHECK(syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)op->a));
        break;
    case LC_OP_SCHEDULER: {
        static uint64_t s_attr[8]; /* struct sched_attr, 48..56 bytes */
        if (op->slen[0] > sizeof s_attr)
            lc_fail(EINVAL);
        memcpy(s_attr, op->s[0], op->slen[0]);
        CHECK(syscall(SYS_sched_setattr, 0, s_attr, 0));
        break;
    }
    case LC_OP_KEYRING:
        /* A kernel without keyrings (ENOSYS) is no error, as in runc. */
        if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, op->s[0]) < 0 && errno != ENOSYS)
            lc_fail(errno);
        break;
    case LC_OP_WRITE_ATTR:
        write_attr(op->s[0], op->s[1], op->slen[1]);
        break;
    default:
        lc_fail(EINVAL);
    }
}
