/* SPDX-License-Identifier: MIT */
/*
 * Moved to util/text.h (issue 13). The old names stay until their last users (run, report,
 * sweep) switch to util_json_str() and util_html(); then this file goes.
 */
#ifndef EDGEMU_CLI_TEXT_H
#define EDGEMU_CLI_TEXT_H

#include "util/text.h"

static inline void cli_json_str(FILE *f, const char *s)
{
	util_json_str(f, s);
}

static inline void cli_html(FILE *f, const char *s)
{
	util_html(f, s);
}

#endif
