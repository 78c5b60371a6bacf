#!/usr/bin/env bash
# The graph driver's benchmark (Release, as root): a generated layer (many small files, a few large
# ones), gzip and plain, unpacked by the store's path (Compression + LayerUnpacker) vs GNU `tar -xzf` /
# `tar -xf`, and a docker-save tarball loaded by ImageArchive.LoadAsync vs `skopeo copy docker-archive: oci:`
# + `umoci raw unpack`. Alternating rounds; medians of wall and CPU time; ratios; the machine and commit.
#   sudo benchmarks/image.sh [--rounds 5] [--size-mb 200] [--dir DIR]   the table in benchmarks/README.md
#   sudo benchmarks/image.sh --smoke                          two rounds on 8 MiB (CI): exit 0 if every variant works
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$(dirname "$here")"
exec dotnet run -c Release --project "$here/Lcd.Graph.Benchmarks/Lcd.Graph.Benchmarks.csproj" -- "$@"
