/* fail.c: the sync socket. Every failure becomes {step, errno} for the library, then _exit. */
#include "lc.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct lc_ctx lc = { .sock = -1, .root_fd = -1, .fifo = -1 };

void lc_send(uint32_t type, uint32_t step, int32_t value)
{
    lc_send_detail(type, step, value, 0);
}

void lc_send_detail(uint32_t type, uint32_t step, int32_t value, int32_t detail)
{
    struct lc_msg msg = { .type = type, .step = step, .value = value, .detail = detail };
    ssize_t n;
    do {
        n = send(lc.sock, &msg, sizeof msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
}

/* One message with an fd attached (SCM_RIGHTS). */
int lc_send_fd(uint32_t type, int fd)
{
    struct lc_msg msg = { .type = type, .step = lc.step };
    struct iovec iov = { .iov_base = &msg, .iov_len = sizeof msg };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    ssize_t n;
    do {
        n = sendmsg(lc.sock, &mh, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : 0;
}

int lc_recv(struct lc_msg *msg)
{
    ssize_t n;
    do {
        n = recv(lc.sock, msg, sizeof *msg, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        _exit(127); /* the library closed its end: the create failed or was cancelled there; nobody to tell */
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
    struct lc_msg msg = { .type = LC_MSG_ERROR, .step = lc.step, .value = err, .detail = lc.detail };
    ssize_t n;
    if (lc.fifo >= 0) {
        /* Start is reading the fifo: tell it which step failed ("E", step, errno, detail). */
        char report[13];
        report[0] = 'E';
        memcpy(report + 1, &msg.step, 4);
        memcpy(report + 5, &msg.value, 4);
        memcpy(report + 9, &msg.detail, 4);
        (void)!write(lc.fifo, report, sizeof report);
    }
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

/* One more message whose SCM_RIGHTS fds are the id-mapped mounts (count of them expected). */
static void recv_mount_fds(int count)
{
    char byte;
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union {
        char buf[CMSG_SPACE(sizeof(int) * 16)];
        struct cmsghdr align;
    } control;
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control.buf };
    ssize_t n;
    if (count <= 0 || count > 16)
        lc_fail(EPROTO);
    do {
        n = recvmsg(lc.sock, &mh, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        lc_fail(errno);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (cm == NULL || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int) * (size_t)count))
        lc_fail(EPROTO);
    memcpy(lc.mount_fds, CMSG_DATA(cm), sizeof(int) * (size_t)count);
    lc.nmount_fds = count;
}

/* Waits for GO. Its value, when not 0, is the length of one more message: the hook states,
 * "createContainer state\0startContainer state". Its detail, when not 0, is the number of
 * id-mapped mount fds that come in a last message. */
void lc_wait_go(void)
{
    static char s_state[65536];
    struct lc_msg msg;
    int rc = lc_recv(&msg);
    if (rc < 0)
        lc_fail(-rc);
    if (msg.type != LC_MSG_GO || msg.value < 0 || (size_t)msg.value >= sizeof s_state)
        lc_fail(EPROTO);
    if (msg.value == 0) {
        if (msg.detail > 0)
            recv_mount_fds(msg.detail);
        return;
    }
    ssize_t n;
    do {
        n = recv(lc.sock, s_state, sizeof s_state - 1, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        lc_fail(errno);
    if (n != msg.value)
        lc_fail(EPROTO);
    s_state[(size_t)n] = '\0';
    lc.hook_state[0] = s_state;
    lc.hook_state_len[0] = strlen(s_state);
    if (lc.hook_state_len[0] < (size_t)n) {
        lc.hook_state[1] = s_state + lc.hook_state_len[0] + 1;
        lc.hook_state_len[1] = strlen(lc.hook_state[1]);
    }
    if (msg.detail > 0)
        recv_mount_fds(msg.detail);
}
