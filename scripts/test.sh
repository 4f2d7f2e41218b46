#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test command: set up, build, and run every test through ctest, twice: a normal build
# and one under AddressSanitizer/UBSan. Unit tests need no root; integration tests (label
# root) run as root in real namespaces and are skipped (exit 77) otherwise.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rc=0
for variant in build build-asan; do
	flags=()
	[ "$variant" = build-asan ] && flags=(-DEDGEMU_ASAN=ON)
	echo "== $variant: building"
	"$top/scripts/build.sh" "$top/$variant" "${flags[@]}"
	echo "== $variant: ctest"
	(cd "$top/$variant" && ctest --output-on-failure --timeout 300) || rc=1
done
exit $rc
