/* fail.c: the sync socket. Every failure becomes {step, errno} for the library, then _exit. */
#include "lc.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct lc_ctx lc = { .sock = -1, .root_fd = -1 };

void lc_send(uint32_t type, uint32_t step, int32_t value)
{
    struct lc_msg msg = { .type = type, .step = step, .value = value };
    ssize_t n;
    do {
        n = send(lc.sock, &msg, sizeof msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
}

int lc_recv(struct lc_msg *msg)
{
    ssize_t n;
    do {
        n = recv(lc.sock, msg, sizeof *msg, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof *msg)
        return -EPROTO;
    return 0;
}

static size_t put_uint(char *buf, unsigned v)
{
    char digits[12];
    size_t n = 0, len = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        buf[len++] = digits[--n];
    return len;
}

void lc_fail(int err)
{
    if (err <= 0)
        err = EIO;
    struct lc_msg msg = { .type = LC_MSG_ERROR, .step = lc.step, .value = err };
    ssize_t n;
    do {
        n = send(lc.sock, &msg, sizeof msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        /* Nobody listens any more (the container was already created): say it on stderr. */
        char line[96];
        size_t len = 0;
        static const char a[] = "lc-init: step ", b[] = " failed: errno ";
        memcpy(line, a, sizeof a - 1);
        len += sizeof a - 1;
        len += put_uint(line + len, lc.step);
        memcpy(line + len, b, sizeof b - 1);
        len += sizeof b - 1;
        len += put_uint(line + len, (unsigned)err);
        line[len++] = '\n';
        (void)!write(2, line, len);
    }
    _exit(127);
}
