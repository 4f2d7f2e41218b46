/* SPDX-License-Identifier: MIT */
/*
 * A sweep's numbers: what each run measured (its summary.json and rtt.csv, read with a
 * small JSON scanner: the summary is edgemu run's own, and a JSON library for a dozen
 * fields is not worth a dependency), and per combination the mean with its 95% confidence
 * interval from Student's t.
 */
#include "cli/num.h"
#include "cli/sweep.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct sweep_metric_info sweep_metrics[SWEEP_METRIC_N] = {
    [SWEEP_DOWNTIME] = {"downtime_ms", "downtime", "downtime (engine)", "ms"},
    [SWEEP_CLIENT_GAP] = {"client_gap_ms", "client-gap", "downtime (client gap)", "ms"},
    [SWEEP_TOTAL] = {"total_ms", "total", "total migration time", "ms"},
    [SWEEP_MOVED] = {"moved_mib", "moved", "moved per migration", "MiB"},
    [SWEEP_RTT_P50] = {"rtt_p50_ms", "rtt-p50", "RTT p50", "ms"},
    [SWEEP_RTT_P95] = {"rtt_p95_ms", "rtt-p95", "RTT p95", "ms"},
    [SWEEP_RTT_P99] = {"rtt_p99_ms", "rtt-p99", "RTT p99", "ms"},
    [SWEEP_LOSS] = {"loss_pct", "loss", "probe loss", "%"},
    [SWEEP_MIGRATIONS] = {"migrations", "migrations", "migrations", ""},
    [SWEEP_FAILED] = {"failed", "failed", "failed migrations", ""},
    [SWEEP_HANDOVERS] = {"handovers", "handovers", "handovers", ""},
};

/* t(0.975, df) for df 1..30. */
static const double t975[31] = {
    NAN,	 12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851,
    2.364624252, 2.306004135,  2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656,
    2.144786688, 2.131449546,  2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447,
    2.079613845, 2.073873068,  2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516,
    2.048407142, 2.045229642,  2.042272456,
};

double sweep_t975(unsigned df)
{
	const double z = 1.959963984540054, z2 = z * z;
	double v = df;

	if (df <= 30)
		return t975[df];
	/* Cornish-Fisher expansion of t's quantile in 1/df around the normal's. */
	return z + z * (z2 + 1) / (4 * v) + z * ((5 * z2 + 16) * z2 + 3) / (96 * v * v) +
	       z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * v * v * v) +
	       z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) /
		   (92160 * v * v * v * v);
}

void sweep_stat_of(const double *x, unsigned n, struct sweep_stat *ret)
{
	double sum = 0, ss = 0;

	ret->n = n;
	ret->mean = ret->ci95 = NAN;
	if (!n)
		return;
	for (unsigned i = 0; i < n; i++)
		sum += x[i];
	ret->mean = sum / n;
	if (n < 2)
		return;
	for (unsigned i = 0; i < n; i++)
		ss += (x[i] - ret->mean) * (x[i] - ret->mean);
	ret->ci95 = sweep_t975(n - 1) * sqrt(ss / (n - 1)) / sqrt((double)n);
}

/* ---- summary.json ---- */

enum jtype { J_NUM, J_STR, J_TRUE, J_FALSE, J_NULL };

struct jscan {
	const char *s, *end;
	char path[128]; /* keys from the top, dot-joined; array items share theirs */
	unsigned depth;
	/* what summary.json says */
	bool has_ues, has_migs, error;
	bool cut; /* "ended" says it did not complete (older runs do not say) */
	struct {
		bool ok;
		double downtime, gap, total, bytes;
	} mig;
	unsigned migs, failed, ok_migs;
	double downtime, gap, total, bytes, handovers;
};

static void ws(struct jscan *j)
{
	while (j->s < j->end && strchr(" \t\r\n", *j->s))
		j->s++;
}

/* A string's text (escapes kept as the escaped character), into buf if given. */
static int jstring(struct jscan *j, char *buf, size_t len)
{
	size_t n = 0;

	if (j->s >= j->end || *j->s != '"')
		return -EINVAL;
	for (j->s++; j->s < j->end && *j->s != '"'; j->s++) {
		if (*j->s == '\\' && ++j->s >= j->end)
			return -EINVAL;
		if (buf && n + 1 < len)
			buf[n++] = *j->s;
	}
	if (j->s >= j->end)
		return -EINVAL;
	j->s++;
	if (buf && len)
		buf[n] = '\0';
	return 0;
}

static void on_scalar(struct jscan *j, enum jtype t, double v)
{
	const char *p = j->path;

	if (!strcmp(p, "error")) {
		j->error = t != J_NULL;
	} else if (!strcmp(p, "ues.handovers") && t == J_NUM) {
		j->handovers += v;
	} else if (!strncmp(p, "migrations.", 11)) {
		p += 11;
		if (!strcmp(p, "ok"))
			j->mig.ok = t == J_TRUE;
		else if (t != J_NUM)
			return;
		else if (!strcmp(p, "downtime_ms"))
			j->mig.downtime = v;
		else if (!strcmp(p, "client_gap_ms"))
			j->mig.gap = v;
		else if (!strcmp(p, "total_ms"))
			j->mig.total = v;
		else if (!strcmp(p, "bytes"))
			j->mig.bytes = v;
	}
}

static void on_object_end(struct jscan *j)
{
	if (strcmp(j->path, "migrations"))
		return;
	j->migs++;
	if (!j->mig.ok) {
		j->failed++;
	} else {
		j->ok_migs++;
		j->downtime += j->mig.downtime;
		j->gap += j->mig.gap;
		j->total += j->mig.total;
		j->bytes += j->mig.bytes;
	}
	memset(&j->mig, 0, sizeof(j->mig));
}

static int jvalue(struct jscan *j);

static int jobject(struct jscan *j)
{
	size_t plen = strlen(j->path);
	char key[64];
	int r;

	j->s++;
	ws(j);
	if (j->s < j->end && *j->s == '}') {
		j->s++;
		on_object_end(j);
		return 0;
	}
	for (;;) {
		ws(j);
		r = jstring(j, key, sizeof(key));
		if (r < 0)
			return r;
		ws(j);
		if (j->s >= j->end || *j->s != ':')
			return -EINVAL;
		j->s++;
		snprintf(j->path + plen, sizeof(j->path) - plen, "%s%s", plen ? "." : "", key);
		if (!plen && !strcmp(key, "ues"))
			j->has_ues = true;
		if (!plen && !strcmp(key, "migrations"))
			j->has_migs = true;
		r = jvalue(j);
		j->path[plen] = '\0';
		if (r < 0)
			return r;
		ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->end && *j->s == '}') {
			j->s++;
			on_object_end(j);
			return 0;
		}
		return -EINVAL;
	}
}

static int jarray(struct jscan *j)
{
	int r;

	j->s++;
	ws(j);
	if (j->s < j->end && *j->s == ']') {
		j->s++;
		return 0;
	}
	for (;;) {
		r = jvalue(j);
		if (r < 0)
			return r;
		ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->end && *j->s == ']') {
			j->s++;
			return 0;
		}
		return -EINVAL;
	}
}

static bool word(struct jscan *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->s) < n || strncmp(j->s, w, n))
		return false;
	j->s += n;
	return true;
}

static int jvalue(struct jscan *j)
{
	char num[64];
	size_t n = 0;
	int r;

	ws(j);
	if (j->s >= j->end)
		return -EINVAL;
	if (++j->depth > 16)
		return -EINVAL;
	switch (*j->s) {
	case '{':
		r = jobject(j);
		break;
	case '[':
		r = jarray(j);
		break;
	case '"': {
		char text[32];

		r = jstring(j, text, sizeof(text));
		if (r == 0 && !strcmp(j->path, "ended"))
			j->cut = strcmp(text, "completed") != 0;
		if (r == 0)
			on_scalar(j, J_STR, 0);
		break;
	}
	default:
		r = 0;
		if (word(j, "true")) {
			on_scalar(j, J_TRUE, 0);
		} else if (word(j, "false")) {
			on_scalar(j, J_FALSE, 0);
		} else if (word(j, "null")) {
			on_scalar(j, J_NULL, 0);
		} else {
			char *end;
			double v;

			while (j->s + n < j->end && n + 1 < sizeof(num) &&
			       strchr("0123456789+-.eE", j->s[n])) {
				num[n] = j->s[n];
				n++;
			}
			num[n] = '\0';
			v = strtod(num, &end);
			if (!n || *end)
				r = -EINVAL;
			else
				on_scalar(j, J_NUM, v);
			j->s += n;
		}
	}
	j->depth--;
	return r;
}

int sweep_summary_scan(const char *json, size_t len, struct sweep_result *res)
{
	struct jscan j = {.s = json, .end = json + len};
	int r;

	ws(&j);
	if (j.s >= j.end || *j.s != '{')
		return -EINVAL;
	r = jvalue(&j);
	if (r < 0)
		return r;
	if (!j.has_ues || !j.has_migs || j.error || j.cut)
		return -EINVAL;
	res->v[SWEEP_MIGRATIONS] = j.migs;
	res->v[SWEEP_FAILED] = j.failed;
	res->v[SWEEP_HANDOVERS] = j.handovers;
	res->has[SWEEP_MIGRATIONS] = res->has[SWEEP_FAILED] = res->has[SWEEP_HANDOVERS] = true;
	if (j.ok_migs) {
		res->v[SWEEP_DOWNTIME] = j.downtime / j.ok_migs;
		res->v[SWEEP_CLIENT_GAP] = j.gap / j.ok_migs;
		res->v[SWEEP_TOTAL] = j.total / j.ok_migs;
		res->v[SWEEP_MOVED] = j.bytes / j.ok_migs / 1048576.0;
		res->has[SWEEP_DOWNTIME] = res->has[SWEEP_CLIENT_GAP] = res->has[SWEEP_TOTAL] =
		    res->has[SWEEP_MOVED] = true;
	}
	return 0;
}

/* ---- rtt.csv ---- */

int sweep_rtt_scan(const char *csv, size_t len, struct sweep_result *res)
{
	const char *s = csv, *end = csv + len, *eol;
	size_t n = 0, cap = 0, lost = 0;
	double *v = NULL;
	int col = -1;

	/* The header names the column. */
	eol = memchr(s, '\n', len);
	if (!eol)
		return -EINVAL;
	for (int i = 0; s < eol; i++) {
		size_t f = strcspn(s, ",\n");

		if (f == 6 && !strncmp(s, "rtt_ms", 6))
			col = i;
		s += f + (s + f < eol);
	}
	if (col < 0)
		return -EINVAL;
	for (s = eol + 1; s < end; s = eol + 1) {
		const char *p = s;
		char num[32], *e;
		size_t f;

		eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		if (eol == s)
			continue;
		for (int i = 0; i < col && p < eol; i++) {
			p = memchr(p, ',', (size_t)(eol - p));
			p = p ? p + 1 : eol;
		}
		if (p >= eol)
			continue; /* a short line: cut by a crash, not a measurement */
		f = strcspn(p, ",\n");
		if (p + f > eol)
			f = (size_t)(eol - p);
		if (!f) {
			lost++;
			continue;
		}
		if (f >= sizeof(num))
			continue;
		memcpy(num, p, f);
		num[f] = '\0';
		if (n == cap) {
			double *bigger = realloc(v, (cap ? cap * 2 : 4096) * sizeof(*v));

			if (!bigger) {
				free(v);
				return -ENOMEM;
			}
			v = bigger;
			cap = cap ? cap * 2 : 4096;
		}
		v[n] = strtod(num, &e);
		if (!*e)
			n++;
	}
	if (n + lost) {
		res->v[SWEEP_LOSS] = 100.0 * (double)lost / (double)(n + lost);
		res->has[SWEEP_LOSS] = true;
	}
	if (n) {
		qsort(v, n, sizeof(*v), cli_cmp_double);
		res->v[SWEEP_RTT_P50] = cli_quantile(v, n, 0.50);
		res->v[SWEEP_RTT_P95] = cli_quantile(v, n, 0.95);
		res->v[SWEEP_RTT_P99] = cli_quantile(v, n, 0.99);
		res->has[SWEEP_RTT_P50] = res->has[SWEEP_RTT_P95] = res->has[SWEEP_RTT_P99] = true;
	}
	free(v);
	return 0;
}

/* ---- per combination ---- */

int sweep_aggregate(const struct sweep_plan *p, const struct sweep_result *res,
		    const bool *complete, struct sweep_agg *agg)
{
	double *x = calloc(p->repeat, sizeof(*x));

	if (!x)
		return -ENOMEM;
	for (unsigned c = 0; c < p->n_combos; c++) {
		agg[c].runs = 0;
		for (unsigned i = 0; i < p->n_runs; i++)
			agg[c].runs += p->runs[i].combo == c && complete[i];
		for (unsigned m = 0; m < SWEEP_METRIC_N; m++) {
			unsigned n = 0;

			for (unsigned i = 0; i < p->n_runs; i++)
				if (p->runs[i].combo == c && complete[i] && res[i].has[m] &&
				    n < p->repeat)
					x[n++] = res[i].v[m];
			sweep_stat_of(x, n, &agg[c].m[m]);
		}
	}
	free(x);
	return 0;
}
