/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A municipality's business calendar: the national holidays, weekends, the
 * year-end closure and a contract's extra closed days folded into one
 * bitmap at init, then business-day stepping and business-hours arithmetic
 * over it. Reasons are worked out again only when a caller asks why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "base/banned.h"

static mm_day first_day(void)
{
	return mm_cal_day_from_ymd(MM_CAL_YEAR_MIN, 1, 1);
}

static mm_day last_day(void)
{
	return mm_cal_day_from_ymd(MM_CAL_YEAR_MAX, 12, 31);
}

static void set_closed(mm_cal *cal, mm_day day)
{
	size_t i = (size_t)(day - first_day());
	cal->closed_bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool is_closed(const mm_cal *cal, mm_day day)
{
	size_t i = (size_t)(day - first_day());
	return cal->closed_bits[i / 8] & (1u << (i % 8));
}

static bool in_year_end(const mm_cal_config *cfg, int m, int d)
{
	if (!cfg->year_end)
		return false;
	int md = m * 100 + d, from = cfg->ye_from_m * 100 + cfg->ye_from_d,
	    to = cfg->ye_to_m * 100 + cfg->ye_to_d;
	return from <= to ? (md >= from && md <= to) : (md >= from || md <= to);
}

void mm_cal_config_default(mm_cal_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->open_min = 8 * 60 + 45;
	cfg->close_min = 17 * 60 + 15;
	cfg->year_end = true;
	cfg->ye_from_m = 12;
	cfg->ye_from_d = 29;
	cfg->ye_to_m = 1;
	cfg->ye_to_d = 3;
}

int mm_cal_init(mm_cal *cal, const mm_cal_config *cfg, mm_err *err)
{
	if (cfg->open_min < 0 || cfg->close_min > 24 * 60 || cfg->open_min >= cfg->close_min)
		return mm_err_set(err, MM_EINVAL, "office hours must open before they close, within 00:00–24:00");
	/* 2000 is a leap year, so a closure may name 02-29 */
	if (cfg->year_end && (!mm_cal_ymd_valid(2000, cfg->ye_from_m, cfg->ye_from_d) ||
			      !mm_cal_ymd_valid(2000, cfg->ye_to_m, cfg->ye_to_d)))
		return mm_err_set(err, MM_EINVAL, "year-end closure names a day that does not exist");
	if (cfg->nclosed > MM_CAL_CLOSED_MAX)
		return mm_err_set(err, MM_ELIMIT, "more than %d closed days", MM_CAL_CLOSED_MAX);
	for (size_t i = 0; i < cfg->nclosed; i++)
		if (!mm_cal_day_in_range(cfg->closed[i].day))
			return mm_err_set(err, MM_EINVAL, "closed day %zu is outside %d–%d", i + 1,
					  MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);

	memcpy(&cal->cfg, cfg, sizeof *cfg);
	memset(cal->closed_bits, 0, sizeof cal->closed_bits);
	mm_day day = first_day();
	for (int y = MM_CAL_YEAR_MIN; y <= MM_CAL_YEAR_MAX; y++) {
		mm_holiday h[MM_CAL_HOLIDAYS_MAX];
		size_t n = 0;
		if (mm_cal_holidays(y, h, &n, err) != MM_OK)
			return err ? err->code : MM_EINVAL;
		for (size_t i = 0; i < n; i++)
			set_closed(cal, h[i].day);
		for (int m = 1; m <= 12; m++) {
			int len = mm_cal_month_days(y, m);
			for (int d = 1; d <= len; d++, day++) {
				int w = mm_cal_weekday(day);
				if (w == 0 || w == 6 || in_year_end(cfg, m, d))
					set_closed(cal, day);
			}
		}
	}
	for (size_t i = 0; i < cfg->nclosed; i++)
		set_closed(cal, cfg->closed[i].day);
	return MM_OK;
}

static void explain(const mm_cal *cal, mm_day day, mm_cal_why *why)
{
	mm_holiday h;
	int y, m, d;
	*why = (mm_cal_why){MM_CAL_BUSINESS, NULL, NULL};
	if (mm_cal_holiday(day, &h)) {
		*why = (mm_cal_why){MM_CAL_HOLIDAY, h.name, h.name_en};
		return;
	}
	mm_cal_ymd(day, &y, &m, &d);
	if (in_year_end(&cal->cfg, m, d)) {
		why->kind = MM_CAL_YEAR_END;
		return;
	}
	for (size_t i = 0; i < cal->cfg.nclosed; i++)
		if (cal->cfg.closed[i].day == day) {
			why->kind = MM_CAL_CLOSED;
			why->name = cal->cfg.closed[i].name;
			return;
		}
	why->kind = mm_cal_weekday(day) == 6 ? MM_CAL_SATURDAY : MM_CAL_SUNDAY;
}

bool mm_cal_is_business_day(const mm_cal *cal, mm_day day, mm_cal_why *why)
{
	if (!mm_cal_day_in_range(day)) {
		if (why)
			*why = (mm_cal_why){MM_CAL_OUT_OF_RANGE, NULL, NULL};
		return false;
	}
	if (!is_closed(cal, day)) {
		if (why)
			*why = (mm_cal_why){MM_CAL_BUSINESS, NULL, NULL};
		return true;
	}
	if (why)
		explain(cal, day, why);
	return false;
}

void mm_cal_why_text(const mm_cal_why *why, mm_cal_lang lang, char *out, size_t outlen)
{
	bool ja = lang == MM_CAL_JA;
	switch (why->kind) {
	case MM_CAL_BUSINESS:
		snprintf(out, outlen, "%s", ja ? "開庁日" : "business day");
		break;
	case MM_CAL_OUT_OF_RANGE:
		snprintf(out, outlen, ja ? "対象範囲外 (%d–%d年)" : "outside %d–%d", MM_CAL_YEAR_MIN,
			 MM_CAL_YEAR_MAX);
		break;
	case MM_CAL_HOLIDAY:
		if (ja)
			snprintf(out, outlen, "%s", why->name);
		else
			snprintf(out, outlen, "national holiday: %s (%s)", why->name_en, why->name);
		break;
	case MM_CAL_YEAR_END:
		snprintf(out, outlen, "%s", ja ? "年末年始の休庁日" : "year-end closure");
		break;
	case MM_CAL_CLOSED:
		snprintf(out, outlen, ja ? "休庁日: %s" : "closed: %s", why->name ? why->name : "");
		break;
	case MM_CAL_SATURDAY:
		snprintf(out, outlen, "%s", ja ? "土曜日" : "Saturday");
		break;
	case MM_CAL_SUNDAY:
		snprintf(out, outlen, "%s", ja ? "日曜日" : "Sunday");
		break;
	}
}

const char *mm_cal_why_key(mm_cal_why_kind kind)
{
	switch (kind) {
	case MM_CAL_BUSINESS: return "business_day";
	case MM_CAL_OUT_OF_RANGE: return "out_of_range";
	case MM_CAL_HOLIDAY: return "holiday";
	case MM_CAL_YEAR_END: return "year_end_closure";
	case MM_CAL_CLOSED: return "closed_day";
	case MM_CAL_SATURDAY: return "saturday";
	case MM_CAL_SUNDAY: return "sunday";
	}
	return "unknown";
}

static int step(const mm_cal *cal, mm_day day, int dir, mm_day *out, mm_err *err)
{
	if (!mm_cal_day_in_range(day))
		return mm_err_set(err, MM_EINVAL, "date is outside %d–%d", MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
	for (mm_day d = day + dir; d >= first_day() && d <= last_day(); d += dir)
		if (!is_closed(cal, d)) {
			*out = d;
			return MM_OK;
		}
	return mm_err_set(err, MM_EINVAL, "no business day %s it within %d–%d", dir > 0 ? "after" : "before",
			  MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
}

int mm_cal_next_business_day(const mm_cal *cal, mm_day day, mm_day *out, mm_err *err)
{
	return step(cal, day, 1, out, err);
}

int mm_cal_prev_business_day(const mm_cal *cal, mm_day day, mm_day *out, mm_err *err)
{
	return step(cal, day, -1, out, err);
}

int mm_cal_add_business_days(const mm_cal *cal, mm_day day, int n, mm_day *out, mm_err *err)
{
	if (!mm_cal_day_in_range(day))
		return mm_err_set(err, MM_EINVAL, "date is outside %d–%d", MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
	if (n == 0) {
		if (!is_closed(cal, day)) {
			*out = day;
			return MM_OK;
		}
		return step(cal, day, 1, out, err);
	}
	int dir = n > 0 ? 1 : -1;
	/* |n| beyond the range's length can only fail: stop before looping that long */
	if (n > MM_CAL_DAYS || n < -MM_CAL_DAYS)
		return mm_err_set(err, MM_EINVAL, "%d business days leave %d–%d", n, MM_CAL_YEAR_MIN,
				  MM_CAL_YEAR_MAX);
	for (int left = n > 0 ? n : -n; left > 0; left--) {
		int rc = step(cal, day, dir, &day, err);
		if (rc)
			return rc;
	}
	*out = day;
	return MM_OK;
}

int64_t mm_cal_open_at(const mm_cal *cal, mm_day day)
{
	return mm_cal_instant(day, cal->cfg.open_min * 60);
}

int64_t mm_cal_close_at(const mm_cal *cal, mm_day day)
{
	return mm_cal_instant(day, cal->cfg.close_min * 60);
}

bool mm_cal_in_business_hours(const mm_cal *cal, int64_t t)
{
	mm_day day = mm_cal_day_of(t);
	return mm_cal_is_business_day(cal, day, NULL) && t >= mm_cal_open_at(cal, day) &&
	       t < mm_cal_close_at(cal, day);
}

static bool instant_in_range(int64_t t)
{
	return mm_cal_day_in_range(mm_cal_day_of(t));
}

int mm_cal_business_seconds(const mm_cal *cal, int64_t a, int64_t b, int64_t *out, mm_err *err)
{
	if (!instant_in_range(a) || !instant_in_range(b))
		return mm_err_set(err, MM_EINVAL, "instant is outside %d–%d", MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
	int64_t sign = 1;
	if (b < a) {
		int64_t t = a;
		a = b;
		b = t;
		sign = -1;
	}
	int64_t total = 0;
	for (mm_day day = mm_cal_day_of(a); day <= mm_cal_day_of(b); day++) {
		if (is_closed(cal, day))
			continue;
		int64_t lo = mm_cal_open_at(cal, day), hi = mm_cal_close_at(cal, day);
		if (lo < a)
			lo = a;
		if (hi > b)
			hi = b;
		if (hi > lo)
			total += hi - lo;
	}
	*out = sign * total;
	return MM_OK;
}

int mm_cal_add_business_seconds(const mm_cal *cal, int64_t t, int64_t secs, int64_t *out, mm_err *err)
{
	if (!instant_in_range(t))
		return mm_err_set(err, MM_EINVAL, "instant is outside %d–%d", MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
	if (secs < 0)
		return mm_err_set(err, MM_EINVAL, "business time to add is negative");
	for (mm_day day = mm_cal_day_of(t); day <= last_day(); day++) {
		if (is_closed(cal, day))
			continue;
		int64_t lo = mm_cal_open_at(cal, day), hi = mm_cal_close_at(cal, day);
		if (lo < t)
			lo = t;
		if (lo > hi)
			continue;
		if (secs <= hi - lo) {
			*out = lo + secs;
			return MM_OK;
		}
		secs -= hi - lo;
	}
	return mm_err_set(err, MM_EINVAL, "not enough business time left before %d-12-31", MM_CAL_YEAR_MAX);
}

mm_cal_lang mm_cal_lang_from_env(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "ja", 2) == 0 ? MM_CAL_JA : MM_CAL_EN;
	}
	return MM_CAL_JA;
}
