/* SPDX-License-Identifier: MIT */
/*
 * The results folder's readers (results/results.h): the input as summary.json (parsed, then
 * every getter on it) and as each CSV file, strict and skipping bad rows. A file either
 * reads or gives an error that names it; rows read are typed as promised.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "results/results.h"
#include "tests/fuzz/fuzz.h"

static int on_row(void *arg, const union results_row *row, size_t line)
{
	enum results_csv_id id = *(enum results_csv_id *)arg;

	FUZZ_CHECK(line >= 2);
	FUZZ_CHECK(isfinite(row->ev.t_s)); /* t_s first in every row */
	if (id == RESULTS_CSV_RTT)
		FUZZ_CHECK(isfinite(row->rtt.rtt_ms) && row->rtt.ue && row->rtt.instance);
	else if (id == RESULTS_CSV_POSITIONS)
		FUZZ_CHECK(isfinite(row->pos.x) && isfinite(row->pos.y) && row->pos.cell);
	else if (id == RESULTS_CSV_MIGRATIONS)
		FUZZ_CHECK(isfinite(row->mig.total_ms) && row->mig.error &&
			   row->mig.downtime_until);
	else if (id == RESULTS_CSV_CELLS)
		FUZZ_CHECK(row->cell.cell != NULL);
	else if (id == RESULTS_CSV_THROUGHPUT)
		FUZZ_CHECK(isfinite(row->tput.mbps) && row->tput.flow);
	else
		FUZZ_CHECK(row->ev.detail != NULL);
	return 0;
}

static void json(const char *text, size_t len)
{
	static const char *const paths[] = {
	    "run",	  "ended",	     "error",	    "stopped_s", "ues",
	    "migrations", "lateness_us.p50", "lateness_us", "a.b.c.d",	 "flows"};
	struct results_err err;
	struct json_object *o;
	char buf[64];

	if (results_json_parse(text, len, RESULTS_SUMMARY, &o, &err) < 0) {
		FUZZ_CHECK(!strncmp(err.msg, RESULTS_SUMMARY, strlen(RESULTS_SUMMARY)));
		return;
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (results_json_text(o, paths[i], buf, sizeof(buf)))
			FUZZ_CHECK(strlen(buf) < sizeof(buf));
		(void)results_json_double(o, paths[i], 0);
		(void)results_json_int(o, paths[i], 0);
		(void)results_json_bool(o, paths[i], false);
		(void)results_json_str(o, paths[i], NULL);
		(void)results_json_has(o, paths[i]);
	}
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;

	json(text, size);
	for (enum results_csv_id id = 0; id < RESULTS_CSV_N; id++) {
		struct results_err err;
		long rc;

		rc = results_csv_parse(text, size, NULL, id, 0, on_row, &id, &err);
		if (rc == -EINVAL)
			FUZZ_CHECK(
			    !strncmp(err.msg, results_csv[id].name, strlen(results_csv[id].name)));
		rc = results_csv_parse(text, size, NULL, id, RESULTS_READ_SKIP_BAD, on_row, &id,
				       &err);
		FUZZ_CHECK(rc >= 0 || rc == -EINVAL || rc == -ENODATA || rc == -ENOMEM);
	}
	return 0;
}
