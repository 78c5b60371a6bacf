/* lc.h: the native init's one header. The wire format of the plan lives here and in
 * src/LibContainer/Init/InitPlan.cs; change both together and bump LC_PROTOCOL_VERSION. */
#ifndef LC_H
#define LC_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <stdint.h>

#define LC_MAGIC 0x4E49434CU /* "LCIN" little endian */
#define LC_PROTOCOL_VERSION 2U

#define LC_MAX_PLAN_BYTES (1U << 20)
#define LC_MAX_OPS 1024U
#define LC_MAX_STRINGS 4U
#define LC_MAX_VECTOR 8192U /* argv + envp pointers, all EXEC steps together */

/* Plan operations: one per step, executed in order. Stage 0 (the spawned process) runs the
 * steps up to and including CLONE; the cloned child runs the rest. */
enum lc_opcode {
    LC_OP_SETNS = 1,          /* s0 path, a nstype */
    LC_OP_CLONE = 2,          /* a clone flags (CLONE_NEW*); b the fd (above 2) of a cgroup2 directory
                                 to clone into (CLONE_INTO_CGROUP), or 0 */
    LC_OP_WAIT_GO = 3,        /* block until the library says go */
    LC_OP_UNSHARE = 4,        /* a flags */
    LC_OP_MOUNT = 5,          /* s0 source, s1 target (host path), s2 fstype, s3 data, a flags */
    LC_OP_SET_ROOT = 6,       /* s0 path: later *_IN_ROOT steps resolve inside it */
    LC_OP_MKDIR_IN_ROOT = 7,  /* s0 path, a mode: mkdir -p inside the root */
    LC_OP_MKTARGET_IN_ROOT = 8, /* s0 path, s1 source: parents, then a dir (or a file if source is not a dir) */
    LC_OP_MOUNT_IN_ROOT = 9,  /* s0 source, s1 target in root, s2 fstype, s3 data, a flags */
    LC_OP_REMOUNT_IN_ROOT = 10, /* s0 target in root, a flags: bind remount keeping locked flags */
    LC_OP_MKNOD_IN_ROOT = 11, /* s0 path, a mode (with type), b dev, c (uid << 32 | gid) */
    LC_OP_SYMLINK_IN_ROOT = 12, /* s0 target, s1 link path in root */
    LC_OP_PIVOT_ROOT = 13,    /* s0 new root */
    LC_OP_MOVE_ROOT = 14,     /* s0 new root (MS_MOVE + chroot, for roots pivot_root refuses) */
    LC_OP_MASK_PATH = 15,     /* s0 path in root */
    LC_OP_READONLY_PATH = 16, /* s0 path in root */
    LC_OP_SETHOSTNAME = 17,   /* s0 */
    LC_OP_SETDOMAINNAME = 18, /* s0 */
    LC_OP_WRITE_FILE = 19,    /* s0 path, s1 content */
    LC_OP_SETRLIMIT = 20,     /* a resource, b soft, c hard */
    LC_OP_SETGROUPS = 21,     /* s0 array of uint32 gids (may be empty) */
    LC_OP_SETGID = 22,        /* a gid */
    LC_OP_SETUID = 23,        /* a uid */
    LC_OP_UMASK = 24,         /* a mask */
    LC_OP_CHDIR = 25,         /* s0; a: 0 always, 1 before the user change (EACCES/EPERM deferred), 2 the deferred retry */
    LC_OP_NO_NEW_PRIVS = 26,
    LC_OP_LOOKUP_EXEC = 27,   /* s0 name, s1 PATH value: resolve as execvp would */
    LC_OP_READY = 28,         /* tell the library setup is done */
    LC_OP_WAIT_FIFO = 29,     /* a fd of the exec fifo (O_PATH): block until start */
    LC_OP_EXEC = 30,          /* s0 argv (NUL-separated, a entries), s1 envp (b entries) */
    LC_OP_SETATTR_IN_ROOT = 31, /* s0 target in root, a MOUNT_ATTR_* to set, b to clear: recursive */
    LC_OP_CONSOLE = 32,       /* a rows, b cols: a pty from the container's /dev/ptmx becomes stdio and
                                 controlling terminal; the master goes to the library (SCM_RIGHTS) */
    LC_OP_SYNC_HOOKS = 33,    /* tell the library to run its hooks now; wait for go */
    LC_OP_RUN_HOOK = 34,      /* s0 path, s1 argv (a entries), s2 envp (b entries), c timeout in s;
                                 stdin: the state JSON the library sent with go (index in op flags) */
    LC_OP_CAPS_PREPARE = 35,  /* a bounding set: keep caps across setuid, drop the rest of the bounding set */
    LC_OP_CAPS_APPLY = 36,    /* a effective, b permitted, c inheritable, s0 ambient (u64) */
    LC_OP_SECCOMP = 37,       /* s0 BPF program (struct sock_filter[]), a SECCOMP_FILTER_FLAG_*; with
                                 NEW_LISTENER the notify fd goes to the library (SCM_RIGHTS) */
    LC_OP_PERSONALITY = 38,   /* a persona */
    LC_OP_IOPRIO = 39,        /* a ioprio value */
    LC_OP_SCHEDULER = 40,     /* s0 struct sched_attr */
    LC_OP_KEYRING = 41,       /* s0 name: join a new session keyring */
    LC_OP_WRITE_ATTR = 42,    /* s0 /proc/thread-self/attr/... file, s1 content (LSM labels for exec) */
    LC_OP_MOVE_MOUNT_IN_ROOT = 43, /* s0 target in root, a index of a mount fd the library sent with go */
    LC_OP_REOPEN_DEV_NULL = 44, /* stdio on the host's /dev/null is reopened on the container's */
    LC_OP_LOOPBACK_UP = 45,   /* bring up lo in the container's new network namespace */
    LC_OP_PARENT_DEATH_SIGNAL = 46, /* a signal: PR_SET_PDEATHSIG; fails if the library is already gone */
    LC_OP_JOIN_CGROUP = 47,   /* a fd of a v1 hierarchy's tasks file (opened by the library): write "0",
                                 moving this single-threaded process itself; then close it */
    LC_OP_MAX = 48
};

/* Messages on the init socket (SOCK_SEQPACKET: one message per send). */
enum lc_msg_type {
    LC_MSG_PID = 1,   /* init -> library: i32 pid (as seen by the library); detail 1 when it was
                         cloned into the CLONE step's cgroup2 directory */
    LC_MSG_READY = 2, /* init -> library */
    LC_MSG_ERROR = 3, /* init -> library: u32 step, i32 errno */
    LC_MSG_GO = 4,     /* library -> init: value = length of a payload message that follows (hook states) */
    LC_MSG_CONSOLE = 5, /* init -> library: the pty master, as SCM_RIGHTS */
    LC_MSG_HOOKS = 6,  /* init -> library: run the createRuntime (prestart) hooks, then go */
    LC_MSG_SECCOMP = 7 /* init -> library: the seccomp notify fd, as SCM_RIGHTS */
};

struct lc_msg {
    uint32_t type;
    uint32_t step;
    int32_t value;  /* pid or errno */
    int32_t detail; /* ERROR of a hook: its wait status */
};

struct lc_op {
    uint32_t code;
    uint32_t nstr;
    int64_t a, b, c;
    const char *s[LC_MAX_STRINGS];
    uint32_t slen[LC_MAX_STRINGS]; /* bytes without the trailing NUL */
    char *const *argv;             /* EXEC, RUN_HOOK: decoded vectors */
    char *const *envp;
    int32_t flags;                 /* EXEC: 1 = set LISTEN_PID; RUN_HOOK: which hook state */
};

struct lc_plan {
    uint32_t nops;
    struct lc_op ops[LC_MAX_OPS];
};

/* The process-wide context of the init: set once in bootstrap, read by the stages. */
struct lc_ctx {
    int sock;       /* init socket */
    int root_fd;    /* SET_ROOT */
    int fifo;       /* the exec fifo, open for writing once start has begun */
    uint32_t step;  /* step being executed, for errors */
    int32_t detail; /* extra error detail (a hook's wait status) */
    char exec_path[4096];
    const char *hook_state[2]; /* createContainer, startContainer: the state JSON for stdin */
    size_t hook_state_len[2];
    int cwd_pending;           /* CHDIR a=1 was refused (EACCES, EPERM): the a=2 step after the user change retries */
    int mount_fds[16];         /* detached (id-mapped) mounts the library made, in plan order */
    int nmount_fds;
};

extern struct lc_ctx lc;

/* bootstrap.c */
int lc_decode(const uint8_t *buf, size_t len, struct lc_plan *plan);
/* fail.c */
void lc_fail(int err) __attribute__((noreturn));
void lc_send(uint32_t type, uint32_t step, int32_t value);
void lc_send_detail(uint32_t type, uint32_t step, int32_t value, int32_t detail);
int lc_send_fd(uint32_t type, int fd);
int lc_recv(struct lc_msg *msg);
void lc_wait_go(void);
/* hooks.c */
void lc_run_hook(const struct lc_op *op);
/* security.c */
void lc_security_step(const struct lc_op *op);
/* stage0_parent.c: runs steps [0, clone]; returns only in the child, with the next step */
uint32_t lc_stage0(struct lc_plan *plan);
/* stage1_child.c: runs one step in the container's namespaces */
void lc_stage1_step(const struct lc_op *op);
/* stage2_init.c: the last steps: ready, exec fifo, exec */
void lc_stage2_step(const struct lc_op *op);
/* rootfs.c: paths resolved inside the root */
int lc_open_in_root(const char *path, int flags);
int lc_mkdir_in_root(const char *path, unsigned mode, int last_is_file);
int lc_proc_fd_path(char *buf, size_t size, int fd);

#endif
