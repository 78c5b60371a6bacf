#!/usr/bin/env bash
# Where the time of one embedded lifecycle goes, as root:
#   sudo benchmarks/trace.sh [--containers 20] [--strace] [--out DIR]
# Starts the embedded program (`--serve`: one warm factory, warm-up lifecycles untraced until the JIT is quiet), then
# traces N /bin/true containers run one after another (0.1 s apart) and writes DIR (default
# artifacts/benchmarks/trace-<time>/):
#   ftrace.txt   every system call (enter, exit) and every fork, exec and exit of the program's
#                threads and of what they start (lc-init, the container), from a private ftrace
#                instance (about a microsecond per call; it shows no file names)
#   times.txt    the program's own microseconds per run: total create start wait destroy, cpu, cpu per step
#   breakdown.md trace_breakdown.py's table: each lifecycle cut into its steps (needs python3)
# With --strace: `strace -f -ttt -T` instead (strace.txt, with file names and strings, but every
# call is slowed by ~0.1 ms on this VM, so its times only count calls; use it to see what happens).
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
project="$here/LibContainer.Benchmarks/LibContainer.Benchmarks.csproj"
containers=20
use_strace=0
out=""

usage() { echo "usage: sudo benchmarks/trace.sh [--containers N] [--strace] [--out DIR]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --containers) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; containers=$2; shift 2 ;;
    --strace) use_strace=1; shift ;;
    --out) [[ -n ${2:-} ]] || usage; out=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "benchmarks/trace.sh: must run as root" >&2; exit 2; }
if [[ $use_strace -eq 1 ]] && ! command -v strace >/dev/null; then
  echo "benchmarks/trace.sh: strace is missing: apt-get install -y strace" >&2
  exit 2
fi
out="${out:-$repo/artifacts/benchmarks/trace-$(date +%Y%m%d-%H%M%S)}"
if [[ -z ${_LCBENCH_TRACE_MASKED:-} ]]; then
  # Everything below runs in masked.sh's private mount namespace (also a tracefs mount, if needed).
  args=(--containers "$containers" --out "$out")
  [[ $use_strace -eq 1 ]] && args+=(--strace)
  export _LCBENCH_TRACE_MASKED=1
  exec "$here/masked.sh" "$BASH" "${BASH_SOURCE[0]}" "${args[@]}"
fi
unset _LCBENCH_TRACE_MASKED
mkdir -p "$out"

dotnet build -c Release -nologo -v quiet "$project" >&2
dll="$(dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration=Release)"

tracing=/sys/kernel/tracing
if [[ $use_strace -eq 0 && ! -e $tracing/instances ]]; then
  mount -t tracefs nodev "$tracing" # inside masked.sh's private mount namespace: the host is unchanged
fi
instance="$tracing/instances/lcbench-$$"
strace_pid=""
embedded_pid=""
cleanup() {
  local rc=$? line=""
  set +e
  trap - EXIT INT TERM
  [[ -n $strace_pid ]] && kill "$strace_pid" 2>/dev/null && wait "$strace_pid" 2>/dev/null
  if [[ -d $instance ]]; then
    echo 0 >"$instance/tracing_on"
    echo 0 >"$instance/events/enable"
    rmdir "$instance"
  fi
  if [[ -n $embedded_pid ]] && kill -0 "$embedded_pid" 2>/dev/null; then
    echo quit >&"${EMB[1]}"
    read -r -t 60 -u "${EMB[0]}" line
    wait "$embedded_pid"
    [[ $line == "leftovers none" ]] || { echo "trace: leftover check: ${line:-no answer}" >&2; rc=1; }
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

coproc EMB { exec dotnet "$dll" --serve 2>"$out/embedded.stderr"; }
embedded_pid=$EMB_PID
read -r -t 300 -u "${EMB[0]}" tag pid _ || true
[[ ${tag:-} == ready ]] || { echo "trace: the embedded program did not start" >&2; cat "$out/embedded.stderr" >&2; exit 1; }

mark() { [[ $use_strace -eq 1 ]] || echo "$1" >"$instance/trace_marker"; }
if [[ $use_strace -eq 1 ]]; then
  strace -f -ttt -T -s 96 -o "$out/strace.txt" -p "$pid" 2>"$out/strace.stderr" &
  strace_pid=$!
  sleep 2 # strace attaches thread by thread
else
  mkdir "$instance"
  echo 32768 >"$instance/buffer_size_kb"
  echo mono >"$instance/trace_clock"
  for task in /proc/"$pid"/task/*; do echo "${task##*/}" >>"$instance/set_event_pid"; done
  echo 1 >"$instance/options/event-fork" # and every thread or process they start
  echo 1 >"$instance/events/syscalls/enable"
  for event in fork exec exit; do echo 1 >"$instance/events/sched/sched_process_$event/enable"; done
  echo 1 >"$instance/tracing_on"
fi

: >"$out/times.txt"
for ((i = 0; i < containers; i++)); do
  mark "lcbench run $i"
  echo run >&"${EMB[1]}"
  read -r -t 60 -u "${EMB[0]}" line
  mark "lcbench done $i"
  [[ $line =~ ^[0-9] ]] || { echo "trace: run $i: $line" >&2; exit 1; }
  echo "$line" >>"$out/times.txt"
  sleep 0.1
done

if [[ $use_strace -eq 1 ]]; then
  kill "$strace_pid"
  wait "$strace_pid" 2>/dev/null || true
  strace_pid=""
  echo "trace: $containers lifecycles under strace: $out/strace.txt" >&2
else
  echo 0 >"$instance/tracing_on"
  cp "$instance/trace" "$out/ftrace.txt"
  echo "trace: $containers lifecycles: $out/ftrace.txt ($(wc -l <"$out/ftrace.txt") lines)" >&2
  if command -v python3 >/dev/null; then
    python3 "$here/trace_breakdown.py" "$out/ftrace.txt" | tee "$out/breakdown.md"
  fi
fi
echo "times per run, us (total create start wait destroy cpu, then cpu of create start wait destroy), traced:" >&2
cat "$out/times.txt" >&2
