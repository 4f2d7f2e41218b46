/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <unistd.h>

#include "tests/integ/bpf_test.h"

uint32_t bpf_test_ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

bool bpf_test_usable(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void bpf_test_rand_hex(char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(read(fd, r, sizeof(r)), sizeof(r));
	close(fd);
	for (size_t i = 0; i + 1 < len && i < sizeof(r); i++)
		buf[i] = hex[r[i] & 0xf];
	buf[len - 1 < sizeof(r) ? len - 1 : sizeof(r)] = '\0';
}
