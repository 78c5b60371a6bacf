#!/usr/bin/env bash
# A private containerd: its own root, state, socket (all under DIR) and no CRI plugin, so it runs beside
# a system containerd and other tests' ones. Used by eng/containerd-test.sh and by the differential
# suite (tests/Lcrun.Tests/Differential), which takes the config.json of a ctr container from it.
#
#   eng/containerd-private.sh start DIR        # starts it (detached), waits until it answers
#   eng/containerd-private.sh stop DIR [NS...] # kills and deletes NS's tasks and containers, stops it,
#                                              # kills the shims it started, removes ctr's empty fifo dirs
#
# The socket is DIR/containerd.sock, the state dir DIR/state (a task's bundle, with its config.json,
# is DIR/state/io.containerd.runtime.v2.task/NS/ID), the log DIR/containerd.log.
set -euo pipefail

usage() { echo "usage: $0 start DIR | stop DIR [NAMESPACE...]" >&2; exit 2; }

(($# >= 2)) || usage
verb=$1
dir=$(realpath -m "$2")
shift 2
sock=$dir/containerd.sock

ctr_in() { local ns=$1; shift; command ctr --address "$sock" --namespace "$ns" "$@"; }

start() {
    mkdir -p "$dir"
    cat > "$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$sock.ttrpc"
EOF
    # Its own session: it outlives this script and the caller's process group.
    setsid containerd --config "$dir/config.toml" > "$dir/containerd.log" 2>&1 < /dev/null &
    echo $! > "$dir/containerd.pid"
    for _ in $(seq 100); do
        command ctr --address "$sock" version >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "containerd-private: containerd did not answer on $sock in 10 s; its log:" >&2
    cat "$dir/containerd.log" >&2
    stop
    return 1
}

task_status() { ctr_in "$1" task ls 2>/dev/null | awk -v id="$2" '$1 == id { print $3 }'; }

stop() {
    set +e
    if [ -S "$sock" ]; then
        for ns in "$@"; do
            for id in $(ctr_in "$ns" task ls -q 2>/dev/null); do
                ctr_in "$ns" task kill -s SIGKILL "$id" >/dev/null 2>&1
                for _ in $(seq 100); do
                    [ "$(task_status "$ns" "$id")" == STOPPED ] && break
                    sleep 0.1
                done
                ctr_in "$ns" task delete "$id" >/dev/null 2>&1
            done
            for id in $(ctr_in "$ns" container ls -q 2>/dev/null); do ctr_in "$ns" container delete "$id" >/dev/null 2>&1; done
        done
    fi
    if [ -f "$dir/containerd.pid" ]; then
        pid=$(cat "$dir/containerd.pid")
        kill "$pid" 2>/dev/null
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
        rm -f "$dir/containerd.pid"
    fi
    # Shims outlive containerd by design; ours are those started with our socket.
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $sock" || true); do
        kill -9 "$pid" 2>/dev/null
    done
    # ctr's fifo dirs, the shims' socket dir and runc's default root (/run/containerd/runc/NS, when no
    # --runc-root is given) live under /run/containerd: remove them if empty (rmdir leaves them alone
    # when a system containerd uses them).
    for ns in "$@"; do rmdir "/run/containerd/runc/$ns" 2>/dev/null; done
    find /run/containerd/fifo /run/containerd/s -mindepth 1 -depth -type d -empty -delete 2>/dev/null
    rmdir /run/containerd/fifo /run/containerd/s /run/containerd/runc /run/containerd 2>/dev/null
    return 0
}

case $verb in
    start) start ;;
    stop) stop "$@" ;;
    *) usage ;;
esac
