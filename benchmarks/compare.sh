#!/usr/bin/env bash
# One /bin/true container, from nothing to nothing left, every way at once, as root:
#   sudo benchmarks/compare.sh [--rounds 100] [--warmup-rounds 2] [--tmpfs-state] [--synchronous-wait-ms N] [--settle-ms 30]
#
# Variants, run round-robin (one run of each per round, the starting variant rotating) on the same
# busybox bundle, all inside one private mount namespace that hides the hybrid cgroup layout from
# crun (masked.sh):
#   embedded          the library in a long-running .NET process (one warm factory): CreateAsync,
#                     StartAsync, WaitForExitAsync, DestroyAsync, timed inside that process
#   crun run, runc run                          the runtime runs, waits for and deletes the container
#   crun/runc create+start+delete               three runtime invocations (delete --force)
#   unshare floor     unshare --fork --pid --mount --uts --ipc --net --mount-proc chroot ROOTFS /bin/true
#   fork+exec         /bin/true
# Every external variant is timed here, around bash's fork+exec+wait of the command (the fork+exec
# row is that overhead alone); the embedded one is timed by the program (no process is started per
# container there, so there is nothing to add). Prints median and p90 per variant, and the ratio
# of the medians to `crun run` and to the unshare floor. Fails if any run fails or leaves anything.
# CPU time beside wall time: for the external variants the user + system time of the command and
# the descendants it waited for (bash's `times`, which reads getrusage(RUSAGE_CHILDREN): 1 ms
# resolution, so read medians); for the embedded one getrusage of its process (every thread) and
# the children it reaped, in microseconds. A container process whose runtime exits before it (create
# + start + delete: the init is reparented when `create` exits) is reaped by pid 1 and not counted,
# for every runtime alike. Wall time minus CPU time is time spent waiting: off-CPU.
# Before every run the script pauses --settle-ms (default 30; 0: none), so each variant starts from
# the same kernel state: the first write into a cgroup.procs after a quiet spell waits one RCU grace
# period (~12 ms on a 2-vCPU VM; the cgroup threadgroup lock), and the lock stays switched for one
# grace period after the last writer. Back to back in a fixed order, the variant that follows one
# without cgroups (lcrun run followed fork+exec) paid it every time while others (crun run followed
# the embedded lifecycle) mostly found it paid. With the pause every runtime pays it, as a container
# made on its own does.
# State roots (the library's, runc's, crun's) are in a temp directory under /tmp; with --tmpfs-state
# all three are on a tmpfs mounted in the private namespace instead (as /run is on most hosts; on
# this VM /run is on the root ext4 file system, where every state file costs more).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME with a '.'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
project="$here/LibContainer.Benchmarks/LibContainer.Benchmarks.csproj"
rounds=100
warmup_rounds=2
tmpfs_state=0
sync_wait_ms=0 # the embedded factory's SynchronousWaitLimit (0, the library's default: every wait asynchronous)
settle_ms=30   # the pause before every run (see above)

usage() { echo "usage: sudo benchmarks/compare.sh [--rounds N] [--warmup-rounds N] [--tmpfs-state] [--synchronous-wait-ms N] [--settle-ms N]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; rounds=$2; shift 2 ;;
    --warmup-rounds) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; warmup_rounds=$2; shift 2 ;;
    --tmpfs-state) tmpfs_state=1; shift ;;
    --synchronous-wait-ms) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; sync_wait_ms=$2; shift 2 ;;
    --settle-ms) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; settle_ms=$2; shift 2 ;;
    *) usage ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  echo "benchmarks/compare.sh: must run as root (sudo benchmarks/compare.sh)" >&2
  exit 2
fi
for tool in runc crun unshare chroot dotnet; do
  command -v $tool >/dev/null || { echo "benchmarks/compare.sh: '$tool' is not installed (or not on PATH)" >&2; exit 2; }
done
if [[ -z ${_LCBENCH_COMPARE_MASKED:-} ]]; then
  # Everything below runs in masked.sh's private mount namespace (also the tmpfs of --tmpfs-state).
  args=(--rounds "$rounds" --warmup-rounds "$warmup_rounds" --synchronous-wait-ms "$sync_wait_ms" --settle-ms "$settle_ms")
  [[ $tmpfs_state -eq 1 ]] && args+=(--tmpfs-state)
  export _LCBENCH_COMPARE_MASKED=1
  exec "$here/masked.sh" "$BASH" "${BASH_SOURCE[0]}" "${args[@]}"
fi
unset _LCBENCH_COMPARE_MASKED

# Build once, then run the program directly (no `dotnet run` per call).
echo "compare: building $project (Release)" >&2
dotnet build -c Release -nologo -v quiet "$project" >&2
dll="$(dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration=Release)"

work="$(mktemp -d /tmp/lcbench-compare-XXXXXX)"
errors="$work/stderr"
serve_args=(--synchronous-wait-ms "$sync_wait_ms")
if [[ $tmpfs_state -eq 1 ]]; then
  mkdir "$work/tmpfs"
  mount -t tmpfs -o mode=0755 lcbench-state "$work/tmpfs" # in the private namespace: gone with it
  mkdir "$work/tmpfs/libcontainer" "$work/tmpfs/runc" "$work/tmpfs/crun"
  serve_args+=(--state-root "$work/tmpfs/libcontainer")
fi
embedded_pid=""
bundle=""
stem=""

cleanup() {
  local rc=$? line=""
  set +e
  trap - EXIT INT TERM
  # runc's and crun's containers first (their state roots are inside the embedded program's work
  # directory), then the embedded program: its leftover check covers all three, then it deletes it.
  for runtime in runc crun lcrun; do
    local root=${roots[$runtime]:-}
    [[ -n $root && -d $root ]] || continue
    for id in $(${command[$runtime]} --root "$root" list --quiet 2>/dev/null | grep -v '^ID$'); do
      ${command[$runtime]} --root "$root" delete --force "$id" >/dev/null 2>&1
    done
  done
  if [[ -n $embedded_pid ]] && kill -0 "$embedded_pid" 2>/dev/null; then
    echo quit >&"${EMB[1]}" 2>/dev/null
    read -r -t 60 -u "${EMB[0]}" line 2>/dev/null
    wait "$embedded_pid" 2>/dev/null
    if [[ $line != "leftovers none" ]]; then
      echo "compare: the embedded program's leftover check: ${line:-no answer}" >&2
      rc=1
    fi
  fi
  if [[ -n $bundle && -d $(dirname "$bundle") ]]; then
    # The program died: remove what it would have (its cgroups are named after the id stem).
    [[ -n $stem ]] && find /sys/fs/cgroup -mindepth 1 -maxdepth 7 -depth -type d -name "$stem*" -exec rmdir {} \; 2>/dev/null
    rm -rf "$(dirname "$bundle")"
  fi
  if [[ $tmpfs_state -eq 1 ]]; then
    umount "$work/tmpfs"
  fi
  rm -rf "$work"
  exit $rc
}
declare -A roots=()
trap cleanup EXIT
trap 'exit 130' INT TERM

coproc EMB { exec dotnet "$dll" --serve "${serve_args[@]}" 2>"$work/embedded.stderr"; }
embedded_pid=$EMB_PID
if ! read -r -t 300 -u "${EMB[0]}" tag pid bundle stem runc_root crun_root || [[ $tag != ready ]]; then
  echo "compare: the embedded program did not start: ${tag:-} ${pid:-} ${bundle:-}" >&2
  cat "$work/embedded.stderr" >&2 2>/dev/null
  exit 1
fi
roots=([runc]=$runc_root [crun]=$crun_root)
if [[ $tmpfs_state -eq 1 ]]; then
  roots=([runc]="$work/tmpfs/runc" [crun]="$work/tmpfs/crun")
fi
rootfs="$bundle/rootfs"
# lcrun (samples/Lcrun, native AOT) when published: `dotnet publish samples/Lcrun -c Release -o artifacts/lcrun`.
lcrun_bin=${LCRUN:-$repo/artifacts/lcrun/lcrun}
declare -A command=([runc]=runc [crun]=crun [lcrun]=$lcrun_bin)
if [[ -x $lcrun_bin ]]; then
  roots[lcrun]="$work/lcrun"
  [[ $tmpfs_state -eq 1 ]] && roots[lcrun]="$work/tmpfs/lcrun"
  mkdir -p "${roots[lcrun]}"
fi

declare -A samples=() # variant -> space-separated microseconds
declare -A cpu_samples=() # variant -> space-separated microseconds of CPU time
declare -A phase_samples=()
n=0
us=0

# Each variant runs once and sets $us; a failure names the variant and its stderr, and exits.
fail() {
  echo "compare: $1 failed (exit code $2):" >&2
  tail -n 20 "$errors" >&2 2>/dev/null
  exit 1
}
next_id() { n=$((n + 1)); id="${stem}x$n"; }
elapsed() { local t1=$EPOCHREALTIME; us=$(( ${t1/./} - ${t0/./} )); }
# children_cpu sets $children_us: CPU time (user + system, microseconds) of the children bash has
# waited for so far. `times` is a builtin and nothing here forks (a subshell would be a child too,
# and its own children's counts start empty); its second line is the children's: "0m1.234s 0m0.567s".
children_cpu() {
  local user sys
  times >"$work/times"
  { read -r _; read -r user sys; } <"$work/times"
  to_us "$user"; children_us=$seconds_us
  to_us "$sys"; children_us=$((children_us + seconds_us))
}
to_us() { local m=${1%%m*} s=${1#*m}; s=${s%s}; seconds_us=$(( (10#$m * 60000 + 10#${s/./}) * 1000 )); }
children_us=0
seconds_us=0
cpu_us=0

run_embedded() {
  local total create start wait destroy cpu cpu_create cpu_start cpu_wait cpu_destroy
  t0=$EPOCHREALTIME
  echo run >&"${EMB[1]}"
  read -r -t 60 -u "${EMB[0]}" total create start wait destroy cpu cpu_create cpu_start cpu_wait cpu_destroy || fail "embedded (no answer)" "?"
  elapsed
  [[ $total =~ ^[0-9]+$ ]] || { echo "compare: embedded: $total $create $start $wait $destroy" >&2; fail embedded "?"; }
  phase_samples[round_trip]+=" $us"
  phase_samples[create]+=" $create"; phase_samples[start]+=" $start"
  phase_samples[wait]+=" $wait"; phase_samples[destroy]+=" $destroy"
  phase_samples[cpu_create]+=" $cpu_create"; phase_samples[cpu_start]+=" $cpu_start"
  phase_samples[cpu_wait]+=" $cpu_wait"; phase_samples[cpu_destroy]+=" $cpu_destroy"
  us=$total
  cpu_us=$cpu
}
run_oci() { # runtime
  local rc=0
  next_id
  t0=$EPOCHREALTIME
  "${command[$1]}" --root "${roots[$1]}" run --bundle "$bundle" "$id" </dev/null >/dev/null 2>"$errors" || rc=$?
  elapsed
  [[ $rc -eq 0 ]] || fail "$1 run $id" $rc
}
run_csd() { # runtime: create, start, delete --force (/bin/true may not have exited when delete runs)
  local rc=0 root=${roots[$1]}
  next_id
  t0=$EPOCHREALTIME
  { "${command[$1]}" --root "$root" create --bundle "$bundle" "$id" </dev/null >/dev/null 2>"$errors" &&
    "${command[$1]}" --root "$root" start "$id" 2>>"$errors" &&
    "${command[$1]}" --root "$root" delete --force "$id" 2>>"$errors"; } || rc=$?
  elapsed
  [[ $rc -eq 0 ]] || fail "$1 create+start+delete $id" $rc
}
run_floor() {
  local rc=0
  t0=$EPOCHREALTIME
  unshare --fork --pid --mount --uts --ipc --net --mount-proc chroot "$rootfs" /bin/true </dev/null >/dev/null 2>"$errors" || rc=$?
  elapsed
  [[ $rc -eq 0 ]] || fail "unshare floor" $rc
}
run_forkexec() {
  local rc=0
  t0=$EPOCHREALTIME
  /bin/true || rc=$?
  elapsed
  [[ $rc -eq 0 ]] || fail "fork+exec /bin/true" $rc
}

variants=(embedded crun_run runc_run crun_csd runc_csd floor forkexec)
[[ -x $lcrun_bin ]] && variants+=(lcrun_run lcrun_csd)
declare -A label=(
  [lcrun_run]="lcrun run (the CLI sample, native AOT)"
  [lcrun_csd]="lcrun create+start+delete"
  [embedded]="embedded lifecycle (library, in process)"
  [crun_run]="crun run"
  [runc_run]="runc run"
  [crun_csd]="crun create+start+delete"
  [runc_csd]="runc create+start+delete"
  [floor]="unshare floor"
  [forkexec]="fork+exec /bin/true"
)
run_variant() {
  local before
  children_cpu; before=$children_us
  run_variant_once "$1"
  if [[ $1 != embedded ]]; then
    children_cpu; cpu_us=$((children_us - before))
  fi
}
run_variant_once() {
  case $1 in
    embedded) run_embedded ;;
    crun_run) run_oci crun ;;
    lcrun_run) run_oci lcrun ;;
    lcrun_csd) run_csd lcrun ;;
    runc_run) run_oci runc ;;
    crun_csd) run_csd crun ;;
    runc_csd) run_csd runc ;;
    floor) run_floor ;;
    forkexec) run_forkexec ;;
  esac
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
load_samples="" # the 1-minute load average after every round
started=$EPOCHREALTIME
total_rounds=$((warmup_rounds + rounds))
echo "compare: $rounds rounds (+$warmup_rounds warm-up) of ${#variants[@]} variants, interleaved; bundle $bundle" >&2
for ((round = 0; round < total_rounds; round++)); do
  for ((k = 0; k < ${#variants[@]}; k++)); do
    v=${variants[$(((round + k) % ${#variants[@]}))]}
    ((settle_ms > 0)) && sleep "$(printf '%d.%03d' $((settle_ms / 1000)) $((settle_ms % 1000)))"
    run_variant "$v"
    if ((round >= warmup_rounds)); then
      samples[$v]+=" $us"
      cpu_samples[$v]+=" $cpu_us"
    else
      phase_samples=() # the warm-up's embedded phases do not count either
    fi
  done
  if (((round + 1) % 10 == 0)); then echo "compare: round $((round + 1))/$total_rounds" >&2; fi
  read -r load1 _ </proc/loadavg && load_samples+=" $load1"
done
finished=$EPOCHREALTIME

# "median p90" in milliseconds of a list of microseconds (p90: nearest rank).
stats() {
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END {
    m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
    r = int(0.9 * NR); if (r < 0.9 * NR) r++
    printf "%.2f %.2f\n", m / 1000, a[r] / 1000 }'
}
declare -A median=() p90=() cpu=() offcpu=()
for v in "${variants[@]}"; do
  read -r median[$v] p90[$v] <<<"$(stats "${samples[$v]}")"
  read -r cpu[$v] _ <<<"$(stats "${cpu_samples[$v]}")"
  # off-CPU: per run, wall time minus CPU time (the time the command and what it waited for spent
  # waiting: for a CPU, a timer, a grace period, a child, the disk), then the median.
  read -r -a w <<<"${samples[$v]}"; read -r -a c <<<"${cpu_samples[$v]}"
  d=""; for i in "${!w[@]}"; do d+=" $((w[i] - c[i]))"; done
  read -r offcpu[$v] _ <<<"$(stats "$d")"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }

echo
echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')$(grep -m1 'cpu MHz' /proc/cpuinfo | awk -F: '{ printf ", %.0f MHz", $2 }')), kernel $(uname -r);" \
  "$(runc --version | head -1), $(crun --version | head -1), .NET $(dotnet --version)"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
  echo "Library: commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" status --porcelain -- src | grep -q . && echo ' + uncommitted changes in src/')"
else
  echo "Library: $repo (not a git checkout)"
fi
echo "Settle: $settle_ms ms before every run$([[ $settle_ms -gt 0 ]] && echo ' (each variant starts with the cgroup threadgroup lock idle, so each pays its grace period)' || echo ' (none: back to back, a variant may find the lock switched by the one before)')"
echo "Embedded factory: SynchronousWaitLimit $sync_wait_ms ms$([[ $sync_wait_ms -eq 0 ]] && echo ' (the default: every wait asynchronous, through the fd poller and the thread pool)')"
# ext4 without a journal makes every new inode skip the inodes deleted in the last minutes one by one
# (recently_deleted in the kernel): all runtimes' state files pay it (README: "The embedded lifecycle").
state_fs="$(df --output=fstype "$work" | tail -1 | tr -d ' ')"
if [[ $state_fs == ext4 ]]; then
  state_dev="$(basename "$(df --output=source "$work" | tail -1)")"
  compgen -G "/proc/fs/jbd2/$state_dev-*" >/dev/null || state_fs="ext4 without a journal"
fi
echo "State roots: $([[ $tmpfs_state -eq 1 ]] && echo "tmpfs ($work/tmpfs)" || echo "$state_fs ($(dirname "$bundle"))")"
echo "Embedded program: $(grep -m1 '^serve: JIT steady' "$work/embedded.stderr" 2>/dev/null | sed 's/^serve: //' || true)"
echo "$rounds rounds (+$warmup_rounds warm-up), $(awk -v a="${started/./}" -v b="${finished/./}" 'BEGIN { printf "%.0f", (b - a) / 1e6 }') s;" \
  "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "1-minute load during: $(tr ' ' '\n' <<<"$load_samples" | grep -v '^$' | sort -n | sed -n '1p;$p' | paste -sd- -) on $(nproc) CPUs"
echo
echo "| variant | median ms | p90 ms | CPU ms | off-CPU ms | x crun run | x unshare floor | CPU x crun run's |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for v in "${variants[@]}"; do
  echo "| ${label[$v]} | ${median[$v]} | ${p90[$v]} | ${cpu[$v]} | ${offcpu[$v]} | $(ratio "${median[$v]}" "${median[crun_run]}") |" \
    "$(ratio "${median[$v]}" "${median[floor]}") | $(ratio "${cpu[$v]}" "${cpu[crun_run]}") |"
done
echo
echo "Medians of each run's wall time, CPU time (user + system of the command and the children it reaped) and"
echo "their difference (off-CPU: waiting). Embedded: the lifecycle in process, its CPU from getrusage of"
echo "the program and its reaped children; the others from bash's \`times\` (1 ms resolution)."
if [[ -n ${median[lcrun_run]:-} ]]; then
  echo "lcrun run: $(ratio "${median[lcrun_run]}" "${median[crun_run]}")x crun run (CPU $(ratio "${cpu[lcrun_run]}" "${cpu[crun_run]}")x);" \
    "lcrun create+start+delete: $(ratio "${median[lcrun_csd]}" "${median[crun_csd]}")x crun's (CPU $(ratio "${cpu[lcrun_csd]}" "${cpu[crun_csd]}")x);" \
    "embedded: $(ratio "${median[embedded]}" "${median[crun_run]}")x crun run, $(ratio "${median[embedded]}" "${median[floor]}")x the floor"
fi
echo
printf "embedded lifecycle phases, median ms (median CPU ms): create %s (%s), start %s (%s), wait %s (%s), destroy %s (%s); bash round trip (line out, answer in) %s\n" \
  "$(stats "${phase_samples[create]}" | cut -d' ' -f1)" "$(stats "${phase_samples[cpu_create]}" | cut -d' ' -f1)" \
  "$(stats "${phase_samples[start]}" | cut -d' ' -f1)" "$(stats "${phase_samples[cpu_start]}" | cut -d' ' -f1)" \
  "$(stats "${phase_samples[wait]}" | cut -d' ' -f1)" "$(stats "${phase_samples[cpu_wait]}" | cut -d' ' -f1)" \
  "$(stats "${phase_samples[destroy]}" | cut -d' ' -f1)" "$(stats "${phase_samples[cpu_destroy]}" | cut -d' ' -f1)" \
  "$(stats "${phase_samples[round_trip]}" | cut -d' ' -f1)"
