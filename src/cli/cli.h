/*
 * cli.h - the subcommands of the `lotusx` tool. Each takes argc/argv with
 * argv[0] being the subcommand name and returns the process exit code.
 */
#ifndef LOTUSX_CLI_H
#define LOTUSX_CLI_H

#include "core/lx_internal.h"

struct lx_cli_cmd {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int lx_cli_is_help(const char *arg);
int lx_cli_version(int argc, char **argv);
int lx_cli_demo(int argc, char **argv);
int lx_cli_capture(int argc, char **argv);
int lx_cli_backtest(int argc, char **argv);
int lx_cli_paper(int argc, char **argv);

#endif
