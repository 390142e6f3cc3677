/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori demo load`: the demo organisation of seed 002 (data/demo/
 * sapporo.json: the 22 sites and 182 devices of 別紙1 §1, a fictional
 * roster, open work requests and faults), checked whole and then written
 * through the store (src/ops), so every record is a ledger entry and the
 * SLA deriver runs on each.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori demo load --db FILE [--data FILE] [--tenant ORG] [--populate]\n"
	"  Loads the demo organisation built from 002 (22 sites, 182 devices, a roster,\n"
	"  open work requests and faults, an inspection campaign and a password rotation)\n"
	"  into a database that has no sites yet. --populate also writes the campaigns'\n"
	"  checklists (as `mamori campaign populate`: about 3,300 lines).\n"
	"  The whole file is checked first: a bad one is refused and nothing is written.\n"
	"  --data defaults to " MM_DATA_DIR "/demo/sapporo.json (MAMORI_DATA overrides the folder).\n";

/* True when the tenant already has sites (the demo, or real data). */
static int has_sites(mm_store *s, const mm_actor *who, bool *yes, mm_err *err)
{
	mm_buf b;
	int rc;
	*yes = true;
	mm_buf_init(&b, 64u << 20);
	if ((rc = mm_store_list(s, who, "site", NULL, &b, err)) == MM_OK) {
		json_t *a = json_loadb((const char *)b.p, b.len, 0, NULL);
		*yes = !a || json_array_size(a) > 0;
		json_decref(a);
	}
	mm_buf_release(&b);
	return rc;
}

/* --populate: the checklist lines of every campaign the demo made (src/ops/campaign.c). */
static int populate_campaigns(mm_store *s, const mm_actor *who)
{
	static const char *const kinds[] = {"inspection_campaign", "password_rotation"};
	mm_actor mgr = {"山田 太郎", "contractor-manager", who->tenant};
	int rc = CLI_OK;
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds && rc == CLI_OK; k++) {
		mm_buf b;
		mm_err err;
		mm_err_clear(&err);
		mm_buf_init(&b, 64u << 20);
		json_t *arr = NULL;
		if (mm_store_list(s, who, kinds[k], NULL, &b, &err))
			rc = cli_report(&err);
		else if (!(arr = json_loadb((const char *)b.p, b.len, 0, NULL)))
			rc = cli_error("cannot read the %s records", kinds[k]);
		size_t i;
		json_t *r;
		json_array_foreach(arr, i, r) {
			mm_ops_populate_counts n;
			const char *id = json_string_value(json_object_get(r, "id"));
			if (rc != CLI_OK || !id)
				break;
			if (mm_ops_campaign_populate(s, &mgr, id, &n, &err))
				rc = cli_report(&err);
			else
				printf("  %s: %zu checklist lines for %zu machines\n", id, n.created, n.assets);
		}
		json_decref(arr);
		mm_buf_release(&b);
	}
	return rc;
}

static int load(const cli_args *a)
{
	const char *db = cli_need(a, "db");
	const char *file = cli_opt(a, "data");
	char def[4096], schema[4096];
	json_t *plan = NULL;
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	mm_actor who = {"demo", "admin", cli_opt(a, "tenant")};
	mm_ops_demo_counts n;
	mm_err err;
	mm_buf in;
	bool loaded;
	int rc;
	mm_err_clear(&err);
	mm_buf_init(&in, MM_DEMO_FILE_MAX);
	if (!db)
		return CLI_USAGE;
	if (!file) {
		snprintf(def, sizeof def, "%s/demo/sapporo.json", cli_data_dir());
		file = def;
	}
	if ((rc = cli_read_input(NULL, file, &in)) || (rc = cli_schema_dir(schema, sizeof schema)))
		goto out;
	if (mm_store_open(db, schema, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err) ||
	    mm_ops_demo_plan(mm_store_schema(s), ops, (const char *)in.p, in.len, file, (int64_t)time(NULL), &plan,
			     &err) ||
	    has_sites(s, &who, &loaded, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	if (loaded) {
		rc = cli_error("%s already has sites: the demo loads only into a new database", db);
		goto out;
	}
	if (mm_ops_demo_load(s, &who, plan, &n, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	printf("demo loaded from %s:\n  sites: %zu\n  assets: %zu\n  other records: %zu (%zu transitions)\n"
	       "  faults past their SLA: %zu\n", file, n.sites, n.assets, n.records, n.transitions, n.missed);
	if (cli_flag(a, "populate") && (rc = populate_campaigns(s, &who)))
		goto out;
out:
	if (s) {
		mm_err cerr;
		mm_err_clear(&cerr);
		if (mm_store_close(s, &cerr) && rc == CLI_OK)
			rc = cli_report(&cerr);
	}
	mm_ops_free(ops);
	json_decref(plan);
	mm_buf_release(&in);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	cli_args a;
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	if (strcmp(argv[1], "load") != 0)
		return cli_error("demo: unknown command '%s' (load)", argv[1]);
	if (cli_parse(&a, argc - 2, argv + 2, "db: data: tenant: populate"))
		return CLI_USAGE;
	return load(&a);
}
