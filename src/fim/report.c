/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differences between two records and the events fim reports: as text lines
 * for people, as one JSON report document (the agent's report envelope), or
 * as one JSON object per line for `fim watch`. Paths that are not valid
 * UTF-8 or hold control characters are printed with \xNN escapes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fim/fim_int.h"
#include "base/banned.h"

#define EV_COUNT (MM_FIM_EV_ERROR + 1)

static const char *const ev_names[EV_COUNT] = {
	[MM_FIM_EV_ADDED] = "added", [MM_FIM_EV_REMOVED] = "removed", [MM_FIM_EV_MODIFIED] = "modified",
	[MM_FIM_EV_MALWARE] = "malware", [MM_FIM_EV_QUARANTINED] = "quarantined",
	[MM_FIM_EV_EXPECTED] = "expected", [MM_FIM_EV_RESTORED] = "restored", [MM_FIM_EV_ERROR] = "error",
};

const char *mm_fim_ev_name(mm_fim_ev_kind k)
{
	return (unsigned)k < EV_COUNT ? ev_names[k] : "unknown";
}

struct mm_fim_report {
	char kind[32];
	mm_fim_fmt fmt;
	FILE *out;
	uint64_t n[EV_COUNT];
	json_t *events;
	json_t *counts;
	int64_t started;
	int rc;
};

void mm_fim_path_escape(const char *p, size_t n, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < outlen;) {
		unsigned char c = (unsigned char)p[i];
		size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
			i++;
		} else if (len > 1 && i + len <= n && mm_utf8_valid(p + i, len) && o + len < outlen) {
			memcpy(out + o, p + i, len);
			o += len;
			i += len;
		} else {
			snprintf(out + o, outlen - o, "\\x%02x", c);
			o += 4;
			i++;
		}
	}
	out[o < outlen ? o : outlen - 1] = 0;
}

unsigned mm_fim_rec_diff(const mm_fim_set *sa, const mm_fim_rec *a, const mm_fim_set *sb, const mm_fim_rec *b)
{
	unsigned d = 0;
	if (a->type != b->type)
		d |= MM_FIM_CH_TYPE;
	if (a->mode != b->mode)
		d |= MM_FIM_CH_MODE;
	if (a->uid != b->uid)
		d |= MM_FIM_CH_UID;
	if (a->gid != b->gid)
		d |= MM_FIM_CH_GID;
	/* a directory's size and times move with every entry added: its entries report that */
	if (a->type != MM_FIM_DIR || b->type != MM_FIM_DIR) {
		if (a->size != b->size)
			d |= MM_FIM_CH_SIZE;
		if (a->mtime_ns != b->mtime_ns)
			d |= MM_FIM_CH_MTIME;
		if (a->ctime_ns != b->ctime_ns)
			d |= MM_FIM_CH_CTIME;
	}
	if (a->ino != b->ino)
		d |= MM_FIM_CH_INO;
	if (a->link_len != b->link_len ||
	    memcmp(sa->arena.p + a->link_off, sb->arena.p + b->link_off, a->link_len) != 0)
		d |= MM_FIM_CH_LINK;
	if (a->xattr_len != b->xattr_len ||
	    memcmp(sa->arena.p + a->xattr_off, sb->arena.p + b->xattr_off, a->xattr_len) != 0)
		d |= MM_FIM_CH_XATTR;
	bool ha = a->flags & MM_FIM_HASHED, hb = b->flags & MM_FIM_HASHED;
	if (ha && hb && memcmp(a->sha256, b->sha256, MM_SHA256_LEN) != 0)
		d |= MM_FIM_CH_SHA;
	if (ha != hb && a->type == MM_FIM_REG && b->type == MM_FIM_REG)
		d |= MM_FIM_CH_READ;
	return d;
}

int mm_fim_report_new(const char *kind, mm_fim_fmt fmt, FILE *out, mm_fim_report **rep)
{
	mm_fim_report *r = calloc(1, sizeof *r);
	if (!r)
		return MM_ENOMEM;
	snprintf(r->kind, sizeof r->kind, "%s", kind);
	r->fmt = fmt;
	r->out = out;
	r->started = mm_now_ns();
	r->events = json_array();
	r->counts = json_object();
	if (!r->events || !r->counts) {
		mm_fim_report_free(r);
		return MM_ENOMEM;
	}
	*rep = r;
	return MM_OK;
}

void mm_fim_report_free(mm_fim_report *r)
{
	if (!r)
		return;
	json_decref(r->events);
	json_decref(r->counts);
	free(r);
}

uint64_t mm_fim_report_n(const mm_fim_report *r, mm_fim_ev_kind k)
{
	return (unsigned)k < EV_COUNT ? r->n[k] : 0;
}

void mm_fim_report_count(mm_fim_report *r, const char *name, uint64_t v)
{
	json_object_set_new(r->counts, name, json_integer((json_int_t)v));
}

static const char *type_name(uint8_t t)
{
	static const char *const n[] = {"?", "file", "directory", "symlink", "char-device",
					"block-device", "fifo", "socket"};
	return t < sizeof n / sizeof n[0] ? n[t] : "?";
}

static json_t *jstr_escaped(const char *p, size_t n)
{
	char *buf = malloc(4 * n + 1);
	if (!buf)
		return NULL;
	mm_fim_path_escape(p, n, buf, 4 * n + 1);
	json_t *j = json_string(buf);
	free(buf);
	return j;
}

static json_t *jtime(int64_t ns)
{
	char t[48];
	mm_time_format(ns, 0, t, sizeof t);
	return json_string(t);
}

static bool xattr_json(void *ctx, const char *name, size_t nlen, const uint8_t *v, size_t vlen)
{
	(void)nlen;
	mm_buf b;
	mm_buf_init(&b, 4 * MM_FIM_XATTR_MAX);
	if (mm_base64_encode(v, vlen, &b) == MM_OK)
		json_object_set_new(ctx, name, json_string(b.len ? (const char *)b.p : ""));
	mm_buf_release(&b);
	return true;
}

static json_t *field_json(const mm_fim_set *s, const mm_fim_rec *r, unsigned bit)
{
	char buf[2 * MM_SHA256_LEN + 1];
	switch (bit) {
	case MM_FIM_CH_TYPE:
		return json_string(type_name(r->type));
	case MM_FIM_CH_MODE:
		snprintf(buf, sizeof buf, "%04o", r->mode);
		return json_string(buf);
	case MM_FIM_CH_UID:
		return json_integer(r->uid);
	case MM_FIM_CH_GID:
		return json_integer(r->gid);
	case MM_FIM_CH_SIZE:
		return json_integer((json_int_t)r->size);
	case MM_FIM_CH_INO:
		return json_integer((json_int_t)r->ino);
	case MM_FIM_CH_MTIME:
		return jtime(r->mtime_ns);
	case MM_FIM_CH_CTIME:
		return jtime(r->ctime_ns);
	case MM_FIM_CH_LINK:
		return jstr_escaped((const char *)s->arena.p + r->link_off, r->link_len);
	case MM_FIM_CH_XATTR: {
		json_t *o = json_object();
		if (o && r->xattr_len)
			fim_xattrs_each(s->arena.p + r->xattr_off, r->xattr_len, xattr_json, o);
		return o;
	}
	case MM_FIM_CH_SHA:
	case MM_FIM_CH_READ:
		if (!(r->flags & MM_FIM_HASHED))
			return json_null();
		fim_hex(r->sha256, buf);
		return json_string(buf);
	}
	return json_null();
}

static const struct {
	unsigned bit;
	const char *name;
} fields[] = {
	{MM_FIM_CH_TYPE, "type"},   {MM_FIM_CH_MODE, "mode"},   {MM_FIM_CH_UID, "uid"},
	{MM_FIM_CH_GID, "gid"},     {MM_FIM_CH_SIZE, "size"},   {MM_FIM_CH_SHA, "sha256"},
	{MM_FIM_CH_READ, "sha256"}, {MM_FIM_CH_LINK, "link"},   {MM_FIM_CH_XATTR, "xattrs"},
	{MM_FIM_CH_MTIME, "mtime"}, {MM_FIM_CH_CTIME, "ctime"}, {MM_FIM_CH_INO, "inode"},
};

static json_t *rec_json(const mm_fim_set *s, const mm_fim_rec *r)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		unsigned b = fields[i].bit;
		if (b == MM_FIM_CH_READ || (b == MM_FIM_CH_LINK && r->type != MM_FIM_LNK) ||
		    (b == MM_FIM_CH_SHA && !(r->flags & MM_FIM_HASHED)) || (b == MM_FIM_CH_XATTR && !r->xattr_len))
			continue;
		json_object_set_new(o, fields[i].name, field_json(s, r, b));
	}
	if (r->flags & MM_FIM_UNREADABLE)
		json_object_set_new(o, "unreadable", json_true());
	if (r->flags & MM_FIM_UNSTABLE)
		json_object_set_new(o, "unstable", json_true());
	return o;
}

/* Short text form of a field's value for the text report. */
static void field_text(const mm_fim_set *s, const mm_fim_rec *r, unsigned bit, char *out, size_t n)
{
	json_t *j = field_json(s, r, bit);
	if (bit == MM_FIM_CH_XATTR) {
		snprintf(out, n, "%zu bytes", (size_t)r->xattr_len);
	} else if (json_is_string(j)) {
		snprintf(out, n, "%s", json_string_value(j));
	} else if (json_is_integer(j)) {
		snprintf(out, n, "%lld", (long long)json_integer_value(j));
	} else {
		snprintf(out, n, "%s", (r->flags & MM_FIM_UNREADABLE) ? "(unreadable)" : "(none)");
	}
	json_decref(j);
}

int mm_fim_report_event(mm_fim_report *r, mm_fim_ev_kind k, const char *path, const mm_fim_set *sb,
			const mm_fim_rec *before, const mm_fim_set *sa, const mm_fim_rec *after, const char *detail)
{
	if ((unsigned)k >= EV_COUNT)
		return MM_EINVAL;
	r->n[k]++;
	size_t plen = strlen(path);
	char *esc = malloc(4 * plen + 1);
	if (!esc)
		return MM_ENOMEM;
	mm_fim_path_escape(path, plen, esc, 4 * plen + 1);
	unsigned diff = before && after ? mm_fim_rec_diff(sb, before, sa, after) : 0;
	int rc = MM_OK;
	if (r->fmt == MM_FIM_TEXT) {
		fprintf(r->out, "%s: %s", ev_names[k], esc);
		const char *sep = " (";
		for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
			if (!(diff & fields[i].bit))
				continue;
			char x[80], y[80];
			field_text(sb, before, fields[i].bit, x, sizeof x);
			field_text(sa, after, fields[i].bit, y, sizeof y);
			fprintf(r->out, "%s%s %s → %s", sep, fields[i].name, x, y);
			sep = ", ";
		}
		if (*sep == ',')
			fputc(')', r->out);
		if (detail) {
			char d[1024];
			mm_fim_path_escape(detail, strlen(detail) > 255 ? 255 : strlen(detail), d, sizeof d);
			fprintf(r->out, " [%s]", d);
		}
		fputc('\n', r->out);
		fflush(r->out);
		goto out;
	}
	json_t *e = json_object();
	if (!e) {
		rc = MM_ENOMEM;
		goto out;
	}
	json_object_set_new(e, "event", json_string(ev_names[k]));
	json_object_set_new(e, "path", json_string(esc));
	if (r->fmt == MM_FIM_JSONL)
		json_object_set_new(e, "time", jtime(mm_now_ns()));
	if (detail)
		json_object_set_new(e, "detail", jstr_escaped(detail, strlen(detail)));
	if (diff) {
		json_t *ch = json_object();
		for (size_t i = 0; ch && i < sizeof fields / sizeof fields[0]; i++) {
			if (!(diff & fields[i].bit))
				continue;
			json_object_set_new(ch, fields[i].name,
					    json_pack("{s:o, s:o}", "before", field_json(sb, before, fields[i].bit),
						      "after", field_json(sa, after, fields[i].bit)));
		}
		json_object_set_new(e, "changes", ch);
	} else {
		if (before)
			json_object_set_new(e, "before", rec_json(sb, before));
		if (after)
			json_object_set_new(e, "after", rec_json(sa, after));
	}
	if (r->fmt == MM_FIM_JSONL) {
		char *line = json_dumps(e, JSON_COMPACT | JSON_SORT_KEYS);
		if (line) {
			fprintf(r->out, "%s\n", line);
			fflush(r->out);
			free(line);
		} else {
			rc = MM_ENOMEM;
		}
		json_decref(e);
	} else if (json_array_append_new(r->events, e) != 0) {
		rc = MM_ENOMEM;
	}
out:
	free(esc);
	return rc;
}

int mm_fim_report_finish(mm_fim_report *r)
{
	int rc = MM_OK;
	if (r->fmt == MM_FIM_TEXT) {
		fprintf(r->out, "summary:");
		const char *sep = " ";
		bool compare = strcmp(r->kind, "fim-check") == 0 || strcmp(r->kind, "fim-watch") == 0;
		for (int k = 0; k < EV_COUNT; k++) {
			if (!r->n[k] && (k > MM_FIM_EV_MODIFIED || !compare))
				continue;
			fprintf(r->out, "%s%llu %s", sep, (unsigned long long)r->n[k], ev_names[k]);
			sep = ", ";
		}
		const char *key;
		json_t *v;
		json_object_foreach(r->counts, key, v) {
			fprintf(r->out, "%s%lld %s", sep, (long long)json_integer_value(v), key);
			sep = ", ";
		}
		fputc('\n', r->out);
	} else if (r->fmt == MM_FIM_JSON) {
		char host[256] = "";
		gethostname(host, sizeof host - 1);
		json_t *sum = json_object();
		for (int k = 0; sum && k < EV_COUNT; k++)
			json_object_set_new(sum, ev_names[k], json_integer((json_int_t)r->n[k]));
		json_object_update(sum, r->counts);
		json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:s, s:{s:s}, s:o, s:o, s:o, s:O}", "format",
					"mamori-report/1", "agent", "name", "mamori-agent", "version", MM_VERSION,
					"kind", r->kind, "host", "hostname", host, "started_at", jtime(r->started),
					"finished_at", jtime(mm_now_ns()), "summary", sum ? sum : json_null(),
					"events", r->events);
		char *txt = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
		if (txt) {
			fprintf(r->out, "%s\n", txt);
			free(txt);
		} else {
			rc = MM_ENOMEM;
		}
		json_decref(doc);
	}
	if (fflush(r->out) != 0)
		rc = MM_EIO;
	mm_fim_report_free(r);
	return rc;
}
