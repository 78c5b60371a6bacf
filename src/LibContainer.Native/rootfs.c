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

/* One pass of mkdir -p. Each parent is opened in the root before the next name is made in it,
 * so no component ever resolves outside. A component that exists as a dangling symlink is
 * followed the way the kernel would (inside the root): *restart is set and path rewritten. */
static int mkdir_pass(char *path, size_t size, unsigned mode, int last_is_file, int *restart)
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
            rc = rc < 0 ? -errno : 0;
            if (rc == -EEXIST) {
                /* It exists: fine, unless it is a symlink to nothing (yet). */
                struct stat st;
                int target = lc_open_in_root(buf, O_PATH);
                rc = 0;
                if (target >= 0) {
                    close(target);
                } else if (target == -ENOENT && fstatat(parent, p, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                           S_ISLNK(st.st_mode)) {
                    char link[4096];
                    ssize_t n = readlinkat(parent, p, link, sizeof link - 1);
                    if (n < 0) {
                        rc = -errno;
                    } else {
                        link[n] = '\0';
                        /* new path: (absolute link | parent dir + link) + rest */
                        const char *rest = slash == NULL ? "" : slash + 1;
                        size_t plen = link[0] == '/' ? 0 : (size_t)(p - buf);
                        size_t need = plen + (size_t)n + 1 + strlen(rest) + 1;
                        if (need > size) {
                            rc = -ENAMETOOLONG;
                        } else {
                            char next[4096];
                            memcpy(next, buf, plen);
                            memcpy(next + plen, link, (size_t)n);
                            next[plen + (size_t)n] = '/';
                            strcpy(next + plen + (size_t)n + 1, rest);
                            strcpy(path, next);
                            *restart = 1;
                        }
                    }
                    close(parent);
                    return rc;
                }
            }
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

/* mkdir -p inside the root; with last_is_file the last name becomes an empty file (a
 * bind-mount target for a file). Dangling symlinks are followed inside the root, as runc does. */
int lc_mkdir_in_root(const char *path, unsigned mode, int last_is_file)
{
    char cur[4096];
    size_t len = strlen(path);
    if (len >= sizeof cur)
        return -ENAMETOOLONG;
    memcpy(cur, path, len + 1);
    for (int hops = 0; hops < 40; hops++) {
        int restart = 0;
        int rc = mkdir_pass(cur, sizeof cur, mode, last_is_file, &restart);
        if (!restart)
            return rc;
    }
    return -ELOOP;
}
