#!/usr/bin/env bash
# Builds the four Debian packages (packaging/README.md) into build/packages/ and runs lintian on
# them. Wired as `bash scripts/pms.sh package`.
#
#   scripts/package.sh [release|dev] [--install-test]
#       release (default) is what a hotel installs; dev packages the Debug tree.
#       --install-test then installs the packages on this machine (root), starts the host from
#       the installed files, checks /api/health, and purges them (packaging/tests/install_test.sh).
#
# Only the packaged targets are built (pms_package_prerequisites), never `all`: the test suite
# is not in any package, and building it here would be the "third full build" that
# architecture §8 keeps out of the 4-minute packaging budget. Needs the build packages of
# scripts/pms.sh plus lintian.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

preset=release
install_test=0
for arg in "$@"; do
  case "$arg" in
  release | dev) preset="$arg" ;;
  --install-test) install_test=1 ;;
  *) echo "usage: $0 [release|dev] [--install-test]" >&2; exit 2 ;;
  esac
done
build_dir="$here/build/$preset"
out="$here/build/packages"

stage_times=()
stage() {
  local name="$1"; shift
  local start=$SECONDS
  echo "== package: $name"
  "$@"
  stage_times+=("$name $((SECONDS - start)) s")
}

configure() {
  # CPack runs the install step, and by default that first builds `all`; skipping the `all`
  # dependency lets cpack install exactly what pms_package_prerequisites built.
  cmake --preset "$preset" -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON >/dev/null
}

build() {
  cmake --build --preset "$preset" -j "$(nproc 2>/dev/null || echo 2)" --target pms_package_prerequisites
}

pack() {
  rm -f "$out"/*.deb
  cpack --config "$build_dir/CPackConfig.cmake" -B "$out"
  # CPack's staging trees: not packages, and several hundred MB for a dev tree.
  rm -rf "$out/_CPack_Packages"
}

check() {
  command -v lintian >/dev/null || {
    echo "lintian is missing: apt-get install -y --no-install-recommends lintian" >&2
    return 1
  }
  # One lintian run for the four packages (its start-up is most of its time). Warnings fail
  # the build like errors: every accepted tag is an explained override in
  # packaging/debian/<package>/lintian-overrides.
  lintian --fail-on error,warning --info --pedantic "$out"/*.deb
}

total=$SECONDS
stage configure configure
stage build build
stage cpack pack
stage lintian check
if [ "$install_test" -eq 1 ]; then
  stage "install test" bash "$here/packaging/tests/install_test.sh" "$out"
fi
echo "== package: stage times: ${stage_times[*]}; total $((SECONDS - total)) s"
for deb in "$out"/*.deb; do
  echo "   $(basename "$deb")  $(du -h "$deb" | cut -f1)"
done
