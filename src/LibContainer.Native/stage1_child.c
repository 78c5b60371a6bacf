/* stage1_child.c: the container process, in its new namespaces, runs the plan's steps:
 * mounts, devices, pivot_root, hostname, sysctl, rlimits, credentials. Policy was decided in C#;
 * each step here is one or two system calls. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <termios.h>
#include <sched.h>
#include <string.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#include <unistd.h>

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if ((expr) < 0)                                                                            \
            lc_fail(errno);                                                                        \
    } while (0)

static const char *opt(const struct lc_op *op, uint32_t k)
{
    return k < op->nstr && op->slen[k] > 0 ? op->s[k] : NULL;
}

static int open_target(const char *path, int flags)
{
    int fd = lc_open_in_root(path, flags);
    if (fd < 0)
        lc_fail(-fd);
    return fd;
}

/* Opens the directory that holds path's last name, inside the root; *name points at that name. */
static int open_parent(const char *path, const char **name)
{
    char parent[4096];
    const char *slash = strrchr(path, '/');
    size_t plen = slash == NULL ? 0 : (size_t)(slash - path);
    if (plen >= sizeof parent)
        lc_fail(ENAMETOOLONG);
    memcpy(parent, path, plen);
    parent[plen] = '\0';
    *name = slash == NULL ? path : slash + 1;
    return open_target(plen == 0 ? "/" : parent, O_PATH | O_DIRECTORY);
}

static void mount_at_fd(const char *source, int fd, const char *fstype, unsigned long flags, const char *data)
{
    char target[64];
    int rc = lc_proc_fd_path(target, sizeof target, fd);
    if (rc < 0)
        lc_fail(-rc);
    CHECK(mount(source, target, fstype, flags, data));
}

/* The flags a remount must keep: a bind remount that drops a locked flag fails with EPERM. */
static unsigned long locked_flags(int fd)
{
    struct statvfs st;
    unsigned long flags = 0;
    if (fstatvfs(fd, &st) < 0)
        return 0;
    if (st.f_flag & ST_NOSUID)
        flags |= MS_NOSUID;
    if (st.f_flag & ST_NODEV)
        flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC)
        flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME)
        flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME)
        flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME)
        flags |= MS_RELATIME;
    return flags;
}

static void remount(int fd, unsigned long flags)
{
    char target[64];
    int rc = lc_proc_fd_path(target, sizeof target, fd);
    if (rc < 0)
        lc_fail(-rc);
    flags |= MS_REMOUNT | MS_BIND;
    if (mount(NULL, target, NULL, flags, NULL) < 0) {
        if (errno != EPERM)
            lc_fail(errno);
        CHECK(mount(NULL, target, NULL, flags | locked_flags(fd), NULL));
    }
}

static void mask_path(const char *path)
{
    struct stat st;
    int fd = lc_open_in_root(path, O_PATH);
    if (fd == -ENOENT)
        return;
    if (fd < 0)
        lc_fail(-fd);
    CHECK(fstat(fd, &st));
    if (S_ISDIR(st.st_mode))
        mount_at_fd("tmpfs", fd, "tmpfs", MS_RDONLY, NULL);
    else
        mount_at_fd("/dev/null", fd, NULL, MS_BIND, NULL);
    close(fd);
}

static void readonly_path(const char *path)
{
    char self[64];
    int fd = lc_open_in_root(path, O_PATH);
    if (fd == -ENOENT)
        return;
    if (fd < 0)
        lc_fail(-fd);
    int rc = lc_proc_fd_path(self, sizeof self, fd);
    if (rc < 0)
        lc_fail(-rc);
    CHECK(mount(self, self, NULL, MS_BIND | MS_REC, NULL));
    close(fd);
    fd = open_target(path, O_PATH); /* the new mount, not the one below it */
    /* Read-only and otherwise as it was (runc and crun: /proc/sys stays ro,relatime). */
    remount(fd, MS_RDONLY | locked_flags(fd));
    close(fd);
}

static void pivot(const char *root)
{
    int oldroot, newroot;
    CHECK(oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    CHECK(newroot = open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    CHECK(fchdir(newroot));
    CHECK(syscall(SYS_pivot_root, ".", "."));
    /* The old root now lies under the new one at "."; make it a slave so the detach below
     * does not propagate to the host, then drop it. */
    CHECK(fchdir(oldroot));
    CHECK(mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL));
    CHECK(umount2(".", MNT_DETACH));
    CHECK(chdir("/"));
    close(oldroot);
    close(newroot);
}

/* Stdio that is /dev/null (the host's, passed in by the caller) becomes the container's own
 * /dev/null, as runc's init does: a file on a mount outside the container cannot be checkpointed.
 * A container without /dev/null keeps what it was given. */
static void reopen_dev_null(void)
{
    struct stat null_st, st;
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        if (errno == ENOENT)
            return;
        lc_fail(errno);
    }
    CHECK(fstat(null_fd, &null_st));
    for (int fd = 0; fd < 3; fd++) {
        if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null_st.st_rdev)
            CHECK(dup3(null_fd, fd, 0));
    }
    close(null_fd);
}

/* lo up in a new network namespace, as runc and crun do: 127.0.0.1 works inside the container. */
static void loopback_up(void)
{
    struct ifreq ifr;
    int s;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    CHECK(s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    CHECK(ioctl(s, SIOCGIFFLAGS, &ifr));
    ifr.ifr_flags |= IFF_UP;
    CHECK(ioctl(s, SIOCSIFFLAGS, &ifr));
    close(s);
}

static void move_root(const char *root)
{
    CHECK(chdir(root));
    CHECK(mount(root, "/", NULL, MS_MOVE, NULL));
    CHECK(chroot("."));
    CHECK(chdir("/"));
}

static void write_file(const char *path, const char *content, size_t len)
{
    int fd;
    do {
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        lc_fail(errno);
    while (len > 0) {
        ssize_t n = write(fd, content, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            lc_fail(errno);
        content += n;
        len -= (size_t)n;
    }
    close(fd);
}

/* A pty from the container's own devpts: its master goes to the library, its peer becomes this
 * process's controlling terminal and stdio. TIOCGPTPEER opens the peer without a path lookup. */
static void console(const struct lc_op *op)
{
    int unlock = 0, master, peer;
    CHECK(master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    CHECK(ioctl(master, TIOCSPTLCK, &unlock));
    CHECK(peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY));
    if (op->a > 0 && op->b > 0) {
        struct winsize ws = { .ws_row = (unsigned short)op->a, .ws_col = (unsigned short)op->b };
        CHECK(ioctl(peer, TIOCSWINSZ, &ws));
    }
    int rc = lc_send_fd(LC_MSG_CONSOLE, master);
    if (rc < 0)
        lc_fail(-rc);
    close(master);
    if (setsid() < 0 && errno != EPERM)
        lc_fail(errno);
    CHECK(ioctl(peer, TIOCSCTTY, 0));
    for (int fd = 0; fd < 3; fd++)
        CHECK(dup2(peer, fd));
    if (peer > 2)
        close(peer);
}

void lc_stage1_step(const struct lc_op *op)
{
    switch (op->code) {
    case LC_OP_WAIT_GO:
        lc_wait_go();
        break;
    case LC_OP_JOIN_CGROUP: {
        /* "0" in a v1 tasks file moves the writer's own thread, which the kernel does without its
         * global cgroup threadgroup lock (cgroup.procs, or any pid, takes it and, after a quiet
         * spell, waits an RCU grace period for it). This process has one thread: it moves whole.
         * The library opened the file, so the kernel checks the library's credentials. */
        ssize_t n;
        do {
            n = write((int)op->a, "0", 1);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
            lc_fail(errno);
        close((int)op->a);
        break;
    }
    case LC_OP_CONSOLE:
        console(op);
        break;
    case LC_OP_SYNC_HOOKS:
        lc_send(LC_MSG_HOOKS, lc.step, 0);
        lc_wait_go();
        break;
    case LC_OP_RUN_HOOK:
        lc_run_hook(op);
        break;
    case LC_OP_MOVE_MOUNT_IN_ROOT: {
        /* An id-mapped mount the library made (open_tree + mount_setattr), put in place. */
        if (op->a < 0 || op->a >= lc.nmount_fds)
            lc_fail(EBADF);
        int target = open_target(op->s[0], O_PATH);
        CHECK(syscall(SYS_move_mount, lc.mount_fds[op->a], "", target, "", 0x4 /* F_EMPTY_PATH */ | 0x40 /* T_EMPTY_PATH */));
        close(target);
        close(lc.mount_fds[op->a]);
        break;
    }
    case LC_OP_CAPS_PREPARE:
    case LC_OP_CAPS_APPLY:
    case LC_OP_SECCOMP:
    case LC_OP_PERSONALITY:
    case LC_OP_IOPRIO:
    case LC_OP_SCHEDULER:
    case LC_OP_KEYRING:
    case LC_OP_WRITE_ATTR:
        lc_security_step(op);
        break;
    case LC_OP_UNSHARE:
        CHECK(unshare((int)op->a));
        break;
    case LC_OP_MOUNT:
        CHECK(mount(opt(op, 0), op->s[1], opt(op, 2), (unsigned long)op->a, opt(op, 3)));
        break;
    case LC_OP_SET_ROOT: {
        int fd;
        CHECK(fd = open(op->s[0], O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (lc.root_fd >= 0)
            close(lc.root_fd);
        lc.root_fd = fd;
        break;
    }
    case LC_OP_MKDIR_IN_ROOT: {
        int rc = lc_mkdir_in_root(op->s[0], (unsigned)op->a, 0);
        if (rc < 0)
            lc_fail(-rc);
        break;
    }
    case LC_OP_MKTARGET_IN_ROOT: {
        struct stat st;
        const char *source = opt(op, 1);
        int is_file = source != NULL && stat(source, &st) == 0 && !S_ISDIR(st.st_mode);
        int rc = lc_mkdir_in_root(op->s[0], 0755, is_file);
        if (rc < 0)
            lc_fail(-rc);
        break;
    }
    case LC_OP_MOUNT_IN_ROOT: {
        int fd = open_target(op->s[1], O_PATH);
        mount_at_fd(opt(op, 0), fd, opt(op, 2), (unsigned long)op->a, opt(op, 3));
        close(fd);
        break;
    }
    case LC_OP_REMOUNT_IN_ROOT: {
        int fd = open_target(op->s[0], O_PATH);
        remount(fd, (unsigned long)op->a);
        close(fd);
        break;
    }
    case LC_OP_MKNOD_IN_ROOT: {
        const char *name;
        int dir = open_parent(op->s[0], &name);
        if (unlinkat(dir, name, 0) < 0 && errno != ENOENT)
            lc_fail(errno);
        CHECK(mknodat(dir, name, (mode_t)op->a, (dev_t)op->b));
        CHECK(fchownat(dir, name, (uid_t)((uint64_t)op->c >> 32), (gid_t)(op->c & 0xffffffff), AT_SYMLINK_NOFOLLOW));
        CHECK(fchmodat(dir, name, (mode_t)op->a & 07777, 0));
        close(dir);
        break;
    }
    case LC_OP_SYMLINK_IN_ROOT: {
        const char *name;
        int dir = open_parent(op->s[1], &name);
        if (symlinkat(op->s[0], dir, name) < 0 && errno != EEXIST)
            lc_fail(errno);
        close(dir);
        break;
    }
    case LC_OP_PIVOT_ROOT:
        pivot(op->s[0]);
        break;
    case LC_OP_MOVE_ROOT:
        move_root(op->s[0]);
        break;
    case LC_OP_REOPEN_DEV_NULL:
        reopen_dev_null();
        break;
    case LC_OP_LOOPBACK_UP:
        loopback_up();
        break;
    case LC_OP_MASK_PATH:
        mask_path(op->s[0]);
        break;
    case LC_OP_READONLY_PATH:
        readonly_path(op->s[0]);
        break;
    case LC_OP_SETHOSTNAME:
        CHECK(sethostname(op->s[0], op->slen[0]));
        break;
    case LC_OP_SETDOMAINNAME:
        CHECK(setdomainname(op->s[0], op->slen[0]));
        break;
    case LC_OP_WRITE_FILE:
        write_file(op->s[0], op->s[1], op->slen[1]);
        break;
    case LC_OP_SETRLIMIT: {
        struct rlimit rl = { .rlim_cur = (rlim_t)op->b, .rlim_max = (rlim_t)op->c };
        CHECK(setrlimit((int)op->a, &rl));
        break;
    }
    case LC_OP_SETGROUPS: {
        gid_t gids[256];
        size_t n = op->slen[0] / sizeof(uint32_t);
        if (n > sizeof gids / sizeof gids[0])
            lc_fail(E2BIG);
        memcpy(gids, op->s[0], n * sizeof(uint32_t));
        CHECK(setgroups(n, gids));
        break;
    }
    case LC_OP_SETGID:
        CHECK(setresgid((gid_t)op->a, (gid_t)op->a, (gid_t)op->a));
        break;
    case LC_OP_SETUID:
        CHECK(setresuid((uid_t)op->a, (uid_t)op->a, (uid_t)op->a));
        break;
    case LC_OP_UMASK:
        umask((mode_t)op->a);
        break;
    case LC_OP_CHDIR:
        /* As runc and crun: first as root (a directory only root may enter works), again as the
         * user only if that was refused (a directory only the user may enter, on root-squashing NFS). */
        if (op->a == 2 && !lc.cwd_pending)
            break;
        if (chdir(op->s[0]) == 0) {
            /* CVE-2024-21626: a cwd reached through an fd still open here (/proc/self/fd/N) must be
             * inside the root; outside it the kernel's getcwd prefixes "(unreachable)". */
            char here[4096];
            if (syscall(SYS_getcwd, here, sizeof here) < 0 || here[0] != '/')
                lc_fail(ENOENT);
            lc.cwd_pending = 0;
            break;
        }
        if (op->a == 1 && (errno == EACCES || errno == EPERM)) {
            lc.cwd_pending = 1;
            break;
        }
        lc_fail(errno);
        break;
    case LC_OP_NO_NEW_PRIVS:
        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        break;
    case LC_OP_PARENT_DEATH_SIGNAL: {
        /* After every credential change (which clears it). The library may have died before this
         * step, and then no signal would come: its end of the socket shows that as a hang-up. */
        CHECK(prctl(PR_SET_PDEATHSIG, (unsigned long)op->a, 0, 0, 0));
        struct pollfd gone = { .fd = lc.sock, .events = POLLRDHUP };
        if (poll(&gone, 1, 0) > 0 && (gone.revents & (POLLHUP | POLLRDHUP)))
            lc_fail(ESRCH);
        break;
    }
    case LC_OP_SETATTR_IN_ROOT: {
        /* rro, rnosuid, ...: mount_setattr(2) on the whole tree below the target. */
        struct {
            uint64_t attr_set, attr_clr, propagation, userns_fd;
        } attr = { .attr_set = (uint64_t)op->a, .attr_clr = (uint64_t)op->b };
        int fd = open_target(op->s[0], O_PATH);
        CHECK(syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr));
        close(fd);
        break;
    }
    case LC_OP_SETNS:
    case LC_OP_CLONE:
    default:
        lc_fail(EINVAL);
    }
}
