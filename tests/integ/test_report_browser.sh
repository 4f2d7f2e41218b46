#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# edgemu report in a real browser: the reports of the recorded quickstart run
# (tests/fixtures/run-quickstart) and of a run with traffic: flows (tests/fixtures/run-traffic)
# rendered by headless Chromium (Debian's chromium, which scripts/setup.sh --test installs;
# scripts/test.sh passes --test):
# - every chart (rtt-<ue> per UE of rtt.csv, tput with throughput.csv, map, cells, mig-<n> per
#   row of migrations.csv) is an <svg> in the DOM Chromium builds from the file;
# - laid out, each has a size, drawn elements with a size, and its data elements (the RTT
#   line, the paths, the bars) among them;
# - a screenshot of the page, and each chart's PNG (--png), is not blank;
# - it prints (to PDF).
# No root needed (label browser); skipped (exit 77) without chromium.
set -euo pipefail
: "${EDGEMU:?EDGEMU must point at the edgemu binary}"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"

browser=
for b in chromium chromium-browser; do
	command -v "$b" >/dev/null 2>&1 && browser=$(command -v "$b") && break
done
if [ -z "$browser" ]; then
	echo "SKIP: no chromium: the browser test needs Debian's chromium (scripts/setup.sh --test" \
		"installs it; scripts/test.sh runs that)"
	exit 77
fi

TMP=$(mktemp -d /tmp/edgemu-browser.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# Chromium with its profile, caches and crash reports in $TMP; --allow-file-access-from-files
# lets a page read a PNG beside it into a canvas.
chrome() {
	HOME=$TMP timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$TMP/profile" --allow-file-access-from-files --hide-scrollbars \
		"$@" 2>>"$TMP/chromium.log"
}

ink() {
	cat >"$TMP/ink.html" <<EOF
<!DOCTYPE html><html><body><img id="i" src="file://$1"><pre id="ink">unmeasured</pre>
<script>
window.addEventListener('load', function () {
	var img = document.getElementById('i'), c = document.createElement('canvas');
	var out = document.getElementById('ink');
	c.width = img.naturalWidth;
	c.height = img.naturalHeight;
	try {
		var g = c.getContext('2d');
		g.drawImage(img, 0, 0);
		var d = g.getImageData(0, 0, c.width, c.height).data, n = 0;
		for (var i = 0; i < d.length; i += 4)
			if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)
				n++;
		out.textContent = c.width + ' ' + c.height + ' ' + n;
	} catch (e) {
		out.textContent = 'error ' + e;
	}
});
</script></body></html>
EOF
	chrome --virtual-time-budget=5000 --dump-dom "file://$TMP/ink.html" |
		sed -n 's/.*<pre id="ink">\([^<]*\)<.*/\1/p'
}

# The script a copy of each report gets at its end (step 2) to measure its charts as drawn.
cat >"$TMP/probe.js" <<'EOF'
<script>
(function () {
	var out = [];
	document.querySelectorAll('svg.chart').forEach(function (s) {
		var r = s.getBoundingClientRect(), drawn = 0, data = 0;
		s.querySelectorAll('path,polyline,line,rect,circle,text').forEach(function (e) {
			var b = e.getBBox();
			if (b.width > 0 || b.height > 0) {
				drawn++;
				if (/\b(rtt|tput|traj|bar|cell|ues|down|up)\b/.test(e.getAttribute('class') || ''))
					data++;
			}
		});
		out.push([s.id, Math.round(r.width), Math.round(r.height), drawn, data,
			  s.getAttribute('data-points')].join(' '));
	});
	var p = document.createElement('pre');
	p.id = 'probe';
	p.textContent = out.join('\n');
	document.body.appendChild(p);
})();
</script>
</body></html>
EOF

# Steps 1 to 3 on fixture $1.
check_fixture() {
	res=$TMP/$1
	rm -rf "$res"
	cp -r "$EDGEMU_SRC/tests/fixtures/$1" "$res"
	echo "== $1"
	png=()
	command -v rsvg-convert >/dev/null 2>&1 && png=(--png)
	"$EDGEMU" report "$res" "${png[@]}" 2>"$TMP/report.err" || fail "edgemu report: $(cat "$TMP/report.err")"
	[ -s "$res/report.html" ] || fail "no report.html"

	# The charts the CSV files call for.
	ids=(map cells)
	[ -e "$res/throughput.csv" ] && ids+=(tput)
	for ue in $(awk -F, 'NR > 1 {print $2}' "$res/rtt.csv" | sort -u); do ids+=("rtt-$ue"); done
	for n in $(awk -F, 'NR > 1 {print $1}' "$res/migrations.csv"); do ids+=("mig-$n"); done
	[ ${#ids[@]} -ge 3 ] || fail "the fixture has too little in it: ${ids[*]}"

	# 1. The DOM Chromium parsed from the file holds every chart as an <svg>.
	chrome --dump-dom "file://$res/report.html" >"$TMP/dom.html" ||
		fail "chromium --dump-dom: $(tail -3 "$TMP/chromium.log")"
	for id in "${ids[@]}"; do
		grep -q "<svg[^>]* id=\"$id\"" "$TMP/dom.html" || fail "chart $id not in the rendered DOM"
	done
	[ "$(grep -o '<svg[^>]* class="chart"' "$TMP/dom.html" | wc -l)" = ${#ids[@]} ] ||
		fail "the DOM has $(grep -o '<svg[^>]* class="chart"' "$TMP/dom.html" | wc -l) charts, expected ${#ids[@]}"
	ok "rendered DOM: ${ids[*]}"

	# 2. Laid out: a copy of the page with a script at its end (probe.js) that measures each
	#    chart as drawn (the report itself has no script).
	sed '/<\/body><\/html>/d' "$res/report.html" | cat - "$TMP/probe.js" >"$res/probe.html"
	chrome --window-size=1000,800 --dump-dom "file://$res/probe.html" >"$TMP/probe.html" ||
		fail "chromium (probe): $(tail -3 "$TMP/chromium.log")"
	sed -n '/<pre id="probe">/,/<\/pre>/p' "$TMP/probe.html" | sed 's/<[^>]*>//g' | grep . >"$TMP/measured" ||
		fail "the probe measured nothing: $(tail -3 "$TMP/chromium.log")"
	for id in "${ids[@]}"; do
		read -r w h drawn data points < <(awk -v id="$id" '$1 == id {print $2, $3, $4, $5, $6}' "$TMP/measured") ||
			fail "chart $id not measured: $(cat "$TMP/measured")"
		[ "$w" -ge 300 ] && [ "$h" -ge 100 ] || fail "chart $id laid out at ${w}x$h px"
		[ "$drawn" -ge 10 ] || fail "chart $id: $drawn drawn elements"
		# The fixture's run is older than cells.csv: its cell load chart says "no data".
		if [ "$id" = cells ] && [ ! -e "$res/cells.csv" ]; then
			grep -q 'no data: cells.csv is missing' "$TMP/dom.html" ||
				fail "chart cells: no cells.csv, and no \"no data\" either"
			ok "$id: ${w}x$h px, $drawn elements drawn, no data (no cells.csv)"
			continue
		fi
		[ "$data" -ge 1 ] || fail "chart $id: none of its data elements drawn"
		[ "$points" -ge 1 ] || fail "chart $id: data-points=$points"
		# Under 2000 rows, every row of throughput.csv is a point of its flow's line.
		if [ "$id" = tput ]; then
			rows=$(($(wc -l <"$res/throughput.csv") - 1))
			[ "$points" = "$rows" ] || fail "chart tput: $points points for $rows rows"
			grep -q '<table id="summary-flows">' "$TMP/dom.html" || fail "no flows table"
		fi
		ok "$id: ${w}x$h px, $drawn elements drawn ($data data), $points data points"
	done

	# 3. Pixels: the page's screenshot, and each chart's PNG, have ink on them.
	chrome --window-size=1000,2400 --screenshot="$TMP/shot-$1.png" "file://$res/report.html" >/dev/null ||
		fail "chromium --screenshot: $(tail -3 "$TMP/chromium.log")"
	[ -s "$TMP/shot-$1.png" ] || fail "no screenshot"
	read -r w h n < <(ink "$TMP/shot-$1.png")
	[ "${w:-0}" -gt 0 ] && [ "${n:-0}" -gt $((w * h / 100)) ] 2>/dev/null ||
		fail "the screenshot looks blank: ${w:-?}x${h:-?} px, ${n:-?} inked"
	ok "screenshot ${w}x$h px, $n pixels inked ($((100 * n / (w * h)))%)"
	if [ ${#png[@]} -gt 0 ]; then
		for id in "${ids[@]}"; do
			[ -s "$res/$id.png" ] || fail "--png wrote no $id.png"
			read -r w h n < <(ink "$res/$id.png")
			[ "${n:-0}" -gt $((w * h / 100)) ] 2>/dev/null || fail "$id.png looks blank: $w x $h, $n inked"
		done
		ok "--png: ${#ids[@]} PNGs, none blank"
	else
		echo "note: rsvg-convert (librsvg2-bin) not installed: --png not tried"
	fi
}

check_fixture run-quickstart
check_fixture run-traffic

# 4. It prints.
chrome --no-pdf-header-footer --print-to-pdf="$TMP/report.pdf" "file://$res/report.html" >/dev/null ||
	fail "chromium --print-to-pdf: $(tail -3 "$TMP/chromium.log")"
[ "$(head -c 5 "$TMP/report.pdf")" = "%PDF-" ] || fail "no PDF"
pages=$(grep -a -o '/Count [0-9]*' "$TMP/report.pdf" | head -1 | awk '{print $2}')
ok "printed: $(($(stat -c %s "$TMP/report.pdf") / 1024)) KiB PDF, ${pages:-?} pages"
