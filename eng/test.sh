#!/usr/bin/env bash
# Set-up, then every test: unit tests and real-container integration tests (as root).
# With LIBCONTAINER_REQUIRE_ALL=1 a test that would skip (not root, no busybox) fails instead.
set -euo pipefail
cd "$(dirname "$0")/.."
eng/setup.sh
# CRIU for the checkpoint tests: a working one built once from Debian's archive (skipped when a
# criu >= 4 works), and Debian's own 3.17, which the too-old test runs.
if [ "$(id -u)" = 0 ]; then eng/setup.sh criu docker.io && eng/criu-setup.sh; fi
# The peers the differential suite compares lcrun with (tests/Lcrun.Tests/Differential).
if [ "$(id -u)" = 0 ]; then eng/setup.sh runc crun podman containerd; fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
# One test assembly at a time: the network driver's and the daemon's tests compare the host's links and
# iptables rules before and after, and the daemon's test daemons make bridges of their own.
dotnet test --solution LibContainer.sln --max-parallel-test-modules 1 "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line for any reader of the log: the sums of every test assembly's summary.
awk '/^[[:space:]]+succeeded:/ {p+=$2} /^[[:space:]]+failed:/ {f+=$2} /^[[:space:]]+skipped:/ {s+=$2}
     END {printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$log"
exit "$rc"
