/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cal: the Japanese business calendar every deadline is measured in — the
 * national holidays computed from the holiday law (国民の祝日に関する法律 and
 * the special laws) for 1973–2099, municipal closures, office hours, and
 * instants in Asia/Tokyo (UTC+09:00, no DST in the range; the machine's TZ
 * is never consulted). Dates are day numbers, instants are Unix seconds.
 * See docs/calendar.md for the law as computed here.
 */
#ifndef MM_CAL_H
#define MM_CAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_base.h"

/* Supported range: every date and instant (in Asia/Tokyo) must lie in it. */
#define MM_CAL_YEAR_MIN 1973
#define MM_CAL_YEAR_MAX 2099
#define MM_CAL_TOKYO_OFFSET_S (9 * 3600)
/* Days in 1973-01-01 … 2099-12-31 (127 years, 31 of them leap). */
#define MM_CAL_DAYS 46386

/* A civil date as days since 1970-01-01 (0 = Thursday 1970-01-01). */
typedef int32_t mm_day;

/* ---- dates and instants ---- */

/* True if y-m-d is a real Gregorian date (any year 1..9999). */
bool mm_cal_ymd_valid(int y, int m, int d);
/* Days in month m (1–12) of year y. */
int mm_cal_month_days(int y, int m);
/* Day number of y-m-d (need not be in range; y-m-d must be valid). */
mm_day mm_cal_day_from_ymd(int y, int m, int d);
void mm_cal_ymd(mm_day day, int *y, int *m, int *d);
/* 0 = Sunday … 6 = Saturday. */
int mm_cal_weekday(mm_day day);
/* True if day lies in 1973-01-01 … 2099-12-31. */
bool mm_cal_day_in_range(mm_day day);

/* The Asia/Tokyo date of instant t, and the seconds since that midnight. */
mm_day mm_cal_day_of(int64_t t);
int mm_cal_second_of_day(int64_t t);
/* The instant of Asia/Tokyo wall time day + sec seconds (sec may be 86400). */
int64_t mm_cal_instant(mm_day day, int sec);

/*
 * Parse a date "YYYY-MM-DD" (exactly that) in the supported range. Errors
 * (MM_EINVAL) quote the input and say what is wrong (e.g. "2026-02-30: day
 * 30 does not exist in 2026-02").
 */
int mm_cal_parse_date(const char *s, mm_day *out, mm_err *err) MM_MUST_USE;
/*
 * Parse an ISO-8601 / RFC 3339 date-time with a required UTC offset:
 * date YYYY-MM-DD or YYYYMMDD, 'T' (or 't' or one space), time HH:MM,
 * HH:MM:SS, HHMM or HHMMSS with an optional fraction (.s or ,s, up to 9
 * digits, dropped: resolution is one second), then Z, ±HH:MM, ±HHMM or
 * ±HH. The instant's Asia/Tokyo date must be in the supported range.
 * At most MM_ISO8601_MAX bytes. *out gets Unix seconds.
 */
int mm_cal_parse_instant(const char *s, int64_t *out, mm_err *err) MM_MUST_USE;
/* "YYYY-MM-DD" (out >= 11 bytes). */
void mm_cal_format_date(mm_day day, char *out, size_t outlen);
/* "YYYY-MM-DDTHH:MM:SS+09:00" in Asia/Tokyo (out >= 26 bytes). */
void mm_cal_format_instant(int64_t t, char *out, size_t outlen);

/* ---- national holidays ---- */

typedef struct mm_holiday {
	mm_day day;
	const char *name;    /* Japanese name, static */
	const char *name_en; /* English name, static */
} mm_holiday;

/*
 * Every national holiday of year (1973–2099) in date order — 国民の祝日,
 * 振替休日, 国民の休日 and the days of the special laws — into out;
 * *n gets the count. MM_EINVAL if year is out of range.
 */
int mm_cal_holidays(int year, mm_holiday out[MM_CAL_HOLIDAYS_MAX], size_t *n,
		    mm_err *err) MM_MUST_USE;
/* True if day (in range) is a national holiday; out (may be NULL) gets it. */
bool mm_cal_holiday(mm_day day, mm_holiday *out);

/* ---- a municipality's calendar ---- */

typedef struct mm_cal_closed {
	mm_day day;
	char name[MM_CAL_NAME_MAX];
} mm_cal_closed;

/* What makes a calendar; mm_cal_config_default gives 002's. */
typedef struct mm_cal_config {
	int open_min, close_min;     /* office hours [open, close) in minutes after midnight */
	bool year_end;               /* closure from (ye_from_m, ye_from_d) to (ye_to_m, ye_to_d) */
	int ye_from_m, ye_from_d, ye_to_m, ye_to_d; /* may wrap the new year */
	size_t nclosed;              /* extra closed days (any order, within the range) */
	mm_cal_closed closed[MM_CAL_CLOSED_MAX];
} mm_cal_config;

/* Office hours 08:45–17:15, closure 12/29–1/3, no extra closed days. */
void mm_cal_config_default(mm_cal_config *cfg);

/*
 * A calendar: immutable after mm_cal_init, so it may be shared between
 * threads. It holds a bitmap of every non-business day of the range, so
 * queries need no holiday computation. No pointers inside: copy freely.
 */
typedef struct mm_cal {
	mm_cal_config cfg;
	uint8_t closed_bits[(MM_CAL_DAYS + 7) / 8];
} mm_cal;

/* Check cfg (hours, closure dates, closed days) and build cal from it. */
int mm_cal_init(mm_cal *cal, const mm_cal_config *cfg, mm_err *err) MM_MUST_USE;

/* Why a day is not a business day (the first that applies, in this order). */
typedef enum mm_cal_why_kind {
	MM_CAL_BUSINESS = 0,
	MM_CAL_OUT_OF_RANGE,
	MM_CAL_HOLIDAY,     /* name: the holiday's */
	MM_CAL_YEAR_END,    /* 年末年始 */
	MM_CAL_CLOSED,      /* name: the contract's */
	MM_CAL_SATURDAY,
	MM_CAL_SUNDAY,
} mm_cal_why_kind;

typedef struct mm_cal_why {
	mm_cal_why_kind kind;
	const char *name;    /* holiday or closed-day name, or NULL; valid while cal lives */
	const char *name_en; /* English holiday name, or NULL */
} mm_cal_why;

typedef enum mm_cal_lang { MM_CAL_JA = 0, MM_CAL_EN } mm_cal_lang;

/*
 * True if day is a business day (平日/開庁日): in range, not Saturday,
 * Sunday, a national holiday, the year-end closure or an extra closed day.
 * why (may be NULL) says which rule made it not one.
 */
bool mm_cal_is_business_day(const mm_cal *cal, mm_day day, mm_cal_why *why);
/* "土曜日" / "Saturday", "祝日: 元日" / "national holiday: 元日 (New Year's Day)", … */
void mm_cal_why_text(const mm_cal_why *why, mm_cal_lang lang, char *out, size_t outlen);
/* Stable ASCII key of a reason ("saturday", "holiday", …) for JSON output. */
const char *mm_cal_why_key(mm_cal_why_kind kind);

/*
 * The first business day strictly after / before day. MM_EINVAL when there
 * is none inside the supported range.
 */
int mm_cal_next_business_day(const mm_cal *cal, mm_day day, mm_day *out, mm_err *err) MM_MUST_USE;
int mm_cal_prev_business_day(const mm_cal *cal, mm_day day, mm_day *out, mm_err *err) MM_MUST_USE;
/*
 * n > 0: the nth business day after day (day itself not counted, as a
 * deadline of "n 開庁日" counts); n < 0: the |n|th before; n == 0: day if
 * it is a business day, else the next one.
 */
int mm_cal_add_business_days(const mm_cal *cal, mm_day day, int n, mm_day *out,
			     mm_err *err) MM_MUST_USE;

/* Start and end instants of day's office hours (whether or not it is a business day). */
int64_t mm_cal_open_at(const mm_cal *cal, mm_day day);
int64_t mm_cal_close_at(const mm_cal *cal, mm_day day);
/* True if t is on a business day within [open, close). */
bool mm_cal_in_business_hours(const mm_cal *cal, int64_t t);
/*
 * Seconds of business hours in [a, b) (negative if b < a); divide by 60
 * for business minutes. Both instants must be in range.
 */
int mm_cal_business_seconds(const mm_cal *cal, int64_t a, int64_t b, int64_t *out,
			    mm_err *err) MM_MUST_USE;
/*
 * The instant at which secs (>= 0) seconds of business hours have passed
 * since t: a start outside hours counts from the next opening; a result
 * landing exactly on a closing time stays there.
 */
int mm_cal_add_business_seconds(const mm_cal *cal, int64_t t, int64_t secs, int64_t *out,
				mm_err *err) MM_MUST_USE;

/* Output language from the locale: LC_ALL, LC_MESSAGES, LANG — the first set; "ja…" → Japanese. */
mm_cal_lang mm_cal_lang_from_env(void);

#endif
