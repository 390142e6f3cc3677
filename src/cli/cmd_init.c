/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori init`: a new database with its ledger signing key, verifier key
 * and self-signed TLS certificate; prints what it made.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/mm_crypto.h"
#include "pki/mm_pki.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori init --db FILE [--keys DIR] [--origin NAME] [--host NAME] [--actor NAME]\n"
	"  Creates FILE (refuses to overwrite), an Ed25519 ledger signing key (0600),\n"
	"  its public verifier key, and a self-signed TLS certificate and key (0600),\n"
	"  in DIR or beside FILE.\n";

int cmd_init(int argc, char **argv)
{
	cli_args a;
	if (cli_parse(&a, argc - 1, argv + 1, "db: keys: origin: host: actor: help"))
		return CLI_USAGE;
	if (cli_flag(&a, "help")) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	if (a.npos)
		return cli_error("init: unexpected argument '%s'", a.pos[0]);
	const char *db = cli_need(&a, "db");
	if (!db)
		return CLI_USAGE;
	mm_store_paths p;
	mm_err err;
	mm_err_clear(&err);
	if (mm_store_paths_for(db, cli_opt(&a, "keys"), &p, &err))
		return cli_report(&err);
	const char *all[] = {db, p.signer, p.verifier, p.tls_cert, p.tls_key};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (mm_file_exists(all[i]))
			return cli_error("%s already exists; refusing to overwrite", all[i]);
	char origin[MM_ORIGIN_MAX + 1];
	if (cli_opt(&a, "origin")) {
		snprintf(origin, sizeof origin, "%s", cli_opt(&a, "origin"));
	} else {
		uint8_t r[6];
		char hex[13];
		mm_random(r, sizeof r);
		mm_hex_encode(r, sizeof r, hex);
		snprintf(origin, sizeof origin, "mamori.local/ledger/%s", hex);
	}
	char host[256] = "";
	if (cli_opt(&a, "host"))
		snprintf(host, sizeof host, "%s", cli_opt(&a, "host"));
	else if (gethostname(host, sizeof host) != 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	const char *actor = cli_opt(&a, "actor") ? cli_opt(&a, "actor") : "mamori-init";
	char fp[128];
	if (mm_pki_selfsigned(p.tls_cert, p.tls_key, host, 825, fp, sizeof fp, &err))
		return cli_report(&err);
	if (mm_store_init(db, &p, origin, actor, &err)) {
		remove(p.tls_cert);
		remove(p.tls_key);
		return cli_report(&err);
	}
	printf("作成しました / created:\n"
	       "  データベース / database:         %s\n"
	       "  台帳署名鍵 / ledger signing key:  %s (0600)\n"
	       "  検証用公開鍵 / verifier key:      %s\n"
	       "  TLS 証明書 / TLS certificate:     %s\n"
	       "    SHA-256 %s\n"
	       "  TLS 秘密鍵 / TLS key:             %s (0600)\n"
	       "  台帳の名前 / ledger origin:       %s\n"
	       "検証用公開鍵を自治体と監査人に渡してください。\n"
	       "Give the verifier key to the municipality and auditors: `mamori ledger verify --key` checks "
	       "against it.\n",
	       db, p.signer, p.verifier, p.tls_cert, fp, p.tls_key, origin);
	return CLI_OK;
}
