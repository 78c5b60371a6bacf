#!/usr/bin/env bash
# The network driver's benchmark (samples/Lcd.Network), as root:
#   sudo benchmarks/network.sh [--rounds 20] [--megabytes 1024] [--throughput-rounds 7] [--no-pin]
#       attach+detach vs cni-direct.sh; nc throughput: the driver's bridge vs a plain `ip` bridge vs a plain veth
#   sudo benchmarks/network.sh --smoke                            a few small rounds (CI): exit 0 if everything works and nothing is left
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $(id -u) -ne 0 ]]; then
  echo "benchmarks/network.sh: must run as root" >&2
  exit 2
fi
cd "$(dirname "$here")"
exec dotnet run -c Release --project "$here/Lcd.Network.Benchmarks/Lcd.Network.Benchmarks.csproj" -- --script "$here/cni-direct.sh" "$@"
