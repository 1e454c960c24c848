#!/usr/bin/env bash
# The bench of issue 14: builds the release configuration (only what the bench runs) and prints
# one table of medians and min–max over interleaved rounds, every figure next to its baseline
# measured in the same run (bench/README.md says what each row measures).
#
#   scripts/bench.sh                     5 rounds × 20 s (a full run: use a quiet machine)
#   BENCH_QUICK=1 scripts/bench.sh       1 round × 2 s, small counts: proves every row is produced
#   BENCH_ROUNDS=7 BENCH_SECONDS=30 scripts/bench.sh
#
# Other knobs (environment): BENCH_CONNECTIONS, BENCH_FIRST, BENCH_VIEWS, BENCH_STORM, BENCH_LINKS,
# BENCH_POLL_LINKS, BENCH_STORM_LATENCY_MS, BENCH_POLL_LATENCY_MS, BENCH_PROBE_INTERVAL_MS,
# BENCH_MICRO_MIN_TIME, BENCH_KEEP=1 (keep the work folder and its logs), BENCH_TMPDIR,
# BENCH_BUILD_DIR (default build/release; configured from the release preset when new).
# Everything listens on 127.0.0.1 only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
build_dir="${BENCH_BUILD_DIR:-$here/build/release}"

# What the bench adds to the build packages: Google Benchmark for the protocol micro-benchmarks,
# binutils for `strip` (the .so size row), python3 for the orchestrator.
bench_packages=(libbenchmark-dev binutils python3)
missing=()
for p in "${bench_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing: ${missing[*]}" >&2
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The release preset (RelWithDebInfo). An existing build folder keeps its cache (a folder
# configured with -DPMS_BUILD_TESTS=OFF stays so); a new one is configured from the preset.
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake --preset release -B "$build_dir" >&2
else
  cmake "$build_dir" >/dev/null
fi
targets=(pms-host invoicebox-sim invoicebox_plugin bench-bare-server bench-load bench-migration)
# bench-protocol exists only when CMake found Google Benchmark (bench/CMakeLists.txt). grep reads
# the whole list (no -q): with pipefail, a grep that quits at the first match can leave ninja
# killed by SIGPIPE, and the test then fails although the target exists.
if ninja -C "$build_dir" -t targets all 2>/dev/null | grep "^bench-protocol:" >/dev/null; then
  targets+=(bench-protocol)
fi
# Build output and progress go to stderr: stdout carries the table alone, ready to paste.
echo "== building ${targets[*]} in $build_dir" >&2
cmake --build "$build_dir" -j "$(nproc 2>/dev/null || echo 2)" --target "${targets[@]}" >&2

echo "== running the bench (progress on stderr, the table on stdout)" >&2
exec python3 "$here/bench/run_bench.py" "$build_dir" "$here"
