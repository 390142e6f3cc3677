/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent check [--root DIR] [--policy NAME|FILE] [--site FILE]
 * [--baseline FILE] [--format text|json] [--lang ja|en] [--sign-key FILE]
 * [-o FILE]`: collect the facts, evaluate the policy and print the report.
 * Exit 0 every check passed (manual and not-applicable items aside), 1 a
 * check failed, 2 a check could not be evaluated or the input is bad.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "crypto/mm_crypto.h"
#include "facts/mm_facts.h"
#include "policy/mm_policy.h"
#include "base/banned.h"

static const char usage_text[] =
	"usage: mamori-agent check [--root DIR] [--policy NAME|FILE] [--site FILE]\n"
	"         [--baseline FILE] [--format text|json] [--lang ja|en] [--sign-key FILE] [-o FILE]\n"
	"Policy NAME is data/policies/NAME.yaml ($MAMORI_DATA overrides the data directory);\n"
	"without --policy: municipal-cs if the site's role is cs, else municipal-terminal.\n"
	"Exit: 0 all checks passed, 1 a check failed, 2 error.\n";

/* 64 hex digits of an Ed25519 seed, optionally followed by a newline. */
static int load_key(const char *path, uint8_t sk[64], mm_err *e)
{
	mm_buf b;
	mm_buf_init(&b, MM_KEY_FILE_MAX);
	int rc = mm_file_read(path, MM_KEY_FILE_MAX, &b, e);
	uint8_t seed[32], pk[32];
	if (rc == MM_OK) {
		size_t n = b.len;
		while (n && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r' || b.p[n - 1] == ' '))
			n--;
		if (!mm_hex_decode((const char *)b.p, n, seed, sizeof seed))
			rc = mm_err_set(e, MM_EINVAL, "%s: expected 64 hex digits (an Ed25519 seed)", path);
		else
			mm_ed25519_from_seed(seed, pk, sk);
	}
	mm_wipe(seed, sizeof seed);
	mm_buf_wipe(&b);
	return rc;
}

int agent_cmd_check(int argc, char **argv)
{
	agent_args a;
	if (agent_parse(&a, argc - 1, argv + 1,
			"root: policy: site: baseline: format: lang: sign-key: output|o: help") != AGENT_OK)
		return AGENT_USAGE;
	if (agent_flag(&a, "help")) {
		fputs(usage_text, stdout);
		return AGENT_OK;
	}
	if (a.npos)
		return agent_error("unexpected argument '%s'", a.pos[0]);
	const char *format = agent_opt(&a, "format") ? agent_opt(&a, "format") : "text";
	if (strcmp(format, "text") && strcmp(format, "json"))
		return agent_error("--format must be text or json");
	const char *lang = agent_opt(&a, "lang");
	if (lang && strcmp(lang, "ja") && strcmp(lang, "en"))
		return agent_error("--lang must be ja or en");
	bool ja = lang ? strcmp(lang, "ja") == 0 : mm_policy_locale_ja();

	mm_err e = {0};
	mm_site *site = NULL;
	mm_policy *pol = NULL;
	mm_facts *f = NULL;
	json_t *report = NULL;
	mm_buf out;
	mm_buf_init(&out, (size_t)1 << 30);
	uint8_t sk[64];
	bool signing = false;
	int rc = AGENT_USAGE;
	if (agent_opt(&a, "site") && mm_site_load(&site, agent_opt(&a, "site"), &e) != MM_OK)
		goto out_err;
	const char *parg = agent_opt(&a, "policy");
	if (!parg)
		parg = site && strcmp(mm_site_role(site), "cs") == 0 ? "municipal-cs" : "municipal-terminal";
	char path[4096];
	if (mm_policy_resolve(parg, path, sizeof path, &e) != MM_OK ||
	    mm_policy_load(&pol, path, &e) != MM_OK)
		goto out_err;
	if (agent_opt(&a, "sign-key")) {
		if (load_key(agent_opt(&a, "sign-key"), sk, &e) != MM_OK)
			goto out_err;
		signing = true;
	}
	if ((rc = agent_collect(agent_opt(&a, "root"), &f)) != AGENT_OK)
		goto out;
	mm_eval_opts o = {pol, site, agent_opt(&a, "baseline")};
	if (mm_policy_evaluate(f, &o, &report, &e) != MM_OK)
		goto out_err;
	if (signing && mm_policy_sign(report, sk, &e) != MM_OK)
		goto out_err;
	int wr;
	if (strcmp(format, "json") == 0) {
		char *txt = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
		wr = txt ? mm_buf_puts(&out, txt) : MM_ENOMEM;
		if (!wr)
			wr = mm_buf_puts(&out, "\n");
		free(txt);
	} else {
		wr = mm_policy_render_text(report, ja, &out);
	}
	if (wr != MM_OK) {
		mm_err_set(&e, wr, "cannot render the report: %s", mm_strerror(wr));
		goto out_err;
	}
	if (agent_opt(&a, "output")) {
		if (mm_file_write_atomic(agent_opt(&a, "output"), out.p, out.len, 0644, false, &e) != MM_OK)
			goto out_err;
	} else if (fwrite(out.p, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
		rc = agent_error("cannot write the report to standard output");
		goto out;
	}
	rc = mm_policy_exit_status(report);
	goto out;
out_err:
	rc = agent_report(&e);
out:
	if (signing)
		mm_wipe(sk, sizeof sk);
	mm_buf_release(&out);
	json_decref(report);
	mm_facts_close(f);
	mm_policy_free(pol);
	mm_site_free(site);
	return rc;
}
