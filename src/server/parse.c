/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request parsing without I/O: listen addresses, cookies, language,
 * Origin, and the route table. Each function bounds what it reads and
 * accepts only what it names; the fuzz targets call them directly.
 */
#include <stdio.h>
#include <string.h>

#include "server/mm_server.h"
#include "base/banned.h"

int mm_http_listen_parse(const char *s, char *host, size_t hostlen, uint16_t *port, mm_err *err)
{
	const char *colon, *h = s;
	size_t hl;
	if (!s || !*s)
		return mm_err_set(err, MM_EINVAL, "--listen: empty address");
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return mm_err_set(err, MM_EINVAL, "--listen '%.100s': expected [IPv6]:PORT", s);
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return mm_err_set(err, MM_EINVAL, "--listen '%.100s': expected ADDRESS:PORT", s);
		hl = (size_t)(colon - s);
	}
	uint64_t p;
	if (!mm_parse_u64(colon + 1, 65535, &p))
		return mm_err_set(err, MM_EINVAL, "--listen '%.100s': port is not a number 0-65535", s);
	if (hl == 0 || hl >= hostlen)
		return mm_err_set(err, MM_EINVAL, "--listen '%.100s': missing or too long address", s);
	memcpy(host, h, hl);
	host[hl] = 0;
	*port = (uint16_t)p;
	return MM_OK;
}

static bool cookie_name_char(char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", c);
}

bool mm_http_cookie_get(const char *header, const char *name, char *out, size_t outlen)
{
	if (!header || !name || !out || outlen == 0)
		return false;
	size_t hn = strnlen(header, MM_HTTP_COOKIE_MAX + 1), nn = strlen(name);
	if (hn > MM_HTTP_COOKIE_MAX)
		return false;
	bool found = false;
	const char *p = header, *end = header + hn;
	out[0] = 0;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ';'))
			p++;
		const char *ns = p;
		while (p < end && cookie_name_char(*p))
			p++;
		size_t len = (size_t)(p - ns);
		if (p >= end || *p != '=') { /* malformed pair: skip it */
			while (p < end && *p != ';')
				p++;
			continue;
		}
		p++;
		const char *vs = p;
		while (p < end && *p != ';')
			p++;
		const char *ve = p;
		while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (len == nn && memcmp(ns, name, nn) == 0) {
			size_t vl = (size_t)(ve - vs);
			if (found || vl == 0 || vl >= outlen)
				goto refuse;
			for (size_t i = 0; i < vl; i++)
				if ((unsigned char)vs[i] <= 0x20 || (unsigned char)vs[i] >= 0x7f || vs[i] == '"' ||
				    vs[i] == ',' || vs[i] == '\\')
					goto refuse;
			memcpy(out, vs, vl);
			out[vl] = 0;
			found = true;
		}
	}
	return found;
refuse:
	out[0] = 0;
	return false;
}

const char *mm_http_lang(const char *choice, const char *accept_language)
{
	if (choice && (strcmp(choice, "en") == 0 || strcmp(choice, "ja") == 0))
		return strcmp(choice, "en") == 0 ? "en" : "ja";
	if (accept_language) {
		/* the first listed language decides; no weights needed for two */
		const char *p = accept_language;
		while (*p == ' ')
			p++;
		if ((p[0] == 'e' || p[0] == 'E') && (p[1] == 'n' || p[1] == 'N') &&
		    (p[2] == 0 || p[2] == '-' || p[2] == ',' || p[2] == ';'))
			return "en";
	}
	return "ja";
}

bool mm_http_origin_ok(const char *origin, const char *host)
{
	if (!origin)
		return true;
	if (!host || strncmp(origin, "https://", 8) != 0)
		return false;
	return strcmp(origin + 8, host) == 0;
}

/* ---- bodies ---- */

int mm_http_body_parse(const void *p, size_t n, json_t **out, mm_err *err)
{
	static const char *const strings[] = {"user", "password", "totp", "current", "name", "role",
					      "reason", "transition", "to"};
	*out = NULL;
	if (!n)
		return mm_err_set(err, MM_EINVAL, "the body is empty; a JSON object is expected");
	if (n > MM_HTTP_BODY_MAX)
		return mm_err_set(err, MM_ELIMIT, "the body is larger than %u bytes", MM_HTTP_BODY_MAX);
	json_error_t je;
	json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return mm_err_set(err, MM_EINVAL, "body: line %d, column %d: %s", je.line, je.column, je.text);
	int rc = MM_OK;
	const char *k;
	json_t *v;
	if (!json_is_object(o)) {
		rc = mm_err_set(err, MM_EINVAL, "the body must be a JSON object");
		goto out;
	}
	json_object_foreach(o, k, v) {
		bool known = false;
		for (size_t i = 0; i < sizeof strings / sizeof strings[0] && !known; i++) {
			if (strcmp(k, strings[i]) != 0)
				continue;
			known = true;
			if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
				rc = mm_err_set(err, MM_EINVAL, "member \"%s\" must be a string without NUL", k);
			else if (strcmp(k, "reason") == 0 && json_string_length(v) > MM_REASON_MAX)
				rc = mm_err_set(err, MM_ELIMIT, "member \"reason\" is longer than %u bytes", MM_REASON_MAX);
		}
		if (strcmp(k, "data") == 0) {
			known = true;
			if (!json_is_object(v))
				rc = mm_err_set(err, MM_EINVAL, "member \"data\" must be an object of fields");
		} else if (strcmp(k, "version") == 0) {
			known = true;
			if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > UINT32_MAX)
				rc = mm_err_set(err, MM_EINVAL, "member \"version\" must be a record version (1 or more)");
		}
		if (!known)
			rc = mm_err_set(err, MM_EINVAL, "unknown member \"%.64s\"", k);
		if (rc)
			goto out;
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	return rc;
}

/* ---- routes ---- */

static bool seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-' || c == '@';
}

/* Copy one path segment at *p (up to '/' or end) into out; false if empty, too long or bad. */
static bool take_seg(const char **p, char *out, size_t outlen)
{
	const char *s = *p;
	size_t n = 0;
	while (s[n] && s[n] != '/') {
		if (!seg_char(s[n]) || n + 1 >= outlen)
			return false;
		n++;
	}
	if (n == 0 || s[0] == '.')
		return false; /* no ".", ".." or hidden names */
	memcpy(out, s, n);
	out[n] = 0;
	*p = s + n;
	return true;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (size_t i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static mm_route_id pick(const char *m, mm_route_id get, mm_route_id post, mm_route_id put, mm_route_id patch,
			mm_route_id del)
{
	mm_route_id r = MM_R_NONE;
	if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
		r = get;
	else if (strcmp(m, "POST") == 0)
		r = post;
	else if (strcmp(m, "PUT") == 0)
		r = put;
	else if (strcmp(m, "PATCH") == 0)
		r = patch;
	else if (strcmp(m, "DELETE") == 0)
		r = del;
	return r ? r : MM_R_BAD_METHOD;
}

void mm_http_route(const char *method, const char *path, mm_route *r)
{
	memset(r, 0, sizeof *r);
	const mm_route_id N = MM_R_NONE;
	if (!method || !path || path[0] != '/')
		return;
	if (strncmp(path, "/api/", 5) != 0) {
		r->id = (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) ? MM_R_STATIC : MM_R_BAD_METHOD;
		return;
	}
	const char *p = path + 5;
	if (strncmp(p, "v1/", 3) != 0)
		return;
	p += 3;
	char a[MM_ID_MAX + 1], b[MM_ID_MAX + 1];
	if (!take_seg(&p, a, sizeof a))
		return;
	bool more = *p == '/';
	if (more)
		p++;
	bool has_b = more && take_seg(&p, b, sizeof b);
	if (more && !has_b)
		return;
	bool has_c = false;
	char c[MM_ID_MAX + 1];
	if (*p == '/') {
		p++;
		if (!take_seg(&p, c, sizeof c))
			return;
		has_c = true;
	}
	if (*p) /* a fourth segment or a trailing slash */
		return;
	mm_route_id id = N;
	const char *arg = NULL;
	if (strcmp(a, "session") == 0 && !has_b) {
		id = pick(method, MM_R_SESSION_GET, MM_R_SESSION_LOGIN, N, N, MM_R_SESSION_LOGOUT);
	} else if (strcmp(a, "session") == 0 && !has_c && strcmp(b, "password") == 0) {
		id = pick(method, N, N, MM_R_PASSWORD, N, N);
	} else if (strcmp(a, "session") == 0 && strcmp(b, "totp") == 0) {
		if (!has_c)
			id = pick(method, N, MM_R_TOTP_BEGIN, N, N, N);
		else if (strcmp(c, "qr.svg") == 0)
			id = pick(method, MM_R_TOTP_QR, N, N, N, N);
		else if (strcmp(c, "confirm") == 0)
			id = pick(method, N, MM_R_TOTP_CONFIRM, N, N, N);
		else if (strcmp(c, "disable") == 0)
			id = pick(method, N, MM_R_TOTP_DISABLE, N, N, N);
	} else if (strcmp(a, "sessions") == 0 && !has_b) {
		id = pick(method, N, N, N, N, MM_R_SESSIONS_LOGOUT);
	} else if (strcmp(a, "schema") == 0 && !has_b) {
		id = pick(method, MM_R_SCHEMA, N, N, N, N);
	} else if (strcmp(a, "records") == 0 && has_b && !has_c) {
		id = pick(method, MM_R_LIST, MM_R_CREATE, N, N, N);
		arg = b;
	} else if (strcmp(a, "records") == 0 && has_c && strcmp(c, "import") == 0) {
		id = pick(method, N, MM_R_IMPORT, N, N, N);
		arg = b;
	} else if (strcmp(a, "record") == 0 && has_c && strcmp(c, "order") == 0) {
		id = pick(method, MM_R_RESTORE_ORDER, N, N, N, N);
		arg = b;
	} else if (strcmp(a, "record") == 0 && has_c && strcmp(c, "populate") == 0) {
		id = pick(method, N, MM_R_POPULATE, N, N, N);
		arg = b;
	} else if (strcmp(a, "record") == 0 && has_b && !has_c) {
		id = pick(method, MM_R_SHOW, N, N, MM_R_UPDATE, N);
		arg = b;
	} else if (strcmp(a, "record") == 0 && has_c && strcmp(c, "history") == 0) {
		id = pick(method, MM_R_HISTORY, N, N, N, N);
		arg = b;
	} else if (strcmp(a, "record") == 0 && has_c && strcmp(c, "transition") == 0) {
		id = pick(method, N, MM_R_TRANSITION, N, N, N);
		arg = b;
	} else if (strcmp(a, "attachments") == 0 && !has_b) {
		id = pick(method, N, MM_R_ATTACH, N, N, N);
	} else if (strcmp(a, "attachments") == 0 && !has_c) {
		if (!is_hex64(b))
			return;
		id = pick(method, MM_R_ATTACHMENT, N, N, N, N);
		arg = b;
	} else if (strcmp(a, "ledger") == 0 && has_b && !has_c && strcmp(b, "checkpoint") == 0) {
		id = pick(method, MM_R_CHECKPOINT, N, N, N, N);
	} else if (strcmp(a, "ledger") == 0 && has_c && strcmp(b, "proof") == 0) {
		uint64_t seq;
		if (!mm_parse_u64(c, UINT64_MAX, &seq) || seq == 0)
			return;
		id = pick(method, MM_R_PROOF, N, N, N, N);
		arg = c;
	} else if (strcmp(a, "agent") == 0 && has_b && !has_c && strcmp(b, "enroll") == 0) {
		id = pick(method, N, MM_R_AGENT_ENROLL, N, N, N);
	} else if (strcmp(a, "agent") == 0 && has_b && !has_c && strcmp(b, "report") == 0) {
		id = pick(method, N, MM_R_AGENT_REPORT, N, N, N);
	} else if (strcmp(a, "report") == 0 && has_b && !has_c) {
		id = pick(method, MM_R_REPORT, N, N, N, N);
		arg = b;
	} else if (strcmp(a, "users") == 0 && !has_b) {
		id = pick(method, MM_R_USERS, MM_R_USER_ADD, N, N, N);
	} else if (strcmp(a, "users") == 0 && has_c) {
		if (strcmp(c, "disable") == 0)
			id = pick(method, N, MM_R_USER_DISABLE, N, N, N);
		else if (strcmp(c, "enable") == 0)
			id = pick(method, N, MM_R_USER_ENABLE, N, N, N);
		else if (strcmp(c, "password") == 0)
			id = pick(method, N, N, MM_R_USER_PASSWD, N, N);
		else if (strcmp(c, "reset-password") == 0)
			id = pick(method, N, MM_R_USER_RESET, N, N, N);
		arg = b;
	} else if (strcmp(a, "compliance") == 0 && !has_b) {
		id = pick(method, MM_R_COMPLIANCE, N, N, N, N);
	} else if (strcmp(a, "dashboard") == 0 && !has_b) {
		id = pick(method, MM_R_DASHBOARD, N, N, N, N);
	} else if (strcmp(a, "dashboard") == 0 && has_c && strcmp(b, "chart") == 0) {
		id = pick(method, MM_R_CHART, N, N, N, N);
		arg = c;
	}
	r->id = id;
	if (arg)
		snprintf(r->arg, sizeof r->arg, "%s", arg);
	r->changes_state = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}
