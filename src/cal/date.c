/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Civil dates as day numbers, Asia/Tokyo instants, and the strict parsers
 * and formatters for YYYY-MM-DD and ISO-8601 date-times. Pure arithmetic:
 * no libc time zone machinery, so the machine's TZ never matters.
 */
#include <stdio.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "base/banned.h"

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mm_cal_month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool mm_cal_ymd_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= mm_cal_month_days(y, m);
}

/*
 * Counting years from March makes February's leap day the last day of the
 * counted year, so month lengths before it never depend on leap years; 400
 * Gregorian years are exactly 146097 days.
 */
mm_day mm_cal_day_from_ymd(int y, int m, int d)
{
	int ym = m <= 2 ? y - 1 : y;
	int cycle = (ym >= 0 ? ym : ym - 399) / 400;
	int yc = ym - cycle * 400;                  /* year within the cycle, 0..399 */
	int mar = (m + 9) % 12;                     /* March = 0 … February = 11 */
	int doy = (153 * mar + 2) / 5 + d - 1;      /* day of the March-based year */
	int doc = yc * 365 + yc / 4 - yc / 100 + doy; /* day of the cycle */
	return (mm_day)(cycle * 146097 + doc - 719468); /* 719468: 0000-03-01 → 1970-01-01 */
}

void mm_cal_ymd(mm_day day, int *y, int *m, int *d)
{
	int64_t z = (int64_t)day + 719468; /* 64-bit: any mm_day converts without overflow */
	int64_t cycle = (z >= 0 ? z : z - 146096) / 146097;
	int doc = (int)(z - cycle * 146097);
	int yc = (doc - doc / 1460 + doc / 36524 - doc / 146096) / 365;
	int doy = doc - (365 * yc + yc / 4 - yc / 100);
	int mar = (5 * doy + 2) / 153;
	*d = doy - (153 * mar + 2) / 5 + 1;
	*m = mar < 10 ? mar + 3 : mar - 9;
	*y = (int)(yc + cycle * 400 + (*m <= 2));
}

int mm_cal_weekday(mm_day day)
{
	int w = (int)((day + 4) % 7); /* 1970-01-01 was a Thursday */
	return w < 0 ? w + 7 : w;
}

bool mm_cal_day_in_range(mm_day day)
{
	return day >= mm_cal_day_from_ymd(MM_CAL_YEAR_MIN, 1, 1) &&
	       day <= mm_cal_day_from_ymd(MM_CAL_YEAR_MAX, 12, 31);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * Instants beyond ±10^13 s (300,000 years) are clamped first: every answer
 * about them is "out of range", and the arithmetic below cannot overflow.
 */
static int64_t tokyo_local(int64_t t)
{
	const int64_t lim = 10000000000000;
	return (t > lim ? lim : t < -lim ? -lim : t) + MM_CAL_TOKYO_OFFSET_S;
}

mm_day mm_cal_day_of(int64_t t)
{
	return (mm_day)floor_div(tokyo_local(t), 86400);
}

int mm_cal_second_of_day(int64_t t)
{
	int64_t local = tokyo_local(t);
	return (int)(local - floor_div(local, 86400) * 86400);
}

int64_t mm_cal_instant(mm_day day, int sec)
{
	return (int64_t)day * 86400 + sec - MM_CAL_TOKYO_OFFSET_S;
}

void mm_cal_format_date(mm_day day, char *out, size_t outlen)
{
	int y, m, d;
	mm_cal_ymd(day, &y, &m, &d);
	snprintf(out, outlen, "%04d-%02d-%02d", y, m, d);
}

void mm_cal_format_instant(int64_t t, char *out, size_t outlen)
{
	int y, m, d, s = mm_cal_second_of_day(t);
	mm_cal_ymd(mm_cal_day_of(t), &y, &m, &d);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", y, m, d, s / 3600, s / 60 % 60,
		 s % 60);
}

/* ---- parsing ---- */

typedef struct scan {
	const char *s;
	size_t pos;
	size_t len;
} scan;

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read exactly n digits; false (pos unchanged) if they are not there. */
static bool digits(scan *sc, size_t n, int *out)
{
	if (sc->len - sc->pos < n)
		return false;
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		char c = sc->s[sc->pos + i];
		if (!is_digit(c))
			return false;
		v = v * 10 + (c - '0');
	}
	sc->pos += n;
	*out = v;
	return true;
}

static char peek(const scan *sc)
{
	return sc->pos < sc->len ? sc->s[sc->pos] : '\0';
}

/* Printable ASCII only, bounded: the input is then safe to quote in messages. */
static int check_text(const char *s, const char *what, size_t *len, mm_err *err)
{
	size_t n = strnlen(s, MM_ISO8601_MAX + 1);
	if (n > MM_ISO8601_MAX)
		return mm_err_set(err, MM_EINVAL, "%s is longer than %d bytes", what, MM_ISO8601_MAX);
	if (n == 0)
		return mm_err_set(err, MM_EINVAL, "%s is empty", what);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return mm_err_set(err, MM_EINVAL, "%s has a byte that is not printable ASCII at position %zu",
					  what, i + 1);
	*len = n;
	return MM_OK;
}

static int unexpected(const scan *sc, const char *what, const char *wanted, mm_err *err)
{
	if (sc->pos >= sc->len)
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": ends where %s should be", what, sc->s, wanted);
	return mm_err_set(err, MM_EINVAL, "%s \"%s\": '%c' at position %zu where %s should be", what, sc->s,
			  sc->s[sc->pos], sc->pos + 1, wanted);
}

static int check_ymd(const char *what, const char *s, int y, int m, int d, mm_err *err)
{
	if (m < 1 || m > 12)
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": month %02d does not exist", what, s, m);
	if (y < 1 || d < 1 || d > mm_cal_month_days(y, m))
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": day %02d does not exist in %04d-%02d", what, s, d,
				  y, m);
	return MM_OK;
}

static int out_of_range(const char *what, const char *s, mm_err *err)
{
	return mm_err_set(err, MM_EINVAL,
			  "%s \"%s\": outside the supported range %d-01-01 … %d-12-31 (Asia/Tokyo)", what, s,
			  MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
}

int mm_cal_parse_date(const char *s, mm_day *out, mm_err *err)
{
	static const char what[] = "date";
	size_t len;
	int rc = check_text(s, what, &len, err);
	if (rc)
		return rc;
	scan sc = {s, 0, len};
	int y, m, d;
	if (!digits(&sc, 4, &y))
		return unexpected(&sc, what, "a 4-digit year (YYYY-MM-DD)", err);
	if (peek(&sc) != '-')
		return unexpected(&sc, what, "'-' (YYYY-MM-DD)", err);
	sc.pos++;
	if (!digits(&sc, 2, &m))
		return unexpected(&sc, what, "a 2-digit month (YYYY-MM-DD)", err);
	if (peek(&sc) != '-')
		return unexpected(&sc, what, "'-' (YYYY-MM-DD)", err);
	sc.pos++;
	if (!digits(&sc, 2, &d))
		return unexpected(&sc, what, "a 2-digit day (YYYY-MM-DD)", err);
	if (sc.pos != sc.len)
		return unexpected(&sc, what, "the end (YYYY-MM-DD)", err);
	if ((rc = check_ymd(what, s, y, m, d, err)))
		return rc;
	if (y < MM_CAL_YEAR_MIN || y > MM_CAL_YEAR_MAX)
		return out_of_range(what, s, err);
	*out = mm_cal_day_from_ymd(y, m, d);
	return MM_OK;
}

int mm_cal_parse_instant(const char *s, int64_t *out, mm_err *err)
{
	static const char what[] = "date-time";
	size_t len;
	int rc = check_text(s, what, &len, err);
	if (rc)
		return rc;
	scan sc = {s, 0, len};
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0, sign = 1;

	/* date: YYYY-MM-DD or YYYYMMDD */
	if (!digits(&sc, 4, &y))
		return unexpected(&sc, what, "a 4-digit year", err);
	bool ext = peek(&sc) == '-';
	if (ext)
		sc.pos++;
	if (!digits(&sc, 2, &mo))
		return unexpected(&sc, what, "a 2-digit month", err);
	if (ext && peek(&sc) != '-')
		return unexpected(&sc, what, "'-'", err);
	if (ext)
		sc.pos++;
	if (!digits(&sc, 2, &d))
		return unexpected(&sc, what, "a 2-digit day", err);
	if (sc.pos == sc.len)
		return mm_err_set(err, MM_EINVAL,
				  "%s \"%s\": has no time of day (write e.g. %.10sT09:30:00+09:00)", what, s, s);
	char c = peek(&sc);
	if (c != 'T' && c != 't' && c != ' ')
		return unexpected(&sc, what, "'T' before the time", err);
	sc.pos++;

	/* time: HH:MM[:SS] or HHMM[SS], optional fraction */
	if (!digits(&sc, 2, &h))
		return unexpected(&sc, what, "a 2-digit hour", err);
	bool text = peek(&sc) == ':';
	if (text)
		sc.pos++;
	if (!digits(&sc, 2, &mi))
		return unexpected(&sc, what, "2-digit minutes", err);
	if (text ? peek(&sc) == ':' : is_digit(peek(&sc))) {
		if (text)
			sc.pos++;
		if (!digits(&sc, 2, &sec))
			return unexpected(&sc, what, "2-digit seconds", err);
	}
	if (peek(&sc) == '.' || peek(&sc) == ',') {
		sc.pos++;
		size_t n = 0;
		while (is_digit(peek(&sc)) && n < 9) {
			sc.pos++;
			n++;
		}
		if (n == 0)
			return unexpected(&sc, what, "fraction digits", err);
	}

	/* offset: Z, ±HH:MM, ±HHMM or ±HH — required */
	c = peek(&sc);
	if (sc.pos == sc.len)
		return mm_err_set(err, MM_EINVAL,
				  "%s \"%s\": has no UTC offset (add Z, +09:00 or another offset)", what, s);
	if (c == 'Z' || c == 'z') {
		sc.pos++;
	} else if (c == '+' || c == '-') {
		sign = c == '-' ? -1 : 1;
		sc.pos++;
		if (!digits(&sc, 2, &oh))
			return unexpected(&sc, what, "a 2-digit offset hour", err);
		if (peek(&sc) == ':') {
			sc.pos++;
			if (!digits(&sc, 2, &om))
				return unexpected(&sc, what, "2-digit offset minutes", err);
		} else if (is_digit(peek(&sc)) && !digits(&sc, 2, &om)) {
			return unexpected(&sc, what, "2-digit offset minutes", err);
		}
	} else {
		return unexpected(&sc, what, "a UTC offset (Z, +09:00, -0500)", err);
	}
	if (sc.pos != sc.len)
		return unexpected(&sc, what, "the end", err);

	if ((rc = check_ymd(what, s, y, mo, d, err)))
		return rc;
	if (h > 23)
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": hour %02d does not exist (00–23)", what, s, h);
	if (mi > 59)
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": minute %02d does not exist (00–59)", what, s, mi);
	if (sec > 59)
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": second %02d is not supported (00–59)", what, s,
				  sec);
	if (oh > 23 || om > 59)
		return mm_err_set(err, MM_EINVAL, "%s \"%s\": offset %02d:%02d is not a UTC offset", what, s, oh,
				  om);
	/* years far outside the range are refused before any arithmetic */
	if (y < MM_CAL_YEAR_MIN - 1 || y > MM_CAL_YEAR_MAX + 1)
		return out_of_range(what, s, err);
	int64_t t = (int64_t)mm_cal_day_from_ymd(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
		    sign * (oh * 3600 + om * 60);
	if (!mm_cal_day_in_range(mm_cal_day_of(t)))
		return out_of_range(what, s, err);
	*out = t;
	return MM_OK;
}
