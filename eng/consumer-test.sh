#!/usr/bin/env bash
# The package as a consumer gets it: pack LibContainer (Release), make a fresh console app OUTSIDE the
# repository that takes the package from a local feed, with README.md's "Use it in your app" program as
# its Program.cs (the block after the consumer-test marker, as it is), and run a container with it from
# `dotnet run` (warnings are errors: no CA1416 or other), then published portable, single-file with
# IncludeNativeLibrariesForSelfExtract, and native AOT (also as the unprivileged user nobody). As root;
# needs busybox-static (the example's rootfs).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/lc-consumer-XXXXXX)"
trap 'rm -rf "$work"' EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
step() { printf '\n== consumer test: %s\n' "$*"; }
fail() { echo "consumer test FAILED: $*" >&2; exit 1; }

step "pack (Release)"
dotnet pack "$repo/src/LibContainer" -c Release -o "$work/feed" -nologo -v quiet
nupkg="$(ls "$work"/feed/LibContainer.*.nupkg)"
echo "$nupkg"
# The global packages folder may hold an older build of the same version: the app must get this one.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/libcontainer"

step "a new console app, the package from the local feed"
cd "$work"
dotnet new console -o hello --framework net10.0 >/dev/null
cd hello
dotnet new nugetconfig >/dev/null
dotnet nuget add source "$work/feed" --name local >/dev/null
dotnet add package LibContainer --prerelease >/dev/null
grep -q 'Include="LibContainer"' hello.csproj || fail "dotnet add package did not add LibContainer"
# README.md's block, as it is: the first ```csharp block after the marker.
awk '/<!-- consumer-test:Program.cs/ {found=1; next} found && /^```csharp/ {copy=1; next} copy && /^```/ {exit} copy {print}' \
    "$repo/README.md" > Program.cs
[ -s Program.cs ] || fail "no consumer-test block in README.md"

check() { # check NAME OUTPUT
    grep -q "hello from hello, pid 1" <<<"$2" || fail "$1: no greeting from the container in: $2"
    grep -Eq "container [0-9a-f]{12} is Running" <<<"$2" || fail "$1: the held container did not run: $2"
    # Disposal destroyed it: its state directory under the default state root is gone.
    local id; id="$(grep -Eo "container [0-9a-f]{12}" <<<"$2" | cut -d' ' -f2)"
    ! ls -d /run/libcontainer/"$id"* >/dev/null 2>&1 || fail "$1: container $id left in /run/libcontainer"
    echo "$1: ok"
}

step "dotnet run (warnings are errors)"
# The package's props are what keeps CA1416 away: with them opted out, the same program warns.
dotnet build -c Release -nologo -p:LibContainerLinuxOnlyAssembly=false -o "$work/ca1416" > "$work/ca1416.log" 2>&1 || true
grep -q "warning CA1416" "$work/ca1416.log" || fail "without LibContainer.props the program should warn CA1416 (is the check still real?)"
dotnet build -c Release -warnaserror -nologo -v quiet
check "dotnet run" "$(dotnet run -c Release --no-build)"

step "publish: portable"
dotnet publish -c Release -o out/portable -nologo -v quiet -warnaserror
check "portable" "$(dotnet out/portable/hello.dll)"

step "publish: single-file, native libraries extracted"
dotnet publish -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
    -o out/single -nologo -v quiet -warnaserror
[ ! -e out/single/lc-init ] || fail "single-file: lc-init beside the app, not in the bundle"
check "single-file" "$(DOTNET_BUNDLE_EXTRACT_BASE_DIR="$work/extract" out/single/hello)"

step "publish: native AOT"
dotnet publish -c Release -r linux-x64 -p:PublishAot=true -o out/aot -nologo -v quiet -warnaserror
check "native AOT" "$(out/aot/hello)"
ls -l out/aot/hello | awk '{print "native AOT app: " $5 " bytes"}'

step "without root (the AOT app as nobody: CreateRootless, state under \$XDG_RUNTIME_DIR)"
user_dir="$(mktemp -d /tmp/lc-consumer-user-XXXXXX)" && chmod 755 "$user_dir"
install -m 755 out/aot/hello out/aot/lc-init "$user_dir/" # the AOT app is its binary and lc-init beside it
mkdir -m 700 "$user_dir/runtime" && chown nobody "$user_dir/runtime"
out="$(cd "$user_dir" && setpriv --reuid nobody --regid nogroup --clear-groups env -i PATH="$PATH" XDG_RUNTIME_DIR="$user_dir/runtime" ./hello 2>&1)" \
    || { rm -rf "$user_dir"; fail "rootless: $out"; }
grep -q "hello from hello, pid 1" <<<"$out" || { rm -rf "$user_dir"; fail "rootless: no greeting in: $out"; }
[ -z "$(ls -A "$user_dir/runtime/libcontainer" 2>/dev/null)" ] || { rm -rf "$user_dir"; fail "rootless: state left behind"; }
rm -rf "$user_dir"
echo "rootless: ok"

echo "consumer test: a container ran from dotnet run, portable, single-file, native AOT, and without root"
