#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The house layout (.clang-format, clang-format 14 as Debian 12 ships it) over every C file
# git knows. Without arguments: rewrite the files that differ. --check: change nothing, list
# the files that differ and fail (the test command runs this).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
*) echo "format: unexpected argument '$1' (usage: $0 [--check])" >&2; exit 2 ;;
esac
fmt=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$fmt" ] || { echo "format: clang-format is missing (scripts/setup.sh --test installs it)" >&2; exit 1; }
cd "$top"
bad=()
while IFS= read -r -d '' f; do
	if [ $check = 1 ]; then
		"$fmt" --style=file "$f" | cmp -s - "$f" || bad+=("$f")
	else
		"$fmt" --style=file -i "$f"
	fi
done < <(git ls-files -z '*.c' '*.h')
if [ ${#bad[@]} -gt 0 ]; then
	echo "format: ${#bad[@]} file(s) differ from .clang-format (scripts/format.sh rewrites them):" >&2
	printf '  %s\n' "${bad[@]}" >&2
	exit 1
fi
