#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fuzz the parsers: build build-fuzz/ with clang (-fsanitize=fuzzer,address,undefined) and run
# each libFuzzer target for SECONDS (default 20) on its corpus, one process at a time.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: scenario set trace_ns2 trace_csv units
#                                             mob_model results words (all by default)
#                                             criu_stats
# Seeds: tests/fuzz/corpus/<target>/ (and experiments/ for scenarios and traces); what a run
# learns stays in build-fuzz/corpus/<target>/ for the next one. A crash, leak, timeout or
# out-of-memory stops with exit 1 and the reproducer's path (build-fuzz/crashes/<target>/);
# docs/fuzzing.md says how to keep it as a regression test. EDGEMU_FUZZ_BUILD overrides the
# build folder.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
shift || true
case $secs in
'' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;;
esac
all=(scenario set trace_ns2 trace_csv units mob_model results words)
all+=(criu_stats) # CRIU's stats files (migrate/criu_img.c)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
dir=${EDGEMU_FUZZ_BUILD:-$top/build-fuzz}

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is missing (scripts/setup.sh --test installs it)" >&2
	exit 1
fi
cmake -S "$top" -B "$dir" -DCMAKE_C_COMPILER=clang -DEDGEMU_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j 2 --target "${targets[@]/#/fuzz_}" -- --no-print-directory >/dev/null

# Per target: the longest input, and extra seed folders. Every input gets 10 s and 512 MB:
# far more than any sane one needs, so hitting either is a bug.
declare -A max_len=([scenario]=16384 [set]=1024 [trace_ns2]=65536 [trace_csv]=65536
	[units]=64 [mob_model]=256 [results]=65536 [words]=4096)
max_len[criu_stats]=4096 # MIG_CRIU_STATS_MAX: no stats file is longer
declare -A seeds=([scenario]="$top/experiments" [trace_ns2]="$top/experiments/traces")
rc=0
for t in "${targets[@]}"; do
	if [ -z "${max_len[$t]:-}" ]; then
		echo "fuzz: no target '$t' (${all[*]})" >&2
		exit 2
	fi
	work=$dir/corpus/$t
	crashes=$dir/crashes/$t
	mkdir -p "$work" "$crashes"
	args=(-max_total_time="$secs" -max_len="${max_len[$t]}" -timeout=10 -rss_limit_mb=512
		-malloc_limit_mb=512 -artifact_prefix="$crashes/" -print_final_stats=1)
	[ -f "$top/tests/fuzz/dict/$t.dict" ] && args+=(-dict="$top/tests/fuzz/dict/$t.dict")
	corpus=("$work")
	[ -d "$top/tests/fuzz/corpus/$t" ] && corpus+=("$top/tests/fuzz/corpus/$t")
	[ -n "${seeds[$t]:-}" ] && corpus+=(${seeds[$t]})
	log=$dir/fuzz_$t.log
	echo "== fuzz $t: ${secs}s"
	if "$dir/tests/fuzz/fuzz_$t" "${args[@]}" "${corpus[@]}" >"$log" 2>&1; then
		grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/   /" || true
	else
		rc=1
		tail -n 40 "$log"
		found=$(grep -oE 'Test unit written to [^ ]+' "$log" | awk '{print $NF}' | tail -1 ||
			true)
		echo "FAIL: fuzz $t: reproducer ${found:-(none written; see $log)}"
		echo "      replay: $dir/tests/fuzz/fuzz_$t ${found:-}"
	fi
done
exit $rc
