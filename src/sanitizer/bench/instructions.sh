#!/bin/sh
# Instructions the native sanitizer spends per byte of the benchmark
# corpus, counted by valgrind's cachegrind: a figure that, unlike wall
# time on a shared machine, is the same on every run, for judging a
# change to the engine. Needs valgrind (apt-get install valgrind).
#
#     src/sanitizer/bench/instructions.sh [MiB]
#
# Runs the benchmark with one and with three timed runs and divides the
# difference by two, so corpus generation and checking are left out.
set -eu
cd "$(dirname "$0")/../../.."
mib=${1:-4}
cargo build --release -q -p fm-sanitizer --example bench
count() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        target/release/examples/bench --mib "$mib" --runs "$1" 2>&1 >/dev/null |
        sed -n 's/.*I *refs: *//p' | tr -d ,
}
one=$(count 1)
three=$(count 3)
per_run=$(((three - one) / 2))
awk -v n="$per_run" -v bytes=$((mib << 20)) \
    'BEGIN { printf "%d instructions per run of %d bytes: %.1f per byte\n", n, bytes, n / bytes }'
