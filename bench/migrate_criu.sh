#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/migrate_criu: edgemu-svc's agent against CRIU (bench/migrate --movers agent,criu),
# once with transparent huge pages as the kernel has them and once with them off, in one
# boot of the stock-kernel VM (CRIU does not work on every kernel: migrate/criu.h):
#
#   sudo tests/vm/vm.sh --timeout 1800 --mem 2048 -- bash bench/migrate_criu.sh [ARGS]
#
# ARGS go to bench/migrate (default --quick --sizes 16,64 --rates 0,1000 --links 100:5
# --max-rounds 5: about 10 minutes under TCG). Why THP matters: CRIU's pre-copy finds what
# the program wrote by the kernel's soft-dirty bits, which a huge page has for its 2 MiB as
# a whole; edgemu-svc's agent tracks its own 4 KiB pages. The setting is put back at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/build/bench/migrate
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ "$(id -u)" -eq 0 ] || { echo "migrate_criu: needs root" >&2; exit 1; }
[ -x "$bench" ] || { echo "migrate_criu: build first (scripts/build.sh)" >&2; exit 1; }
[ -w "$thp" ] || { echo "migrate_criu: $thp is not writable" >&2; exit 1; }
[ $# -gt 0 ] || set -- --quick --sizes 16,64 --rates 0,1000 --links 100:5 --max-rounds 5

# The word in brackets: "always [madvise] never" -> madvise.
was=$(sed 's/.*\[\(.*\)\].*/\1/' "$thp")
trap 'echo "$was" > "$thp"' EXIT
modes="$was never"
[ "$was" != never ] || modes=never
for want in $modes; do
	echo "$want" > "$thp"
	echo "=== transparent huge pages: $(cat "$thp") (bench/migrate --movers agent,criu $*)"
	"$bench" --movers agent,criu "$@"
done
