/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori sla`: when a response-time or document target falls due under a
 * contract (default: 002's), a ticket's state against it, and the rules a
 * contract holds. Due times print as ISO-8601 in Asia/Tokyo (+09:00).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cal/mm_cal.h"
#include "cli/cli.h"
#include "sla/mm_sla.h"
#include "base/banned.h"

static const char usage_text[] =
	"usage: mamori sla due --class CLASS --instructed ISO-8601 [--contract FILE] [--json]\n"
	"       mamori sla status --class CLASS --instructed ISO-8601 [--started ISO-8601]\n"
	"                         [--now ISO-8601] [--contract FILE] [--json]\n"
	"       mamori sla classes [--contract FILE] [--json]\n"
	"\n"
	"due prints when the target of CLASS falls due for an instruction at the given\n"
	"instant (any UTC offset; printed in +09:00). status says whether the target was\n"
	"met (--started: when on-site work began) or is still pending at --now (default:\n"
	"the current time); it exits 1 when the target was missed, and then a reason must\n"
	"be given in the report. Classes of the default contract: cs, terminal,\n"
	"touch-panel, minutes, minutes-external.\n"
	"The contract is --contract FILE or " MM_DATA_DIR "/contracts/default.json.\n";

static int load_contract(const cli_args *a, mm_contract **c)
{
	const char *path = cli_opt(a, "contract");
	mm_err err = {0};
	if (mm_sla_contract_load(path ? path : mm_sla_default_contract_path(), c, &err) != MM_OK)
		return cli_report(&err);
	return CLI_OK;
}

/* Parse the ISO-8601 value of option name; NULL value → missing (if required). */
static int instant_opt(const cli_args *a, const char *name, bool required, int64_t *t, bool *present)
{
	const char *v = cli_opt(a, name);
	mm_err err = {0};
	if (present)
		*present = v != NULL;
	if (!v)
		return required ? cli_error("missing --%s ISO-8601 (e.g. 2026-04-01T10:00:00+09:00)", name)
				: CLI_OK;
	if (mm_cal_parse_instant(v, t, &err) != MM_OK)
		return cli_error("--%s: %s", name, err.msg);
	return CLI_OK;
}

static int due(const cli_args *a, const mm_contract *c)
{
	const char *cls = cli_need(a, "class");
	int64_t start, t;
	int rc;
	mm_err err = {0};
	if (!cls)
		return CLI_USAGE;
	if ((rc = instant_opt(a, "instructed", true, &start, NULL)))
		return rc;
	if (mm_sla_due(c, cls, start, &t, &err) != MM_OK)
		return cli_report(&err);
	char ds[40], ss[40];
	mm_cal_format_instant(t, ds, sizeof ds);
	if (!cli_flag(a, "json")) {
		puts(ds);
		return CLI_OK;
	}
	mm_cal_format_instant(start, ss, sizeof ss);
	const mm_sla_rule *r = mm_sla_rule_find(c, cls);
	return cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:b}", "class", cls, "kind", mm_sla_kind_name(r->kind),
				    "instructed", ss, "due", ds, "in_business_hours",
				    mm_cal_in_business_hours(&c->cal, start)));
}

/* "-1:05:00": signed hours (unbounded), minutes, seconds. */
static void format_span(int64_t s, char *out, size_t outlen)
{
	uint64_t u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
	snprintf(out, outlen, "%s%llu:%02u:%02u", s < 0 ? "-" : "", (unsigned long long)(u / 3600),
		 (unsigned)(u / 60 % 60), (unsigned)(u % 60));
}

static int status(const cli_args *a, const mm_contract *c)
{
	static const char *const state_key[] = {"pending", "met", "missed"};
	static const char *const state_ja[] = {"対応中", "達成", "未達"};
	const char *cls = cli_need(a, "class");
	int64_t start = 0, started = 0, now = mm_now_ns() / 1000000000;
	bool has_started = false, has_now = false;
	int rc;
	mm_err err = {0};
	if (!cls)
		return CLI_USAGE;
	if ((rc = instant_opt(a, "instructed", true, &start, NULL)) ||
	    (rc = instant_opt(a, "started", false, &started, &has_started)) ||
	    (rc = instant_opt(a, "now", false, &now, &has_now)))
		return rc;
	if (has_started && has_now)
		return cli_error("give --started or --now, not both");
	mm_sla_status st;
	if (mm_sla_status_of(c, cls, start, has_started ? &started : NULL, now, &st, &err) != MM_OK)
		return cli_report(&err);
	char ds[40], span[40];
	mm_cal_format_instant(st.due, ds, sizeof ds);
	format_span(st.remaining, span, sizeof span);
	if (cli_flag(a, "json")) {
		rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:b}", "class", cls, "due", ds, "state",
					  state_key[st.state], "remaining_seconds", (json_int_t)st.remaining,
					  "reason_required", st.reason_required));
	} else if (mm_cal_lang_from_env() == MM_CAL_JA) {
		printf("期限: %s\n状態: %s\n残り時間: %s\n理由の記載: %s\n", ds, state_ja[st.state], span,
		       st.reason_required ? "必要" : "不要");
	} else {
		printf("due: %s\nstate: %s\nremaining: %s\nreason required: %s\n", ds, state_key[st.state], span,
		       st.reason_required ? "yes" : "no");
	}
	if (rc == CLI_OK && st.state == MM_SLA_MISSED)
		rc = CLI_FAIL;
	return rc;
}

static void describe(const mm_sla_rule *r, char *out, size_t outlen)
{
	int at = r->at_min;
	switch (r->kind) {
	case MM_SLA_WALL_CLOCK:
		snprintf(out, outlen, "%d min in business hours, else %d min", r->in_hours_min, r->out_hours_min);
		break;
	case MM_SLA_TIME_ON_DAY:
		snprintf(out, outlen, "%02d:%02d on business day +%d", at / 60, at % 60, r->days);
		break;
	case MM_SLA_BUSINESS_MINUTES:
		snprintf(out, outlen, "%d business minutes", r->minutes);
		break;
	case MM_SLA_WITHIN_DAYS:
		snprintf(out, outlen, "close of business on business day +%d", r->days);
		break;
	}
}

static int classes(const cli_args *a, const mm_contract *c)
{
	bool json = cli_flag(a, "json");
	json_t *list = json ? json_array() : NULL;
	for (size_t i = 0; i < c->nrules; i++) {
		const mm_sla_rule *r = &c->rules[i];
		char what[128];
		describe(r, what, sizeof what);
		if (!json)
			printf("%s\t%s\t%s\t%s\n", r->cls, mm_sla_kind_name(r->kind), what, r->label);
		else
			json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "class", r->cls,
							      "kind", mm_sla_kind_name(r->kind), "rule", what,
							      "label", r->label, "source", r->source,
							      "reason_required", r->reason_required));
	}
	return json ? cli_print_json(json_pack("{s:s, s:o}", "contract", c->name, "classes", list)) : CLI_OK;
}

int cmd_sla(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, argc - 1, argv + 1, "class: instructed: started: now: contract: json help");
	if (rc)
		return rc;
	if (cli_flag(&a, "help")) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (a.npos != 1) {
		fputs(usage_text, stderr);
		return a.npos ? cli_error("sla takes one command, then options") : CLI_USAGE;
	}
	const char *sub = a.pos[0];
	int (*fn)(const cli_args *, const mm_contract *) = strcmp(sub, "due") == 0	   ? due
							  : strcmp(sub, "status") == 0  ? status
							  : strcmp(sub, "classes") == 0 ? classes
											: NULL;
	if (!fn) {
		fputs(usage_text, stderr);
		return cli_error("unknown sla command \"%.64s\"", sub);
	}
	if (fn != status && (cli_opt(&a, "started") || cli_opt(&a, "now")))
		return cli_error("--started and --now belong to `sla status`");
	mm_contract *c = NULL;
	if ((rc = load_contract(&a, &c)))
		return rc;
	rc = fn(&a, c);
	mm_sla_contract_free(c);
	return rc;
}
