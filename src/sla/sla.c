/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evaluation of SLA rules: the due instant of each rule kind on a
 * contract's calendar, and met / missed / pending for a ticket.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sla/mm_sla.h"
#include "base/banned.h"

const mm_sla_rule *mm_sla_rule_find(const mm_contract *c, const char *cls)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].cls, cls) == 0)
			return &c->rules[i];
	return NULL;
}

const char *mm_sla_kind_name(mm_sla_kind kind)
{
	switch (kind) {
	case MM_SLA_WALL_CLOCK: return "wall_clock";
	case MM_SLA_TIME_ON_DAY: return "time_on_business_day";
	case MM_SLA_BUSINESS_MINUTES: return "business_minutes";
	case MM_SLA_WITHIN_DAYS: return "within_business_days";
	}
	return "unknown";
}

static int unknown_class(const mm_contract *c, const char *cls, mm_err *err)
{
	char known[MM_ERR_MSG_MAX / 2] = "";
	size_t off = 0;
	for (size_t i = 0; i < c->nrules && off < sizeof known; i++) {
		int n = snprintf(known + off, sizeof known - off, "%s%s", i ? ", " : "", c->rules[i].cls);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	return mm_err_set(err, MM_ENOTFOUND, "unknown class \"%.64s\" (this contract has: %s)", cls,
			  c->nrules ? known : "no rules");
}

static int rule_due(const mm_contract *c, const mm_sla_rule *r, int64_t start, int64_t *due, mm_err *err)
{
	const mm_cal *cal = &c->cal;
	mm_day day = mm_cal_day_of(start), to;
	int64_t t = 0;
	int rc = MM_OK;
	if (!mm_cal_day_in_range(day))
		return mm_err_set(err, MM_EINVAL, "start is outside %d–%d", MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
	switch (r->kind) {
	case MM_SLA_WALL_CLOCK:
		t = start + 60 * (int64_t)(mm_cal_in_business_hours(cal, start) ? r->in_hours_min
										: r->out_hours_min);
		break;
	case MM_SLA_TIME_ON_DAY:
		if ((rc = mm_cal_add_business_days(cal, day, r->days, &to, err)) == MM_OK)
			t = mm_cal_instant(to, r->at_min * 60);
		break;
	case MM_SLA_BUSINESS_MINUTES:
		rc = mm_cal_add_business_seconds(cal, start, 60 * (int64_t)r->minutes, &t, err);
		break;
	case MM_SLA_WITHIN_DAYS:
		if ((rc = mm_cal_add_business_days(cal, day, r->days, &to, err)) == MM_OK)
			t = mm_cal_close_at(cal, to);
		break;
	default:
		return mm_err_set(err, MM_EINVAL, "class %s: rule has no kind", r->cls);
	}
	if (rc)
		return mm_err_prefix(err, "class %s", r->cls);
	if (!mm_cal_day_in_range(mm_cal_day_of(t)))
		return mm_err_set(err, MM_EINVAL, "class %s: due time falls after %d-12-31", r->cls,
				  MM_CAL_YEAR_MAX);
	*due = t;
	return MM_OK;
}

int mm_sla_due(const mm_contract *c, const char *cls, int64_t start, int64_t *due, mm_err *err)
{
	const mm_sla_rule *r = mm_sla_rule_find(c, cls);
	if (!r)
		return unknown_class(c, cls, err);
	return rule_due(c, r, start, due, err);
}

int mm_sla_status_of(const mm_contract *c, const char *cls, int64_t start, const int64_t *done,
		     int64_t now, mm_sla_status *st, mm_err *err)
{
	const mm_sla_rule *r = mm_sla_rule_find(c, cls);
	if (!r)
		return unknown_class(c, cls, err);
	int64_t due;
	int rc = rule_due(c, r, start, &due, err);
	if (rc)
		return rc;
	int64_t at = done ? *done : now;
	st->due = due;
	if (__builtin_sub_overflow(due, at, &st->remaining)) /* only for absurd instants */
		st->remaining = at > due ? INT64_MIN : INT64_MAX;
	if (done)
		st->state = at <= due ? MM_SLA_MET : MM_SLA_MISSED;
	else
		st->state = at <= due ? MM_SLA_PENDING : MM_SLA_MISSED;
	st->reason_required = st->state == MM_SLA_MISSED && r->reason_required;
	return MM_OK;
}
