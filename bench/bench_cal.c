/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calendar and SLA speed: holiday-year computations, SLA due computations
 * (each class of the contract, instants spread over a year), business-day
 * checks and whole-calendar builds, per second on one core.
 * usage: bench_cal [CONTRACT] [SECONDS]  — prints name=value lines.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cal/mm_cal.h"
#include "sla/mm_sla.h"
#include "base/banned.h"

#define NSTARTS 4096

static volatile int64_t sink; /* keeps the work observable */

static double now_s(void)
{
	return (double)mm_mono_ns() / 1e9;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : mm_sla_default_contract_path();
	uint64_t secs_u = 1;
	if (argc > 2 && !mm_parse_u64(argv[2], 60, &secs_u)) {
		fprintf(stderr, "bench_cal: SECONDS must be 1–60\n");
		return 2;
	}
	double secs = (double)(secs_u ? secs_u : 1);
	mm_contract *c = NULL;
	mm_err err = {0};
	if (mm_sla_contract_load(path, &c, &err) != MM_OK) {
		fprintf(stderr, "bench_cal: %s\n", err.msg);
		return 2;
	}

	/* holiday years: the whole range, over and over */
	uint64_t n = 0;
	double t0 = now_s(), t1;
	do {
		for (int y = MM_CAL_YEAR_MIN; y <= MM_CAL_YEAR_MAX; y++) {
			mm_holiday h[MM_CAL_HOLIDAYS_MAX];
			size_t k = 0;
			if (mm_cal_holidays(y, h, &k, NULL) != MM_OK)
				return 1;
			sink += (int64_t)k + h[k - 1].day;
		}
		n += MM_CAL_YEAR_MAX - MM_CAL_YEAR_MIN + 1;
	} while ((t1 = now_s()) - t0 < secs);
	printf("holiday_years_per_s=%.0f\n", (double)n / (t1 - t0));

	/* SLA due: starts spread over 2026 at second resolution, classes in turn */
	int64_t starts[NSTARTS];
	uint64_t x = 88172645463325252ull;
	int64_t base = mm_cal_instant(mm_cal_day_from_ymd(2026, 1, 1), 0);
	for (size_t i = 0; i < NSTARTS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		starts[i] = base + (int64_t)(x % (365ull * 86400));
	}
	double total_rate = 0;
	for (size_t r = 0; r <= c->nrules; r++) {
		n = 0;
		t0 = now_s();
		do {
			for (size_t i = 0; i < NSTARTS; i++) {
				const char *cls = c->rules[r < c->nrules ? r : i % c->nrules].cls;
				int64_t due;
				if (mm_sla_due(c, cls, starts[i], &due, &err) != MM_OK) {
					fprintf(stderr, "bench_cal: %s\n", err.msg);
					return 1;
				}
				sink += due;
			}
			n += NSTARTS;
		} while ((t1 = now_s()) - t0 < secs / 2);
		double rate = (double)n / (t1 - t0);
		if (r < c->nrules)
			printf("sla_due_%s_per_s=%.0f\n", c->rules[r].cls, rate);
		else
			total_rate = rate;
	}
	printf("sla_due_per_s=%.0f\n", total_rate);

	/* business-day checks with reasons (holidays named) */
	n = 0;
	t0 = now_s();
	do {
		for (mm_day d = mm_cal_day_from_ymd(2026, 1, 1); d <= mm_cal_day_from_ymd(2026, 12, 31); d++) {
			mm_cal_why why;
			sink += mm_cal_is_business_day(&c->cal, d, &why) + why.kind;
		}
		n += 365;
	} while ((t1 = now_s()) - t0 < secs / 2);
	printf("business_day_checks_per_s=%.0f\n", (double)n / (t1 - t0));

	/* building a whole 1973–2099 calendar, as loading a contract does */
	mm_cal_config cfg;
	mm_cal *cal = malloc(sizeof *cal);
	if (!cal)
		return 1;
	mm_cal_config_default(&cfg);
	n = 0;
	t0 = now_s();
	do {
		if (mm_cal_init(cal, &cfg, NULL) != MM_OK)
			return 1;
		sink += cal->closed_bits[n % sizeof cal->closed_bits];
		n++;
	} while ((t1 = now_s()) - t0 < secs / 2);
	printf("calendar_builds_per_s=%.0f\n", (double)n / (t1 - t0));
	free(cal);
	mm_sla_contract_free(c);
	return 0;
}
