/* bootstrap.c: main, and the plan decoder. Everything is decoded and bounds-checked here,
 * before the first clone(); after it the stages use no malloc and no stdio. */
#include "lc.h"
#include <errno.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint8_t s_buf[LC_MAX_PLAN_BYTES];
static struct lc_plan s_plan;
static char *s_vectors[LC_MAX_VECTOR];

struct reader {
    const uint8_t *p;
    size_t left;
};

static int read_u32(struct reader *r, uint32_t *v)
{
    if (r->left < 4)
        return -1;
    memcpy(v, r->p, 4);
    r->p += 4;
    r->left -= 4;
    return 0;
}

static int read_i64(struct reader *r, int64_t *v)
{
    if (r->left < 8)
        return -1;
    memcpy(v, r->p, 8);
    r->p += 8;
    r->left -= 8;
    return 0;
}

/* A string is u32 length, the bytes, then one NUL (not counted in the length). */
static int read_str(struct reader *r, const char **s, uint32_t *len)
{
    if (read_u32(r, len) < 0 || r->left < (size_t)*len + 1 || r->p[*len] != '\0')
        return -1;
    *s = (const char *)r->p;
    r->p += *len + 1;
    r->left -= (size_t)*len + 1;
    return 0;
}

/* Splits "a\0b\0c" (count entries) into a NULL-terminated vector from the shared pool. */
static char *const *split_vector(const char *s, uint32_t len, int64_t count, size_t *used)
{
    if (count < 0 || (size_t)count + 1 > LC_MAX_VECTOR - *used)
        return NULL;
    char **vec = &s_vectors[*used];
    const char *p = s, *end = s + len;
    for (int64_t i = 0; i < count; i++) {
        if (p > end)
            return NULL;
        vec[i] = (char *)p;
        p += strlen(p) + 1;
    }
    if (count > 0 && p != end + 1)
        return NULL;
    vec[count] = NULL;
    *used += (size_t)count + 1;
    return vec;
}

int lc_decode(const uint8_t *buf, size_t len, struct lc_plan *plan)
{
    struct reader r = { buf, len };
    uint32_t magic, version, nops, total;
    size_t vectors_used = 0;

    if (read_u32(&r, &magic) < 0 || read_u32(&r, &version) < 0 || read_u32(&r, &nops) < 0 ||
        read_u32(&r, &total) < 0)
        return -EPROTO;
    if (magic != LC_MAGIC || version != LC_PROTOCOL_VERSION || total != len)
        return -EPROTO;
    if (nops == 0 || nops > LC_MAX_OPS)
        return -E2BIG;
    plan->nops = nops;
    for (uint32_t i = 0; i < nops; i++) {
        struct lc_op *op = &plan->ops[i];
        memset(op, 0, sizeof *op);
        if (read_u32(&r, &op->code) < 0 || read_u32(&r, &op->nstr) < 0 || read_i64(&r, &op->a) < 0 ||
            read_i64(&r, &op->b) < 0 || read_i64(&r, &op->c) < 0)
            return -EPROTO;
        if (op->code == 0 || op->code >= LC_OP_MAX || op->nstr > LC_MAX_STRINGS)
            return -EPROTO;
        for (uint32_t k = 0; k < op->nstr; k++)
            if (read_str(&r, &op->s[k], &op->slen[k]) < 0)
                return -EPROTO;
        if (op->code == LC_OP_EXEC || op->code == LC_OP_RUN_HOOK) {
            /* EXEC: argv s0, envp s1; RUN_HOOK: path s0, argv s1, envp s2 */
            uint32_t first = op->code == LC_OP_EXEC ? 0 : 1;
            if (op->nstr != first + 2 || op->a < 1)
                return -EPROTO;
            op->argv = split_vector(op->s[first], op->slen[first], op->a, &vectors_used);
            op->envp = split_vector(op->s[first + 1], op->slen[first + 1], op->b, &vectors_used);
            if (op->argv == NULL || op->envp == NULL)
                return -EPROTO;
            op->flags = op->code == LC_OP_EXEC ? (int32_t)op->c : (int32_t)(op->c >> 32);
        }
    }
    return r.left == 0 ? 0 : -EPROTO;
}

/* The plan arrives as one or more SOCK_SEQPACKET messages; the header says the total length. */
static int read_plan(size_t *len)
{
    size_t have = 0, want = 16;
    while (have < want) {
        ssize_t n = recv(lc.sock, s_buf + have, sizeof s_buf - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EPIPE;
        have += (size_t)n;
        if (have >= 16) {
            uint32_t total;
            memcpy(&total, s_buf + 12, 4);
            if (total < 16 || total > sizeof s_buf)
                return -E2BIG;
            want = total;
        }
    }
    *len = have;
    return have == want ? 0 : -EPROTO;
}

int main(void)
{
    const char *env = getenv("_LIBCONTAINER_INITPIPE");
    size_t len = 0;
    int rc;

    if (env == NULL)
        return 2; /* not started by the library */
    lc.sock = atoi(env);
    prctl(PR_SET_NAME, "lc:[0:PARENT]", 0, 0, 0);
    /* Nothing inherited reaches the container unless the library placed it: fds 3 up to the
     * socket are the caller's extra files; every fd from the socket up becomes close-on-exec. */
    if (lc.sock < 3 || syscall(SYS_close_range, (unsigned)lc.sock, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        lc_fail(lc.sock < 3 ? EBADF : errno);
    rc = read_plan(&len);
    if (rc == -EPIPE)
        _exit(1); /* the library went away before sending a plan: nothing to report to */
    if (rc == 0)
        rc = lc_decode(s_buf, len, &s_plan);
    if (rc < 0)
        lc_fail(-rc);

    uint32_t next = lc_stage0(&s_plan);
    for (uint32_t i = next; i < s_plan.nops; i++) {
        lc.step = i;
        const struct lc_op *op = &s_plan.ops[i];
        if (op->code == LC_OP_LOOKUP_EXEC || op->code == LC_OP_READY || op->code == LC_OP_WAIT_FIFO || op->code == LC_OP_EXEC)
            lc_stage2_step(op);
        else
            lc_stage1_step(op);
    }
    lc.step = s_plan.nops;
    lc_fail(ENOEXEC); /* a plan must end in EXEC */
}
