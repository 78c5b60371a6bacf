#!/usr/bin/env bash
# Set-up, then the main sample: a real container made from the host's busybox (nothing downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
eng/setup.sh
dotnet run --project samples/LibContainer.Sample -c Release -- "$@"
