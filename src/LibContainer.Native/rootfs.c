/* rootfs.c: every path inside the container's root is resolved by the kernel inside that root
 * (openat2 RESOLVE_IN_ROOT), so a symlink planted in an image cannot lead a mount onto the host. */
#include "lc.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int lc_open_in_root(const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    long fd;
    if (lc.root_fd < 0)
        return -EBADF;
    while (*path == '/')
        path++;
    if (*path == '\0')
        path = ".";
    do {
        fd = syscall(SYS_openat2, lc.root_fd, path, &how, sizeof how);
    } while (fd < 0 && (errno == EINTR || errno == EAGAIN));
    return fd < 0 ? -errno : (int)fd;
}

/* "/proc/self/fd/N": how mount(2) is pointed at a target we hold open. */
int lc_proc_fd_path(char *buf, size_t size, int fd)
{
    static const char prefix[] = "/proc/self/fd/";
    char digits[16];
    size_t n = 0, len = sizeof prefix - 1;
    if (fd < 0)
        return -EBADF;
    do {
        digits[n++] = (char)('0' + fd % 10);
        fd /= 10;
    } while (fd > 0);
    if (len + n + 1 > size)
        return -ENAMETOOLONG;
    memcpy(buf, prefix, len);
    while (n > 0)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return 0;
}

/* mkdir -p inside the root. Each parent is opened in the root before the next name is made in
 * it, so no component ever resolves outside. With last_is_file the last name becomes an empty
 * file (a bind-mount target for a file). */
int lc_mkdir_in_root(const char *path, unsigned mode, int last_is_file)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len >= sizeof buf)
        return -ENAMETOOLONG;
    memcpy(buf, path, len + 1);

    char *p = buf;
    while (*p == '/')
        p++;
    char *const first = p;
    while (*p != '\0') {
        char *slash = strchr(p, '/');
        int last;
        if (slash != NULL)
            *slash = '\0';
        last = slash == NULL || slash[1] == '\0';
        if (*p != '\0' && strcmp(p, ".") != 0) {
            /* The parent: everything before p. */
            int parent;
            if (p == first) {
                parent = lc_open_in_root("/", O_PATH | O_DIRECTORY);
            } else {
                char c = p[-1];
                p[-1] = '\0';
                parent = lc_open_in_root(buf, O_PATH | O_DIRECTORY);
                p[-1] = c;
            }
            if (parent < 0)
                return parent;
            int rc;
            if (last && last_is_file) {
                rc = openat(parent, p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (rc >= 0) {
                    close(rc);
                    rc = 0;
                }
            } else {
                rc = mkdirat(parent, p, mode);
            }
            rc = rc < 0 && errno != EEXIST ? -errno : 0;
            close(parent);
            if (rc < 0)
                return rc;
        }
        if (slash == NULL)
            break;
        *slash = '/';
        p = slash + 1;
    }
    return 0;
}
