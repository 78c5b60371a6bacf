/* stage2_init.c: the last steps. Find the program, tell the library we are ready, wait on the
 * exec fifo until someone starts the container, then become the user's program. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Whether the process may execute path, without faccessat2: a seccomp profile written before that
 * syscall existed (Docker's older ones, runtime-tools') answers it with EPERM, and the filter may
 * already be loaded here. After setresuid the real and effective ids are the same, so faccessat(2)
 * without flags (access(2)) asks the right question, and the kernel's answer includes a noexec mount.
 * A filter that denies that one too (EPERM, ENOSYS) gets runc's last resort: the mode bits and the
 * mount's noexec flag, checked by hand. */
static int is_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EACCES;
    if (syscall(SYS_faccessat, AT_FDCWD, path, X_OK) == 0)
        return 0;
    if (errno != EPERM && errno != ENOSYS)
        return -errno;
    struct statvfs vfs;
    if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
        return -EACCES;
    uid_t uid = geteuid();
    mode_t bits = uid == 0 ? (S_IXUSR | S_IXGRP | S_IXOTH)
        : st.st_uid == uid ? S_IXUSR
        : st.st_gid == getegid() ? S_IXGRP : S_IXOTH;
    return (st.st_mode & bits) ? 0 : -EACCES;
}

/* As execvp: a name with a slash is used as it is; otherwise each PATH entry is tried. */
static int lookup(const char *name, const char *path)
{
    size_t nlen = strlen(name);
    int err = ENOENT;
    if (nlen == 0)
        return -ENOENT;
    if (strchr(name, '/') != NULL) {
        if (nlen >= sizeof lc.exec_path)
            return -ENAMETOOLONG;
        memcpy(lc.exec_path, name, nlen + 1);
        return is_executable(name);
    }
    if (path == NULL)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const char *p = path;; ) {
        const char *end = strchr(p, ':');
        size_t dlen = end == NULL ? strlen(p) : (size_t)(end - p);
        if (dlen == 0) { /* an empty entry is the working directory */
            if (nlen + 3 <= sizeof lc.exec_path) {
                memcpy(lc.exec_path, "./", 2);
                memcpy(lc.exec_path + 2, name, nlen + 1);
            }
        } else if (dlen + 1 + nlen + 1 <= sizeof lc.exec_path) {
            memcpy(lc.exec_path, p, dlen);
            lc.exec_path[dlen] = '/';
            memcpy(lc.exec_path + dlen + 1, name, nlen + 1);
        }
        int rc = is_executable(lc.exec_path);
        if (rc == 0)
            return 0;
        if (rc == -EACCES)
            err = EACCES;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return -err;
}

static void wait_fifo(int fd)
{
    char path[64];
    int rc = lc_proc_fd_path(path, sizeof path, fd);
    int fifo;
    if (rc < 0)
        lc_fail(-rc);
    /* Opening the fifo for writing blocks until a reader opens it: that is Start. */
    do {
        fifo = open(path, O_WRONLY | O_CLOEXEC);
    } while (fifo < 0 && errno == EINTR);
    if (fifo < 0)
        lc_fail(errno);
    ssize_t n;
    do {
        n = write(fifo, "0", 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1)
        lc_fail(n < 0 ? errno : EIO);
    close(fd);
    /* Kept open (close-on-exec): start reads on until exec closes it, or until a failure of
     * a later step writes its report here. */
    lc.fifo = fifo;
}

/* envp with LISTEN_PID set to our own pid (for socket activation through inherited fds). */
static char *const *with_listen_pid(char *const *envp)
{
    static char *s_env[LC_MAX_VECTOR + 1];
    static char s_pid[32];
    static const char prefix[] = "LISTEN_PID=";
    size_t n = 0;
    pid_t pid = getpid();
    char digits[16];
    size_t d = 0;
    memcpy(s_pid, prefix, sizeof prefix - 1);
    do {
        digits[d++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid > 0);
    size_t len = sizeof prefix - 1;
    while (d > 0)
        s_pid[len++] = digits[--d];
    s_pid[len] = '\0';
    for (size_t i = 0; envp[i] != NULL && n < LC_MAX_VECTOR - 1; i++)
        if (strncmp(envp[i], prefix, sizeof prefix - 1) != 0)
            s_env[n++] = envp[i];
    s_env[n++] = s_pid;
    s_env[n] = NULL;
    return s_env;
}

static void reset_signals(void)
{
    sigset_t none;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        (void)sigaction(sig, &dfl, NULL); /* SIGKILL, SIGSTOP and the reserved ones refuse */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

void lc_stage2_step(const struct lc_op *op)
{
    switch (op->code) {
    case LC_OP_LOOKUP_EXEC: {
        int rc = lookup(op->s[0], op->nstr > 1 && op->slen[1] > 0 ? op->s[1] : NULL);
        if (rc < 0)
            lc_fail(-rc);
        break;
    }
    case LC_OP_READY:
        lc_send(LC_MSG_READY, lc.step, 0);
        break;
    case LC_OP_WAIT_FIFO:
        wait_fifo((int)op->a);
        break;
    case LC_OP_EXEC:
        reset_signals();
        execve(lc.exec_path, op->argv, (op->flags & 1) ? with_listen_pid(op->envp) : op->envp);
        lc_fail(errno);
    default:
        lc_fail(EINVAL);
    }
}
