/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori import --db FILE BUNDLE`: ingest an agent's offline report
 * bundle (`mamori-agent run --bundle`) with exactly the checks of the
 * HTTPS upload (src/link). Exit 0 accepted and every check passed, 1
 * accepted with failures, 2 refused (the code and reason are printed) or error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "link/mm_link.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori import --db FILE BUNDLE\n"
	"       mamori import --db FILE REQUEST --reply REPLY\n"
	"Ingests a signed report bundle written by `mamori-agent run --bundle`, or enrolls an agent\n"
	"offline from the request of `mamori-agent enroll --request` (the reply goes back to the agent).\n"
	"Exit: 0 accepted (all checks passed) or enrolled, 1 accepted with failures, 2 refused or error.\n";

/* An offline enrollment: the same checks as POST /api/v1/agent/enroll, the reply written to a file. */
static int import_enrollment(mm_store *s, const char *path, const mm_buf *b, const char *reply)
{
	mm_link_enroll_req q;
	mm_link_result r;
	mm_err err;
	mm_err_clear(&err);
	int rc = CLI_USAGE;
	mm_buf out;
	mm_buf_init(&out, 4096);
	if (mm_link_enroll_req_parse(b->p, b->len, &q, &err)) {
		fprintf(stderr, "mamori: error: %s: %s\n", path, err.msg);
		goto out;
	}
	int e = mm_link_enroll(s, q.token, q.pk, q.sig, q.hostname[0] ? q.hostname : NULL, &r, &err);
	mm_wipe(q.token, sizeof q.token);
	if (e) {
		rc = cli_report(&err);
		goto out;
	}
	if (r.code) {
		fprintf(stderr, "mamori: error: %s: refused (%s): %s\n", path, r.code, r.reason);
		goto out;
	}
	if (mm_link_enroll_reply_format(&r, q.pk, &out)) {
		rc = cli_error("out of memory");
		goto out;
	}
	if (mm_file_write_atomic(reply, out.p, out.len, 0644, false, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	printf("enrolled agent %s for asset %s; give %s to the agent (`mamori-agent enroll --reply`)\n", r.agent,
	       r.asset, reply);
	rc = CLI_OK;
out:
	mm_buf_release(&out);
	return rc;
}

int cmd_import(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	cli_args a;
	if (cli_parse(&a, argc - 1, argv + 1, "db: reply:"))
		return CLI_USAGE;
	const char *db = cli_need(&a, "db");
	if (!db)
		return CLI_USAGE;
	if (a.npos != 1)
		return cli_error("import: give exactly one BUNDLE (or enrollment REQUEST) file");
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
	bool request = b.len && b.p[0] == '{'; /* a bundle starts with its magic, a request is JSON */
	if (request != (cli_opt(&a, "reply") != NULL)) {
		rc = cli_error(request ? "%s: an enrollment request: give --reply FILE for the answer to the agent"
				       : "%s: --reply is only for enrollment requests",
			       a.pos[0]);
		goto out;
	}
	if (request) {
		if (mm_store_open(db, dir, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err))
			rc = cli_report(&err);
		else
			rc = import_enrollment(s, a.pos[0], &b, cli_opt(&a, "reply"));
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
