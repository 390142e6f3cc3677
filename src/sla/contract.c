/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Contract files: strict JSON (no duplicate or unknown keys) into an
 * mm_contract. Every error names the file, the JSON path of the offending
 * value and what is wrong with it, so a contract author can fix it alone.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sla/mm_sla.h"
#include "base/banned.h"

#define JSON_PATH_MAX 128 /* "$.calendar.closed_days[255].name" and the like */

typedef struct ctx {
	const char *origin;
	mm_err *err;
} ctx;

static int fail(const ctx *x, const char *path, const char *fmt, ...) MM_PRINTF(3, 4);

static int fail(const ctx *x, const char *path, const char *fmt, ...)
{
	char msg[MM_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mm_err_set(x->err, MM_EINVAL, "%s: %s: %s", x->origin, path, msg);
}

/* Refuse keys other than those listed (NULL-terminated): typos must not pass silently. */
static int only_keys(const ctx *x, const json_t *obj, const char *path, const char *const *allowed)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;
		for (size_t i = 0; allowed[i]; i++)
			ok = ok || strcmp(key, allowed[i]) == 0;
		if (!ok) {
			char list[256] = "";
			size_t off = 0;
			for (size_t i = 0; allowed[i] && off < sizeof list; i++) {
				int n = snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "", allowed[i]);
				off += n > 0 ? (size_t)n : 0;
			}
			return fail(x, path, "unknown key \"%.64s\" (allowed: %s)", key, list);
		}
	}
	return MM_OK;
}

static int want_object(const ctx *x, const json_t *v, const char *path)
{
	return json_is_object(v) ? MM_OK : fail(x, path, "must be an object");
}

/* Copy an optional string member (max bytes max - 1) into out; absent leaves out as is. */
static int opt_string(const ctx *x, const json_t *obj, const char *key, const char *path, char *out,
		      size_t max)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return MM_OK;
	if (!json_is_string(v))
		return fail(x, path, "must be a string");
	size_t n = json_string_length(v);
	if (n >= max)
		return fail(x, path, "is longer than %zu bytes", max - 1);
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	return MM_OK;
}

static int get_int(const ctx *x, const json_t *obj, const char *key, const char *path, long lo, long hi,
		   int *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return fail(x, path, "is required");
	if (!json_is_integer(v))
		return fail(x, path, "must be a whole number");
	json_int_t n = json_integer_value(v);
	if (n < lo || n > hi)
		return fail(x, path, "must be %ld–%ld, not %lld", lo, hi, (long long)n);
	*out = (int)n;
	return MM_OK;
}

/* "HH:MM" → minutes after midnight; "24:00" only when end is true. */
static int get_hhmm(const ctx *x, const json_t *obj, const char *key, const char *path, bool end, int *out)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return fail(x, path, "is required");
	const char *s = json_string_value(v);
	if (!s || json_string_length(v) != 5 || s[2] != ':')
		return fail(x, path, "must be a time \"HH:MM\"");
	int h = 0, m = 0;
	for (int i = 0; i < 5; i++) {
		if (i == 2)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return fail(x, path, "must be a time \"HH:MM\"");
		if (i < 2)
			h = h * 10 + (s[i] - '0');
		else
			m = m * 10 + (s[i] - '0');
	}
	if (m > 59 || h > 24 || (h == 24 && (!end || m != 0)))
		return fail(x, path, "\"%s\" is not a time of day (00:00–23:59%s)", s, end ? " or 24:00" : "");
	*out = h * 60 + m;
	return MM_OK;
}

/* "MM-DD" (any year; 02-29 allowed). */
static int get_mmdd(const ctx *x, const json_t *obj, const char *key, const char *path, int *m, int *d)
{
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return fail(x, path, "is required");
	const char *s = json_string_value(v);
	if (!s || json_string_length(v) != 5 || s[2] != '-' || s[0] < '0' || s[0] > '9' || s[1] < '0' ||
	    s[1] > '9' || s[3] < '0' || s[3] > '9' || s[4] < '0' || s[4] > '9')
		return fail(x, path, "must be a day of the year \"MM-DD\"");
	*m = (s[0] - '0') * 10 + (s[1] - '0');
	*d = (s[3] - '0') * 10 + (s[4] - '0');
	if (!mm_cal_ymd_valid(2000, *m, *d))
		return fail(x, path, "\"%s\" is not a day of the year", s);
	return MM_OK;
}

static int parse_calendar(const ctx *x, const json_t *cal, mm_cal_config *cfg)
{
	static const char *const keys[] = {"office_hours", "year_end_closure", "closed_days", NULL};
	static const char *const hour_keys[] = {"open", "close", NULL};
	static const char *const ye_keys[] = {"from", "to", NULL};
	static const char *const day_keys[] = {"date", "name", NULL};
	int rc;
	if ((rc = want_object(x, cal, "$.calendar")) || (rc = only_keys(x, cal, "$.calendar", keys)))
		return rc;

	const json_t *oh = json_object_get(cal, "office_hours");
	if (oh) {
		if ((rc = want_object(x, oh, "$.calendar.office_hours")) ||
		    (rc = only_keys(x, oh, "$.calendar.office_hours", hour_keys)) ||
		    (rc = get_hhmm(x, oh, "open", "$.calendar.office_hours.open", false, &cfg->open_min)) ||
		    (rc = get_hhmm(x, oh, "close", "$.calendar.office_hours.close", true, &cfg->close_min)))
			return rc;
		if (cfg->open_min >= cfg->close_min)
			return fail(x, "$.calendar.office_hours", "must open before it closes");
	}

	const json_t *ye = json_object_get(cal, "year_end_closure");
	if (ye && json_is_false(ye)) {
		cfg->year_end = false;
	} else if (ye) {
		if (!json_is_object(ye))
			return fail(x, "$.calendar.year_end_closure", "must be an object {\"from\", \"to\"} or false");
		if ((rc = only_keys(x, ye, "$.calendar.year_end_closure", ye_keys)) ||
		    (rc = get_mmdd(x, ye, "from", "$.calendar.year_end_closure.from", &cfg->ye_from_m,
				   &cfg->ye_from_d)) ||
		    (rc = get_mmdd(x, ye, "to", "$.calendar.year_end_closure.to", &cfg->ye_to_m, &cfg->ye_to_d)))
			return rc;
		cfg->year_end = true;
	}

	const json_t *cd = json_object_get(cal, "closed_days");
	if (cd) {
		if (!json_is_array(cd))
			return fail(x, "$.calendar.closed_days", "must be an array");
		if (json_array_size(cd) > MM_CAL_CLOSED_MAX)
			return fail(x, "$.calendar.closed_days", "has more than %d days", MM_CAL_CLOSED_MAX);
		for (size_t i = 0; i < json_array_size(cd); i++) {
			char path[JSON_PATH_MAX], sub[JSON_PATH_MAX];
			const json_t *e = json_array_get(cd, i);
			snprintf(path, sizeof path, "$.calendar.closed_days[%zu]", i);
			if ((rc = want_object(x, e, path)) || (rc = only_keys(x, e, path, day_keys)))
				return rc;
			mm_cal_closed *c = &cfg->closed[cfg->nclosed];
			snprintf(sub, sizeof sub, "%s.date", path);
			const json_t *date = json_object_get(e, "date");
			if (!date)
				return fail(x, sub, "is required");
			if (!json_is_string(date))
				return fail(x, sub, "must be a date \"YYYY-MM-DD\"");
			mm_err e2;
			if (mm_cal_parse_date(json_string_value(date), &c->day, &e2) != MM_OK)
				return fail(x, sub, "%s", e2.msg);
			snprintf(sub, sizeof sub, "%s.name", path);
			if (!json_object_get(e, "name"))
				return fail(x, sub, "is required (it is the reason shown for the day)");
			if ((rc = opt_string(x, e, "name", sub, c->name, sizeof c->name)))
				return rc;
			cfg->nclosed++;
		}
	}
	return MM_OK;
}

static bool class_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

static int parse_kind(const ctx *x, const json_t *e, const char *path, mm_sla_rule *r)
{
	static const mm_sla_kind kinds[] = {MM_SLA_WALL_CLOCK, MM_SLA_TIME_ON_DAY, MM_SLA_BUSINESS_MINUTES,
					    MM_SLA_WITHIN_DAYS};
	char sub[JSON_PATH_MAX];
	snprintf(sub, sizeof sub, "%s.kind", path);
	const char *k = json_string_value(json_object_get(e, "kind"));
	if (!json_object_get(e, "kind"))
		return fail(x, sub, "is required");
	for (size_t i = 0; k && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(k, mm_sla_kind_name(kinds[i])) == 0)
			r->kind = kinds[i];
	if (!r->kind)
		return fail(x, sub, "must be one of wall_clock, time_on_business_day, business_minutes, "
				    "within_business_days");
	return MM_OK;
}

/* The members each kind needs, and only those. */
static int parse_rule_params(const ctx *x, const json_t *e, const char *path, mm_sla_rule *r)
{
	static const char *const common[] = {"class", "kind", "label", "source", "reason_required"};
	static const char *const wall[] = {"in_hours_minutes", "out_of_hours_minutes", NULL};
	static const char *const on_day[] = {"business_days_after", "time", NULL};
	static const char *const minutes[] = {"minutes", NULL};
	static const char *const within[] = {"business_days", NULL};
	const char *const *own = r->kind == MM_SLA_WALL_CLOCK   ? wall
				 : r->kind == MM_SLA_TIME_ON_DAY ? on_day
				 : r->kind == MM_SLA_BUSINESS_MINUTES ? minutes
								       : within;
	const char *allowed[12];
	size_t n = 0;
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++)
		allowed[n++] = common[i];
	for (size_t i = 0; own[i]; i++)
		allowed[n++] = own[i];
	allowed[n] = NULL;
	int rc = only_keys(x, e, path, allowed);
	if (rc)
		return rc;

	char sub[JSON_PATH_MAX];
#define SUB(key) (snprintf(sub, sizeof sub, "%s.%s", path, key), sub)
	switch (r->kind) {
	case MM_SLA_WALL_CLOCK:
		if ((rc = get_int(x, e, "in_hours_minutes", SUB("in_hours_minutes"), 0, MM_SLA_MINUTES_MAX,
				  &r->in_hours_min)) ||
		    (rc = get_int(x, e, "out_of_hours_minutes", SUB("out_of_hours_minutes"), 0,
				  MM_SLA_MINUTES_MAX, &r->out_hours_min)))
			return rc;
		break;
	case MM_SLA_TIME_ON_DAY:
		if ((rc = get_int(x, e, "business_days_after", SUB("business_days_after"), 1, MM_SLA_DAYS_MAX,
				  &r->days)) ||
		    (rc = get_hhmm(x, e, "time", SUB("time"), false, &r->at_min)))
			return rc;
		break;
	case MM_SLA_BUSINESS_MINUTES:
		if ((rc = get_int(x, e, "minutes", SUB("minutes"), 0, MM_SLA_MINUTES_MAX, &r->minutes)))
			return rc;
		break;
	case MM_SLA_WITHIN_DAYS:
		if ((rc = get_int(x, e, "business_days", SUB("business_days"), 1, MM_SLA_DAYS_MAX, &r->days)))
			return rc;
		break;
	}
	r->reason_required = true;
	const json_t *rr = json_object_get(e, "reason_required");
	if (rr) {
		if (!json_is_boolean(rr))
			return fail(x, SUB("reason_required"), "must be true or false");
		r->reason_required = json_is_true(rr);
	}
	if ((rc = opt_string(x, e, "label", SUB("label"), r->label, sizeof r->label)) ||
	    (rc = opt_string(x, e, "source", SUB("source"), r->source, sizeof r->source)))
		return rc;
#undef SUB
	return MM_OK;
}

static int parse_rules(const ctx *x, const json_t *sla, mm_contract *c)
{
	if (!json_is_array(sla))
		return fail(x, "$.sla", "must be an array of rules");
	if (json_array_size(sla) > MM_SLA_RULES_MAX)
		return fail(x, "$.sla", "has more than %d rules", MM_SLA_RULES_MAX);
	for (size_t i = 0; i < json_array_size(sla); i++) {
		char path[JSON_PATH_MAX], sub[JSON_PATH_MAX];
		const json_t *e = json_array_get(sla, i);
		mm_sla_rule *r = &c->rules[c->nrules];
		int rc;
		snprintf(path, sizeof path, "$.sla[%zu]", i);
		if ((rc = want_object(x, e, path)))
			return rc;
		snprintf(sub, sizeof sub, "%s.class", path);
		if (!json_object_get(e, "class"))
			return fail(x, sub, "is required");
		if ((rc = opt_string(x, e, "class", sub, r->cls, sizeof r->cls)))
			return rc;
		if (!class_name_ok(r->cls))
			return fail(x, sub, "\"%s\" is not a class name (a-z, 0-9, '-', '_')", r->cls);
		if (mm_sla_rule_find(c, r->cls))
			return fail(x, sub, "class \"%s\" is defined twice", r->cls);
		if ((rc = parse_kind(x, e, path, r)) || (rc = parse_rule_params(x, e, path, r)))
			return rc;
		c->nrules++;
	}
	return MM_OK;
}

int mm_sla_contract_parse(const char *text, size_t len, const char *origin, mm_contract **out,
			  mm_err *err)
{
	static const char *const keys[] = {"format", "name", "source", "calendar", "sla", NULL};
	ctx x = {origin ? origin : "<contract>", err};
	json_t *root = NULL;
	mm_contract *c = NULL;
	mm_cal_config *cfg = NULL;
	int rc;

	if (len > MM_CONTRACT_FILE_MAX) {
		rc = mm_err_set(err, MM_ELIMIT, "%s: larger than %u bytes", x.origin, MM_CONTRACT_FILE_MAX);
		goto out;
	}
	if (len == 0) {
		rc = mm_err_set(err, MM_EINVAL, "%s: empty, not a contract", x.origin);
		goto out;
	}
	json_error_t je;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: not valid JSON: %s", x.origin, je.line, je.column,
				je.text);
		goto out;
	}
	c = calloc(1, sizeof *c);
	cfg = calloc(1, sizeof *cfg);
	if (!c || !cfg) {
		rc = mm_err_set(err, MM_ENOMEM, "%s: out of memory", x.origin);
		goto out;
	}
	if ((rc = want_object(&x, root, "$")) || (rc = only_keys(&x, root, "$", keys)))
		goto out;
	const char *fmt = json_string_value(json_object_get(root, "format"));
	if (!fmt || strcmp(fmt, MM_SLA_FORMAT) != 0) {
		rc = fail(&x, "$.format", "must be \"%s\"", MM_SLA_FORMAT);
		goto out;
	}
	if ((rc = opt_string(&x, root, "name", "$.name", c->name, sizeof c->name)))
		goto out;
	char source[MM_SLA_LABEL_MAX]; /* checked, kept only in the file */
	if ((rc = opt_string(&x, root, "source", "$.source", source, sizeof source)))
		goto out;
	mm_cal_config_default(cfg);
	const json_t *cal = json_object_get(root, "calendar");
	if (cal && (rc = parse_calendar(&x, cal, cfg)))
		goto out;
	mm_err e2;
	if ((rc = mm_cal_init(&c->cal, cfg, &e2))) {
		rc = fail(&x, "$.calendar", "%s", e2.msg);
		goto out;
	}
	const json_t *sla = json_object_get(root, "sla");
	if (!sla) {
		rc = fail(&x, "$.sla", "is required (the rules)");
		goto out;
	}
	if ((rc = parse_rules(&x, sla, c)))
		goto out;
	*out = c;
	c = NULL;
out:
	free(cfg);
	free(c);
	json_decref(root);
	return rc;
}

int mm_sla_contract_load(const char *path, mm_contract **out, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_CONTRACT_FILE_MAX);
	int rc = mm_file_read(path, MM_CONTRACT_FILE_MAX, &b, err);
	if (rc == MM_OK)
		rc = mm_sla_contract_parse((const char *)b.p, b.len, path, out, err);
	mm_buf_release(&b);
	return rc;
}

const char *mm_sla_default_contract_path(void)
{
	return MM_DATA_DIR "/contracts/default.json";
}

void mm_sla_contract_free(mm_contract *c)
{
	free(c);
}
