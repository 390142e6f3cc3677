/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The national holidays of Japan, computed from the law for 1973–2099:
 * 国民の祝日に関する法律 (昭和23年法律第178号) with every amendment that
 * changed a date in the range, the special laws that made single days
 * holidays, and the 2020/2021 Olympic moves (平成30年法律第55号, 令和2年
 * 法律第68号). docs/calendar.md walks through each rule and its period.
 */
#include <string.h>

#include "cal/mm_cal.h"
#include "base/banned.h"

enum hid {
	H_GANJITSU,
	H_SEIJIN,
	H_KENKOKU,
	H_TENNO,
	H_SHUNBUN,
	H_SHOWA,
	H_MIDORI,
	H_KENPO,
	H_KODOMO,
	H_UMI,
	H_YAMA,
	H_KEIRO,
	H_SHUBUN,
	H_TAIIKU,
	H_SPORTS,
	H_BUNKA,
	H_KINRO,
	H_TAISO,
	H_SOKUIREI,
	H_KEKKON,
	H_SOKUI,
	H_FURIKAE,
	H_KOKUMIN,
	H_COUNT_
};

static const char *const names[H_COUNT_][2] = {
	[H_GANJITSU] = {"元日", "New Year's Day"},
	[H_SEIJIN] = {"成人の日", "Coming of Age Day"},
	[H_KENKOKU] = {"建国記念の日", "National Foundation Day"},
	[H_TENNO] = {"天皇誕生日", "The Emperor's Birthday"},
	[H_SHUNBUN] = {"春分の日", "Vernal Equinox Day"},
	[H_SHOWA] = {"昭和の日", "Showa Day"},
	[H_MIDORI] = {"みどりの日", "Greenery Day"},
	[H_KENPO] = {"憲法記念日", "Constitution Memorial Day"},
	[H_KODOMO] = {"こどもの日", "Children's Day"},
	[H_UMI] = {"海の日", "Marine Day"},
	[H_YAMA] = {"山の日", "Mountain Day"},
	[H_KEIRO] = {"敬老の日", "Respect for the Aged Day"},
	[H_SHUBUN] = {"秋分の日", "Autumnal Equinox Day"},
	[H_TAIIKU] = {"体育の日", "Health and Sports Day"},
	[H_SPORTS] = {"スポーツの日", "Sports Day"},
	[H_BUNKA] = {"文化の日", "Culture Day"},
	[H_KINRO] = {"勤労感謝の日", "Labor Thanksgiving Day"},
	[H_TAISO] = {"昭和天皇の大喪の礼", "State Funeral of Emperor Showa"},
	[H_SOKUIREI] = {"即位礼正殿の儀", "Enthronement Ceremony"},
	[H_KEKKON] = {"皇太子徳仁親王の結婚の儀", "Wedding of Crown Prince Naruhito"},
	[H_SOKUI] = {"天皇の即位の日", "Enthronement Day"},
	[H_FURIKAE] = {"振替休日", "Substitute Holiday"},
	[H_KOKUMIN] = {"国民の休日", "Citizens' Holiday"},
};

/* One holiday while a year is assembled. */
struct hol {
	mm_day day;
	enum hid id;
	bool shukujitsu; /* a 国民の祝日, or deemed one for 第3条2項・3項 */
};

struct year {
	struct hol h[MM_CAL_HOLIDAYS_MAX];
	size_t n;
};

static void add(struct year *yr, mm_day day, enum hid id, bool shukujitsu)
{
	/* keep date order (insertion sort; a year has about twenty) */
	if (yr->n >= MM_CAL_HOLIDAYS_MAX)
		return; /* unreachable: a year has at most 22 */
	size_t i = yr->n;
	while (i > 0 && yr->h[i - 1].day > day) {
		yr->h[i] = yr->h[i - 1];
		i--;
	}
	yr->h[i] = (struct hol){day, id, shukujitsu};
	yr->n++;
}

static const struct hol *find(const struct year *yr, mm_day day)
{
	for (size_t i = 0; i < yr->n; i++)
		if (yr->h[i].day == day)
			return &yr->h[i];
	return NULL;
}

static bool is_shukujitsu(const struct year *yr, mm_day day)
{
	const struct hol *h = find(yr, day);
	return h && h->shukujitsu;
}

/* The nth Monday of month m (Happy Monday system, 平成10年・13年改正). */
static mm_day nth_monday(int y, int m, int nth)
{
	mm_day first = mm_cal_day_from_ymd(y, m, 1);
	int w = mm_cal_weekday(first);
	int to_monday = (8 - w) % 7;
	return first + to_monday + 7 * (nth - 1);
}

/*
 * 春分日 and 秋分日 are fixed each February by the Cabinet from the
 * National Astronomical Observatory's ephemeris; for planning, the standard
 * approximation (mean tropical year 0.242194 days of drift per year from
 * the 1980 epoch, minus a day per leap year) gives the same days for the
 * whole range. Written in millionths of a day so it is exact integer math.
 * Before 1980 the epoch constants differ and the leap count is anchored on
 * 1983 (C division truncates toward zero, as the formula intends).
 */
static int equinox_day(int y, bool vernal)
{
	long base, leaps;
	if (y >= 1980) {
		base = vernal ? 20843100 : 23248800;
		leaps = (y - 1980) / 4;
	} else {
		base = vernal ? 20835700 : 23258800;
		leaps = (y - 1983) / 4;
	}
	return (int)((base + 242194L * (y - 1980)) / 1000000 - leaps);
}

/* 第2条: the 国民の祝日 of year y, as the law stood on each date. */
static void shukujitsu(struct year *yr, int y)
{
	mm_day (*ymd)(int, int, int) = mm_cal_day_from_ymd;

	add(yr, ymd(y, 1, 1), H_GANJITSU, true);
	/* 成人の日: 1/15; the second Monday of January from 2000 (平成10年法律第141号) */
	add(yr, y < 2000 ? ymd(y, 1, 15) : nth_monday(y, 1, 2), H_SEIJIN, true);
	add(yr, ymd(y, 2, 11), H_KENKOKU, true);
	/* 天皇誕生日: 4/29 (Showa) to 1988; 12/23 from 1989 to 2018; none in 2019; 2/23 from 2020 */
	if (y <= 1988)
		add(yr, ymd(y, 4, 29), H_TENNO, true);
	else if (y <= 2018)
		add(yr, ymd(y, 12, 23), H_TENNO, true);
	else if (y >= 2020)
		add(yr, ymd(y, 2, 23), H_TENNO, true);
	add(yr, ymd(y, 3, equinox_day(y, true)), H_SHUNBUN, true);
	/* 4/29: みどりの日 from 1989 (平成元年法律第5号); 昭和の日 from 2007, when
	 * みどりの日 moved to 5/4 (平成17年法律第43号) */
	if (y >= 1989)
		add(yr, ymd(y, 4, 29), y >= 2007 ? H_SHOWA : H_MIDORI, true);
	add(yr, ymd(y, 5, 3), H_KENPO, true);
	if (y >= 2007)
		add(yr, ymd(y, 5, 4), H_MIDORI, true);
	add(yr, ymd(y, 5, 5), H_KODOMO, true);
	/* 海の日: 7/20 from 1996 (平成7年法律第22号); third Monday of July from
	 * 2003 (平成13年法律第59号); 2020: 7/23, 2021: 7/22 (Olympic special measures) */
	if (y == 2020)
		add(yr, ymd(y, 7, 23), H_UMI, true);
	else if (y == 2021)
		add(yr, ymd(y, 7, 22), H_UMI, true);
	else if (y >= 2003)
		add(yr, nth_monday(y, 7, 3), H_UMI, true);
	else if (y >= 1996)
		add(yr, ymd(y, 7, 20), H_UMI, true);
	/* 山の日: 8/11 from 2016 (平成26年法律第43号); 2020: 8/10, 2021: 8/8 */
	if (y == 2020)
		add(yr, ymd(y, 8, 10), H_YAMA, true);
	else if (y == 2021)
		add(yr, ymd(y, 8, 8), H_YAMA, true);
	else if (y >= 2016)
		add(yr, ymd(y, 8, 11), H_YAMA, true);
	/* 敬老の日: 9/15; the third Monday of September from 2003 */
	add(yr, y < 2003 ? ymd(y, 9, 15) : nth_monday(y, 9, 3), H_KEIRO, true);
	add(yr, ymd(y, 9, equinox_day(y, false)), H_SHUBUN, true);
	/* 体育の日: 10/10; second Monday of October from 2000; renamed スポーツの日
	 * from 2020 (平成30年法律第57号); 2020: 7/24, 2021: 7/23 */
	if (y == 2020)
		add(yr, ymd(y, 7, 24), H_SPORTS, true);
	else if (y == 2021)
		add(yr, ymd(y, 7, 23), H_SPORTS, true);
	else if (y >= 2000)
		add(yr, nth_monday(y, 10, 2), y >= 2020 ? H_SPORTS : H_TAIIKU, true);
	else
		add(yr, ymd(y, 10, 10), H_TAIIKU, true);
	add(yr, ymd(y, 11, 3), H_BUNKA, true);
	add(yr, ymd(y, 11, 23), H_KINRO, true);

	/*
	 * Days made holidays by special laws. The 1989, 1990 and 1993 laws made
	 * the day a 休日 only; the 2018 law (平成30年法律第99号) also deems
	 * 2019-05-01 and 2019-10-22 国民の祝日 for 第3条2項・3項, which is what
	 * makes 2019-04-30 and 2019-05-02 国民の休日 below.
	 */
	if (y == 1989)
		add(yr, ymd(1989, 2, 24), H_TAISO, false);
	if (y == 1990)
		add(yr, ymd(1990, 11, 12), H_SOKUIREI, false);
	if (y == 1993)
		add(yr, ymd(1993, 6, 9), H_KEKKON, false);
	if (y == 2019) {
		add(yr, ymd(2019, 5, 1), H_SOKUI, true);
		add(yr, ymd(2019, 10, 22), H_SOKUIREI, true);
	}
}

/*
 * 第3条2項 振替休日 — from 1973-04-12 (昭和48年法律第10号): a 国民の祝日 on a
 * Sunday makes the next day a 休日. From 2007 (平成17年法律第43号): the
 * nearest following day that is not a 国民の祝日 (so 5/3 on a Sunday gives
 * 5/6). Before 2007 a next day that was itself a 祝日 gave nothing more.
 */
static void furikae(struct year *yr)
{
	const mm_day start = mm_cal_day_from_ymd(1973, 4, 12);
	const mm_day reform = mm_cal_day_from_ymd(2007, 1, 1);
	mm_day found[MM_CAL_HOLIDAYS_MAX];
	size_t nfound = 0;
	for (size_t i = 0; i < yr->n; i++) {
		const struct hol h = yr->h[i];
		if (!h.shukujitsu || h.day < start || mm_cal_weekday(h.day) != 0)
			continue;
		mm_day next = h.day + 1;
		if (h.day >= reform) {
			while (is_shukujitsu(yr, next))
				next++;
		} else if (find(yr, next)) {
			continue;
		}
		found[nfound++] = next;
	}
	for (size_t i = 0; i < nfound; i++) /* added after the scan: add() shifts entries */
		add(yr, found[i], H_FURIKAE, false);
}

/*
 * 第3条3項 国民の休日 — from 1985-12-27 (昭和60年法律第103号): a day whose
 * previous and next days are both 国民の祝日 is a 休日; until 2006 not if
 * it was a Sunday or a 振替休日, from 2007 not if it is itself a 祝日.
 */
static void kokumin(struct year *yr)
{
	const mm_day start = mm_cal_day_from_ymd(1985, 12, 27);
	const mm_day reform = mm_cal_day_from_ymd(2007, 1, 1);
	mm_day found[MM_CAL_HOLIDAYS_MAX];
	size_t nfound = 0;
	for (size_t i = 0; i < yr->n; i++) {
		const struct hol a = yr->h[i];
		if (!a.shukujitsu)
			continue;
		mm_day mid = a.day + 1;
		if (mid < start || !is_shukujitsu(yr, mid + 1) || find(yr, mid))
			continue; /* find: a 祝日 or (until 2006 the excluded) 振替休日 */
		if (mid < reform && mm_cal_weekday(mid) == 0)
			continue;
		found[nfound++] = mid;
	}
	for (size_t i = 0; i < nfound; i++)
		add(yr, found[i], H_KOKUMIN, false);
}

static void compute(int y, struct year *yr)
{
	yr->n = 0;
	shukujitsu(yr, y);
	furikae(yr);
	kokumin(yr);
}

int mm_cal_holidays(int year, mm_holiday out[MM_CAL_HOLIDAYS_MAX], size_t *n, mm_err *err)
{
	if (year < MM_CAL_YEAR_MIN || year > MM_CAL_YEAR_MAX)
		return mm_err_set(err, MM_EINVAL, "year %d is outside the supported range %d–%d", year,
				  MM_CAL_YEAR_MIN, MM_CAL_YEAR_MAX);
	struct year yr;
	compute(year, &yr);
	for (size_t i = 0; i < yr.n; i++)
		out[i] = (mm_holiday){yr.h[i].day, names[yr.h[i].id][0], names[yr.h[i].id][1]};
	*n = yr.n;
	return MM_OK;
}

bool mm_cal_holiday(mm_day day, mm_holiday *out)
{
	if (!mm_cal_day_in_range(day))
		return false;
	int y, m, d;
	mm_cal_ymd(day, &y, &m, &d);
	struct year yr;
	compute(y, &yr);
	const struct hol *h = find(&yr, day);
	if (h && out)
		*out = (mm_holiday){h->day, names[h->id][0], names[h->id][1]};
	return h != NULL;
}
