#!/usr/bin/env bash
# The sanitizer runs CI leaves to a command of their own (architecture §8: CI runs the ABI,
# protocol, plugin-unit, contract and storage suites under ASan+UBSan; the rest would not fit).
#
#   scripts/sanitize.sh asan [LABEL-REGEX]   the whole tree under ASan+UBSan (build/asan), then
#                                            the suites matching LABEL-REGEX (default
#                                            'net|e2e|browser': real processes, sockets, the
#                                            plugin .so in the sanitized host)
#   scripts/sanitize.sh tsan [NAME-REGEX]    ThreadSanitizer over the host runtime suite
#                                            (build/tsan; default 'host_runtime|net\.'): the
#                                            strands, the executor and the loader's threads
#
# Each prints ctest's summary; the exit status is ctest's. Results of a run are recorded in
# tests/README.md (section "Sanitizers").
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
jobs="$(nproc 2>/dev/null || echo 2)"

case "${1:-}" in
  asan)
    labels="${2:-net|e2e|browser}"
    cmake --preset asan >/dev/null
    cmake --build --preset asan -j "$jobs"
    # Leaks are reported (LeakSanitizer): a dropped completion leaks its frame (architecture §7).
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
    exec ctest --preset asan -L "$labels"
    ;;
  tsan)
    names="${2:-host_runtime|net\\.}"
    cmake --preset tsan >/dev/null
    # The sanitized suite's programs (runtime with its fixture plugins, protocol, plugin units,
    # contract, storage) and the net suite: not the whole tree.
    cmake --build --preset tsan -j "$jobs" --target pms_sanitized_suite pms_net_tests
    export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
    exec ctest --preset tsan -R "$names"
    ;;
  *)
    echo "usage: scripts/sanitize.sh asan [LABEL-REGEX] | tsan [NAME-REGEX]" >&2
    exit 2
    ;;
esac
