/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dashboard's aggregates over an evaluation and the records: what is
 * overdue, the month's SLA results, the inspection pass rate per site,
 * open faults with their due times, and agents that have gone silent.
 * It names the operational kinds it summarises (fault, inspection_item,
 * asset, site, agent); the obligations themselves come from the catalogue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "base/banned.h"

static const char *sval(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Index records of kind by id: a new object id -> record (borrowed values). */
static json_t *by_id(const mm_compliance_input *in, const char *kind)
{
	json_t *m = json_object();
	size_t i;
	json_t *r;
	json_array_foreach(compliance_records(in, kind), i, r) if (m) json_object_set(m, sval(r, "id"), r);
	return m;
}

static bool appendable(json_t *a)
{
	return json_array_size(a) < MM_DASHBOARD_ITEMS_MAX;
}

/* Overdue items: the "overdue" causes of every requirement's rules; *total counts them all. */
static json_t *overdue(const json_t *eval, json_int_t *total)
{
	json_t *out = json_array();
	size_t i, j, k;
	json_t *r, *rule, *c;
	*total = 0;
	json_array_foreach(json_object_get(eval, "requirements"), i, r)
		json_array_foreach(json_object_get(r, "rules"), j, rule)
			*total += json_integer_value(json_object_get(json_object_get(rule, "reasons"), "overdue"));
	json_array_foreach(json_object_get(eval, "requirements"), i, r)
		json_array_foreach(json_object_get(r, "rules"), j, rule)
			json_array_foreach(json_object_get(rule, "causes"), k, c) {
		if (out && appendable(out) && strcmp(sval(c, "reason"), "overdue") == 0)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "requirement", sval(r, "id"),
							     "id", sval(c, "id"), "kind", sval(c, "kind"), "due",
							     sval(c, "detail")));
	}
	return out;
}

/* The month (Asia/Tokyo) of instant t as [from, to). */
static void month_of(int64_t t, int64_t *from, int64_t *to, char *label, size_t n)
{
	int y, m, d;
	mm_cal_ymd(mm_cal_day_of(t), &y, &m, &d);
	*from = mm_cal_instant(mm_cal_day_from_ymd(y, m, 1), 0);
	*to = mm_cal_instant(mm_cal_day_from_ymd(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1), 0);
	snprintf(label, n, "%04d-%02d", y, m);
}

/* SLA results of the faults instructed this month, judged now. */
static json_t *sla_month(const mm_compliance_input *in, int64_t now)
{
	int64_t from, to;
	char label[16];
	month_of(now, &from, &to, label, sizeof label);
	json_int_t met = 0, late_reason = 0, missed = 0, pending = 0, none = 0;
	size_t i;
	json_t *f;
	json_array_foreach(compliance_records(in, "fault"), i, f) {
		int64_t instructed, due, done;
		if (!compliance_instant(compliance_str(f, "instructed_at"), &instructed) || instructed < from ||
		    instructed >= to)
			continue;
		if (!compliance_instant(compliance_str(f, "due_at"), &due)) {
			none++;
			continue;
		}
		const char *reason = compliance_str(f, "miss_reason");
		if (compliance_instant(compliance_str(f, "onsite_started_at"), &done)) {
			if (done <= due)
				met++;
			else if (reason && *reason)
				late_reason++;
			else
				missed++;
		} else if (now > due) {
			missed++;
		} else {
			pending++;
		}
	}
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "month", label, "met", met, "missed_with_reason",
			 late_reason, "missed", missed, "pending", pending, "none", none);
}

/* Pass rate per site of the inspection items judged so far. */
static json_t *inspection_sites(const mm_compliance_input *in)
{
	json_t *assets = by_id(in, "asset"), *counts = json_object(), *out = json_array();
	size_t i;
	json_t *it;
	if (!assets || !counts || !out)
		goto out;
	json_array_foreach(compliance_records(in, "inspection_item"), i, it) {
		const char *st = sval(it, "state");
		bool pass = strcmp(st, "passed") == 0, failed = strcmp(st, "failed") == 0 || strcmp(st, "corrected") == 0;
		if (!pass && !failed)
			continue;
		json_t *asset = json_object_get(assets, compliance_str(it, "asset") ? compliance_str(it, "asset") : "");
		const char *site = asset ? compliance_str(asset, "site") : NULL;
		if (!site)
			continue;
		json_t *c = json_object_get(counts, site);
		if (!c) {
			c = json_pack("{s:I, s:I}", "passed", (json_int_t)0, "failed", (json_int_t)0);
			if (!c || json_object_set_new(counts, site, c))
				goto out;
		}
		const char *k = pass ? "passed" : "failed";
		json_object_set_new(c, k, json_integer(json_integer_value(json_object_get(c, k)) + 1));
	}
	/* in the order of the site records, so the chart reads like the contract's table */
	json_array_foreach(compliance_records(in, "site"), i, it) {
		json_t *c = json_object_get(counts, sval(it, "id"));
		if (!c || !appendable(out))
			continue;
		json_int_t p = json_integer_value(json_object_get(c, "passed")),
			   fl = json_integer_value(json_object_get(c, "failed"));
		const char *name = compliance_str(it, "name");
		json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:I, s:I, s:I}", "site", sval(it, "id"), "name",
						     name ? name : sval(it, "id"), "code",
						     compliance_str(it, "code") ? compliance_str(it, "code") : "",
						     "passed", p, "failed", fl, "rate", (p * 100) / (p + fl)));
	}
out:
	json_decref(assets);
	json_decref(counts);
	return out;
}

static int cmp_due(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(sval(x, "due_at"), sval(y, "due_at"));
	return c ? c : strcmp(sval(x, "id"), sval(y, "id"));
}

/* Faults not yet attended (open, on-site), soonest due first. */
static json_t *open_faults(const mm_compliance_input *in, int64_t now, json_int_t *total)
{
	const json_t *faults = compliance_records(in, "fault");
	json_t *out = json_array();
	size_t n = 0, i;
	json_t **v = calloc(json_array_size(faults) + 1, sizeof *v), *f;
	*total = 0;
	if (!out || !v)
		goto out;
	json_array_foreach(faults, i, f) {
		const char *st = sval(f, "state");
		if (strcmp(st, "open") != 0 && strcmp(st, "on-site") != 0)
			continue;
		int64_t due;
		bool has_due = compliance_instant(compliance_str(f, "due_at"), &due);
		bool arrived = compliance_str(f, "onsite_started_at") != NULL;
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "id", sval(f, "id"), "state", st, "summary",
				      compliance_str(f, "summary") ? compliance_str(f, "summary") : "", "class",
				      compliance_str(f, "class") ? compliance_str(f, "class") : "", "asset",
				      compliance_str(f, "asset") ? compliance_str(f, "asset") : "", "due_at",
				      has_due ? compliance_str(f, "due_at") : "", "overdue", has_due && !arrived && now > due);
		if (o && arrived)
			json_object_set_new(o, "onsite_started_at", json_string(compliance_str(f, "onsite_started_at")));
		if (o)
			v[n++] = o;
	}
	qsort(v, n, sizeof *v, cmp_due);
	*total = (json_int_t)n;
	for (i = 0; i < n; i++) {
		if (appendable(out))
			json_array_append(out, v[i]);
		json_decref(v[i]);
	}
out:
	free(v);
	return out;
}

/* Active agents whose last report is older than the catalogue's agent rule allows (default 7 days). */
static json_t *silent_agents(const mm_catalogue *c, const mm_compliance_input *in, int64_t now, json_int_t *days,
			     json_int_t *total)
{
	*days = 7;
	*total = 0;
	size_t i, j;
	json_t *r, *rule;
	json_array_foreach(json_object_get(mm_catalogue_json(c), "requirements"), i, r)
		json_array_foreach(json_object_get(r, "rules"), j, rule) {
		if (strcmp(sval(rule, "type"), "recent_field") == 0 && strcmp(sval(rule, "kind"), "agent") == 0)
			*days = json_integer_value(json_object_get(rule, "max_days"));
	}
	json_t *out = json_array(), *a;
	json_array_foreach(compliance_records(in, "agent"), i, a) {
		int64_t t;
		if (strcmp(sval(a, "state"), "active") != 0)
			continue;
		const char *last = compliance_str(a, "last_report_at");
		if (compliance_instant(last, &t) && now - t <= *days * 86400)
			continue;
		++*total;
		if (out && appendable(out))
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s}", "id", sval(a, "id"), "hostname",
							     compliance_str(a, "hostname") ? compliance_str(a, "hostname") : "",
							     "asset", compliance_str(a, "asset") ? compliance_str(a, "asset") : "",
							     "last_report_at", last ? last : ""));
	}
	return out;
}

int mm_compliance_dashboard(const mm_catalogue *c, const mm_compliance_input *in, const json_t *eval, int64_t now,
			    json_t **out, mm_err *err)
{
	json_t *reqs = json_array();
	size_t i;
	json_t *r;
	*out = NULL;
	json_array_foreach(json_object_get(eval, "requirements"), i, r) if (reqs) json_array_append_new(
		reqs, json_pack("{s:O, s:O, s:O}", "id", json_object_get(r, "id"), "title", json_object_get(r, "title"),
				"status", json_object_get(r, "status")));
	json_int_t days, n_agents, n_overdue, n_faults;
	json_t *agents = silent_agents(c, in, now, &days, &n_agents), *od = overdue(eval, &n_overdue),
	       *faults = open_faults(in, now, &n_faults);
	json_t *d = json_pack("{s:O, s:O?, s:o, s:o, s:I, s:o, s:o, s:o, s:I, s:o, s:I, s:I}", "at",
			      json_object_get(eval, "at"), "summary", json_object_get(eval, "summary"), "requirements",
			      reqs, "overdue", od, "overdue_total", n_overdue, "sla_month", sla_month(in, now),
			      "inspection_sites", inspection_sites(in), "open_faults", faults, "open_faults_total",
			      n_faults, "silent_agents", agents, "silent_agents_total", n_agents, "agent_days", days);
	if (!d)
		return mm_err_set(err, MM_ENOMEM, "dashboard: out of memory");
	*out = d;
	return MM_OK;
}
