/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's HTTP/1.1 client: one request per TLS connection (GnuTLS),
 * the server's certificate pinned by the SHA-256 of its DER bytes (the
 * pin the enrollment token carries) — no CA store, no trust on first use,
 * and no way to switch the check off. Every read is bounded and timed out;
 * the response parser is pure so a fuzz target can reach it.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "link/mm_link.h"
#include "base/banned.h"

int mm_link_url_parse(const char *url, mm_link_url *u, mm_err *err)
{
	memset(u, 0, sizeof *u);
	if (!url || strncmp(url, "https://", 8) != 0)
		return mm_err_set(err, MM_EINVAL, "--server '%.200s': must start with https://", url ? url : "");
	const char *h = url + 8, *end;
	size_t hl;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return mm_err_set(err, MM_EINVAL, "--server '%.200s': unclosed '[' of an IPv6 address", url);
		h++;
		hl = (size_t)(end - h);
		end++;
	} else {
		end = h + strcspn(h, ":/");
		hl = (size_t)(end - h);
	}
	if (hl == 0 || hl >= sizeof u->host)
		return mm_err_set(err, MM_EINVAL, "--server '%.200s': missing or too long host", url);
	for (size_t i = 0; i < hl; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		      h[i] == '.' || h[i] == '-' || h[i] == ':'))
			return mm_err_set(err, MM_EINVAL, "--server '%.200s': bad character in the host", url);
	memcpy(u->host, h, hl);
	u->port = 443;
	if (*end == ':') {
		char port[8];
		size_t pl = strcspn(end + 1, "/");
		uint64_t v;
		if (pl == 0 || pl >= sizeof port)
			return mm_err_set(err, MM_EINVAL, "--server '%.200s': bad port", url);
		memcpy(port, end + 1, pl);
		port[pl] = 0;
		if (!mm_parse_u64(port, 65535, &v) || v == 0)
			return mm_err_set(err, MM_EINVAL, "--server '%.200s': port is not 1-65535", url);
		u->port = (uint16_t)v;
		end += 1 + pl;
	}
	if (*end && strcmp(end, "/") != 0)
		return mm_err_set(err, MM_EINVAL, "--server '%.200s': give only https://HOST:PORT (no path)", url);
	return MM_OK;
}

/* ---- response parsing ---- */

static bool ieq(const uint8_t *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (c != (uint8_t)b[i])
			return false;
	}
	return true;
}

int mm_link_http_parse(const uint8_t *p, size_t n, bool complete, mm_link_response *r, mm_err *err)
{
	memset(r, 0, sizeof *r);
	/* find the end of the headers within the limit */
	size_t he = 0;
	size_t scan = n < MM_LINK_HTTP_HEADER_MAX ? n : MM_LINK_HTTP_HEADER_MAX;
	for (size_t i = 0; i + 3 < scan; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n') {
			he = i + 4;
			break;
		}
	if (!he) {
		if (n >= MM_LINK_HTTP_HEADER_MAX)
			return mm_err_set(err, MM_ELIMIT, "response: headers longer than %u bytes", MM_LINK_HTTP_HEADER_MAX);
		if (!complete)
			return MM_ENOTFOUND;
		return mm_err_set(err, MM_EINVAL, "response: ends at byte %zu before the end of its headers", n);
	}
	/* status line: HTTP/1.x SP 3DIGIT SP reason CRLF */
	if (he < 14 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (p[12] != ' ' && p[12] != '\r'))
		return mm_err_set(err, MM_EINVAL, "response: malformed status line at byte 0");
	r->status = (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 + (unsigned)(p[11] - '0');
	size_t i = 0;
	while (i + 1 < he && !(p[i] == '\r' && p[i + 1] == '\n'))
		i++;
	i += 2;
	bool have_len = false;
	uint64_t clen = 0;
	while (i + 2 <= he - 2) { /* each header line up to the blank line */
		size_t ls = i;
		while (i + 1 < he && !(p[i] == '\r' && p[i + 1] == '\n'))
			i++;
		size_t le = i;
		i += 2;
		if (le == ls)
			break;
		size_t c = ls;
		while (c < le && p[c] != ':')
			c++;
		if (c == le || c == ls)
			return mm_err_set(err, MM_EINVAL, "response: header line at byte %zu has no name", ls);
		for (size_t k = ls; k < c; k++)
			if (p[k] <= 0x20 || p[k] >= 0x7f)
				return mm_err_set(err, MM_EINVAL, "response: bad character in a header name at byte %zu", k);
		size_t vs = c + 1, ve = le;
		while (vs < ve && (p[vs] == ' ' || p[vs] == '\t'))
			vs++;
		while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
			ve--;
		if (ieq(p + ls, c - ls, "transfer-encoding"))
			return mm_err_set(err, MM_EUNSUPPORTED, "response: Transfer-Encoding at byte %zu is not supported",
					  ls);
		if (ieq(p + ls, c - ls, "content-length")) {
			char num[24];
			size_t vl = ve - vs;
			uint64_t v;
			if (vl == 0 || vl >= sizeof num)
				return mm_err_set(err, MM_EINVAL, "response: bad Content-Length at byte %zu", ls);
			memcpy(num, p + vs, vl);
			num[vl] = 0;
			if (!mm_parse_u64(num, MM_LINK_RESPONSE_MAX, &v) || (have_len && v != clen))
				return mm_err_set(err, MM_EINVAL, "response: bad or repeated Content-Length at byte %zu", ls);
			have_len = true;
			clen = v;
		}
	}
	bool no_body = r->status == 204 || r->status == 304 || r->status < 200;
	if (no_body) {
		r->body = p + he;
		r->body_len = 0;
		return MM_OK;
	}
	if (have_len) {
		if (n - he < clen)
			return complete ? mm_err_set(err, MM_EINVAL, "response: body has %zu of %llu bytes", n - he,
						     (unsigned long long)clen)
					: MM_ENOTFOUND;
		if (complete && n - he > clen)
			return mm_err_set(err, MM_EINVAL, "response: %zu bytes after the body", n - he - (size_t)clen);
		r->body = p + he;
		r->body_len = (size_t)clen;
		return MM_OK;
	}
	if (!complete)
		return MM_ENOTFOUND; /* read until the peer closes */
	r->body = p + he;
	r->body_len = n - he;
	return MM_OK;
}

/* ---- the certificate pin ---- */

int mm_link_cert_pin(const char *pem_path, uint8_t pin[MM_SHA256_LEN], mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	int rc = mm_file_read(pem_path, 1u << 20, &b, err);
	if (rc)
		goto out;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t in = {b.p, (unsigned)b.len}, der = {NULL, 0};
	if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_PEM) < 0 ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der) < 0)
		rc = mm_err_set(err, MM_EINVAL, "%s: not a PEM certificate", pem_path);
	else
		mm_sha256(der.data, der.size, pin);
	gnutls_free(der.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
out:
	mm_buf_release(&b);
	return rc;
}

/* ---- the connection ---- */

struct pin_ctx {
	const uint8_t *pin;
	bool mismatch;
};

static int verify_pin(gnutls_session_t s)
{
	struct pin_ctx *pc = gnutls_session_get_ptr(s);
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s, &n);
	uint8_t h[MM_SHA256_LEN];
	if (!certs || n == 0)
		goto bad;
	mm_sha256(certs[0].data, certs[0].size, h);
	if (!mm_ct_equal(h, pc->pin, sizeof h))
		goto bad;
	return 0;
bad:
	pc->mismatch = true;
	return GNUTLS_E_CERTIFICATE_ERROR; /* aborts the handshake */
}

static int dial(const mm_link_url *u, int *fd, mm_err *err)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	char port[8];
	snprintf(port, sizeof port, "%u", u->port);
	int g = getaddrinfo(u->host, port, &hints, &res);
	if (g)
		return mm_err_set(err, MM_EIO, "%s: %s", u->host, gai_strerror(g));
	int s = -1, e = 0;
	for (struct addrinfo *a = res; a && s < 0; a = a->ai_next) {
		s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (s < 0)
			continue;
		struct timeval tv = {MM_LINK_TIMEOUT_SECONDS, 0};
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		int one = 1; /* the request goes out corked in whole records: no Nagle stall on its tail */
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (connect(s, a->ai_addr, a->ai_addrlen) != 0) {
			e = errno;
			close(s);
			s = -1;
		}
	}
	freeaddrinfo(res);
	if (s < 0)
		return mm_err_set(err, MM_EIO, "cannot connect to %s port %u: %s", u->host, u->port, strerror(e));
	*fd = s;
	return MM_OK;
}

int mm_link_http_request(const mm_link_url *u, const uint8_t pin[MM_SHA256_LEN], const char *method,
			 const char *path, const char *ctype, const void *body, size_t n, mm_buf *raw,
			 mm_link_response *r, mm_err *err)
{
	int fd = -1, rc = MM_OK, g;
	gnutls_session_t s = NULL;
	gnutls_certificate_credentials_t cred = NULL;
	struct pin_ctx pc = {pin, false};
	mm_buf req;
	mm_buf_init(&req, MM_LINK_HTTP_HEADER_MAX);
	memset(r, 0, sizeof *r);
	bool v6 = strchr(u->host, ':') != NULL;
	if (mm_buf_printf(&req,
			  "%s %s HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: mamori-agent/%s\r\nAccept: application/json\r\n"
			  "Content-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			  method, path, v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, MM_VERSION,
			  ctype ? ctype : "application/octet-stream", n)) {
		rc = mm_err_set(err, MM_ELIMIT, "request line too long");
		goto out;
	}
	if ((rc = dial(u, &fd, err)))
		goto out;
	if ((g = gnutls_certificate_allocate_credentials(&cred)) < 0 || (g = gnutls_init(&s, GNUTLS_CLIENT)) < 0 ||
	    (g = gnutls_priority_set_direct(s, "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", NULL)) < 0 ||
	    (g = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred)) < 0) {
		rc = mm_err_set(err, MM_ECRYPTO, "TLS setup: %s", gnutls_strerror(g));
		goto out;
	}
	gnutls_certificate_set_verify_function(cred, verify_pin);
	gnutls_session_set_ptr(s, &pc);
	if (!v6)
		(void)gnutls_server_name_set(s, GNUTLS_NAME_DNS, u->host, strlen(u->host));
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, MM_LINK_TIMEOUT_SECONDS * 1000);
	do
		g = gnutls_handshake(s);
	while (g < 0 && !gnutls_error_is_fatal(g));
	if (g < 0) {
		if (pc.mismatch)
			rc = mm_err_set(err, MM_ECRYPTO,
					"%s port %u: the server's certificate is not the one the enrollment token pinned "
					"(refusing to talk to it)",
					u->host, u->port);
		else
			rc = mm_err_set(err, MM_EIO, "%s port %u: TLS handshake failed: %s", u->host, u->port,
					gnutls_strerror(g));
		goto out;
	}
	const uint8_t *parts[2] = {req.p, body};
	size_t lens[2] = {req.len, n};
	gnutls_record_cork(s); /* headers and body leave in full-size records */
	for (int k = 0; k < 2; k++) {
		size_t off = 0;
		while (off < lens[k]) {
			ssize_t w = gnutls_record_send(s, parts[k] + off, lens[k] - off);
			if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
				continue;
			if (w < 0) {
				rc = mm_err_set(err, MM_EIO, "sending the request: %s", gnutls_strerror((int)w));
				goto out;
			}
			off += (size_t)w;
		}
	}
	for (;;) {
		int w = gnutls_record_uncork(s, GNUTLS_RECORD_WAIT);
		if (w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED)
			continue;
		if (w < 0) {
			rc = mm_err_set(err, MM_EIO, "sending the request: %s", gnutls_strerror(w));
			goto out;
		}
		break;
	}
	mm_buf_reset(raw);
	for (;;) {
		uint8_t chunk[16384];
		ssize_t got = gnutls_record_recv(s, chunk, sizeof chunk);
		if (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED)
			continue;
		if (got == 0 || got == GNUTLS_E_PREMATURE_TERMINATION)
			break; /* closed: the parser decides whether the response is whole */
		if (got < 0) {
			rc = mm_err_set(err, MM_EIO, "reading the response: %s", gnutls_strerror((int)got));
			goto out;
		}
		if (mm_buf_append(raw, chunk, (size_t)got)) {
			rc = mm_err_set(err, MM_ELIMIT, "response larger than %zu bytes", raw->limit);
			goto out;
		}
		int pr = mm_link_http_parse(raw->p, raw->len, false, r, err);
		if (pr == MM_OK)
			goto out;
		if (pr != MM_ENOTFOUND) {
			rc = pr;
			goto out;
		}
	}
	rc = mm_link_http_parse(raw->p ? raw->p : (const uint8_t *)"", raw->len, true, r, err);
out:
	if (s) {
		if (rc == MM_OK)
			(void)gnutls_bye(s, GNUTLS_SHUT_WR);
		gnutls_deinit(s);
	}
	if (cred)
		gnutls_certificate_free_credentials(cred);
	if (fd >= 0)
		close(fd);
	mm_buf_release(&req);
	return rc;
}
