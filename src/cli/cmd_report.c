/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori report NAME --db FILE (--month YYYY-MM | --id ID) -o FILE.xlsx`:
 * writes one of the reports of src/report and records the writing (name,
 * selector, SHA-256 of the file) as a "report.write" ledger entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/mm_report.h"
#include "store/mm_store.h"
#include "base/banned.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mamori report NAME --db FILE (--month YYYY-MM | --id ID) -o FILE.xlsx\n"
		   "                     [--lang ja|en] [--actor NAME] [--role ROLE] [--tenant ORG]\n"
		   "  Writes a report as an .xlsx workbook (A4) ending with the signed ledger checkpoint\n"
		   "  it was made from. Reports:\n");
	for (const char *const *n = mm_report_names(); *n; n++) {
		bool m, id;
		(void)mm_report_known(*n, &m, &id);
		fprintf(f, "    %-20s %s  (%s)\n", *n, mm_report_title(*n, "ja"),
			m && id ? "--month or --id" : m ? "--month" : "--id");
	}
	fprintf(f, "  --actor defaults to cli:<your login>, --role to admin. Exit 0 written, 2 bad input.\n");
}

int cmd_report(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	cli_args a;
	if (cli_parse(&a, argc - 2, argv + 2, "db: month: id: output|o: lang: actor: role: tenant:"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("report: unexpected argument '%s'", a.pos[0]);
	const char *out = cli_opt(&a, "output");
	const char *db = cli_need(&a, "db");
	const char *role = cli_opt(&a, "role") ? cli_opt(&a, "role") : "admin";
	if (!db)
		return CLI_USAGE;
	if (!out)
		return cli_error("report: missing -o FILE.xlsx");
	if (!mm_schema_role_known(role))
		return cli_error("--role '%s': unknown role", role);
	char schema[4096];
	if (cli_schema_dir(schema, sizeof schema))
		return CLI_USAGE;
	/* who wrote it, for the ledger entry: --actor, else the operating-system account as `mamori user` names it */
	const char *actor = cli_opt(&a, "actor");
	char by[300];
	if (!actor || !*actor) {
		struct passwd *pw = getpwuid(getuid());
		snprintf(by, sizeof by, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
		actor = by;
	}
	mm_actor who = {actor, role, cli_opt(&a, "tenant")};
	mm_report_req req = {.name = argv[1],
			     .month = cli_opt(&a, "month"),
			     .id = cli_opt(&a, "id"),
			     .lang = cli_opt(&a, "lang"),
			     .schema_dir = schema,
			     .db_label = db,
			     .who = &who};
	mm_err err;
	mm_err_clear(&err);
	if (mm_report_check(&req, &err))
		return cli_report(&err);
	if (!mm_file_exists(db))
		return cli_error("--db %s: no such database", db);
	mm_store *s = NULL;
	mm_buf bytes;
	uint64_t size = 0;
	int rc = CLI_OK;
	mm_buf_init(&bytes, MM_REPORT_FILE_MAX);
	if (mm_store_open(db, schema, MM_STORE_WRITE, &s, &err) || mm_report_write(s, &req, out, &size, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	/* a report whose writing cannot be recorded is not handed out */
	if (mm_file_read(out, MM_REPORT_FILE_MAX, &bytes, &err) ||
	    mm_report_record(s, &req, bytes.p, bytes.len, size, &err)) {
		rc = cli_report(&err);
		unlink(out);
		goto out;
	}
	printf("%s: %s (%s) from ledger checkpoint of %llu entries\n", out, mm_report_title(req.name, req.lang),
	       req.month ? req.month : req.id, (unsigned long long)size);
out:
	mm_buf_release(&bytes);
	if (s) {
		mm_err cerr;
		mm_err_clear(&cerr);
		if (mm_store_close(s, &cerr) && rc == CLI_OK)
			rc = cli_report(&cerr);
	}
	return rc;
}
