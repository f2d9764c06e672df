/*
 * lotusx.c - the `lotusx` command: a dispatcher over subcommands.
 *
 * Each subcommand lives in its own file (cmd_<name>.c) and is listed in the
 * table below with a one-line summary; `lotusx help` prints the table and
 * `lotusx <cmd> --help` the subcommand's own usage. Exit codes: 0 success,
 * 1 failure at run time, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct lx_cli_cmd cmds[] = {
    {"backtest", "run a strategy against the simulated venue, deterministic",
     lx_cli_backtest},
    {"capture",
     "capture files: info, dump, verify, cat, export, import, slice, merge",
     lx_cli_capture},
    {"demo", "a short tour of what is built, on loopback", lx_cli_demo},
    {"paper", "run a strategy against a venue over the network, in real time",
     lx_cli_paper},
    {"version", "print the library version", lx_cli_version},
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: lotusx <command> [options]\n\ncommands:\n");
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
    }
    fprintf(f, "\n`lotusx <command> --help` describes each command.\n");
}

int lx_cli_version(int argc, char **argv)
{
    if (argc > 1) {
        if (lx_cli_is_help(argv[1])) {
            printf("usage: lotusx version\n");
            return 0;
        }
        fprintf(stderr, "lotusx version: unexpected argument '%s'\n", argv[1]);
        return 2;
    }
    printf("lotusx %s\n", lx_version());
    return 0;
}

int lx_cli_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2 || lx_cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return lx_cli_version(1, argv + 1);
    }
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name) == 0) {
            return cmds[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "lotusx: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
