/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori enroll-token --db FILE --asset ID [--ttl SECONDS] [--actor NAME]`:
 * print a one-time enrollment token for one asset. The token carries the
 * SHA-256 pin of the server's TLS certificate and a 256-bit secret that is
 * stored only hashed (docs/agent-link.md); issuing it is a ledger entry.
 */
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "link/mm_link.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori enroll-token --db FILE --asset ID [--ttl SECONDS] [--actor NAME] [--tenant ORG]\n"
	"                           [--cert FILE | --keys DIR]\n"
	"Prints a one-time token for `mamori-agent enroll --token`. It expires after --ttl seconds\n"
	"(default 86400) and pins the server certificate (default: the one `mamori init` made).\n";

int cmd_enroll_token(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	cli_args a;
	if (cli_parse(&a, argc - 1, argv + 1, "db: asset: ttl: actor: tenant: cert: keys:"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("enroll-token: unexpected argument '%s'", a.pos[0]);
	const char *db = cli_need(&a, "db"), *asset = db ? cli_need(&a, "asset") : NULL;
	if (!db || !asset)
		return CLI_USAGE;
	uint64_t ttl = MM_LINK_TOKEN_TTL_DEFAULT;
	const char *t = cli_opt(&a, "ttl");
	if (t && (!mm_parse_u64(t, MM_LINK_TOKEN_TTL_MAX, &ttl) || ttl == 0))
		return cli_error("--ttl: '%s' is not a number of seconds from 1 to %d", t, MM_LINK_TOKEN_TTL_MAX);
	char by[MM_ACTOR_MAX + 1];
	if (cli_opt(&a, "actor")) {
		snprintf(by, sizeof by, "%s", cli_opt(&a, "actor"));
	} else {
		struct passwd *pw = getpwuid(getuid());
		snprintf(by, sizeof by, "cli:%s", pw && pw->pw_name ? pw->pw_name : "unknown");
	}
	mm_err err;
	mm_err_clear(&err);
	mm_store_paths p;
	uint8_t pin[MM_SHA256_LEN];
	if (mm_store_paths_for(db, cli_opt(&a, "keys"), &p, &err) ||
	    mm_link_cert_pin(cli_opt(&a, "cert") ? cli_opt(&a, "cert") : p.tls_cert, pin, &err))
		return cli_report(&err);
	char dir[4096];
	if (cli_schema_dir(dir, sizeof dir))
		return CLI_USAGE;
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	char token[MM_LINK_TOKEN_LEN + 1];
	int rc = CLI_OK;
	mm_actor who = {.name = by, .role = "admin", .tenant = cli_opt(&a, "tenant")};
	if (mm_store_open(db, dir, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err) ||
	    mm_link_token_issue(s, &who, asset, (int64_t)ttl, pin, token, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	printf("%s\n", token);
	fflush(stdout);
	mm_wipe(token, sizeof token);
out:
	if (s) {
		mm_err_clear(&err);
		if (mm_store_close(s, &err) && rc == CLI_OK)
			rc = cli_report(&err);
	}
	mm_ops_free(ops);
	return rc;
}
