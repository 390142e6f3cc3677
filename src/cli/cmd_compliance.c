/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori compliance`: every requirement of the catalogue with its status
 * (met, at-risk, missed, no-evidence) at an instant, and the records that
 * cause it. Exit 0 when every requirement is met, 1 otherwise, 2 on error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "compliance/mm_compliance.h"
#include "sla/mm_sla.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage_text[] =
	"usage: mamori compliance --db FILE [--at ISO-8601] [--format text|json] [--lang ja|en]\n"
	"                         [--catalogue FILE] [--contract FILE] [--tenant ORG] [--causes N]\n"
	"\n"
	"Evaluates every requirement of the catalogue (default " MM_DATA_DIR "/catalogue/catalogue.json)\n"
	"over the records at --at (default: now): met, at-risk (due soon), missed or no-evidence,\n"
	"with the records that cause it (at most --causes N per rule in text, default 5).\n"
	"Exit status: 0 all met, 1 any requirement not met, 2 error.\n";

struct words {
	const char *key, *ja, *en;
};

static const struct words statuses[] = {
	{"met", "達成", "met"},
	{"at-risk", "期限間近", "at risk"},
	{"missed", "未達", "missed"},
	{"no-evidence", "証跡なし", "no evidence"},
};

static const struct words reasons[] = {
	{"overdue", "期限超過", "overdue"},
	{"due_soon", "期限間近", "due soon"},
	{"late_without_reason", "期限後に対応・理由なし", "late without a reason"},
	{"open_finding", "未是正の不適合", "open finding"},
	{"no_evidence_record", "記録なし", "no record"},
	{"expired", "有効期限切れ", "expired"},
	{"expires_soon", "まもなく期限切れ", "expires soon"},
	{"rotation_due", "未変更(期限前)", "not yet changed"},
	{"not_rotated", "未変更", "not changed"},
	{"notified_late", "事前届出なし", "not notified beforehand"},
	{"started_unapproved", "未承認のまま従事開始", "started without approval"},
	{"approval_pending", "承認待ち", "approval pending"},
	{"never", "報告なし", "never reported"},
	{"stale", "報告が途絶", "reports stopped"},
	{"stale_soon", "報告が遅れている", "report late"},
	{"date_unknown", "日付未登録", "date not recorded"},
	{"date_passed", "期日超過", "date passed"},
	{"date_near", "期日間近", "date near"},
	{"ledger_fails_verification", "台帳の検証失敗", "ledger fails verification"},
	{"no_checkpoint", "チェックポイントなし", "no checkpoint"},
	{"checkpoint_old", "チェックポイントが古い", "checkpoint too old"},
	{"checkpoint_aging", "チェックポイントがまもなく古くなる", "checkpoint ageing"},
	{"entries_unsigned", "未署名の記録あり", "entries not yet signed"},
};

static const char *word(const struct words *w, size_t n, const char *key, bool ja)
{
	for (size_t i = 0; key && i < n; i++)
		if (strcmp(w[i].key, key) == 0)
			return ja ? w[i].ja : w[i].en;
	return key ? key : "";
}

static const char *text_of(const json_t *t, bool ja)
{
	const char *s = json_string_value(json_object_get(t, ja ? "ja" : "en"));
	return s ? s : "";
}

static void print_text(const json_t *res, bool ja, uint64_t max_causes)
{
	const json_t *s = json_object_get(res, "summary");
	printf(ja ? "要求事項の状況 (%s 時点)\n" : "Requirements at %s\n", json_string_value(json_object_get(res, "at")));
	printf(ja ? "達成 %lld・期限間近 %lld・未達 %lld・証跡なし %lld (全 %lld)\n\n"
		  : "met %lld, at risk %lld, missed %lld, no evidence %lld (of %lld)\n\n",
	       (long long)json_integer_value(json_object_get(s, "met")),
	       (long long)json_integer_value(json_object_get(s, "at-risk")),
	       (long long)json_integer_value(json_object_get(s, "missed")),
	       (long long)json_integer_value(json_object_get(s, "no-evidence")),
	       (long long)json_integer_value(json_object_get(s, "total")));
	size_t i, j, k;
	json_t *r, *rule, *c;
	json_array_foreach(json_object_get(res, "requirements"), i, r) {
		const char *st = json_string_value(json_object_get(r, "status"));
		printf("%-4s %-12s %s\n", json_string_value(json_object_get(r, "id")),
		       word(statuses, sizeof statuses / sizeof statuses[0], st, ja), text_of(json_object_get(r, "title"), ja));
		json_array_foreach(json_object_get(r, "rules"), j, rule) {
			printf("     - %s: %s", text_of(json_object_get(rule, "title"), ja),
			       word(statuses, sizeof statuses / sizeof statuses[0],
				    json_string_value(json_object_get(rule, "status")), ja));
			if (strcmp(json_string_value(json_object_get(rule, "status")), "no-evidence") != 0)
				printf(ja ? " (対象 %lld・適合 %lld・期限間近 %lld・未達 %lld)" : " (checked %lld, ok %lld, at risk %lld, missed %lld)",
				       (long long)json_integer_value(json_object_get(rule, "checked")),
				       (long long)json_integer_value(json_object_get(rule, "ok")),
				       (long long)json_integer_value(json_object_get(rule, "at_risk")),
				       (long long)json_integer_value(json_object_get(rule, "missed")));
			putchar('\n');
			json_array_foreach(json_object_get(rule, "causes"), k, c) {
				if (k >= max_causes) {
					printf(ja ? "         … ほか %lld 件\n" : "         … and %lld more\n",
					       (long long)json_integer_value(json_object_get(rule, "causes_total")) - (long long)k);
					break;
				}
				const char *detail = json_string_value(json_object_get(c, "detail"));
				const char *rel = json_string_value(json_object_get(c, "related"));
				if (!rel)
					rel = json_string_value(json_object_get(c, "component"));
				printf("         %s %s%s%s%s%s\n", json_string_value(json_object_get(c, "id")),
				       word(reasons, sizeof reasons / sizeof reasons[0],
					    json_string_value(json_object_get(c, "reason")), ja),
				       detail ? " " : "", detail ? detail : "", rel ? " " : "", rel ? rel : "");
			}
		}
		if (!json_array_size(json_object_get(r, "rules")))
			printf("     %s\n", text_of(json_object_get(r, "evidence_note"), ja));
	}
}

int cmd_compliance(int argc, char **argv)
{
	cli_args a;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (cli_parse(&a, argc - 1, argv + 1, "db: at: format: lang: catalogue: contract: tenant: causes:"))
		return CLI_USAGE;
	if (a.npos) {
		fputs(usage_text, stderr);
		return cli_error("compliance takes no arguments, only options (got '%s')", a.pos[0]);
	}
	const char *db = cli_need(&a, "db"), *fmt = cli_opt(&a, "format"), *lang = cli_opt(&a, "lang");
	if (!db)
		return CLI_USAGE;
	if (fmt && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
		return cli_error("--format must be text or json, not '%s'", fmt);
	if (lang && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
		return cli_error("--lang must be ja or en, not '%s'", lang);
	bool ja = lang ? strcmp(lang, "ja") == 0 : mm_cal_lang_from_env() == MM_CAL_JA;
	uint64_t max_causes = 5;
	if (cli_opt(&a, "causes") && !mm_parse_u64(cli_opt(&a, "causes"), MM_COMPLIANCE_CAUSES_MAX, &max_causes))
		return cli_error("--causes must be a whole number from 0 to %d", MM_COMPLIANCE_CAUSES_MAX);
	mm_err err;
	mm_err_clear(&err);
	int64_t now = mm_now_ns() / 1000000000LL;
	if (cli_opt(&a, "at") && mm_cal_parse_instant(cli_opt(&a, "at"), &now, &err))
		return cli_error("--at: %s", err.msg);
	if (!mm_file_exists(db))
		return cli_error("%s: no such database", db);

	int rc = CLI_USAGE;
	mm_catalogue *cat = NULL;
	mm_contract *contract = NULL;
	mm_store *s = NULL;
	json_t *records = NULL, *res = NULL;
	char path[4096], dir[4096];
	const char *cpath = cli_opt(&a, "catalogue");
	if (!cpath) {
		if (mm_catalogue_default_path(path, sizeof path, &err))
			goto fail;
		cpath = path;
	}
	if (mm_catalogue_load(cpath, &cat, &err))
		goto fail;
	if (mm_sla_contract_load(cli_opt(&a, "contract") ? cli_opt(&a, "contract") : mm_sla_default_contract_path(),
				 &contract, &err))
		goto fail;
	if (cli_schema_dir(dir, sizeof dir))
		goto out;
	if (mm_store_open(db, dir, 0, &s, &err))
		goto fail;
	mm_actor who = {.name = "mamori compliance", .role = "auditor", .tenant = cli_opt(&a, "tenant")};
	mm_compliance_input in;
	memset(&in, 0, sizeof in);
	if (mm_compliance_read(s, &who, cat, &in, &records, &err))
		goto fail;
	in.cal = &contract->cal;
	if (mm_compliance_eval(cat, &in, now, &res, &err))
		goto fail;
	if (fmt && strcmp(fmt, "json") == 0) {
		char *txt = json_dumps(res, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (!txt) {
			mm_err_set(&err, MM_ENOMEM, "out of memory");
			goto fail;
		}
		puts(txt);
		free(txt);
	} else {
		print_text(res, ja, max_causes);
	}
	rc = json_integer_value(json_object_get(json_object_get(res, "summary"), "met")) ==
			     json_integer_value(json_object_get(json_object_get(res, "summary"), "total"))
		     ? CLI_OK
		     : CLI_FAIL;
	goto out;
fail:
	fprintf(stderr, "mamori: error: %s\n", err.msg[0] ? err.msg : mm_strerror(err.code));
	rc = CLI_USAGE;
out:
	json_decref(res);
	json_decref(records);
	if (s) {
		mm_err e2;
		(void)mm_store_close(s, &e2);
	}
	mm_sla_contract_free(contract);
	mm_catalogue_free(cat);
	return rc;
}
