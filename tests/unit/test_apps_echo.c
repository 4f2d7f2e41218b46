/* SPDX-License-Identifier: MIT */
/*
 * edgemu-probe --echo's answer check (apps/proto.h app_echo_check()): a plain UDP echo
 * server's answer is the request, byte for byte; anything else is not an answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "apps/proto.h"

static void test_echo_check(void **state)
{
	struct app_req q;
	struct app_answer a;
	char buf[128];

	(void)state;
	app_req_pack(&q, 77, 12345, 987654321);
	memcpy(buf + 1, &q, sizeof(q)); /* read in place from any offset */
	assert_int_equal(app_echo_check(buf + 1, sizeof(q), 77), 0);
	/* another client's, or cut short, or longer */
	assert_int_equal(app_echo_check(&q, sizeof(q), 78), -EBADMSG);
	assert_int_equal(app_echo_check(&q, sizeof(q) - 1, 77), -EBADMSG);
	memcpy(buf, &q, sizeof(q));
	buf[sizeof(q)] = 0;
	assert_int_equal(app_echo_check(buf, sizeof(q) + 1, 77), -EBADMSG);
	/* any changed byte: flags, reserved, kind, magic, version */
	for (size_t i = 0; i < sizeof(q); i++) {
		size_t seq_at = offsetof(struct app_req, seq);
		size_t time_at = offsetof(struct app_req, send_ns);

		/* the sequence number and time are any a request may have */
		if ((i >= seq_at && i < seq_at + 8) || (i >= time_at && i < time_at + 8))
			continue;
		memcpy(buf, &q, sizeof(q));
		buf[i] ^= 0x01;
		assert_int_equal(app_echo_check(buf, sizeof(q), 77), -EBADMSG);
	}
	/* edgemu-echo's answer is no plain echo */
	app_answer_pack(&a, &q, (const char[APP_INSTANCE_LEN]){"edge1"}, 0);
	assert_int_equal(app_echo_check(&a, sizeof(a), 77), -EBADMSG);
	assert_int_equal(app_echo_check(&a, sizeof(q), 77), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
