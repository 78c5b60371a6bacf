#!/usr/bin/env bash
# Checkpoint and restore of one small container, lcrun beside runc (and crun when it was built with
# CRIU), as root:
#   sudo benchmarks/checkpoint.sh [--rounds 10]
#
# Each round, for each runtime in turn (the first one rotating): run -d a busybox `sleep` whose stdio
# is the container's /dev/null, then time `checkpoint --image-path DIR` (CRIU dumps it and the
# runtime deletes it) and `restore -d --image-path DIR` (the container runs again), then delete it.
# Prints the median and p90 of each, and the medians as a ratio of runc's. "lcrun-empty-net" is lcrun
# with runc's --empty-ns network, which runc always uses: its network namespace is dumped and restored
# without contents (lo comes back down), which saves CRIU's ip and iptables runs. All runtimes use the
# same criu (the first on PATH: sudo eng/criu-setup.sh installs one that works on new kernels), so
# most of the time is CRIU's; the ratio is what each runtime adds around it. lcrun is
# artifacts/lcrun/lcrun (dotnet publish samples/Lcrun -c Release -o artifacts/lcrun) or $LCRUN.
set -euo pipefail
export LC_ALL=C

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
rounds=10
usage() { echo "usage: sudo benchmarks/checkpoint.sh [--rounds N]" >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage; rounds=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "benchmarks/checkpoint.sh: must run as root" >&2; exit 2; }
lcrun=${LCRUN:-$repo/artifacts/lcrun/lcrun}
[[ -x $lcrun ]] || { echo "benchmarks/checkpoint.sh: $lcrun is missing: dotnet publish samples/Lcrun -c Release -o artifacts/lcrun" >&2; exit 2; }
for tool in criu runc busybox; do
  command -v $tool >/dev/null || { echo "benchmarks/checkpoint.sh: '$tool' is not installed" >&2; exit 2; }
done

runtimes=(lcrun lcrun-empty-net runc)
if command -v crun >/dev/null && crun checkpoint --help >/dev/null 2>&1; then
  runtimes+=(crun)
else
  echo "checkpoint: crun left out: $(command -v crun >/dev/null && echo "this crun was built without CRIU" || echo "not installed")" >&2
fi

work="$(mktemp -d /tmp/lcbench-checkpoint-XXXXXX)"
cleanup() {
  set +e
  for rt in "${runtimes[@]}"; do
    for id in $(bin "$rt" --root "$work/state-$rt" list -q 2>/dev/null); do bin "$rt" --root "$work/state-$rt" delete -f "$id"; done
  done
  rm -rf "$work"
}
trap cleanup EXIT
bin() { local rt=$1; shift; if [[ $rt == lcrun* ]]; then "$lcrun" "$@"; else "$rt" "$@"; fi; }
extra() { [[ $1 == lcrun-empty-net ]] && echo "--empty-ns network" || true; }

# The bundle: busybox and the spec lcrun writes, with a writable root (CRIU's and runc's usual case).
bundle="$work/bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
for applet in sh sleep; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
(cd "$bundle" && "$lcrun" spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"readonly": true/"readonly": false/' \
    -e 's|"sh"|"sh", "-c", "exec </dev/null >/dev/null 2>\&1; sleep 1000"|' "$bundle/config.json"

declare -A samples
one() { # one: RUNTIME ROUND -> appends "checkpoint restore" ms to samples
  local rt=$1 round=$2 state id images t0 t1 t2
  state="$work/state-$rt" id="ck-$rt-$round" images="$work/images-$rt-$round"
  (cd "$bundle" && bin "$rt" --root "$state" run -d "$id" </dev/null >/dev/null 2>&1)
  sleep 0.2
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2046
  bin "$rt" --root "$state" checkpoint $(extra "$rt") --image-path "$images" "$id" </dev/null >/dev/null
  t1=$EPOCHREALTIME
  # shellcheck disable=SC2046
  (cd "$bundle" && bin "$rt" --root "$state" restore -d $(extra "$rt") --image-path "$images" "$id" </dev/null >/dev/null 2>&1)
  t2=$EPOCHREALTIME
  [[ $(bin "$rt" --root "$state" state "$id" | grep -o '"status": *"[a-z]*"') =~ running ]] \
    || { echo "checkpoint: $rt: $id is not running after restore" >&2; exit 1; }
  bin "$rt" --root "$state" delete -f "$id"
  rm -rf "$images"
  samples[$rt-checkpoint]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f ", (b - a) * 1000 }')"
  samples[$rt-restore]+="$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f ", (b - a) * 1000 }')"
}

for ((r = 0; r < rounds; r++)); do
  n=${#runtimes[@]}
  for ((k = 0; k < n; k++)); do one "${runtimes[$(((r + k) % n))]}" "$r"; done
done

stat() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { printf "%.1f %.1f", v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)] }'; }
echo "criu $(criu --version | sed -n 's/^Version: *//p'), $rounds rounds; ms"
printf '%-16s %-12s %8s %8s %10s\n' runtime operation median p90 "x runc"
for op in checkpoint restore; do
  read -r runc_median _ <<< "$(stat <<< "${samples[runc-$op]}")"
  for rt in "${runtimes[@]}"; do
    read -r median p90 <<< "$(stat <<< "${samples[$rt-$op]}")"
    printf '%-16s %-12s %8s %8s %10s\n' "$rt" "$op" "$median" "$p90" "$(awk -v a="$median" -v b="$runc_median" 'BEGIN { printf "%.2f", a / b }')"
  done
done
