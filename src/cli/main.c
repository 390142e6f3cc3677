/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori`: server and administration command line. Dispatches the first
 * argument to a command group; each group lives in its own cmd_*.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "crypto/mm_crypto.h"
#include "base/banned.h"

struct group {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct group groups[] = {
	{"init", cmd_init, "create a database, signing key and TLS certificate"},
	{"record", cmd_record, "create, update, transition, show, list and trace records"},
	{"ledger", cmd_ledger, "verify, export, prove and checkpoint the ledger"},
	{"calendar", cmd_calendar, "national holidays, business days and business hours"},
	{"sla", cmd_sla, "due times of response and document targets under a contract"},
	{"serve", cmd_serve, "serve the HTTPS API and web UI"},
	{"user", cmd_user, "add, disable and list the accounts of the web UI and API"},
	{"demo", cmd_demo, "load the demo organisation built from 002 (22 sites, 182 devices)"},
	{"campaign", cmd_campaign, "make the checklist of an inspection campaign or a password rotation"},
	{"enroll-token", cmd_enroll_token, "make a one-time token that enrolls an agent for an asset"},
	{"import", cmd_import, "ingest an agent's offline signed report bundle"},
	{"compliance", cmd_compliance, "status of every requirement of the catalogue, with its evidence"},
	{"report", cmd_report, "write a report (.xlsx, A4) that carries the ledger checkpoint"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mamori COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		fprintf(f, "  %-10s %s\n", groups[i].name, groups[i].help);
	fprintf(f, "\n`mamori COMMAND --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("mamori %s\n", MM_VERSION);
		return CLI_OK;
	}
	if (mm_crypto_init() != MM_OK) {
		fprintf(stderr, "mamori: error: cannot initialise cryptography\n");
		return CLI_USAGE;
	}
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (strcmp(argv[1], groups[i].name) == 0)
			return groups[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mamori: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
