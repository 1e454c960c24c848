#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang 14, ASan + UBSan, a separate CMake build in
# build/fuzz so the gcc tree is untouched) and runs each for SECONDS (default 10): first its
# regression inputs (tests/fuzz/regressions/<target>/, each must pass), then fuzzing with its
# seed corpus and dictionary. Prints per target: executions, coverage (cov:), crashes. Exits
# non-zero when any target crashed, leaked, timed out or ran out of memory, or a regression input
# fails.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     e.g. scripts/fuzz.sh 5 (the CI run), scripts/fuzz.sh 600 money
#
# Environment: FUZZ_BUILD_DIR (default build/fuzz), FUZZ_JOBS (build parallelism, default 2),
# FUZZ_RSS_MB (default 2048), FUZZ_RUNS (also stop a target after this many executions: the
# issue's long run is FUZZ_RUNS=10000000 with 3600 s, whichever comes first).
#
# One process per target, one at a time (libFuzzer without -jobs: the same as -jobs=1 but with the
# statistics in the log), so the fuzzing uses one core.
#
# Nothing reaches the network: when the kernel allows it, every target runs in a new network
# namespace that has only a loopback interface (the http_server target talks to its own server
# on 127.0.0.1); otherwise the targets still open no socket but that one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-10}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
    echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi
build=${FUZZ_BUILD_DIR:-$root/build/fuzz}
jobs=${FUZZ_JOBS:-2}
rss_mb=${FUZZ_RSS_MB:-2048}
fuzz_dir=$root/tests/fuzz

for tool in clang++-14 clang-14 cmake; do
    command -v "$tool" >/dev/null || { echo "fuzz: $tool not found (apt-get install clang-14 libclang-rt-14-dev cmake)" >&2; exit 2; }
done

# ---- build -----------------------------------------------------------------------------------
t0=$(date +%s)
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$fuzz_dir" -B "$build" "${generator[@]}" "${launcher[@]}" \
        -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 >/dev/null
fi
cmake --build "$build" -j "$jobs"
t1=$(date +%s)
echo "fuzz: build took $((t1 - t0)) s"

# ---- targets ---------------------------------------------------------------------------------
mapfile -t all < <(find "$fuzz_dir/targets" -maxdepth 1 -name '*.cpp' -printf '%f\n' | sed 's/\.cpp$//' | sort)
targets=("$@")
(( ${#targets[@]} )) || targets=("${all[@]}")

# The dictionary of each target: JSON syntax plus its format's words (libFuzzer takes one file).
dict_for() {
    case $1 in
        money) echo "money" ;;
        json) echo "json" ;;
        codecs | notification) echo "json invoicebox" ;;
        view_event) echo "json view_event" ;;
        settings) echo "json settings" ;;
        host_api) echo "json http settings" ;;
        http_server) echo "http" ;;
        manifest) echo "json manifest" ;;
        *) echo "json" ;;
    esac
}

# Extra libFuzzer flags of a target.
flags_for() {
    case $1 in
        # The server answers on its own io thread, so allocations and frees of one input never
        # balance and libFuzzer would run a full LeakSanitizer scan after every input (~15 ms,
        # 15x slower). Leaks are still checked when the process exits.
        http_server) echo "-detect_leaks=0" ;;
    esac
}

netns=()
if unshare -rn true 2>/dev/null; then
    netns=(unshare -rn)
    echo "fuzz: running in a network namespace with loopback only"
else
    echo "fuzz: no network namespace available; targets open no socket but their own 127.0.0.1 server"
fi

# Runs "$@" (a fuzz binary and its arguments), inside the loopback-only namespace when there is one.
run_isolated() {
    if (( ${#netns[@]} )); then
        "${netns[@]}" sh -c 'ip link set lo up 2>/dev/null || true; exec "$@"' sh "$@"
    else
        "$@"
    fi
}

# A 32 MB quarantine instead of 256 MB: freed memory is reused sooner, which halves the time of
# the plugin targets on a VM where every fresh page costs a fault; use-after-free of recent
# blocks is still caught.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:symbolize=1:quarantine_size_mb=32}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=0
summary=()
for t in "${targets[@]}"; do
    bin=$build/fuzz_$t
    [[ -x $bin ]] || { echo "fuzz: no target $t" >&2; failed=1; continue; }
    work=$build/work/$t        # corpus grown by earlier runs (kept; the seeds stay clean)
    artifacts=$build/artifacts/$t/
    logs=$build/logs
    mkdir -p "$work" "$artifacts" "$logs"
    dict=$build/dict/$t.dict
    mkdir -p "$build/dict"
    : >"$dict"
    for d in $(dict_for "$t"); do cat "$fuzz_dir/dict/$d.dict" >>"$dict"; done

    # 1. Regressions: every input that once crashed this target must now pass. Inputs under
    #    open/ are bugs reported but not fixed yet (outside this folder's ownership): each must
    #    still fail with its guard lifted, else it was fixed and should move out of open/ (the
    #    target's guard for it goes too). They do not fail the run; they are listed.
    reg_failed=0
    reg_count=0
    open_count=0
    open_note=""
    if [[ -d $fuzz_dir/regressions/$t ]]; then
        mapfile -t regs < <(find "$fuzz_dir/regressions/$t" -type f ! -name '*.md' ! -path '*/open/*' | sort)
        reg_count=${#regs[@]}
        if (( reg_count )); then
            if ! run_isolated "$bin" -rss_limit_mb="$rss_mb" -timeout=30 "${regs[@]}" >"$logs/$t.regressions.log" 2>&1; then
                reg_failed=1
                echo "fuzz: $t: a regression input fails again, see $logs/$t.regressions.log" >&2
                tail -30 "$logs/$t.regressions.log" >&2
            fi
        fi
        mapfile -t opens < <(find "$fuzz_dir/regressions/$t" -type f ! -name '*.md' -path '*/open/*' | sort)
        for o in "${opens[@]}"; do
            open_count=$((open_count + 1))
            if FUZZ_UNMASK_KNOWN_OPEN=1 run_isolated "$bin" -rss_limit_mb="$rss_mb" -timeout=10 "$o" \
                >"$logs/$t.open.$(basename "$o").log" 2>&1; then
                open_note+=" [$(basename "$o") passes now: fixed? move it out of open/ and drop its guard]"
            else
                open_note+=" [open: $(basename "$o") still fails]"
            fi
        done
    fi

    # 2. Fuzzing.
    before=$(find "$artifacts" -type f | wc -l)
    limit=(-max_total_time="$seconds")
    [[ -n ${FUZZ_RUNS:-} ]] && limit+=(-runs="$FUZZ_RUNS")
    set +e
    # shellcheck disable=SC2046 # flags_for prints words meant to split
    run_isolated "$bin" "${limit[@]}" $(flags_for "$t") -rss_limit_mb="$rss_mb" -timeout=25 \
        -dict="$dict" -artifact_prefix="$artifacts" -print_final_stats=1 \
        "$work" "$fuzz_dir/corpus/$t" >"$logs/$t.log" 2>&1
    rc=$?
    set -e
    after=$(find "$artifacts" -type f | wc -l)
    crashes=$((after - before))
    (( rc != 0 && crashes == 0 )) && crashes=1
    # A run that died while loading its corpus has no statistics: the fields then read "?".
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t.log" | grep -o '[0-9]*$' | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' "$logs/$t.log" | tail -1 | grep -o '[0-9]*' || true)
    ft=$(grep -o 'ft: [0-9]*' "$logs/$t.log" | tail -1 | grep -o '[0-9]*' || true)
    corp=$(find "$work" -type f | wc -l)
    line=$(printf '%-13s execs %10s  cov %6s  ft %6s  corpus %5s  crashes %d  regressions %d%s%s' \
        "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$crashes" "$reg_count" \
        "$( ((reg_failed)) && echo ' (FAILED)')" "$open_note")
    echo "$line"
    summary+=("$line")
    if (( crashes || reg_failed )); then
        failed=1
        if (( crashes )); then
            echo "fuzz: $t crashed (exit $rc); artifacts in $artifacts, log $logs/$t.log:" >&2
            grep -E 'ERROR: |SUMMARY: |runtime error|Test unit written|#[0-9]+ 0x' "$logs/$t.log" | head -25 >&2 || true
        fi
    fi
done

t2=$(date +%s)
echo "---- fuzz summary (${seconds}s per target, build $((t1 - t0)) s, run $((t2 - t1)) s) ----"
printf '%s\n' "${summary[@]}"
if (( failed )); then
    echo "fuzz: FAILED"
    exit 1
fi
echo "fuzz: OK (0 crashes)"
