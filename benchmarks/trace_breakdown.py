#!/usr/bin/env python3
"""Cuts each traced embedded lifecycle (benchmarks/trace.sh, ftrace) into its steps.

    python3 benchmarks/trace_breakdown.py DIR/ftrace.txt

The trace holds every system call (enter and exit) and every fork, exec and exit of the embedded
program's threads and of what they start: lc-init ("lc:[0:PARENT]"), the container process
("lc:[1:CHILD]", then /bin/true). ftrace records no file names, so the steps are found by what
happens in which process, in order (see Container.Create.cs and src/LibContainer.Native/):

  library  read "run" (stdin) ... mkdir(state dir) ... mkdir x N (cgroups) ... writes ... opens
           (the cgroup join's files) ... clone3 (posix_spawn of lc-init) ... send(plan)
  lc-init  exec ... recvfrom(plan) ... clone3(new namespaces, into the cgroup) ... sendto(pid) ... exit
  child    write("0") x v1 hierarchies (joins its cgroups) ... recvfrom(GO)
  library  recvmsg(pid) ... send(GO)
  child    recvfrom(GO) ... unshare(cgroup) ... mount ... pivot_root ... sendto(READY) ... open(fifo)
  library  recvmsg(READY) ... [CreateAsync returns] ... [StartAsync] open(fifo)
  child    open(fifo) returns ... exec /bin/true ... exit
  library  waitid ... [DestroyAsync] ... rmdir x N+1 ... write(answer, stdout)

Prints, per step, the median over the traced lifecycles (ms), the system calls in it and the time
spent inside them, and for the library's cgroup and state work how many calls of each kind.
"""
import re
import statistics
import sys
from collections import Counter, defaultdict

LINE = re.compile(r"^\s*(?P<comm>.+?)-(?P<tid>\d+)\s+\[\d+\]\s+\S+\s+(?P<ts>\d+\.\d+):\s+(?P<ev>\w+)(?P<rest>.*)$")


class Event:
    __slots__ = ("ts", "tid", "comm", "name", "kind", "args", "ret", "dur")

    def __init__(self, ts, tid, comm, name, kind, args, ret=None):
        self.ts, self.tid, self.comm, self.name, self.kind, self.args, self.ret = ts, tid, comm, name, kind, args, ret
        self.dur = 0.0


def parse(path):
    """Syscalls as one event each (enter time, duration, return value), sched events, trace.sh's markers."""
    events, open_calls = [], {}
    for raw in open(path, encoding="utf-8", errors="replace"):
        m = LINE.match(raw)
        if not m:
            continue
        tid, ts, ev, rest = int(m["tid"]), float(m["ts"]) * 1000.0, m["ev"], m["rest"]
        if ev.startswith("sys_"):
            name = ev[4:]
            if rest.startswith(" -> "):
                call = open_calls.pop(tid, None)
                if call is not None and call.name == name:
                    call.ret = int(rest[4:].strip(), 16)
                    if call.ret >= 1 << 63:
                        call.ret -= 1 << 64
                    call.dur = ts - call.ts
            else:
                call = Event(ts, tid, m["comm"], name, "sys", dict(re.findall(r"(\w+): (\S+?)[,)]", rest)))
                open_calls[tid] = call
                events.append(call)
        elif ev.startswith("sched_process_"):
            fields = dict(re.findall(r"(\w+)=(\S+)", rest))
            events.append(Event(ts, tid, m["comm"], ev[len("sched_process_"):], "sched", fields))
        elif ev == "tracing_mark_write":
            events.append(Event(ts, tid, m["comm"], rest.strip(": ").strip(), "mark", {}))
    return events


def lifecycles(events):
    """
    Splits the trace at trace.sh's markers ("lcbench run N" before it asks, "lcbench done N" after
    the answer). A call that began before the start marker and returned after it (the library's
    blocked read of stdin) belongs to the lifecycle too.
    """
    marks = [e for e in events if e.kind == "mark"]
    runs = []
    for begin, end in zip(marks, marks[1:]):
        if begin.name.startswith("lcbench run") and end.name.startswith("lcbench done"):
            runs.append([begin] + [e for e in events if e.kind != "mark" and (begin.ts <= e.ts <= end.ts or e.ts < begin.ts < e.ts + e.dur)])
    return runs


def first(seq, pred, after=float("-inf")):
    return next((e for e in seq if e.ts >= after and pred(e)), None)


def analyze(run):
    """The step boundaries of one lifecycle, and which calls fall in which step."""
    lib = {e.tid for e in run if e.kind == "sys" and (e.comm.startswith(".NET") or e.comm.startswith("dotnet"))}
    exec_init = first(run, lambda e: e.kind == "sched" and e.name == "exec" and "/proc/self/fd/" in e.args.get("filename", ""))
    if exec_init is None:
        return None
    init = exec_init.tid
    fork_init = first(run, lambda e: e.kind == "sched" and e.name == "fork" and int(e.args["child_pid"]) == init)
    fork_child = first(run, lambda e: e.kind == "sched" and e.name == "fork" and e.tid == init)
    child = int(fork_child.args["child_pid"])
    lib -= {init, child}

    def L(pred, after):
        return first(run, lambda e: e.tid in lib and pred(e), after)

    def C(pred, after):
        return first(run, lambda e: e.tid == child and pred(e), after)

    def I(pred, after):
        return first(run, lambda e: e.tid == init and pred(e), after)

    sysc = lambda name: (lambda e: e.kind == "sys" and e.name == name)
    t = {}
    asked = first(run, lambda e: e.tid in lib and e.kind == "sys" and e.name == "read" and e.ret == 4)
    t["run"] = asked.ts + asked.dur if asked is not None else run[0].ts  # the read began before tracing did: the marker
    t["state dir"] = L(sysc("mkdir"), t["run"]).ts
    t["spawn"] = fork_init.ts
    mkdirs = [e for e in run if e.tid in lib and e.kind == "sys" and e.name == "mkdir" and t["state dir"] < e.ts < t["spawn"]]
    t["cgroup mkdirs"] = mkdirs[0].ts
    t["cgroups made"] = mkdirs[-1].ts + mkdirs[-1].dur
    t["lc-init exec'd"] = exec_init.ts
    plan = L(lambda e: e.kind == "sys" and e.name in ("sendto", "sendmsg") and (e.ret or 0) > 16, t["spawn"])
    t["plan sent"] = plan.ts
    recv_plan = I(sysc("recvfrom"), t["lc-init exec'd"])
    t["plan read"] = recv_plan.ts + recv_plan.dur
    clone = I(lambda e: e.kind == "sys" and e.name in ("clone", "clone3"), t["plan read"])
    t["clone"] = clone.ts
    t["cloned"] = clone.ts + clone.dur
    pid_sent = I(sysc("sendto"), t["cloned"])
    pid_recv = L(lambda e: e.kind == "sys" and e.name in ("recvmsg", "recvfrom") and e.ret == 16, pid_sent.ts)
    t["pid received"] = pid_recv.ts + pid_recv.dur
    go = L(lambda e: e.kind == "sys" and e.name in ("sendto", "sendmsg") and e.ret == 16, t["pid received"])
    t["go sent"] = go.ts
    go_recv = C(sysc("recvfrom"), t["cloned"])
    t["go received"] = go_recv.ts + go_recv.dur
    joins = [e for e in run if e.tid == child and e.kind == "sys" and e.name == "write" and e.ret == 1 and e.ts < go_recv.ts]
    t["joined"] = joins[-1].ts + joins[-1].dur if joins else t["cloned"]
    pivot = C(sysc("pivot_root"), t["go received"])
    t["pivot_root"] = pivot.ts
    ready = C(sysc("sendto"), t["pivot_root"])
    t["ready sent"] = ready.ts
    ready_recv = L(lambda e: e.kind == "sys" and e.name in ("recvmsg", "recvfrom") and e.ret == 16, t["ready sent"])
    t["ready received"] = ready_recv.ts + ready_recv.dur
    fifo = C(lambda e: e.kind == "sys" and e.name in ("open", "openat"), t["ready sent"])
    t["fifo opened (start)"] = fifo.ts + fifo.dur
    t["exec /bin/true"] = C(lambda e: e.kind == "sched" and e.name == "exec", t["fifo opened (start)"]).ts
    t["container exited"] = C(lambda e: e.kind == "sched" and e.name == "exit", t["exec /bin/true"]).ts
    reaped = L(lambda e: e.kind == "sys" and e.name == "waitid" and e.ret == 0 and e.args.get("options") == "5", t["container exited"])
    t["reaped"] = reaped.ts + reaped.dur
    rmdirs = [e for e in run if e.tid in lib and e.kind == "sys" and e.name == "rmdir" and e.ts > t["reaped"]]
    t["first rmdir"] = rmdirs[0].ts
    t["state dir removed"] = rmdirs[-1].ts + rmdirs[-1].dur
    answer = L(lambda e: e.kind == "sys" and e.name == "write" and int(e.args.get("count", "0"), 16) > 8, t["state dir removed"])
    t["answer"] = answer.ts

    roles = {"library": lib, "lc-init": {init}, "container": {child}}
    return t, roles, run


STEPS = [
    # (name, from, to, whose calls are counted, what it is)
    ("compile (validate, plan)", "run", "state dir", "library", "spec validation, plan, /proc/self/mountinfo"),
    ("state dir, config.json, state.json", "state dir", "cgroup mkdirs", "library", "mkdir, flock, 2 atomic writes"),
    ("cgroup mkdir in every hierarchy", "cgroup mkdirs", "cgroups made", "library", "stat + mkdir per hierarchy"),
    ("cgroup writes, fifo, join files opened", "cgroups made", "spawn", "library", "cpuset inherit, devices rules, mkfifo, /dev/null x3, socketpair, the cgroup join's opens"),
    ("spawn lc-init (posix_spawn)", "spawn", "lc-init exec'd", "lc-init", "vfork, dup2, execve of the sealed lc-init copy"),
    ("lc-init start-up, plan read", "lc-init exec'd", "plan read", "lc-init", "static binary start, close_range, recv of the plan"),
    ("plan decoded, clone into new namespaces and the cgroup", "plan read", "cloned", "lc-init", "clone3(NEWNS|NEWUTS|NEWIPC|NEWPID|NEWNET|INTO_CGROUP)"),
    ("(beside:) the child joins its v1 cgroups", "cloned", "joined", "container", "write(\"0\") to each v1 tasks file"),
    ("pid back to the library", "cloned", "pid received", "library", "sendto, lc-init exits, epoll wake-up, thread-pool hop"),
    ("pid to go", "pid received", "go sent", "library", "/proc/<pid>/stat, pidfd"),
    ("go to the container", "go sent", "go received", "container", "wake-up of the waiting child"),
    ("rootfs: mounts, devices, links up to pivot_root", "go received", "pivot_root", "container", "unshare(cgroup), mounts, mknod, symlinks"),
    ("pivot_root to ready", "pivot_root", "ready sent", "container", "pivot, masked and read-only paths, remount ro, creds"),
    ("ready back to the library", "ready sent", "ready received", "library", "epoll wake-up, thread-pool hop"),
    ("end of CreateAsync, StartAsync to fifo open", "ready received", "fifo opened (start)", "library", "reap lc-init, state.json, lock, open fifo"),
    ("exec of /bin/true", "fifo opened (start)", "exec /bin/true", "container", "fifo write, signals reset, execve"),
    ("/bin/true runs and exits", "exec /bin/true", "container exited", "container", ""),
    ("exit seen (pidfd, waitid)", "container exited", "reaped", "library", "pid namespace teardown, epoll, waitid"),
    ("to DestroyAsync's first rmdir", "reaped", "first rmdir", "library", "exit recorded (an xattr), lock, cgroup.kill, cgroup.procs"),
    ("cgroup rmdirs, state dir removed", "first rmdir", "state dir removed", "library", "rmdir per hierarchy, unlink x3, rmdir"),
    ("to the answer", "state dir removed", "answer", "library", ""),
]

# Calls that wait rather than work (a thread parked, an idle epoll): not counted as work.
BLOCKING = {"futex", "epoll_wait", "epoll_pwait", "sched_yield", "nanosleep", "clock_nanosleep", "read", "recvfrom", "recvmsg", "wait4"}


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    events = parse(sys.argv[1])
    runs = lifecycles(events)
    results = []
    for run in runs:
        try:
            result = analyze(run)
        except (AttributeError, IndexError, KeyError, ValueError):
            result = None  # a step not found: the trace of this lifecycle is incomplete
        if result is not None:
            results.append(result)
    if len(results) < len(runs):
        print(f"({len(runs) - len(results)} of {len(runs)} lifecycles skipped: a step was not found in their trace)")
    if not results:
        print("no complete lifecycle found in the trace")
        return 1
    print(f"{len(results)} lifecycles; median of each step, ms (traced: ftrace adds about a microsecond per system call)\n")
    print("| step | median ms | calls (not waits) | ms inside them | what |")
    print("|---|---:|---:|---:|---|")
    for name, a, b, role, what in STEPS:
        spans, counts, inside = [], [], []
        for t, roles, run in results:
            spans.append(t[b] - t[a])
            calls = [e for e in run if e.kind == "sys" and e.tid in roles[role] and e.name not in BLOCKING and t[a] <= e.ts < t[b]]
            counts.append(len(calls))
            inside.append(sum(e.dur for e in calls))
        print(f"| {name} | {statistics.median(spans):.2f} | {statistics.median(counts):.0f} {role} | {statistics.median(inside):.2f} | {what} |")
    totals = [t["answer"] - t["run"] for t, _, _ in results]
    print(f"| **total (read of run to answer)** | **{statistics.median(totals):.2f}** | | | |")

    # The cgroup directories one by one, in the order the library makes and removes them.
    for call, a, b in (("mkdir", "cgroup mkdirs", "cgroups made"), ("rmdir", "first rmdir", "state dir removed")):
        per_index = defaultdict(list)
        for t, roles, run in results:
            calls = [e for e in run if e.kind == "sys" and e.tid in roles["library"] and e.name == call and t[a] <= e.ts <= t[b]]
            for i, e in enumerate(calls):
                per_index[i].append(e.dur)
        print(f"\n{call} one by one (median ms, in call order): " + ", ".join(f"{statistics.median(v):.3f}" for _, v in sorted(per_index.items())))

    # Per role and kind of call, in the steps where the library works on cgroups and state.
    print("\nsystem calls per lifecycle (median), by process and call, with the time inside them (ms):")
    for role in ("library", "lc-init", "container"):
        per_call = defaultdict(list)
        per_time = defaultdict(list)
        for t, roles, run in results:
            c, d = Counter(), Counter()
            for e in run:
                if e.kind == "sys" and e.tid in roles[role]:
                    c[e.name] += 1
                    d[e.name] += e.dur
            for k in set(per_call) | set(c):
                per_call[k].append(c[k])
                per_time[k].append(d[k])
        top = sorted(per_call, key=lambda k: -statistics.median(per_time[k]))[:16]
        print(f"  {role}: " + ", ".join(f"{k} {statistics.median(per_call[k]):.0f} ({statistics.median(per_time[k]):.2f})" for k in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
