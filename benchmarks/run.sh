#!/usr/bin/env bash
# Runs the LibContainer benchmarks (Release), as root, from any directory:
#   sudo benchmarks/run.sh            BenchmarkDotNet: lifecycle vs `runc run` vs `crun run`; pause+resume, stats
#   sudo benchmarks/run.sh --smoke    each variant 3 times without BenchmarkDotNet (CI): exit 0 if all work
#   sudo benchmarks/run.sh --concurrency [--count 200]    N containers at once: the library vs crun
# Other arguments go to BenchmarkDotNet (e.g. --filter '*Lifecycle*').
#
# Everything (the build, BenchmarkDotNet's child processes and all variants) runs in one private
# mount namespace that hides the hybrid cgroup layout from crun: see masked.sh.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"

if [[ $(id -u) -ne 0 ]]; then
  echo "benchmarks/run.sh: must run as root (sudo benchmarks/run.sh $*)" >&2
  exit 2
fi

cd "$repo" # global.json applies; BenchmarkDotNet's results go to artifacts/benchmarks
exec "$here/masked.sh" dotnet run -c Release --project "$here/LibContainer.Benchmarks/LibContainer.Benchmarks.csproj" -- "$@"
