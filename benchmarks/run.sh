#!/usr/bin/env bash
# Runs the LibContainer benchmarks (Release), as root, from any directory:
#   sudo benchmarks/run.sh            BenchmarkDotNet: LibContainer lifecycle vs `runc run` vs `crun run`
#   sudo benchmarks/run.sh --smoke    each variant 3 times without BenchmarkDotNet (CI): exit 0 if all work
# Other arguments go to BenchmarkDotNet (e.g. --filter '*Lifecycle*').
#
# crun 1.8 refuses a hybrid cgroup host whose /sys/fs/cgroup/unified/cgroup.controllers is not
# empty. So everything (the build, BenchmarkDotNet's child processes and all three variants) runs
# in one private mount namespace in which an empty file is bind-mounted over that file. The mount
# dies with the namespace; the host's mount table is not changed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
controllers=/sys/fs/cgroup/unified/cgroup.controllers

if [[ $(id -u) -ne 0 ]]; then
  echo "benchmarks/run.sh: must run as root (sudo benchmarks/run.sh $*)" >&2
  exit 2
fi

if [[ "${_LCBENCH_IN_NAMESPACE:-}" != "$$" ]]; then
  # Re-execute in a new mount namespace whose mounts do not propagate back to the host.
  # (unshare execs, so the pid stays the same: that is how the inner copy knows it is inside.)
  command -v unshare >/dev/null || { echo "benchmarks/run.sh: unshare (util-linux) is missing" >&2; exit 2; }
  export _LCBENCH_IN_NAMESPACE=$$
  exec unshare --mount --propagation private -- "$BASH" "$here/run.sh" "$@"
fi
unset _LCBENCH_IN_NAMESPACE

if [[ -e $controllers ]]; then
  empty="$(mktemp)"
  mount --bind "$empty" "$controllers"
  rm -f "$empty" # the mount keeps the inode; nothing is left in /tmp
fi

# No build servers: they would outlive this script inside the private namespace.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDDISABLENODEREUSE=1 UseSharedCompilation=false

cd "$repo" # global.json applies; BenchmarkDotNet's results go to artifacts/benchmarks
exec dotnet run -c Release --project "$here/LibContainer.Benchmarks/LibContainer.Benchmarks.csproj" -- "$@"
