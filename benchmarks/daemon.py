#!/usr/bin/env python3
"""lcd against dockerd and podman, driven the way users drive them: the docker CLI (against lcd and
against a dockerd this script starts with private roots and socket) and `podman` (private storage).

  sudo benchmarks/daemon.py [--rounds 20] [--containers 100] [--log-mb 100] [--smoke]

Cases, interleaved round by round:
  run       `docker run --rm --network none busybox true` (podman run --rm the same)
  ps        `docker ps` with N running containers
  stats     `docker stats --no-stream` of N running containers
  logs      `docker logs` of a container that wrote M MiB
Wall time is the client's; CPU time is everything the case cost on the machine outside the container:
the client's, plus the daemon's whole process tree (dockerd, its containerd, shims and runc; lcd and
its lc-init), each kept in a cpuacct cgroup of this script's, so double-forked shims and conmon count.
The image is the same busybox for all three (Debian's busybox-static, /bin with its applet links).
Nothing is left: daemons stopped, containers removed, mounts and cgroups gone, or the script fails.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

CPUACCT = "/sys/fs/cgroup/cpuacct"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(message, code=1):
    print(f"daemon.py: {message}", file=sys.stderr)
    sys.exit(code)


class Cgroup:
    """A cpuacct cgroup: CPU time of everything started in it, however it forks."""

    def __init__(self, name):
        self.path = os.path.join(CPUACCT, name)
        os.makedirs(self.path)

    def enter(self):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def usage_ns(self):
        with open(os.path.join(self.path, "cpuacct.usage")) as f:
            return int(f.read())

    def remove(self):
        for _ in range(50):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)  # a process of it is still exiting
        raise RuntimeError(f"cgroup {self.path} is not empty")


class Engine:
    """One engine under test: how to call its client, and the cgroups its CPU time is read from."""

    def __init__(self, name, client, work):
        self.name = name
        self.client = client
        self.client_cg = Cgroup(f"lcdbench-{os.getpid()}-{name}-client")
        self.daemon_cg = Cgroup(f"lcdbench-{os.getpid()}-{name}-daemon")
        self.process = None
        self.work = work

    def cpu_ns(self):
        return self.client_cg.usage_ns() + self.daemon_cg.usage_ns()

    def call(self, *args, stdout=subprocess.DEVNULL, check=True, stdin=None):
        cg = self.client_cg
        result = subprocess.run(self.client + list(args), stdout=stdout, stderr=subprocess.PIPE, stdin=stdin,
                                preexec_fn=cg.enter)
        if check and result.returncode != 0:
            raise RuntimeError(f"{self.name}: {' '.join(args)}: exit {result.returncode}: {result.stderr.decode(errors='replace')}")
        return result

    def timed(self, *args):
        cpu = self.cpu_ns()
        start = time.perf_counter_ns()
        self.call(*args)
        wall = time.perf_counter_ns() - start
        return wall / 1e6, (self.cpu_ns() - cpu) / 1e6

    def start_daemon(self, argv, socket):
        log = open(os.path.join(self.work, f"{self.name}.log"), "wb")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=self.daemon_cg.enter, start_new_session=True)
        for _ in range(600):
            if self.process.poll() is not None:
                fail(f"{self.name} exited with {self.process.returncode} at start; its log: {log.name}")
            if os.path.exists(socket) and subprocess.run(self.client + ["version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                return
            time.sleep(0.1)
        fail(f"{self.name} did not answer within 60 s; its log: {log.name}")

    def stop_daemon(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def busybox_tar(path):
    """The busybox image's root filesystem: /bin/busybox and a link per applet (what lcd --load-busybox builds)."""
    applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True, text=True, check=True).stdout.split()
    with tarfile.open(path, "w") as tar:
        for d in ["bin", "tmp", "etc", "proc", "sys", "dev"]:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o1777 if d == "tmp" else 0o755
            tar.addfile(info)
        tar.add("/bin/busybox", "bin/busybox")
        for applet in applets:
            if applet != "busybox":
                info = tarfile.TarInfo(f"bin/{applet}")
                info.type = tarfile.SYMTYPE
                info.linkname = "busybox"
                tar.addfile(info)


def mounts_under(path):
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f if line.split()[4].startswith(path)]


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--containers", type=int, default=100)
    parser.add_argument("--log-mb", type=int, default=100)
    parser.add_argument("--smoke", action="store_true", help="2 rounds, 3 containers, 1 MiB of log: that it all works and leaves nothing (CI)")
    parser.add_argument("--no-podman", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.rounds, args.containers, args.log_mb = 2, 3, 1
    if os.geteuid() != 0:
        fail("run as root", 2)
    lcd = os.environ.get("LCD") or os.path.join(REPO, "artifacts", "lcd", "lcd")
    for tool in [lcd, shutil.which("docker"), shutil.which("dockerd"), "/bin/busybox"] + ([] if args.no_podman else [shutil.which("podman")]):
        if not tool or not os.access(tool, os.X_OK):
            fail(f"missing {tool or 'a tool'} (lcd: dotnet publish samples/Lcd -c Release -o artifacts/lcd, or LCD=path; docker and dockerd: docker.io; podman)", 2)

    work = tempfile.mkdtemp(prefix="lcd-bench-", dir="/tmp")
    engines = []
    podman_parent = f"/lcdbench-{os.getpid()}-podman"
    docker_parent = f"/lcdbench-{os.getpid()}-docker"  # dockerd's default, /docker, would stay on the host
    status = 0
    try:
        busybox = os.path.join(work, "busybox.tar")
        busybox_tar(busybox)

        lcd_engine = Engine("lcd", ["docker", "-H", f"unix://{work}/lcd.sock"], work)
        engines.append(lcd_engine)
        lcd_engine.start_daemon([lcd, "-H", f"unix://{work}/lcd.sock", "--data-root", f"{work}/lcd-data", "--exec-root", f"{work}/lcd-exec",
                                 "--pidfile", f"{work}/lcd.pid", "--load-busybox", "--live-restore=false", "--log-level", "error"], f"{work}/lcd.sock")

        docker_engine = Engine("dockerd", ["docker", "-H", f"unix://{work}/docker.sock"], work)
        engines.append(docker_engine)
        with open(os.path.join(work, "daemon.json"), "w") as f:
            f.write("{}")  # not the host's /etc/docker/daemon.json
        docker_engine.start_daemon(["dockerd", "-H", f"unix://{work}/docker.sock", "--data-root", f"{work}/docker-data", "--exec-root", f"{work}/docker-exec",
                                    "--pidfile", f"{work}/docker.pid", "--bridge=none", "--iptables=false", "--ip-masq=false", "--ip-forward=false",
                                    "--storage-driver=overlay2", "--log-level=error", "--cgroup-parent", docker_parent,
                                    "--config-file", os.path.join(work, "daemon.json")],
                                   f"{work}/docker.sock")
        with open(busybox, "rb") as f:
            docker_engine.call("import", "-", "busybox:latest", stdin=f)

        if not args.no_podman:
            podman_engine = Engine("podman", ["podman", "--root", f"{work}/podman-root", "--runroot", f"{work}/podman-run", "--cgroup-manager", "cgroupfs",
                                              "--events-backend", "none", "--runtime", "runc", "--storage-driver", "overlay"], work)
            engines.append(podman_engine)
            with open(busybox, "rb") as f:
                podman_engine.call("import", "-", "busybox:latest", stdin=f)

        def run_args(engine):
            # podman's default RLIMIT_NOFILE (1048576) needs CAP_SYS_RESOURCE, which some hosts' bounding set lacks.
            extra = ["--cgroup-parent", podman_parent, "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"] if engine.name == "podman" else []
            return ["run", "--rm", "--network", "none", *extra, "busybox", "true"]

        results = {}

        def record(case, engine, sample):
            results.setdefault(case, {}).setdefault(engine.name, []).append(sample)

        for engine in engines:  # warm up: the first run of each pays one-time costs
            engine.call(*run_args(engine))
        for _ in range(args.rounds):
            for engine in engines:
                record("run --rm true", engine, engine.timed(*run_args(engine)))

        daemons = [e for e in engines if e.name != "podman"]
        for engine in daemons:
            for i in range(args.containers):
                engine.call("run", "-d", "--network", "none", "--name", f"bench{i}", "busybox", "sleep", "3600")
        for _ in range(args.rounds):
            for engine in daemons:
                record(f"ps ({args.containers} running)", engine, engine.timed("ps"))
        for _ in range(max(1, args.rounds // 4)):
            for engine in daemons:
                record(f"stats --no-stream ({args.containers})", engine, engine.timed("stats", "--no-stream"))
        for engine in daemons:
            ids = engine.call("ps", "-aq", stdout=subprocess.PIPE).stdout.decode().split()
            engine.call("rm", "-f", *ids)

        for engine in daemons:
            engine.call("run", "--name", "logger", "--network", "none", "busybox", "sh", "-c",
                        f"yes 'lcd benchmark log line, 64 bytes of text to fill the json-file log.' | head -c {args.log_mb * 1048576}",
                        stdout=subprocess.DEVNULL)
        for _ in range(max(1, args.rounds // 4)):
            for engine in daemons:
                record(f"logs ({args.log_mb} MiB)", engine, engine.timed("logs", "logger"))
        for engine in daemons:
            engine.call("rm", "-f", "logger")

        cpu_model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "unknown")
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
        docker_version = subprocess.run(["dockerd", "--version"], capture_output=True, text=True).stdout.strip()
        print(f"machine: {os.cpu_count()} x {cpu_model}, kernel {os.uname().release}, load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; commit {commit}; {docker_version}; rounds {args.rounds}")
        print()
        print("| case | engine | median wall ms | median CPU ms | wall x dockerd | CPU x dockerd |")
        print("|---|---|---:|---:|---:|---:|")
        for case, by_engine in results.items():
            base = by_engine.get("dockerd")
            for name, samples in by_engine.items():
                wall = median([s[0] for s in samples])
                cpu = median([s[1] for s in samples])
                ratio = f"{wall / median([s[0] for s in base]):.2f}" if base else ""
                cpu_ratio = f"{cpu / median([s[1] for s in base]):.2f}" if base else ""
                print(f"| {case} | {name} | {wall:.1f} | {cpu:.1f} | {ratio} | {cpu_ratio} |")
        if args.smoke:
            print(f"smoke: {', '.join(f'{e.name} ok' for e in engines)}")
    except (RuntimeError, subprocess.CalledProcessError) as ex:
        print(f"daemon.py: {ex}", file=sys.stderr)
        status = 1
    finally:
        for engine in engines:
            if engine.name == "podman":
                engine.call("rm", "-af", check=False)
            engine.stop_daemon()
        for mount in sorted(mounts_under(work), key=len, reverse=True):
            subprocess.run(["umount", "-l", mount], check=False)
        left = []
        for engine in engines:
            for cg in (engine.client_cg, engine.daemon_cg):
                try:
                    cg.remove()
                except RuntimeError as ex:
                    left.append(str(ex))
        for hierarchy in os.listdir("/sys/fs/cgroup"):
            for parent, sub in ((podman_parent, "conmon"), (podman_parent, ""), (docker_parent, "")):
                path = os.path.join("/sys/fs/cgroup", hierarchy, parent.lstrip("/"), sub).rstrip("/")
                if os.path.isdir(path):
                    try:
                        os.rmdir(path)
                    except OSError as ex:
                        left.append(f"{path}: {ex}")
        shutil.rmtree(work, ignore_errors=True)
        if os.path.exists(work):
            left.append(f"{work} could not be removed")
        if left:
            print("daemon.py: left behind: " + "; ".join(left), file=sys.stderr)
            status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()
