/* stage2_init.c: the last steps. Find the program, tell the library we are ready, wait on the
 * exec fifo until someone starts the container, then become the user's program. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EACCES;
    return faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0 ? -errno : 0;
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
    close(fifo);
    close(fd);
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
        execve(lc.exec_path, op->argv, op->envp);
        lc_fail(errno);
    default:
        lc_fail(EINVAL);
    }
}
