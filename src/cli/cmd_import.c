/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori import --db FILE BUNDLE`: ingest an agent's offline report
 * bundle (`mamori-agent run --bundle`) with exactly the checks of the
 * HTTPS upload (src/link). Exit 0 accepted and every check passed, 1
 * accepted with failures, 2 refused (the code and reason are printed) or error.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "link/mm_link.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] = "usage: mamori import --db FILE BUNDLE\n"
			    "Ingests a signed report bundle written by `mamori-agent run --bundle`.\n"
			    "Exit: 0 accepted (all checks passed), 1 accepted with failures, 2 refused or error.\n";

int cmd_import(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	cli_args a;
	if (cli_parse(&a, argc - 1, argv + 1, "db:"))
		return CLI_USAGE;
	const char *db = cli_need(&a, "db");
	if (!db)
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_error("import: give exactly one BUNDLE file");
	mm_err err;
	mm_err_clear(&err);
	mm_buf b;
	/* one byte over the limit so an oversized file is refused as such, not cut */
	mm_buf_init(&b, (size_t)MM_LINK_ENVELOPE_MAX + 1);
	int rc = CLI_OK;
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	char dir[4096];
	if (mm_file_read(a.pos[0], MM_LINK_ENVELOPE_MAX, &b, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	if (cli_schema_dir(dir, sizeof dir)) {
		rc = CLI_USAGE;
		goto out;
	}
	mm_link_result r;
	if (mm_store_open(db, dir, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err) ||
	    mm_link_ingest(s, b.p ? b.p : (const uint8_t *)"", b.len, &r, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	if (r.code) {
		fprintf(stderr, "mamori: error: %s: refused (%s): %s\n", a.pos[0], r.code, r.reason);
		rc = CLI_USAGE;
		goto out;
	}
	printf("accepted report %llu of agent %s for asset %s: %s, attachment %s, %u inspection item(s) filled\n",
	       (unsigned long long)r.counter, r.agent, r.asset, r.pass ? "pass" : "fail", r.attachment, r.items);
	rc = r.pass ? CLI_OK : CLI_FAIL;
out:
	if (s) {
		mm_err_clear(&err);
		if (mm_store_close(s, &err) && rc == CLI_OK)
			rc = cli_report(&err);
	}
	mm_ops_free(ops);
	mm_buf_release(&b);
	return rc;
}
