/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "util/log.h"

static enum util_log_level shown = UTIL_LOG_WARN;

void util_log_set_level(enum util_log_level level)
{
	shown = level > UTIL_LOG_DEBUG ? UTIL_LOG_DEBUG : level;
}

enum util_log_level util_log_level(void)
{
	return shown;
}

void util_vlog(enum util_log_level level, const char *fmt, va_list ap)
{
	if (level <= shown)
		vfprintf(stderr, fmt, ap);
}

void util_log(enum util_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_vlog(level, fmt, ap);
	va_end(ap);
}
