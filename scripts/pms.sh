#!/usr/bin/env bash
# The two commands of the README, and the steps they share.
#
#   scripts/pms.sh demo   install what is missing, build, start simulator + host with seeded data
#   scripts/pms.sh test   install what the tests need, build, run every test (what .ci/run calls)
#
# and the longer commands the test run keeps short (each prints its own figures):
#
#   scripts/pms.sh fuzz [SECONDS]   libFuzzer targets (clang 14, ASan+UBSan), SECONDS each
#   scripts/pms.sh package [dev] [--install-test]  Debian packages into build/packages/,
#                                   checked by lintian (--install-test: dpkg -i, run, purge; root)
#   scripts/pms.sh bench            the benchmark table of bench/README.md (release build)
#
# Both are idempotent: packages already present are not installed again, builds are incremental.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# Debian packages the build needs. libboost1.81-all-dev lacks JSON and URL; they come separately.
build_packages=(build-essential cmake ninja-build ccache pkg-config libjemalloc-dev
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libsodium-dev libcurl4-openssl-dev libqrencode-dev
  openssl ca-certificates curl python3)
# What the tests add on top: a real browser for the UI tests and fonts that render Cyrillic;
# Google Benchmark for the bench's micro-benchmarks, which the bench.quick test runs.
test_packages=(chromium fonts-dejavu-core nodejs npm python3 python3-jsonschema clang-14 libc++-14-dev libc++abi-14-dev
  libbenchmark-dev)
# libFuzzer comes with clang; the test run builds and runs every fuzz target for a few seconds.
fuzz_packages=(clang-14 libclang-rt-14-dev)
# Building .deb files and checking them.
package_packages=(dpkg-dev fakeroot lintian)
bench_packages=()

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # nodejs/npm may come from elsewhere on a developer machine; a working node and npm is enough.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    local kept=()
    for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || kept+=("$p"); done
    missing=("${kept[@]+"${kept[@]}"}")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

jobs() { nproc 2>/dev/null || echo 2; }

build() {
  local preset="$1"; shift
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(jobs)" "$@"
}

cmd_demo() {
  install_missing "${build_packages[@]}"
  # Only what the demo runs: the host, the simulator and the plugin (the tests are not needed).
  build release --target pms-host invoicebox-sim invoicebox_plugin
  exec "$here/scripts/demo.sh" "$here/build/release"
}

# Runs "$@" as one named stage and prints its wall time (architecture §8: every CI run shows
# where its minutes go). The exit status is the command's.
stage() {
  local name="$1"; shift
  local start=$SECONDS status=0
  echo "== stage: $name"
  "$@" || status=$?
  echo "== stage: $name took $((SECONDS - start)) s (exit $status)"
  stage_times+=("$name: $((SECONDS - start)) s")
  return $status
}
stage_times=()

npm_ci() {
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; fi
}

cmd_test() {
  local total=$SECONDS
  stage "install (apt)" install_missing "${build_packages[@]}" "${test_packages[@]}" \
    "${fuzz_packages[@]}" "${package_packages[@]}"
  stage "install (npm)" npm_ci
  # The plugin boundary (ABI, loader, fixtures), the protocol, the plugin's units, the contract
  # and the storage suites also run under ASan+UBSan (labels abi and sanitized); the full
  # sanitizer suite is `cmake --preset asan && cmake --build --preset asan && ctest --preset asan`.
  stage "asan build" build asan --target pms_sanitized_suite
  stage "asan tests (abi, protocol, plugin units, contract, storage)" \
    ctest --preset asan -L 'abi|sanitized'
  # Every fuzz target for a few seconds after replaying its regressions; the long runs are
  # `scripts/pms.sh fuzz 3600` (tests/fuzz/README.md).
  stage "fuzz (clang, 5 s per target)" bash scripts/fuzz.sh 5
  stage "dev build" build dev
  # The .deb files from the dev tree (no third full build), checked by lintian.
  stage "packages (dev tree)" bash scripts/package.sh dev
  echo "== stage times so far: ${stage_times[*]}; total $((SECONDS - total)) s"
  # The whole suite last, so that the output ends with ctest's summary line (its own "Total Test
  # time (real)" is this stage's time).
  echo "== stage: dev tests (all)"
  ctest --preset dev
}

case "${1:-}" in
  demo) cmd_demo ;;
  test) cmd_test ;;
  deps) install_missing "${build_packages[@]}" "${test_packages[@]}" ;;
  fuzz) shift; install_missing "${build_packages[@]}" "${fuzz_packages[@]}"; exec bash "$here/scripts/fuzz.sh" "$@" ;;
  package) install_missing "${build_packages[@]}" "${package_packages[@]}"; exec bash "$here/scripts/package.sh" "${@:2}" ;;
  bench) install_missing "${build_packages[@]}" "${bench_packages[@]}"; exec bash "$here/scripts/bench.sh" ;;
  *) echo "usage: $0 demo|test|deps|fuzz [SECONDS]|package|bench" >&2; exit 2 ;;
esac
