#!/usr/bin/env bash
# Runs a package install (the command given) so that no package starts a service: docker.io is
# installed for its docker CLI alone, and its dockerd must not start (the tests never run dockerd).
# A policy-rc.d that answers 101 ("action forbidden") is what invoke-rc.d and deb-systemd-invoke
# ask; one made here is removed afterwards, one already there is left as it was.
set -euo pipefail
policy=/usr/sbin/policy-rc.d
made=
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    made=1
fi
trap 'if [ -n "$made" ]; then rm -f "$policy"; fi' EXIT
DEBIAN_FRONTEND=noninteractive "$@"
