/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The evidence engine: each rule type of the catalogue is one function
 * over the records at instant `now`. A rule gives met, at-risk, missed or
 * no-evidence and the records that cause it; a requirement takes the worst
 * of its rules. Nothing here reads a clock or a database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "base/banned.h"

#define DAY_S 86400

const char *mm_cstatus_name(mm_cstatus s)
{
	switch (s) {
	case MM_CS_MET: return "met";
	case MM_CS_NO_EVIDENCE: return "no-evidence";
	case MM_CS_AT_RISK: return "at-risk";
	case MM_CS_MISSED: return "missed";
	}
	return "no-evidence";
}

const json_t *compliance_records(const mm_compliance_input *in, const char *kind)
{
	const json_t *a = kind ? json_object_get(in->records, kind) : NULL;
	return json_is_array(a) ? a : NULL;
}

const char *compliance_str(const json_t *rec, const char *field)
{
	return json_string_value(json_object_get(json_object_get(rec, "data"), field));
}

bool compliance_instant(const char *s, int64_t *out)
{
	mm_err e;
	return s && mm_cal_parse_instant(s, out, &e) == MM_OK;
}

static bool date_of(const char *s, mm_day *out)
{
	mm_err e;
	return s && mm_cal_parse_date(s, out, &e) == MM_OK;
}

static const char *rstate(const json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "state"));
	return s ? s : "";
}

static const char *rid(const json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "id"));
	return s ? s : "";
}

/* s is in the array of names (a missing array admits everything). */
static bool in_names(const char *s, const json_t *names)
{
	if (!names)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(names, i, v) if (s && strcmp(s, json_string_value(v)) == 0) return true;
	return false;
}

static const char *pstr(const json_t *rule, const char *key)
{
	return json_string_value(json_object_get(rule, key));
}

static int64_t pint(const json_t *rule, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(rule, key));
}

static void fmt_time(int64_t t, char *out, size_t n)
{
	if (t < mm_cal_instant(mm_cal_day_from_ymd(MM_CAL_YEAR_MIN, 1, 1), 0) ||
	    t >= mm_cal_instant(mm_cal_day_from_ymd(MM_CAL_YEAR_MAX, 12, 31), 86400))
		snprintf(out, n, "@%lld", (long long)t);
	else
		mm_cal_format_instant(t, out, n);
}

/* One rule's running result. */
typedef struct acc {
	json_t *causes;
	json_t *reasons; /* reason -> how many causes give it (all of them, not only those listed) */
	size_t checked, ok, at_risk, missed, total;
	bool no_evidence;
	bool oom;
} acc;

/* Record that rec (id; kind) is at risk or missed for reason; detail is a time, date or name. */
static void cause_full(acc *a, const char *id, const char *kind, mm_cstatus st, const char *reason, const char *detail,
		       const char *related, const char *component)
{
	if (st == MM_CS_MISSED)
		a->missed++;
	else
		a->at_risk++;
	a->total++;
	json_t *n = json_object_get(a->reasons, reason);
	if (json_object_set_new(a->reasons, reason, json_integer(n ? json_integer_value(n) + 1 : 1)))
		a->oom = true;
	if (json_array_size(a->causes) >= MM_COMPLIANCE_CAUSES_MAX)
		return;
	json_t *c = json_pack("{s:s, s:s, s:s, s:s}", "id", id, "kind", kind ? kind : "", "status",
			      mm_cstatus_name(st), "reason", reason);
	if (c && detail)
		json_object_set_new(c, "detail", json_string(detail));
	if (c && related)
		json_object_set_new(c, "related", json_string(related));
	if (c && component)
		json_object_set_new(c, "component", json_string(component));
	if (!c || json_array_append_new(a->causes, c))
		a->oom = true;
}

/* A cause naming at most one related record (the finding behind an open_finding). */
static void cause(acc *a, const char *id, const char *kind, mm_cstatus st, const char *reason, const char *detail,
		  const char *related)
{
	cause_full(a, id, kind, st, reason, detail, related, NULL);
}

/*
 * A deadline: done by due is met; done late is met only with a reason;
 * not done is overdue after due and at risk within warn seconds of it.
 */
static void judge(acc *a, const json_t *rec, const char *kind, int64_t due, const int64_t *done, const char *reason,
		  int64_t now, int64_t warn)
{
	char t[48];
	fmt_time(due, t, sizeof t);
	a->checked++;
	if (done) {
		if (*done <= due || (reason && *reason))
			a->ok++;
		else
			cause(a, rid(rec), kind, MM_CS_MISSED, "late_without_reason", t, NULL);
	} else if (now > due) {
		cause(a, rid(rec), kind, MM_CS_MISSED, "overdue", t, NULL);
	} else if (due - now <= warn) {
		cause(a, rid(rec), kind, MM_CS_AT_RISK, "due_soon", t, NULL);
	} else {
		a->ok++;
	}
}

/* The records of the rule's kind, or NULL (no evidence) when there are none. */
static const json_t *evidence(acc *a, const json_t *r, const mm_compliance_input *in)
{
	const json_t *recs = compliance_records(in, pstr(r, "kind"));
	if (json_array_size(recs))
		return recs;
	a->no_evidence = true;
	return NULL;
}

static void rule_deadline(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind");
	const json_t *recs = evidence(a, r, in);
	if (!recs)
		return;
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		int64_t due, done;
		if (!compliance_instant(compliance_str(rec, pstr(r, "due_field")), &due))
			continue; /* no target (e.g. a class without one) */
		bool has_done = compliance_instant(compliance_str(rec, pstr(r, "done_field")), &done);
		const char *reason = pstr(r, "reason_field") ? compliance_str(rec, pstr(r, "reason_field")) : NULL;
		judge(a, rec, kind, due, has_done ? &done : NULL, reason, now, pint(r, "warn_hours") * 3600);
	}
}

static void rule_business_days(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind");
	const json_t *recs = evidence(a, r, in);
	if (!recs)
		return;
	const json_t *days = json_object_get(r, "days");
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		int64_t start, done;
		const char *cls = compliance_str(rec, pstr(r, "class_field"));
		json_t *n = cls ? json_object_get(days, cls) : NULL;
		if (!n || !compliance_instant(compliance_str(rec, pstr(r, "start_field")), &start))
			continue;
		/* n 開庁日: the close of office hours on the nth business day after the start's date */
		mm_day d;
		mm_err e;
		if (mm_cal_add_business_days(in->cal, mm_cal_day_of(start), (int)json_integer_value(n), &d, &e))
			continue;
		int64_t due = mm_cal_close_at(in->cal, d);
		bool has_done = compliance_instant(compliance_str(rec, pstr(r, "done_field")), &done);
		const char *reason = pstr(r, "reason_field") ? compliance_str(rec, pstr(r, "reason_field")) : NULL;
		judge(a, rec, kind, due, has_done ? &done : NULL, reason, now, pint(r, "warn_hours") * 3600);
	}
}

static void rule_recent_evidence(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind"), *ekind = pstr(r, "evidence_kind"), *ref = pstr(r, "ref_field");
	const json_t *subjects = compliance_records(in, kind), *ev = compliance_records(in, ekind);
	const json_t *states = json_object_get(r, "states"), *ok_states = json_object_get(r, "ok_states"),
		     *bad_states = json_object_get(r, "bad_states");
	json_t *latest = json_object(), *bad = json_object();
	if (!latest || !bad) {
		a->oom = true;
		goto out;
	}
	if (!json_array_size(ev) || !json_array_size(subjects)) {
		a->no_evidence = true;
		goto out;
	}
	size_t i;
	json_t *rec;
	json_array_foreach(ev, i, rec) {
		const char *sid = compliance_str(rec, ref);
		int64_t t;
		if (!sid)
			continue;
		if (bad_states && in_names(rstate(rec), bad_states)) {
			if (!json_object_get(bad, sid))
				json_object_set_new(bad, sid, json_string(rid(rec)));
		} else if (in_names(rstate(rec), ok_states) &&
			   compliance_instant(compliance_str(rec, pstr(r, "time_field")), &t)) {
			json_t *cur = json_object_get(latest, sid);
			if (!cur || json_integer_value(cur) < t)
				json_object_set_new(latest, sid, json_integer(t));
		}
	}
	int64_t max = pint(r, "max_days") * DAY_S, warn = pint(r, "warn_days") * DAY_S;
	json_array_foreach(subjects, i, rec) {
		if (!in_names(rstate(rec), states))
			continue;
		a->checked++;
		const char *id = rid(rec);
		json_t *b = json_object_get(bad, id), *l = json_object_get(latest, id);
		char t[48];
		if (b) {
			cause(a, id, kind, MM_CS_MISSED, "open_finding", NULL, json_string_value(b));
			continue;
		}
		if (!l) {
			cause(a, id, kind, MM_CS_MISSED, "no_evidence_record", NULL, NULL);
			continue;
		}
		int64_t expiry = json_integer_value(l) + max;
		fmt_time(expiry, t, sizeof t);
		if (now > expiry)
			cause(a, id, kind, MM_CS_MISSED, "expired", t, NULL);
		else if (expiry - now <= warn)
			cause(a, id, kind, MM_CS_AT_RISK, "expires_soon", t, NULL);
		else
			a->ok++;
	}
out:
	json_decref(latest);
	json_decref(bad);
}

/* Start of the period (one of months, 1st day, Asia/Tokyo) that contains day. */
static mm_day period_start(mm_day day, const json_t *months)
{
	int y, m, d;
	mm_cal_ymd(day, &y, &m, &d);
	for (int back = 0; back < 24; back++) {
		int mm = m - back, yy = y;
		while (mm < 1) {
			mm += 12;
			yy--;
		}
		size_t i;
		json_t *v;
		json_array_foreach(months, i, v) if (json_integer_value(v) == mm) return mm_cal_day_from_ymd(yy, mm, 1);
	}
	return day; /* unreachable: months is non-empty */
}

static void rule_rotation(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind"), *skind = pstr(r, "subject_kind");
	const json_t *lines = compliance_records(in, kind), *subjects = compliance_records(in, skind);
	const json_t *comps = json_object_get(r, "components"), *sstates = json_object_get(r, "subject_states");
	json_t *done = json_object();
	if (!done) {
		a->oom = true;
		return;
	}
	if (!json_array_size(lines) || !json_array_size(subjects)) {
		a->no_evidence = true;
		goto out;
	}
	mm_day ps = period_start(mm_cal_day_of(now), json_object_get(r, "months"));
	int64_t from = mm_cal_instant(ps, 0), due = mm_cal_instant(ps + (mm_day)pint(r, "due_days"), 0);
	char duet[48];
	fmt_time(due, duet, sizeof duet);
	size_t i;
	json_t *rec;
	json_array_foreach(lines, i, rec) {
		const char *sid = compliance_str(rec, pstr(r, "ref_field")), *comp = compliance_str(rec, pstr(r, "component_field"));
		int64_t t;
		if (!sid || !comp || !in_names(rstate(rec), json_object_get(r, "done_states")))
			continue;
		/* when it was done; a line without the time counts from its last change */
		if (!compliance_instant(compliance_str(rec, pstr(r, "time_field")), &t) &&
		    !compliance_instant(json_string_value(json_object_get(rec, "updated")), &t))
			continue;
		if (t < from || t > now)
			continue;
		char key[2 * MM_ID_MAX + 4];
		snprintf(key, sizeof key, "%s\x1f%s", sid, comp);
		json_object_set_new(done, key, json_true());
	}
	json_array_foreach(subjects, i, rec) {
		const json_t *list = json_object_get(comps, compliance_str(rec, pstr(r, "class_field")) ?
								  compliance_str(rec, pstr(r, "class_field")) : "");
		if (!list || !in_names(rstate(rec), sstates))
			continue;
		size_t j;
		json_t *c;
		json_array_foreach(list, j, c) {
			char key[2 * MM_ID_MAX + 4];
			snprintf(key, sizeof key, "%s\x1f%s", rid(rec), json_string_value(c));
			a->checked++;
			if (json_object_get(done, key))
				a->ok++;
			else
				cause_full(a, rid(rec), skind, now <= due ? MM_CS_AT_RISK : MM_CS_MISSED,
					   now <= due ? "rotation_due" : "not_rotated", duet, NULL, json_string_value(c));
		}
	}
out:
	json_decref(done);
}

static void rule_prior_notice(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind");
	const json_t *recs = evidence(a, r, in);
	if (!recs)
		return;
	int64_t warn = pint(r, "warn_days") * DAY_S;
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		mm_day d;
		int64_t created;
		const char *st = rstate(rec), *ds = compliance_str(rec, pstr(r, "start_field"));
		if (in_names(st, json_object_get(r, "ignore_states")) && json_object_get(r, "ignore_states"))
			continue;
		/* when notified: the record's notice date if the rule names one and it is given (data carried over
		   from before mamori), else when the record was made */
		const char *nf = pstr(r, "notice_field");
		const char *ns = nf ? compliance_str(rec, nf) : NULL;
		mm_day nd;
		if (!date_of(ds, &d))
			continue;
		if (ns && date_of(ns, &nd))
			created = mm_cal_instant(nd, 0);
		else if (!compliance_instant(json_string_value(json_object_get(rec, "created")), &created))
			continue;
		int64_t start = mm_cal_instant(d, 0);
		a->checked++;
		if (created >= start)
			cause(a, rid(rec), kind, MM_CS_MISSED, "notified_late", ds, NULL);
		else if (in_names(st, json_object_get(r, "pending_states")) && now >= start)
			cause(a, rid(rec), kind, MM_CS_MISSED, "started_unapproved", ds, NULL);
		else if (in_names(st, json_object_get(r, "pending_states")) && start - now <= warn)
			cause(a, rid(rec), kind, MM_CS_AT_RISK, "approval_pending", ds, NULL);
		else
			a->ok++;
	}
}

static void rule_recent_field(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind");
	const json_t *recs = evidence(a, r, in);
	if (!recs)
		return;
	int64_t max = pint(r, "max_days") * DAY_S, warn = pint(r, "warn_days") * DAY_S;
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		int64_t t;
		if (!in_names(rstate(rec), json_object_get(r, "states")))
			continue;
		a->checked++;
		const char *s = compliance_str(rec, pstr(r, "field"));
		if (!compliance_instant(s, &t))
			cause(a, rid(rec), kind, MM_CS_MISSED, "never", NULL, NULL);
		else if (now - t > max)
			cause(a, rid(rec), kind, MM_CS_MISSED, "stale", s, NULL);
		else if (now - t > max - warn)
			cause(a, rid(rec), kind, MM_CS_AT_RISK, "stale_soon", s, NULL);
		else
			a->ok++;
	}
}

static void rule_date_limit(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	const char *kind = pstr(r, "kind");
	const json_t *recs = evidence(a, r, in);
	if (!recs)
		return;
	int64_t warn = pint(r, "warn_days") * DAY_S;
	size_t i;
	json_t *rec;
	json_array_foreach(recs, i, rec) {
		mm_day d;
		if (!in_names(rstate(rec), json_object_get(r, "states")))
			continue;
		a->checked++;
		const char *s = compliance_str(rec, pstr(r, "field"));
		if (!date_of(s, &d)) {
			cause(a, rid(rec), kind, MM_CS_AT_RISK, "date_unknown", NULL, NULL);
			continue;
		}
		int64_t end = mm_cal_instant(d, 86400); /* the date is the last day covered */
		if (now >= end)
			cause(a, rid(rec), kind, MM_CS_MISSED, "date_passed", s, NULL);
		else if (end - now <= warn)
			cause(a, rid(rec), kind, MM_CS_AT_RISK, "date_near", s, NULL);
		else
			a->ok++;
	}
}

static void rule_ledger(acc *a, const json_t *r, const mm_compliance_input *in, int64_t now)
{
	if (!in->has_ledger) {
		a->no_evidence = true;
		return;
	}
	char d[64];
	a->checked++;
	int64_t age = now - in->checkpoint_s, max = pint(r, "max_age_hours") * 3600, warn = pint(r, "warn_hours") * 3600;
	if (!in->ledger_ok) {
		snprintf(d, sizeof d, "%llu", (unsigned long long)in->ledger_bad_seq);
		cause(a, "ledger", "ledger", MM_CS_MISSED, "ledger_fails_verification", d, NULL);
	} else if (in->checkpoint_s <= 0) {
		cause(a, "ledger", "ledger", MM_CS_MISSED, "no_checkpoint", NULL, NULL);
	} else if (age > max) {
		fmt_time(in->checkpoint_s, d, sizeof d);
		cause(a, "ledger", "ledger", MM_CS_MISSED, "checkpoint_old", d, NULL);
	} else if (age > max - warn || in->checkpoint_size < in->ledger_size) {
		fmt_time(in->checkpoint_s, d, sizeof d);
		cause(a, "ledger", "ledger", MM_CS_AT_RISK,
		      in->checkpoint_size < in->ledger_size ? "entries_unsigned" : "checkpoint_aging", d, NULL);
	} else {
		a->ok++;
	}
}

static mm_cstatus acc_status(const acc *a)
{
	if (a->no_evidence)
		return MM_CS_NO_EVIDENCE;
	if (a->missed)
		return MM_CS_MISSED;
	if (a->at_risk)
		return MM_CS_AT_RISK;
	return MM_CS_MET;
}

static json_t *eval_rule(const json_t *r, const mm_compliance_input *in, int64_t now, mm_cstatus *st)
{
	acc a = {.causes = json_array(), .reasons = json_object()};
	const char *type = pstr(r, "type");
	if (!a.causes || !a.reasons) {
		json_decref(a.causes);
		json_decref(a.reasons);
		return NULL;
	}
	if (strcmp(type, "deadline") == 0)
		rule_deadline(&a, r, in, now);
	else if (strcmp(type, "business_days") == 0)
		rule_business_days(&a, r, in, now);
	else if (strcmp(type, "recent_evidence") == 0)
		rule_recent_evidence(&a, r, in, now);
	else if (strcmp(type, "rotation") == 0)
		rule_rotation(&a, r, in, now);
	else if (strcmp(type, "prior_notice") == 0)
		rule_prior_notice(&a, r, in, now);
	else if (strcmp(type, "recent_field") == 0)
		rule_recent_field(&a, r, in, now);
	else if (strcmp(type, "date_limit") == 0)
		rule_date_limit(&a, r, in, now);
	else if (strcmp(type, "ledger") == 0)
		rule_ledger(&a, r, in, now);
	else
		a.no_evidence = true; /* the loader admits no other type */
	*st = acc_status(&a);
	json_t *o = a.oom ? NULL
			  : json_pack("{s:s, s:O, s:s, s:I, s:I, s:I, s:I, s:I, s:O}", "type", type, "title",
				      json_object_get(r, "title"), "status", mm_cstatus_name(*st), "checked",
				      (json_int_t)a.checked, "ok", (json_int_t)a.ok, "at_risk", (json_int_t)a.at_risk,
				      "missed", (json_int_t)a.missed, "causes_total", (json_int_t)a.total, "causes",
				      a.causes);
	json_decref(a.causes);
	if (o && json_object_set(o, "reasons", a.reasons)) {
		json_decref(o);
		o = NULL;
	}
	json_decref(a.reasons);
	if (o && pstr(r, "kind"))
		json_object_set_new(o, "kind", json_string(pstr(r, "kind")));
	return o;
}

int mm_compliance_eval(const mm_catalogue *c, const mm_compliance_input *in, int64_t now, json_t **out, mm_err *err)
{
	const json_t *doc = mm_catalogue_json(c);
	json_t *res = NULL, *reqs = json_array();
	size_t counts[4] = {0};
	int rc = MM_ENOMEM;
	*out = NULL;
	if (!reqs)
		goto out;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(doc, "requirements"), i, r) {
		json_t *rules = json_array(), *ro = NULL;
		mm_cstatus worst = MM_CS_MET;
		if (!rules)
			goto out;
		size_t j;
		json_t *rule;
		json_array_foreach(json_object_get(r, "rules"), j, rule) {
			mm_cstatus st;
			json_t *o = eval_rule(rule, in, now, &st);
			if (!o || json_array_append_new(rules, o)) {
				json_decref(rules);
				goto out;
			}
			if (st > worst)
				worst = st;
		}
		if (json_array_size(rules) == 0)
			worst = MM_CS_NO_EVIDENCE;
		counts[worst]++;
		ro = json_pack("{s:O, s:O, s:O, s:O, s:s, s:o}", "id", json_object_get(r, "id"), "title",
			       json_object_get(r, "title"), "summary", json_object_get(r, "summary"), "clauses",
			       json_object_get(r, "clauses"), "status", mm_cstatus_name(worst), "rules", rules);
		if (!ro)
			goto out;
		if (json_object_get(r, "evidence_note"))
			json_object_set(ro, "evidence_note", json_object_get(r, "evidence_note"));
		if (json_array_append_new(reqs, ro))
			goto out;
	}
	char at[48];
	fmt_time(now, at, sizeof at);
	res = json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:O}", "at", at, "summary", "met", (json_int_t)counts[MM_CS_MET],
			"at-risk", (json_int_t)counts[MM_CS_AT_RISK], "missed", (json_int_t)counts[MM_CS_MISSED],
			"no-evidence", (json_int_t)counts[MM_CS_NO_EVIDENCE], "total",
			(json_int_t)json_array_size(reqs), "requirements", reqs);
	if (!res)
		goto out;
	*out = res;
	rc = MM_OK;
out:
	json_decref(reqs);
	return rc == MM_OK ? MM_OK : mm_err_set(err, rc, "compliance evaluation: out of memory");
}
