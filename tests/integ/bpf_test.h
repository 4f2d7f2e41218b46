/* SPDX-License-Identifier: MIT */
/* What the BPF program tests (test_bpf_steer, test_bpf_ran) share. */
#ifndef EDGEMU_TESTS_BPF_TEST_H
#define EDGEMU_TESTS_BPF_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 address in network byte order (the test fails on a bad one). */
uint32_t bpf_test_ip4(const char *s);
/* Whether this kernel lets us create a BPF map (else the test is skipped). */
bool bpf_test_usable(void);
/* Up to 16 random hex digits in buf (len with the NUL), for unique namespace names. */
void bpf_test_rand_hex(char *buf, size_t len);

#endif
