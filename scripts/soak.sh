#!/usr/bin/env bash
# The soak of issue 11 (tests/soak/README.md): host + plugin + simulator for SOAK_MINUTES (60)
# at a steady mix, sampling RSS, open fds and SQLite size every minute; exits 1 when RSS grows
# by 5 % or more after the warm-up or the fd count is not flat.
#
#   scripts/soak.sh                     the hour
#   SOAK_MINUTES=5 scripts/soak.sh      a short check of the command itself
#
# Builds what it runs in build/release (like the bench); everything listens on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${SOAK_BUILD_DIR:-$here/build/release}"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  (cd "$here" && cmake --preset release -B "$build_dir" >&2)
fi
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" \
  --target pms-host invoicebox-sim invoicebox_plugin bench-bare-server bench-load >&2
exec python3 "$here/tests/soak/soak.py" "$build_dir" "$here"
