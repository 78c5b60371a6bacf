#!/usr/bin/env bash
# Installs what building and testing LibContainer needs on a fresh Debian machine (as root):
# gcc and libc6-dev compile the static native init, linked with musl (musl-tools: 56 KB instead of
# glibc's 800 KB, copied at every create and exec); libseccomp2 compiles seccomp profiles;
# busybox-static is the test and sample rootfs; containernetworking-plugins and iptables: the network
# driver's CNI plugins (samples/Lcd.Network) and the iptables they call; skopeo, umoci, docker-registry
# and apache2-utils (htpasswd) are the graph driver's test peers (archives and a registry made by other tools);
# iproute2 (ip: the network driver deletes bridges), procps (ps: lcd's docker top) and curl (the README's
# daemon walk-through, run as a test), absent from minimal images; libcap2-bin: setcap/getcap, which give
# and read the file capability the graph driver's tests commit, save and load; python3: the seccomp
# wrapper of lcrun's clone3-refused test (tests/Lcrun.Tests), absent from minimal images.
# Safe to run again: it installs only what is missing. The .NET SDK must already be on PATH.
set -euo pipefail

packages=(gcc libc6-dev musl-tools busybox-static libseccomp2 containernetworking-plugins iptables iproute2 procps curl skopeo umoci docker-registry apache2-utils libcap2-bin python3 "$@")
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: missing packages ${missing[*]}; run as root (sudo) to install them" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    "$(dirname "$0")/no-services.sh" apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }
