/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the ISO-8601 date-time and date parsers. Properties: no crash or UB;
 * an accepted instant lies in the supported range, formats to +09:00 text
 * that parses back to the same instant, and gives a sane answer from the
 * calendar queries an SLA makes of it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "base/banned.h"

static mm_cal cal;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready) {
		mm_cal_config cfg;
		mm_cal_config_default(&cfg);
		if (mm_cal_init(&cal, &cfg, NULL) != MM_OK)
			abort();
		ready = 1;
	}
	char s[256];
	if (size >= sizeof s)
		size = sizeof s - 1;
	memcpy(s, data, size);
	s[size] = '\0';

	int64_t t, back;
	mm_err err;
	if (mm_cal_parse_instant(s, &t, &err) == MM_OK) {
		char text[40];
		if (!mm_cal_day_in_range(mm_cal_day_of(t)))
			abort();
		mm_cal_format_instant(t, text, sizeof text);
		if (mm_cal_parse_instant(text, &back, &err) != MM_OK || back != t)
			abort();
		int sec = mm_cal_second_of_day(t);
		if (sec < 0 || sec >= 86400)
			abort();
		int64_t open = mm_cal_open_at(&cal, mm_cal_day_of(t));
		if (mm_cal_in_business_hours(&cal, t) && t < open)
			abort();
		int64_t later;
		if (mm_cal_add_business_seconds(&cal, t, 90 * 60, &later, NULL) == MM_OK && later < t)
			abort();
	} else if (!err.msg[0]) {
		abort(); /* every refusal says why */
	}

	mm_day day;
	if (mm_cal_parse_date(s, &day, &err) == MM_OK) {
		char text[16];
		mm_day again;
		mm_cal_format_date(day, text, sizeof text);
		if (strcmp(text, s) != 0 || mm_cal_parse_date(text, &again, NULL) != MM_OK || again != day)
			abort();
		mm_cal_why why;
		(void)mm_cal_is_business_day(&cal, day, &why);
	}
	return 0;
}
