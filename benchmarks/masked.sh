#!/usr/bin/env bash
# Runs a command, as root, in a private mount namespace in which crun accepts this host:
#   benchmarks/masked.sh COMMAND [ARGS...]
# crun 1.8 refuses a hybrid cgroup host whose /sys/fs/cgroup/unified/cgroup.controllers is not
# empty. So the command (and everything it starts: builds, BenchmarkDotNet's child processes, runc,
# crun, the library) runs in a new mount namespace in which an empty file is bind-mounted over that
# file. The mount dies with the namespace; the host's mount table is not changed. run.sh,
# compare.sh and trace.sh all go through here, so every variant they compare sees the same file.
set -euo pipefail

controllers=/sys/fs/cgroup/unified/cgroup.controllers

if [[ $(id -u) -ne 0 ]]; then
  echo "benchmarks/masked.sh: must run as root" >&2
  exit 2
fi
if [[ $# -eq 0 ]]; then
  echo "usage: benchmarks/masked.sh COMMAND [ARGS...]" >&2
  exit 2
fi

if [[ "${_LCBENCH_MASKING:-}" != "$$" ]]; then
  # Re-execute in a new mount namespace whose mounts do not propagate back to the host.
  # (unshare execs, so the pid stays the same: that is how the inner copy knows it is inside.)
  command -v unshare >/dev/null || { echo "benchmarks/masked.sh: unshare (util-linux) is missing" >&2; exit 2; }
  export _LCBENCH_MASKING=$$
  exec unshare --mount --propagation private -- "$BASH" "${BASH_SOURCE[0]}" "$@"
fi
unset _LCBENCH_MASKING

if [[ -e $controllers ]]; then
  empty="$(mktemp)"
  mount --bind "$empty" "$controllers"
  rm -f "$empty" # the mount keeps the inode; nothing is left in /tmp
fi

# No build servers: they would outlive the command inside the private namespace.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDDISABLENODEREUSE=1 UseSharedCompilation=false
exec "$@"
