/* fail.c: the sync socket. Every failure becomes {step, errno} for the library, then _exit. */
#include "lc.h"
#include <errno.h>
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

void lc_fail(int err)
{
    if (err <= 0)
        err = EIO;
    lc_send(LC_MSG_ERROR, lc.step, err);
    _exit(1);
}
