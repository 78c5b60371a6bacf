#!/usr/bin/env bash
# Where the time of one embedded lifecycle goes, as root:
#   sudo benchmarks/trace.sh [--containers 5] [--out DIR]
# Starts the embedded program (`--serve`, one warm factory, 10 warm-up lifecycles untraced), attaches
# `strace -f -ttt -T` to all its threads, runs N /bin/true containers one after another (0.3 s apart),
# detaches, and writes DIR/strace.txt (default artifacts/benchmarks/trace-<time>/) plus DIR/times.txt
# (the program's own microseconds per run: total create start wait destroy, traced, so inflated).
# strace follows lc-init and the container too (they are children of the traced threads). Read it
# with trace_breakdown.py, which cuts each lifecycle into its steps.
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
project="$here/LibContainer.Benchmarks/LibContainer.Benchmarks.csproj"
controllers=/sys/fs/cgroup/unified/cgroup.controllers
containers=5
out=""

usage() { echo "usage: sudo benchmarks/trace.sh [--containers N] [--out DIR]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --containers) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; containers=$2; shift 2 ;;
    --out) [[ -n ${2:-} ]] || usage; out=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "benchmarks/trace.sh: must run as root" >&2; exit 2; }
if ! command -v strace >/dev/null; then
  echo "benchmarks/trace.sh: strace is missing: apt-get install -y strace" >&2
  exit 2
fi
out="${out:-$repo/artifacts/benchmarks/trace-$(date +%Y%m%d-%H%M%S)}"
if [[ -e $controllers && -n "$(<"$controllers")" ]]; then
  exec "$here/masked.sh" "$BASH" "${BASH_SOURCE[0]}" --containers "$containers" --out "$out"
fi
mkdir -p "$out"

dotnet build -c Release -nologo -v quiet "$project" >&2
dll="$(dotnet msbuild "$project" -nologo -getProperty:TargetPath -p:Configuration=Release)"

strace_pid=""
embedded_pid=""
cleanup() {
  local rc=$? line=""
  set +e
  trap - EXIT INT TERM
  [[ -n $strace_pid ]] && kill "$strace_pid" 2>/dev/null && wait "$strace_pid" 2>/dev/null
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

strace -f -ttt -T -s 96 -o "$out/strace.txt" -p "$pid" 2>"$out/strace.stderr" &
strace_pid=$!
sleep 2 # strace attaches thread by thread
: >"$out/times.txt"
for ((i = 0; i < containers; i++)); do
  echo run >&"${EMB[1]}"
  read -r -t 60 -u "${EMB[0]}" line
  [[ $line =~ ^[0-9] ]] || { echo "trace: run $i: $line" >&2; exit 1; }
  echo "$line" >>"$out/times.txt"
  sleep 0.3
done
kill "$strace_pid"
wait "$strace_pid" 2>/dev/null || true
strace_pid=""
echo "trace: $containers lifecycles traced: $out/strace.txt ($(wc -l <"$out/strace.txt") lines); times (us: total create start wait destroy):" >&2
cat "$out/times.txt" >&2
echo "read it with: python3 benchmarks/trace_breakdown.py $out/strace.txt" >&2
