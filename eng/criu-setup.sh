#!/usr/bin/env bash
# Installs a working CRIU (>= 4) as /usr/local/sbin/criu, for checkpoint and restore (as root).
# Skipped when `criu` on PATH already reports version 4 or later and passes `criu check`.
#
# Why a build: Debian 12's criu 3.17 fails on kernels >= 6.13 ("vdso: Unexpected rt vDSO area
# bounds"). CRIU 4.1.1's upstream tarball is in Debian's archive (trixie's source pool); it is
# fetched with apt through a private source list, checked by sha256, and built with bookworm's
# build dependencies. One change is made to it: hardware breakpoints off (FI_NO_BREAKPOINTS),
# because some VMs never deliver the breakpoint trap and 4.1.1 then hangs at the end of every
# dump and restore (upstream #2658, fixed after 4.1.1).
set -euo pipefail

version=4.1.1
sha256=f80a66cb3726bb2116266d4759ce3bcbfab7abdb6b6d430bf20dd41911717afe
prefix=/usr/local/sbin

# working_criu [BINARY]: version 4 or later and `criu check` passes (default: criu on PATH).
working_criu() {
    local criu=${1:-$(command -v criu || true)} v
    [ -n "$criu" ] && [ -x "$criu" ] || return 1
    v=$("$criu" --version 2>/dev/null | sed -n 's/^Version: *\([0-9]*\)\..*/\1/p')
    [ -n "$v" ] && [ "$v" -ge 4 ] && "$criu" check >/dev/null 2>&1
}

if working_criu; then
    echo "criu-setup: $(command -v criu) $(criu --version | sed -n 's/^Version: *//p') works; nothing to do"
    exit 0
fi
[ "$(id -u)" = 0 ] || { echo "criu-setup: run as root (sudo) to build and install criu" >&2; exit 1; }

deps=(build-essential pkg-config xz-utils protobuf-c-compiler libprotobuf-c-dev libprotobuf-dev
      protobuf-compiler libnl-3-dev libnet1-dev libcap-dev libbsd-dev libnftables-dev
      libgnutls28-dev uuid-dev iptables)
missing=()
for p in "${deps[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]} > 0)); then
    echo "criu-setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /tmp/criu-setup.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A private apt source list and lists directory: the system's own lists stay untouched.
mkdir -p lists/partial
echo "deb-src http://deb.debian.org/debian trixie main" > sources.list
apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
          -o "Dir::State::Lists=$work/lists" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update -qq
# The .dsc and .debian.tar.xz answer 404 in that pool, so apt exits non-zero even when the
# upstream tarball arrived: the checksum below is what decides.
apt-get "${apt_opts[@]}" source --download-only "criu=$version-1" >/dev/null 2>&1 || true
tarball=criu_$version.orig.tar.xz
[ -f "$tarball" ] || { echo "criu-setup: $tarball did not download from Debian's archive" >&2; exit 1; }
echo "$sha256  $tarball" | sha256sum -c --quiet - || { echo "criu-setup: $tarball: sha256 mismatch" >&2; exit 1; }

tar xf "$tarball"
cd "criu-$version"
sed -i 's/^enum faults fi_strategy;/enum faults fi_strategy = FI_NO_BREAKPOINTS;/' criu/fault-injection.c
grep -q 'fi_strategy = FI_NO_BREAKPOINTS' criu/fault-injection.c \
    || { echo "criu-setup: could not turn hardware breakpoints off in criu/fault-injection.c" >&2; exit 1; }
echo "criu-setup: building criu $version (about a minute)"
make -j"$(nproc)" criu >build.log 2>&1 || { tail -n 30 build.log >&2; echo "criu-setup: build failed" >&2; exit 1; }
install -m 0755 criu/criu "$prefix/criu"
hash -r
if ! working_criu "$prefix/criu"; then
    "$prefix/criu" check >&2 || true
    echo "criu-setup: $prefix/criu was installed but does not pass 'criu check'" >&2
    exit 1
fi
echo "criu-setup: installed $prefix/criu $("$prefix/criu" --version | sed -n 's/^Version: *//p')"
if [ "$(command -v criu)" != "$prefix/criu" ]; then
    echo "criu-setup: note: 'criu' on PATH is $(command -v criu || echo nothing); put $prefix first in PATH" >&2
fi
