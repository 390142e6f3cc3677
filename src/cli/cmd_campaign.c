/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori campaign populate`: the checklist lines of an inspection campaign
 * (every machine in service × every item of 002 別紙1 §4) or of a password
 * rotation (every machine × component of 別紙1 §3), written through the
 * store as the actor (src/ops/campaign.c). Existing lines are kept.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori campaign populate --db FILE --id ID --actor NAME [--role ROLE] [--tenant ORG]\n"
	"  ID is an inspection_campaign (one inspection item per machine in service and item of\n"
	"  002 別紙1 §4: 端末1–16, CS1–13) or a password_rotation (one line per machine and\n"
	"  component of 別紙1 §3). Lines that exist are kept; the campaign must be planned or\n"
	"  in progress. --role defaults to admin.\n";

static int populate(const cli_args *a)
{
	const char *db = cli_need(a, "db"), *id = cli_need(a, "id"), *actor = cli_need(a, "actor");
	char schema[4096];
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	mm_err err;
	mm_ops_populate_counts n;
	int rc;
	mm_err_clear(&err);
	if (!db || !id || !actor)
		return CLI_USAGE;
	mm_actor who = {actor, cli_opt(a, "role") ? cli_opt(a, "role") : "admin", cli_opt(a, "tenant")};
	if ((rc = cli_schema_dir(schema, sizeof schema)))
		return rc;
	if (mm_store_open(db, schema, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err) ||
	    mm_ops_campaign_populate(s, &who, id, &n, &err))
		rc = cli_report(&err);
	else
		printf("%s: %zu machines, %zu lines created, %zu already there\n", id, n.assets, n.created, n.existing);
	if (s) {
		mm_err cerr;
		mm_err_clear(&cerr);
		if (mm_store_close(s, &cerr) && rc == CLI_OK)
			rc = cli_report(&cerr);
	}
	mm_ops_free(ops);
	return rc;
}

int cmd_campaign(int argc, char **argv)
{
	cli_args a;
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "populate") != 0)
		return cli_error("campaign: unknown command '%s' (populate)", argv[1]);
	if (cli_parse(&a, argc - 2, argv + 2, "db: id: actor: role: tenant:"))
		return CLI_USAGE;
	return populate(&a);
}
