/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori calendar`: the national holidays of a year, whether a date is a
 * business day (and why not), business-day arithmetic and business minutes
 * on a contract's calendar. Text output follows the locale (ja or en);
 * --json is for machines.
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
	"usage: mamori calendar holidays YEAR [--json]\n"
	"       mamori calendar is-business-day YYYY-MM-DD [--contract FILE] [--json]\n"
	"       mamori calendar add-business-days YYYY-MM-DD N [--contract FILE] [--json]\n"
	"       mamori calendar business-minutes FROM TO [--contract FILE] [--json]\n"
	"\n"
	"Dates are in Asia/Tokyo; FROM and TO are ISO-8601 date-times with an offset.\n"
	"holidays lists every national holiday of YEAR (1973-2099) with its Japanese name.\n"
	"is-business-day prints `yes` or `no (<reason>)` and exits 0 either way.\n"
	"add-business-days prints the Nth business day after the date (N < 0: before,\n"
	"written after `--` as in `add-business-days 2027-01-04 -- -1`; 0: the date\n"
	"itself or the next business day).\n"
	"The calendar (office hours, closures) is the contract's: --contract FILE, or\n"
	"the default contract " MM_DATA_DIR "/contracts/default.json.\n";

/* Print j compactly on one line and release it. */
static int want_pos(const cli_args *a, size_t n)
{
	if (a->npos != n) {
		fputs(usage_text, stderr);
		return cli_error("%s takes %zu argument%s", a->pos[0], n - 1, n == 2 ? "" : "s");
	}
	return CLI_OK;
}

static int load_contract(const cli_args *a, mm_contract **c)
{
	const char *path = cli_opt(a, "contract");
	mm_err err = {0};
	if (mm_sla_contract_load(path ? path : mm_sla_default_contract_path(), c, &err) != MM_OK)
		return cli_report(&err);
	return CLI_OK;
}

static int holidays(const cli_args *a)
{
	int rc = want_pos(a, 2);
	if (rc)
		return rc;
	uint64_t year = 0;
	if (!mm_parse_u64(a->pos[1], 9999, &year))
		return cli_error("year \"%.16s\" is not a number of four digits", a->pos[1]);
	mm_holiday h[MM_CAL_HOLIDAYS_MAX];
	size_t n = 0;
	mm_err err = {0};
	if (mm_cal_holidays((int)year, h, &n, &err) != MM_OK)
		return cli_report(&err);
	if (!cli_flag(a, "json")) {
		for (size_t i = 0; i < n; i++) {
			char d[16];
			mm_cal_format_date(h[i].day, d, sizeof d);
			printf("%s %s\n", d, h[i].name);
		}
		return CLI_OK;
	}
	json_t *list = json_array();
	for (size_t i = 0; list && i < n; i++) {
		char d[16];
		mm_cal_format_date(h[i].day, d, sizeof d);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "date", d, "name", h[i].name,
						      "name_en", h[i].name_en));
	}
	return cli_print_json(json_pack("{s:i, s:o}", "year", (int)year, "holidays", list));
}

static int is_business_day(const cli_args *a)
{
	int rc = want_pos(a, 2);
	if (rc)
		return rc;
	mm_day day;
	mm_err err = {0};
	if (mm_cal_parse_date(a->pos[1], &day, &err) != MM_OK)
		return cli_report(&err);
	mm_contract *c = NULL;
	if ((rc = load_contract(a, &c)))
		return rc;
	mm_cal_why why;
	bool yes = mm_cal_is_business_day(&c->cal, day, &why);
	char text[160];
	mm_cal_why_text(&why, mm_cal_lang_from_env(), text, sizeof text);
	if (!cli_flag(a, "json")) {
		if (yes)
			puts("yes");
		else
			printf("no (%s)\n", text);
	} else {
		json_t *j = json_pack("{s:s, s:b, s:s?, s:s?, s:s?, s:s?}", "date", a->pos[1], "business_day",
				      yes, "reason", yes ? NULL : mm_cal_why_key(why.kind), "reason_text",
				      yes ? NULL : text, "name", why.name, "name_en", why.name_en);
		rc = cli_print_json(j);
	}
	mm_sla_contract_free(c);
	return rc;
}

static int add_business_days(const cli_args *a)
{
	int rc = want_pos(a, 3);
	if (rc)
		return rc;
	mm_day day, out;
	int64_t n;
	mm_err err = {0};
	if (mm_cal_parse_date(a->pos[1], &day, &err) != MM_OK)
		return cli_report(&err);
	if (!mm_parse_i64(a->pos[2], &n) || n > MM_CAL_DAYS || n < -MM_CAL_DAYS)
		return cli_error("N \"%.32s\" is not a whole number of days (-%d…%d)", a->pos[2], MM_CAL_DAYS,
				 MM_CAL_DAYS);
	mm_contract *c = NULL;
	if ((rc = load_contract(a, &c)))
		return rc;
	if (mm_cal_add_business_days(&c->cal, day, (int)n, &out, &err) != MM_OK) {
		rc = cli_report(&err);
		goto out;
	}
	char d[16];
	mm_cal_format_date(out, d, sizeof d);
	if (!cli_flag(a, "json"))
		puts(d);
	else
		rc = cli_print_json(json_pack("{s:s, s:I, s:s}", "date", a->pos[1], "n", (json_int_t)n, "result", d));
out:
	mm_sla_contract_free(c);
	return rc;
}

static int business_minutes(const cli_args *a)
{
	int rc = want_pos(a, 3);
	if (rc)
		return rc;
	int64_t from, to, secs;
	mm_err err = {0};
	if (mm_cal_parse_instant(a->pos[1], &from, &err) != MM_OK ||
	    mm_cal_parse_instant(a->pos[2], &to, &err) != MM_OK)
		return cli_report(&err);
	mm_contract *c = NULL;
	if ((rc = load_contract(a, &c)))
		return rc;
	if (mm_cal_business_seconds(&c->cal, from, to, &secs, &err) != MM_OK) {
		rc = cli_report(&err);
		goto out;
	}
	if (!cli_flag(a, "json")) {
		printf("%lld\n", (long long)(secs / 60));
	} else {
		char f[40], t[40];
		mm_cal_format_instant(from, f, sizeof f);
		mm_cal_format_instant(to, t, sizeof t);
		rc = cli_print_json(json_pack("{s:s, s:s, s:I, s:I}", "from", f, "to", t, "business_minutes",
					  (json_int_t)(secs / 60), "business_seconds", (json_int_t)secs));
	}
out:
	mm_sla_contract_free(c);
	return rc;
}

int cmd_calendar(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, argc - 1, argv + 1, "json contract: help");
	if (rc)
		return rc;
	if (cli_flag(&a, "help")) {
		fputs(usage_text, stdout);
		return CLI_OK;
	}
	if (a.npos == 0) {
		fputs(usage_text, stderr);
		return CLI_USAGE;
	}
	const char *sub = a.pos[0];
	if (strcmp(sub, "holidays") == 0) {
		if (cli_opt(&a, "contract"))
			return cli_error("holidays are national: --contract does not apply");
		return holidays(&a);
	}
	if (strcmp(sub, "is-business-day") == 0)
		return is_business_day(&a);
	if (strcmp(sub, "add-business-days") == 0)
		return add_business_days(&a);
	if (strcmp(sub, "business-minutes") == 0)
		return business_minutes(&a);
	fputs(usage_text, stderr);
	return cli_error("unknown calendar command \"%.64s\"", sub);
}
