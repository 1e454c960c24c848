#!/usr/bin/env bash
# The chaos test (tests/chaos, issue 11) at any size: N orders through the real pms-host,
# invoicebox_plugin.so and invoicebox-sim under seeded simulator faults and host SIGKILLs; prints
# the seed first and a table of counts at the end; exits non-zero when a count is wrong.
#
#   scripts/chaos.sh [N] [SEED]      e.g. scripts/chaos.sh 1000 (the long run), scripts/chaos.sh 20 42
#
# Environment: CHAOS_BUILD_DIR (default build/dev; it must hold pms-host, invoicebox-sim, the
# plugin and chaos_test: `cmake --build build/dev --target chaos_test`), and every CHAOS_* knob of
# tests/chaos/chaos_test.cpp (CHAOS_WORKERS, CHAOS_RATE_LIMIT, CHAOS_CREATE_SECONDS,
# CHAOS_QUIET_SECONDS, CHAOS_MIN_SECONDS, CHAOS_KILLS=0, CHAOS_FAULTS=0, CHAOS_KEEP=1). The full
# output goes to the terminal and to chaos-<SEED>-<N>.log in the build directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-1000}
if ! [[ $n =~ ^[0-9]+$ ]] || (( n < 1 )); then
    echo "usage: scripts/chaos.sh [N] [SEED]" >&2
    exit 2
fi
build=${CHAOS_BUILD_DIR:-$root/build/dev}
exe=$build/tests/chaos/chaos_test
if [[ ! -x $exe ]]; then
    echo "no $exe: cmake --build $build --target chaos_test" >&2
    exit 2
fi
seed=${2:-${CHAOS_SEED:-$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')}}
export CHAOS_N=$n CHAOS_SEED=$seed
# Sized for N: 16 staff at once from 100 orders up; the creation budget grows with N
# (1,000 orders: 960 s), then a quiet period for the poller and recovery.
if (( n >= 100 )); then : "${CHAOS_WORKERS:=16}"; else : "${CHAOS_WORKERS:=$(( n < 8 ? n : 8 ))}"; fi
: "${CHAOS_CREATE_SECONDS:=$(( 60 + n * 9 / 10 ))}"
: "${CHAOS_QUIET_SECONDS:=$(( 60 + n / 5 ))}"
export CHAOS_WORKERS CHAOS_CREATE_SECONDS CHAOS_QUIET_SECONDS
log=$build/chaos-$seed-$n.log
echo "chaos: N=$n CHAOS_SEED=$seed workers=$CHAOS_WORKERS log=$log"
start=$(date +%s)
set +e
"$exe" --run_test=chaos --log_level=test_suite 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
echo "chaos: N=$n CHAOS_SEED=$seed exit $rc, wall $(( $(date +%s) - start )) s"
exit "$rc"
