/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent`: runs on each managed machine; collects facts, runs
 * checks against policies and baselines, watches files. One line of the
 * table below per command; each lives in its own cmd_<command>.c.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "crypto/mm_crypto.h"
#include "base/banned.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"check", agent_cmd_check, "inspect this machine (or --root DIR) against a policy"},
	{"baseline", agent_cmd_baseline, "snapshot the approved configuration for drift checks"},
	{"facts", agent_cmd_facts, "show the collected fact tables"},
	{"fim", agent_cmd_fim, "file integrity: baseline, check, watch, restore"},
	{"enroll", agent_cmd_enroll, "register this machine's key with the server (one-time token)"},
	{"run", agent_cmd_run, "inspect, sign and upload the report (or write a bundle)"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mamori-agent COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n`mamori-agent COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return AGENT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return AGENT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mamori-agent %s\n", MM_VERSION);
		return AGENT_OK;
	}
	if (mm_crypto_init() != MM_OK) {
		fprintf(stderr, "mamori-agent: error: cannot initialise cryptography\n");
		return AGENT_USAGE;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mamori-agent: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return AGENT_USAGE;
}
