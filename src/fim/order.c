/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restore orders: a small line-based text the server (or, until enrollment
 * exists, an operator's key) signs with Ed25519, naming the files to put back
 * and the approved hash of each. The grammar (docs/fim.md) is exact: fixed
 * field order, LF line ends, percent-encoded paths, one signature line last.
 */
#include <stdlib.h>
#include <string.h>

#include "fim/fim_int.h"
#include "base/banned.h"

static const char ORDER_HEAD[] = "mamori-fim-restore-order v1";
static const char SIG_PREFIX[] = "signature: ";

void mm_fim_order_free(mm_fim_order *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nfiles; i++)
		free(o->files[i].path);
	free(o->files);
	free(o);
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decode a path field; raw bytes must be printable ASCII other than '%'. */
static char *decode_path(const char *s, size_t n, size_t *outlen)
{
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			if (n - i < 3) {
				free(d);
				return NULL;
			}
			int a = hexv(s[i + 1]), b = hexv(s[i + 2]);
			if (a < 0 || b < 0 || (a == 0 && b == 0)) {
				free(d);
				return NULL;
			}
			d[o++] = (char)(a << 4 | b);
			i += 2;
		} else if (c > 0x20 && c < 0x7f) {
			d[o++] = (char)c;
		} else {
			free(d);
			return NULL;
		}
	}
	d[o] = 0;
	*outlen = o;
	return d;
}

static bool valid_id(const char *s, size_t n)
{
	if (n == 0 || n > MM_FIM_ORDER_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

static bool valid_host(const char *s, size_t n)
{
	if (n == 1 && s[0] == '*')
		return true;
	if (n == 0 || n > MM_FIM_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* Take "key: value" at *p; value is [v, v+vn). Lines end with '\n'. */
static bool field(const char **p, const char *end, const char *key, const char **v, size_t *vn)
{
	size_t kl = strlen(key);
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl || (size_t)(nl - *p) < kl + 2 || memcmp(*p, key, kl) != 0 || (*p)[kl] != ':' || (*p)[kl + 1] != ' ')
		return false;
	*v = *p + kl + 2;
	*vn = (size_t)(nl - *v);
	*p = nl + 1;
	return true;
}

static bool parse_secs(const char *s, size_t n, int64_t *out)
{
	char buf[24];
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	uint64_t v;
	if (!mm_parse_u64(buf, (uint64_t)1 << 40, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

int mm_fim_order_parse(const char *text, size_t len, const uint8_t *key, mm_fim_order **out, mm_err *err)
{
	*out = NULL;
	if (len > MM_FIM_ORDER_MAX)
		return mm_err_set(err, MM_ELIMIT, "order larger than %u bytes", MM_FIM_ORDER_MAX);
	if (len == 0 || text[len - 1] != '\n' || memchr(text, 0, len) || memchr(text, '\r', len))
		return mm_err_set(err, MM_EINVAL, "order: must be LF-terminated text without NUL or CR");
	mm_fim_order *o = calloc(1, sizeof *o);
	if (!o)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc = MM_OK;
	const char *p = text, *end = text + len, *v;
	size_t vn;
	int line = 1;
	/* the signature line is the last line */
	const char *last = end - 1;
	while (last > text && last[-1] != '\n')
		last--;
	size_t siglen = (size_t)(end - 1 - last);
	if (last == text || siglen < sizeof SIG_PREFIX - 1 || memcmp(last, SIG_PREFIX, sizeof SIG_PREFIX - 1) != 0) {
		rc = mm_err_set(err, MM_EINVAL, "order: the last line must be \"signature: BASE64\"");
		goto out;
	}
	const char *body_end = last;
	size_t hl = strlen(ORDER_HEAD);
	if ((size_t)(body_end - p) < hl + 1 || memcmp(p, ORDER_HEAD, hl) != 0 || p[hl] != '\n') {
		rc = mm_err_set(err, MM_EINVAL, "order line 1: expected \"%s\"", ORDER_HEAD);
		goto out;
	}
	p += hl + 1;
	line++;
	if (!field(&p, body_end, "id", &v, &vn) || !valid_id(v, vn)) {
		rc = mm_err_set(err, MM_EINVAL, "order line %d: expected \"id: \" and 1-%d of [A-Za-z0-9._-]", line,
				MM_FIM_ORDER_ID_MAX);
		goto out;
	}
	memcpy(o->id, v, vn);
	line++;
	if (!field(&p, body_end, "host", &v, &vn) || !valid_host(v, vn)) {
		rc = mm_err_set(err, MM_EINVAL, "order line %d: expected \"host: \" and a host name or *", line);
		goto out;
	}
	memcpy(o->host, v, vn);
	line++;
	if (!field(&p, body_end, "issued", &v, &vn) || !parse_secs(v, vn, &o->issued_s)) {
		rc = mm_err_set(err, MM_EINVAL, "order line %d: expected \"issued: \" and Unix seconds", line);
		goto out;
	}
	line++;
	if (!field(&p, body_end, "expires", &v, &vn) || !parse_secs(v, vn, &o->expires_s) ||
	    o->expires_s <= o->issued_s) {
		rc = mm_err_set(err, MM_EINVAL, "order line %d: expected \"expires: \" and Unix seconds after issued",
				line);
		goto out;
	}
	line++;
	size_t cap = 0;
	while (p < body_end) {
		if (!field(&p, body_end, "file", &v, &vn) || vn < 2 * MM_SHA256_LEN + 2 || v[2 * MM_SHA256_LEN] != ' ') {
			rc = mm_err_set(err, MM_EINVAL, "order line %d: expected \"file: SHA256 PATH\"", line);
			goto out;
		}
		if (o->nfiles >= MM_FIM_ORDER_FILES_MAX) {
			rc = mm_err_set(err, MM_ELIMIT, "order: more than %d files", MM_FIM_ORDER_FILES_MAX);
			goto out;
		}
		if (o->nfiles == cap) {
			cap = cap ? cap * 2 : 8;
			mm_fim_order_file *f = realloc(o->files, cap * sizeof *f);
			if (!f) {
				rc = mm_err_set(err, MM_ENOMEM, "out of memory");
				goto out;
			}
			o->files = f;
		}
		mm_fim_order_file *f = &o->files[o->nfiles];
		if (!mm_hex_decode(v, 2 * MM_SHA256_LEN, f->sha256, MM_SHA256_LEN)) {
			rc = mm_err_set(err, MM_EINVAL, "order line %d: the hash must be 64 hex digits", line);
			goto out;
		}
		size_t pl = 0;
		f->path = decode_path(v + 2 * MM_SHA256_LEN + 1, vn - 2 * MM_SHA256_LEN - 1, &pl);
		if (!f->path) {
			rc = mm_err_set(err, MM_EINVAL, "order line %d: bad path encoding (printable ASCII and %%XX only)",
					line);
			goto out;
		}
		o->nfiles++;
		if (!fim_path_normal(f->path, pl)) {
			rc = mm_err_set(err, MM_EINVAL,
					"order line %d: the path must be absolute without '.', '..', '//' or a trailing '/'",
					line);
			goto out;
		}
		for (size_t i = 0; i + 1 < o->nfiles; i++)
			if (strcmp(o->files[i].path, f->path) == 0) {
				rc = mm_err_set(err, MM_EINVAL, "order line %d: the path is named twice", line);
				goto out;
			}
		line++;
	}
	if (o->nfiles == 0) {
		rc = mm_err_set(err, MM_EINVAL, "order: names no file");
		goto out;
	}
	uint8_t sig[MM_ED25519_SIG_LEN + 4];
	size_t sl = 0;
	const char *b64 = last + sizeof SIG_PREFIX - 1;
	if (!mm_base64_decode(b64, (size_t)(end - 1 - b64), sig, sizeof sig, &sl) || sl != MM_ED25519_SIG_LEN) {
		rc = mm_err_set(err, MM_EINVAL, "order line %d: the signature must be base64 of 64 bytes", line);
		goto out;
	}
	if (key) {
		if (!mm_ed25519_verify(sig, text, (size_t)(body_end - text), key)) {
			rc = mm_err_set(err, MM_ECRYPTO, "order %s: the signature does not verify with the configured key",
					o->id);
			goto out;
		}
		o->signed_ok = true;
	}
	*out = o;
	o = NULL;
out:
	mm_fim_order_free(o);
	return rc;
}

int mm_fim_order_sign(const char *body, size_t len, const uint8_t sk[MM_ED25519_SK_LEN], mm_buf *out)
{
	if (len == 0 || body[len - 1] != '\n')
		return MM_EINVAL;
	uint8_t sig[MM_ED25519_SIG_LEN];
	mm_ed25519_sign(sig, body, len, sk);
	int rc;
	if ((rc = mm_buf_append(out, body, len)) || (rc = mm_buf_puts(out, SIG_PREFIX)) ||
	    (rc = mm_base64_encode(sig, sizeof sig, out)) || (rc = mm_buf_puts(out, "\n")))
		return rc;
	return MM_OK;
}

/* ---- maintenance window orders ---- */

static const char WINDOW_HEAD[] = "mamori-fim-window-order v1";

void mm_fim_window_free(mm_fim_window *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->npackages; i++)
		free(w->packages[i]);
	free(w->packages);
	free(w);
}

/* A Debian package name: [a-z0-9][a-z0-9+.-]+ (Policy 5.6.1). */
static bool valid_package(const char *s, size_t n)
{
	if (n < 2 || n > MM_FIM_PACKAGE_NAME_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

int mm_fim_window_parse(const char *text, size_t len, const uint8_t *key, mm_fim_window **out, mm_err *err)
{
	*out = NULL;
	if (len > MM_FIM_ORDER_MAX)
		return mm_err_set(err, MM_ELIMIT, "window order larger than %u bytes", MM_FIM_ORDER_MAX);
	if (len == 0 || text[len - 1] != '\n' || memchr(text, 0, len) || memchr(text, '\r', len))
		return mm_err_set(err, MM_EINVAL, "window order: must be LF-terminated text without NUL or CR");
	mm_fim_window *w = calloc(1, sizeof *w);
	if (!w)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc = MM_OK;
	const char *p = text, *end = text + len, *v;
	size_t vn;
	int line = 1;
	const char *last = end - 1;
	while (last > text && last[-1] != '\n')
		last--;
	size_t siglen = (size_t)(end - 1 - last);
	if (last == text || siglen < sizeof SIG_PREFIX - 1 || memcmp(last, SIG_PREFIX, sizeof SIG_PREFIX - 1) != 0) {
		rc = mm_err_set(err, MM_EINVAL, "window order: the last line must be \"signature: BASE64\"");
		goto out;
	}
	const char *body_end = last;
	size_t hl = strlen(WINDOW_HEAD);
	if ((size_t)(body_end - p) < hl + 1 || memcmp(p, WINDOW_HEAD, hl) != 0 || p[hl] != '\n') {
		rc = mm_err_set(err, MM_EINVAL, "window order line 1: expected \"%s\"", WINDOW_HEAD);
		goto out;
	}
	p += hl + 1;
	line++;
	if (!field(&p, body_end, "id", &v, &vn) || !valid_id(v, vn)) {
		rc = mm_err_set(err, MM_EINVAL, "window order line %d: expected \"id: \" and 1-%d of [A-Za-z0-9._-]",
				line, MM_FIM_ORDER_ID_MAX);
		goto out;
	}
	memcpy(w->id, v, vn);
	line++;
	if (!field(&p, body_end, "host", &v, &vn) || !valid_host(v, vn)) {
		rc = mm_err_set(err, MM_EINVAL, "window order line %d: expected \"host: \" and a host name or *", line);
		goto out;
	}
	memcpy(w->host, v, vn);
	line++;
	if (!field(&p, body_end, "start", &v, &vn) || !parse_secs(v, vn, &w->start_s)) {
		rc = mm_err_set(err, MM_EINVAL, "window order line %d: expected \"start: \" and Unix seconds", line);
		goto out;
	}
	line++;
	if (!field(&p, body_end, "end", &v, &vn) || !parse_secs(v, vn, &w->end_s) || w->end_s <= w->start_s ||
	    w->end_s - w->start_s > MM_FIM_WINDOW_SECONDS_MAX) {
		rc = mm_err_set(err, MM_EINVAL,
				"window order line %d: expected \"end: \" and Unix seconds after start, at most %d s later",
				line, MM_FIM_WINDOW_SECONDS_MAX);
		goto out;
	}
	line++;
	size_t cap = 0;
	while (p < body_end) {
		if (!field(&p, body_end, "package", &v, &vn) || !valid_package(v, vn)) {
			rc = mm_err_set(err, MM_EINVAL, "window order line %d: expected \"package: NAME\" (a Debian package name)",
					line);
			goto out;
		}
		if (w->npackages >= MM_FIM_WINDOW_PACKAGES_MAX) {
			rc = mm_err_set(err, MM_ELIMIT, "window order: more than %d packages", MM_FIM_WINDOW_PACKAGES_MAX);
			goto out;
		}
		if (w->npackages == cap) {
			cap = cap ? cap * 2 : 8;
			char **np = realloc(w->packages, cap * sizeof *np);
			if (!np) {
				rc = mm_err_set(err, MM_ENOMEM, "out of memory");
				goto out;
			}
			w->packages = np;
		}
		char *name = malloc(vn + 1);
		if (!name) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(name, v, vn);
		name[vn] = 0;
		w->packages[w->npackages++] = name;
		for (size_t i = 0; i + 1 < w->npackages; i++)
			if (strcmp(w->packages[i], name) == 0) {
				rc = mm_err_set(err, MM_EINVAL, "window order line %d: the package is named twice", line);
				goto out;
			}
		line++;
	}
	uint8_t sig[MM_ED25519_SIG_LEN + 4];
	size_t sl = 0;
	const char *b64 = last + sizeof SIG_PREFIX - 1;
	if (!mm_base64_decode(b64, (size_t)(end - 1 - b64), sig, sizeof sig, &sl) || sl != MM_ED25519_SIG_LEN) {
		rc = mm_err_set(err, MM_EINVAL, "window order line %d: the signature must be base64 of 64 bytes", line);
		goto out;
	}
	if (key) {
		if (!mm_ed25519_verify(sig, text, (size_t)(body_end - text), key)) {
			rc = mm_err_set(err, MM_ECRYPTO,
					"window order %s: the signature does not verify with the configured key", w->id);
			goto out;
		}
		w->signed_ok = true;
	}
	*out = w;
	w = NULL;
out:
	mm_fim_window_free(w);
	return rc;
}
