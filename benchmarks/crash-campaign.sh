#!/usr/bin/env bash
# A kill -9-anywhere campaign (not CI): the crash-consistency tests with hundreds of trials each,
# half at a random time, half at a random kill point, through the library (a host process that
# creates, runs, execs, pauses and destroys) and through lcrun. After every trial a fresh factory
# (or `lcrun delete --force`) must leave nothing: state, cgroups, mounts, processes, zombies.
# Usage: benchmarks/crash-campaign.sh [trials per suite, default 200]. Needs root; $LCRUN or a
# published lcrun in artifacts/lcrun (dotnet publish samples/Lcrun -c Release -o artifacts/lcrun).
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-200}
export LIBCONTAINER_CRASH_TRIALS=$trials
export LCRUN=${LCRUN:-$PWD/artifacts/lcrun/lcrun}
[ -x "$LCRUN" ] || { echo "no lcrun at $LCRUN: dotnet publish samples/Lcrun -c Release -o artifacts/lcrun" >&2; exit 1; }
log=$(mktemp -d)
for suite in LibContainer.IntegrationTests Lcrun.Tests; do
  start=$(date +%s)
  export LIBCONTAINER_CRASH_LOG=$log/$suite.trials
  if dotnet test --project "tests/$suite/$suite.csproj" -- --filter-method "*KilledAtRandomTimes*" >"$log/$suite.out" 2>&1; then result=passed; else result=FAILED; fi
  ok=$(grep -c 'nothing left' "$LIBCONTAINER_CRASH_LOG" 2>/dev/null || true)
  killed=$(grep -c ': killed, nothing left' "$LIBCONTAINER_CRASH_LOG" 2>/dev/null || true)
  points=$(grep -v ': time:' "$LIBCONTAINER_CRASH_LOG" 2>/dev/null | grep -c . || true)
  echo "$suite: $result: ${ok:-0} of $trials trials left nothing (${killed:-0} killed mid-operation, ${points:-0} at a kill point), $(( $(date +%s) - start )) s; logs in $log"
done
