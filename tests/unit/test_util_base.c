/* SPDX-License-Identifier: MIT */
/* util/: escaping and text buffers, growing arrays, signal masks, the clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/mem.h"
#include "util/sig.h"
#include "util/text.h"

static void test_escape(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	util_json_str(f, "a\"b\\c\n\x01");
	fputc(' ', f);
	util_html(f, "<a href=\"x\">&</a>");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(
	    text, "\"a\\\"b\\\\c\\u000a\\u0001\" &lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
	free(text);
}

static void test_buf(void **state)
{
	struct util_buf b = {0};
	size_t want = 0;

	assert_int_equal(util_buf_printf(&b, "%s", ""), 0);
	assert_non_null(b.s);
	assert_string_equal(b.s, "");
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(util_buf_printf(&b, "line %d\n", i), 0);
		want += (size_t)snprintf(NULL, 0, "line %d\n", i);
	}
	assert_int_equal(b.len, want);
	assert_int_equal(strlen(b.s), want);
	assert_memory_equal(b.s, "line 0\nline 1\n", 14);
	assert_string_equal(b.s + want - 10, "line 9999\n");
	/* a failure sticks: nothing more is appended */
	b.err = -ENOMEM;
	assert_int_equal(util_buf_printf(&b, "more"), -ENOMEM);
	assert_int_equal(b.len, want);
	util_buf_free(&b);
	assert_null(b.s);
	assert_int_equal(b.len + b.cap + (size_t)b.err, 0);
}

static void test_grow(void **state)
{
	struct pair {
		int a, b;
	} *v = NULL;
	size_t n = 0, cap = 0;

	for (int i = 0; i < 1000; i++) {
		assert_int_equal(util_grow(&v, &cap, n, sizeof(*v), 8), 0);
		assert_true(cap > n);
		v[n++] = (struct pair){i, -i};
	}
	assert_int_equal(cap, 1024); /* 8, then doubled */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i].a + v[i].b, 0);
	/* too large for memory: the array stays as it was */
	cap = SIZE_MAX / 2;
	assert_int_equal(util_grow(&v, &cap, SIZE_MAX / 2, sizeof(*v), 8), -ENOMEM);
	assert_int_equal(cap, SIZE_MAX / 2);
	assert_int_equal(v[999].a, 999);
	free(v);
}

static void test_sig(void **state)
{
	static const int sigs[] = {SIGUSR1, SIGUSR2};
	static const int bad[] = {SIGUSR1, 9999};
	sigset_t before, set, old, now;

	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &before), 0);
	assert_false(sigismember(&before, SIGUSR1));
	assert_int_equal(util_sig_block(sigs, 2, &set, &old), 0);
	assert_true(sigismember(&set, SIGUSR1) && sigismember(&set, SIGUSR2));
	assert_false(sigismember(&set, SIGINT));
	assert_false(sigismember(&old, SIGUSR1));
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	assert_true(sigismember(&now, SIGUSR1) && sigismember(&now, SIGUSR2));
	util_sig_restore(&old);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	assert_false(sigismember(&now, SIGUSR1));
	/* a bad number: nothing blocked */
	assert_int_equal(util_sig_block(bad, 2, NULL, NULL), -EINVAL);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	assert_false(sigismember(&now, SIGUSR1));
	/* unblock everything */
	assert_int_equal(util_sig_block(sigs, 2, NULL, NULL), 0);
	util_sig_unblock_all();
	assert_int_equal(pthread_sigmask(SIG_BLOCK, NULL, &now), 0);
	assert_false(sigismember(&now, SIGUSR1) || sigismember(&now, SIGUSR2));
}

static void test_clock(void **state)
{
	uint64_t a = util_now_ns(), b = util_now_ns();
	double ms = util_now_ms();

	assert_true(b >= a);
	assert_true(ms * 1e6 >= (double)b - 1e3);
	/* after 2020 */
	assert_true(util_realtime_ns() > 1577836800ULL * UTIL_NS_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape), cmocka_unit_test(test_buf),
	    cmocka_unit_test(test_grow),   cmocka_unit_test(test_sig),
	    cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
