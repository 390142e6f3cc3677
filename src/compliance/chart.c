/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dashboard's charts as SVG drawn here, without a chart library:
 * horizontal bars, each with its label and number written beside it and
 * its own fill pattern, so nothing depends on telling colours apart. The
 * chart has a <title> and <desc> (role="img", aria-labelledby) that say
 * in words what the bars show; every text is XML-escaped.
 */
#include <stdio.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "base/banned.h"

int mm_xml_escape(mm_buf *out, const char *s)
{
	int rc = MM_OK;
	for (; s && *s && !rc; s++) {
		unsigned char ch = (unsigned char)*s;
		switch (ch) {
		case '<': rc = mm_buf_puts(out, "&lt;"); break;
		case '>': rc = mm_buf_puts(out, "&gt;"); break;
		case '&': rc = mm_buf_puts(out, "&amp;"); break;
		case '"': rc = mm_buf_puts(out, "&quot;"); break;
		case '\'': rc = mm_buf_puts(out, "&apos;"); break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n')
				break; /* not allowed in XML 1.0 */
			rc = mm_buf_append(out, s, 1);
		}
	}
	return rc;
}

enum { PAT_SOLID, PAT_HATCH, PAT_CROSS, PAT_DOTS, PAT_GRID };

struct bar {
	const char *label;
	json_int_t value;
	json_int_t max;
	char text[64]; /* the number written beside the bar */
	int pattern;
};

#define W 660
#define LABEL_W 190
#define BAR_W 300
#define ROW_H 30
#define TOP 40

static const char *const colours[] = {"#2f6b4f", "#9a6a12", "#a4262c", "#5b6472", "#3a5f8f"};

static int defs(mm_buf *b)
{
	int rc = mm_buf_puts(b, "<defs>");
	for (int i = 0; !rc && i < 5; i++) {
		const char *c = colours[i];
		rc = mm_buf_printf(b, "<pattern id=\"p%d\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\">"
				      "<rect width=\"8\" height=\"8\" fill=\"%s\" fill-opacity=\"%s\"/>",
				   i, c, i == PAT_SOLID ? "1" : "0.25");
		if (!rc && i == PAT_HATCH)
			rc = mm_buf_printf(b, "<path d=\"M0,8 L8,0\" stroke=\"%s\" stroke-width=\"2\"/>", c);
		if (!rc && i == PAT_CROSS)
			rc = mm_buf_printf(b, "<path d=\"M0,0 L8,8 M0,8 L8,0\" stroke=\"%s\" stroke-width=\"1.5\"/>", c);
		if (!rc && i == PAT_DOTS)
			rc = mm_buf_printf(b, "<circle cx=\"4\" cy=\"4\" r=\"1.8\" fill=\"%s\"/>", c);
		if (!rc && i == PAT_GRID)
			rc = mm_buf_printf(b, "<path d=\"M0,4 L8,4 M4,0 L4,8\" stroke=\"%s\" stroke-width=\"1.2\"/>", c);
		if (!rc)
			rc = mm_buf_puts(b, "</pattern>");
	}
	return rc ? rc : mm_buf_puts(b, "</defs>");
}

/* A whole chart: heading, bars with labels and numbers, or the empty text when there are no bars. */
static int bars(mm_buf *b, const char *title, const char *empty, const struct bar *v, size_t n)
{
	int h = TOP + (int)(n ? n : 1) * ROW_H + 12;
	int rc = mm_buf_printf(b,
			       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			       "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
			       "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" "
			       "font-family=\"sans-serif\" font-size=\"14\">\n<title id=\"chart-title\">",
			       W, h, W, h);
	if (!rc)
		rc = mm_xml_escape(b, title);
	if (!rc)
		rc = mm_buf_puts(b, "</title>\n<desc id=\"chart-desc\">");
	for (size_t i = 0; !rc && i < n; i++) {
		rc = mm_buf_puts(b, i ? "; " : "");
		if (!rc)
			rc = mm_xml_escape(b, v[i].label);
		if (!rc)
			rc = mm_buf_printf(b, ": %s", v[i].text);
	}
	if (!rc && !n)
		rc = mm_xml_escape(b, empty);
	if (!rc)
		rc = mm_buf_puts(b, "</desc>\n");
	if (!rc)
		rc = defs(b);
	if (!rc)
		rc = mm_buf_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n"
				      "<text x=\"8\" y=\"24\" font-size=\"16\" font-weight=\"bold\" fill=\"#1f2933\">",
				   W, h);
	if (!rc)
		rc = mm_xml_escape(b, title);
	if (!rc)
		rc = mm_buf_puts(b, "</text>\n");
	if (!rc && !n) {
		rc = mm_buf_printf(b, "<text x=\"8\" y=\"%d\" fill=\"#3e4c59\">", TOP + 20);
		if (!rc)
			rc = mm_xml_escape(b, empty);
		if (!rc)
			rc = mm_buf_puts(b, "</text>\n");
	}
	for (size_t i = 0; !rc && i < n; i++) {
		int y = TOP + (int)i * ROW_H;
		json_int_t w = v[i].max > 0 ? (v[i].value * BAR_W) / v[i].max : 0;
		if (w < 0)
			w = 0;
		if (w > BAR_W)
			w = BAR_W;
		rc = mm_buf_printf(b, "<g><title>");
		if (!rc)
			rc = mm_xml_escape(b, v[i].label);
		if (!rc)
			rc = mm_buf_printf(b, ": %s</title><text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#1f2933\">",
					   v[i].text, LABEL_W - 8, y + 19);
		if (!rc)
			rc = mm_xml_escape(b, v[i].label);
		if (!rc)
			rc = mm_buf_printf(b,
					   "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"22\" fill=\"#f5f7fa\" "
					   "stroke=\"#cbd2d9\"/>"
					   "<rect x=\"%d\" y=\"%d\" width=\"%lld\" height=\"22\" fill=\"url(#p%d)\" "
					   "stroke=\"%s\"/>"
					   "<text x=\"%d\" y=\"%d\" fill=\"#1f2933\">%s</text></g>\n",
					   LABEL_W, y + 4, BAR_W, LABEL_W, y + 4, (long long)w, v[i].pattern,
					   colours[v[i].pattern], LABEL_W + BAR_W + 8, y + 19, v[i].text);
	}
	return rc ? rc : mm_buf_puts(b, "</svg>\n");
}

static json_int_t ival(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static bool ja(const char *lang)
{
	return !lang || strcmp(lang, "en") != 0;
}

static void count_bar(struct bar *b, const char *label, json_int_t v, json_int_t total, int pattern)
{
	b->label = label;
	b->value = v;
	b->max = total;
	b->pattern = pattern;
	snprintf(b->text, sizeof b->text, "%lld", (long long)v);
}

int mm_compliance_chart(mm_chart which, const json_t *d, const char *lang, mm_buf *out, mm_err *err)
{
	struct bar v[MM_DASHBOARD_ITEMS_MAX];
	size_t n = 0;
	char title[160];
	const char *empty = "";
	bool j = ja(lang);
	int rc;
	if (which == MM_CHART_REQUIREMENTS) {
		const json_t *s = json_object_get(d, "summary");
		json_int_t t = ival(s, "total");
		snprintf(title, sizeof title, "%s", j ? "要求事項の状況" : "Requirements by status");
		count_bar(&v[n++], j ? "達成" : "Met", ival(s, "met"), t, PAT_SOLID);
		count_bar(&v[n++], j ? "期限間近" : "At risk", ival(s, "at-risk"), t, PAT_HATCH);
		count_bar(&v[n++], j ? "未達" : "Missed", ival(s, "missed"), t, PAT_CROSS);
		count_bar(&v[n++], j ? "証跡なし" : "No evidence", ival(s, "no-evidence"), t, PAT_DOTS);
	} else if (which == MM_CHART_SLA) {
		const json_t *s = json_object_get(d, "sla_month");
		json_int_t t = ival(s, "met") + ival(s, "missed_with_reason") + ival(s, "missed") + ival(s, "pending");
		const char *month = json_string_value(json_object_get(s, "month"));
		snprintf(title, sizeof title, "%s %s", j ? "今月の障害対応SLA" : "Fault response SLA", month ? month : "");
		empty = j ? "今月の障害はありません" : "No faults this month";
		if (t > 0) {
			count_bar(&v[n++], j ? "達成" : "Met", ival(s, "met"), t, PAT_SOLID);
			count_bar(&v[n++], j ? "未達(理由あり)" : "Missed, reason given", ival(s, "missed_with_reason"), t,
				  PAT_HATCH);
			count_bar(&v[n++], j ? "未達" : "Missed", ival(s, "missed"), t, PAT_CROSS);
			count_bar(&v[n++], j ? "対応中" : "Pending", ival(s, "pending"), t, PAT_GRID);
		}
	} else if (which == MM_CHART_INSPECTION) {
		snprintf(title, sizeof title, "%s", j ? "拠点別の点検適合率" : "Inspection pass rate per site");
		empty = j ? "点検結果はまだありません" : "No inspection results yet";
		size_t i;
		json_t *s;
		json_array_foreach(json_object_get(d, "inspection_sites"), i, s) {
			if (n >= MM_DASHBOARD_ITEMS_MAX)
				break;
			struct bar *b = &v[n++];
			json_int_t p = ival(s, "passed"), f = ival(s, "failed");
			b->label = json_string_value(json_object_get(s, "name"));
			b->value = ival(s, "rate");
			b->max = 100;
			b->pattern = b->value == 100 ? PAT_SOLID : PAT_HATCH;
			snprintf(b->text, sizeof b->text, "%lld%% (%lld/%lld)", (long long)b->value, (long long)p,
				 (long long)(p + f));
		}
	} else {
		return mm_err_set(err, MM_EINVAL, "unknown chart");
	}
	rc = bars(out, title, empty, v, n);
	return rc ? mm_err_set(err, rc, "chart: %s", mm_strerror(rc)) : MM_OK;
}
