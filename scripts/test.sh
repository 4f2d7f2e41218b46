#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test command: set up, build, and run every test through ctest, twice: a normal build
# and one under AddressSanitizer/UBSan. Unit tests need no root; integration tests (label
# root) run as root in real namespaces and are skipped (exit 77) otherwise. VM tests (label
# vm) boot Debian's stock kernel, which has sch_netem, under qemu (tests/vm/vm.sh); as root
# their packages are installed here first; without root they run if the packages are there
# and are skipped if not. So is Chromium, for the report's browser test (label browser).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# Each phase says how long it took: where the suite's time goes.
t0=$SECONDS
took() { echo "== $1: $((SECONDS - t0)) s"; t0=$SECONDS; }
if [ "$(id -u)" -eq 0 ]; then
	"$top/scripts/setup.sh" --vm --test
	took "setup"
fi
rc=0
# The layout first: it takes a second and says what to run.
"$top/scripts/format.sh" --check || rc=1
took "format"
for variant in build build-asan; do
	flags=()
	select=()
	# The VM tests exercise the kernel's netem through the same code: once is enough.
	[ "$variant" = build-asan ] && flags=(-DEDGEMU_ASAN=ON) && select=(-LE vm)
	echo "== $variant: building"
	"$top/scripts/build.sh" "$top/$variant" "${flags[@]}"
	took "$variant: build"
	echo "== $variant: ctest"
	# Two at a time where that is safe: tests that are not RUN_SERIAL (unit tests, the
	# browser's) run side by side; integration and VM tests, RUN_SERIAL, alone.
	(cd "$top/$variant" && ctest --output-on-failure --timeout 300 -j2 "${select[@]}") || rc=1
	took "$variant: ctest"
done

# The parsers under libFuzzer, 20 s per target (docs/fuzzing.md for longer runs).
"$top/scripts/fuzz.sh" 20 || rc=1

# Integration tests name their runs t + 6 hex digits; one left behind is a teardown bug
# (or a test killed by its timeout). Say so, fail, and clean up.
if [ "$(id -u)" -eq 0 ]; then
	left=$( (ls /run/edgemu 2>/dev/null; ip netns list 2>/dev/null | awk '{print $1}') |
		grep -E '^(em-)?t[0-9a-f]{6}([-.]|$)' | head -5 || true)
	if [ -n "$left" ]; then
		echo "FAIL: tests left these behind:" $left
		# Only the tests' own runs: clean takes leftovers, down the idle ones.
		"$top/build/cli/edgemu" clean >/dev/null || true
		for r in $(ls /run/edgemu 2>/dev/null | grep -E '^t[0-9a-f]{6}$' || true); do
			"$top/build/cli/edgemu" down "$r" >/dev/null || true
		done
		rc=1
	fi
fi
exit $rc
