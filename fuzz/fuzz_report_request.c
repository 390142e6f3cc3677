/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Report requests as the CLI and the API take them: "name\nmonth\nid\nlang"
 * (an empty line is an absent option). A request is checked; an accepted
 * one yields a download name and a Content-Disposition that must stay
 * printable ASCII without quotes in the file name, CR or LF.
 */
#include <stdlib.h>
#include <string.h>

#include "report/mm_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[1024], *part[4] = {NULL, NULL, NULL, NULL};
	mm_err err;
	if (size >= sizeof buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	char *p = buf;
	for (int i = 0; i < 4 && p; i++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		part[i] = *p ? p : NULL;
		p = nl ? nl + 1 : NULL;
	}
	mm_report_req q = {.name = part[0], .month = part[1], .id = part[2], .lang = part[3]};
	int y, m;
	if (q.month && mm_report_parse_month(q.month, &y, &m, &err) == MM_OK && (y < 2000 || m < 1 || m > 12))
		abort();
	if (mm_report_check(&q, &err) != MM_OK) {
		if (err.code != MM_EINVAL || !err.msg[0])
			abort();
		return 0;
	}
	if (!mm_report_known(q.name, NULL, NULL) || (!q.month && !q.id))
		abort();
	char name[256], disp[1024];
	mm_report_file_name(&q, name, sizeof name);
	if (!strstr(name, ".xlsx"))
		abort();
	if (!mm_report_disposition(&q, disp, sizeof disp))
		abort();
	const char *star = strstr(disp, "; filename*=UTF-8''");
	if (strncmp(disp, "attachment; filename=\"", 22) != 0 || !star)
		abort();
	for (const char *c = disp; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || *c == '\\')
			abort();
	for (const char *c = disp + 22; c < star - 1; c++)
		if (*c == '"')
			abort();
	return 0;
}
