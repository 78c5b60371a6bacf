#!/usr/bin/env bash
# Each runtime verb on its own, lcrun beside crun and runc, as root:
#   sudo benchmarks/verbs.sh [--rounds 30] [--runtimes "crun lcrun runc"]
#
# Where compare.sh times whole lifecycles, this times each call: --version (the process alone),
# create, state, start, delete -f (and the sum of create, start and delete: a lifecycle in three
# calls, as containerd's shim makes it), and run of /bin/true. One round runs, for each runtime in turn,
# the verbs of one container (create, state, start, delete) and then one run; the runtimes' order
# rotates every round. Prints the median and p90 per verb and runtime (ms, around bash's
# fork+exec+wait of the command, so every row includes ~4-5 ms of starting a process) and each
# median's ratio to crun's. All of it runs in masked.sh's private mount namespace (crun 1.8 refuses
# this host's hybrid cgroup layout otherwise) on one busybox bundle in a temp directory, made from
# /bin/busybox and `lcrun spec` (args /bin/true, no terminal, ociVersion 1.0.2 for crun 1.8).
# lcrun is artifacts/lcrun/lcrun (dotnet publish samples/Lcrun -c Release -o artifacts/lcrun) or $LCRUN.
# Fails if a call fails or a container is left behind.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME with a '.'

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
rounds=30
runtimes="crun lcrun runc"

usage() { echo "usage: sudo benchmarks/verbs.sh [--rounds N] [--runtimes \"crun lcrun runc\"]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; rounds=$2; shift 2 ;;
    --runtimes) [[ -n ${2:-} ]] || usage; runtimes=$2; shift 2 ;;
    *) usage ;;
  esac
done

if [[ $(id -u) -ne 0 ]]; then
  echo "benchmarks/verbs.sh: must run as root (sudo benchmarks/verbs.sh)" >&2
  exit 2
fi
lcrun=${LCRUN:-$repo/artifacts/lcrun/lcrun}
declare -A command=([crun]=crun [runc]=runc [lcrun]=$lcrun)
for rt in $runtimes; do
  [[ -n ${command[$rt]:-} ]] || { echo "benchmarks/verbs.sh: unknown runtime '$rt' (crun, lcrun, runc)" >&2; exit 2; }
  command -v "${command[$rt]}" >/dev/null || { echo "benchmarks/verbs.sh: '${command[$rt]}' is not installed (lcrun: dotnet publish samples/Lcrun -c Release -o artifacts/lcrun)" >&2; exit 2; }
done
[[ -x /bin/busybox ]] || { echo "benchmarks/verbs.sh: /bin/busybox is missing (apt-get install busybox-static)" >&2; exit 2; }
if [[ -z ${_LCBENCH_VERBS_MASKED:-} ]]; then
  export _LCBENCH_VERBS_MASKED=1
  exec "$here/masked.sh" "$BASH" "${BASH_SOURCE[0]}" --rounds "$rounds" --runtimes "$runtimes"
fi
unset _LCBENCH_VERBS_MASKED

work="$(mktemp -d /tmp/lcbench-verbs-XXXXXX)"
cleanup() {
  local rc=$?
  set +e
  for rt in $runtimes; do
    for dir in "$work/state-$rt"/*/; do
      [[ -d $dir ]] && "${command[$rt]}" --root "$work/state-$rt" delete -f "$(basename "$dir")" >/dev/null 2>&1
    done
  done
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

mkdir -p "$work/bundle/rootfs/bin" "$work/bundle/rootfs/proc" "$work/bundle/rootfs/dev" "$work/bundle/rootfs/sys" "$work/bundle/rootfs/tmp"
cp /bin/busybox "$work/bundle/rootfs/bin/busybox"
ln -s busybox "$work/bundle/rootfs/bin/true"
ln -s busybox "$work/bundle/rootfs/bin/sh"
(cd "$work/bundle" && "$lcrun" spec)
sed -i -e 's/"ociVersion": "1.2.0"/"ociVersion": "1.0.2"/' -e 's/"terminal": true/"terminal": false/' \
  -e '/"args": \[/,/\]/ s/"sh"/"\/bin\/true"/' "$work/bundle/config.json"
grep -q '"/bin/true"' "$work/bundle/config.json" || { echo "benchmarks/verbs.sh: could not set args in the spec" >&2; exit 1; }
for rt in $runtimes; do mkdir -p "$work/state-$rt"; done

verbs=(version create state start delete csd run)
declare -A samples
# One call, timed around bash's fork+exec+wait; its output goes to a file, shown if it fails.
timed() {
  local key=$1; shift
  local start=$EPOCHREALTIME
  if ! "$@" >"$work/out" 2>&1 </dev/null; then
    echo "benchmarks/verbs.sh: failed: $*" >&2
    cat "$work/out" >&2
    exit 1
  fi
  local end=$EPOCHREALTIME
  last=$(( ${end/./} - ${start/./} ))
  samples[$key]+="$last "
}

echo "verbs: $rounds rounds of: version create state start delete run for $runtimes (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
read -r -a order <<<"$runtimes"
for ((round = 0; round < rounds; round++)); do
  for ((i = 0; i < ${#order[@]}; i++)); do
    rt=${order[$(( (round + i) % ${#order[@]} ))]}
    c=${command[$rt]}
    root=(--root "$work/state-$rt")
    id="v$round"
    timed "$rt.version" "$c" --version
    timed "$rt.create" "$c" "${root[@]}" create --bundle "$work/bundle" "$id"
    csd=$last
    timed "$rt.state" "$c" "${root[@]}" state "$id"
    timed "$rt.start" "$c" "${root[@]}" start "$id"
    csd=$(( csd + last ))
    sleep 0.005 # /bin/true exits; delete -f works either way
    timed "$rt.delete" "$c" "${root[@]}" delete -f "$id"
    samples[$rt.csd]+="$(( csd + last )) "
    timed "$rt.run" "$c" "${root[@]}" run --bundle "$work/bundle" "r$id"
  done
done

stat() { tr ' ' '\n' | grep -v '^$' | sort -n | awk -v q="$1" '{a[NR]=$1} END {i=int(NR*q+0.999999); if (i<1) i=1; printf "%.2f", a[i]/1000}'; }
printf "\n| verb |"
for rt in $runtimes; do printf " %s median ms | p90 |" "$rt"; done
for rt in $runtimes; do [[ $rt != crun ]] && printf " %s x crun |" "$rt"; done
printf "\n|---|"
for rt in $runtimes; do printf -- "---:|---:|"; done
for rt in $runtimes; do [[ $rt != crun ]] && printf -- "---:|"; done
printf "\n"
for verb in "${verbs[@]}"; do
  printf "| %s |" "${verb/csd/create+start+delete}"
  declare -A median=()
  for rt in $runtimes; do
    median[$rt]=$(stat 0.5 <<<"${samples[$rt.$verb]}")
    printf " %s | %s |" "${median[$rt]}" "$(stat 0.9 <<<"${samples[$rt.$verb]}")"
  done
  for rt in $runtimes; do
    [[ $rt == crun ]] && continue
    if [[ -n ${median[crun]:-} ]]; then
      printf " %s |" "$(awk -v a="${median[$rt]}" -v b="${median[crun]}" 'BEGIN {printf "%.2f", a/b}')"
    else
      printf " |"
    fi
  done
  printf "\n"
done
for rt in $runtimes; do
  left=$(find "$work/state-$rt" -mindepth 1 -maxdepth 1 | wc -l)
  [[ $left -eq 0 ]] || { echo "benchmarks/verbs.sh: $rt left $left containers behind" >&2; exit 1; }
done
echo "verbs: load after $(cut -d' ' -f1-3 /proc/loadavg)" >&2
