/* SPDX-License-Identifier: MIT */
#ifndef EDGEMU_CLI_H
#define EDGEMU_CLI_H

#include <stdbool.h>
#include <stdio.h>

bool cli_wants_help(int argc, char **argv);
/* 0 when running as root, else prints what is needed and returns 1. */
int cli_need_root(const char *what);
int cli_check(int argc, char **argv);
int cli_show(int argc, char **argv);
int cli_shape(int argc, char **argv);
int cli_steer(int argc, char **argv);
int cli_trace(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_attach(int argc, char **argv);
/*
 * report.html of results folder dir (cli/report.c), and with png each chart as PNG too; a
 * failure is printed on stderr. 0 or -errno.
 */
int cli_report_dir(const char *dir, bool png);

#endif
