/* SPDX-License-Identifier: MIT */
/*
 * The programs' messages on stderr, by level: warnings always, more with each -v. Library
 * code hands errors back to its caller and leaves the words to the program; what it logs
 * here is what nobody asked for but someone debugging wants (libbpf's own messages).
 */
#ifndef EDGEMU_UTIL_LOG_H
#define EDGEMU_UTIL_LOG_H

#include <stdarg.h>

enum util_log_level {
	UTIL_LOG_WARN,	/* shown by default */
	UTIL_LOG_INFO,	/* -v */
	UTIL_LOG_DEBUG, /* -vv */
};

/* Messages up to level are shown (beyond UTIL_LOG_DEBUG: as UTIL_LOG_DEBUG). */
void util_log_set_level(enum util_log_level level);
enum util_log_level util_log_level(void);
/* The message, printf-like, on stderr when level is shown. */
__attribute__((format(printf, 2, 3))) void util_log(enum util_log_level level, const char *fmt,
						    ...);
__attribute__((format(printf, 2, 0))) void util_vlog(enum util_log_level level, const char *fmt,
						     va_list ap);

#define pr_warn(...) util_log(UTIL_LOG_WARN, __VA_ARGS__)
#define pr_info(...) util_log(UTIL_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) util_log(UTIL_LOG_DEBUG, __VA_ARGS__)

#endif
