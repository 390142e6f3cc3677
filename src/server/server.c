/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTPS daemon: libmicrohttpd with GnuTLS, a pool of epoll threads
 * (one slow client blocks no one), bounded headers, bodies, connections
 * and idle time; one dispatcher that adds the security headers to every
 * reply; an optional plain-HTTP listener that only redirects to "/" on
 * HTTPS; graceful stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "server/server_int.h"
#include "base/banned.h"

#ifndef MM_WEB_DIR
#define MM_WEB_DIR "web"
#endif

/* ---- error messages in the user's language ---- */

static const struct {
	const char *code, *ja, *en;
} messages[] = {
	{"bad_request", "リクエストの形式が正しくありません。", "The request is not well-formed."},
	{"invalid", "入力内容に誤りがあります。", "Some input is not valid."},
	{"unauthorized", "ログインしてください。", "Please log in."},
	{"login_failed", "ユーザー名またはパスワードが違います。", "Wrong user name or password."},
	{"locked", "アカウントがロックされています。しばらくしてから再度お試しください。",
	 "The account is locked. Please try again later."},
	{"forbidden", "この操作を行う権限がありません。", "You are not allowed to do this."},
	{"password_change_required", "管理者が設定した一時パスワードです。先にパスワードを変更してください。",
	 "Your password was set by an administrator for one use. Please change it first."},
	{"csrf", "画面を再読み込みしてから操作してください。", "Please reload the page and try again."},
	{"origin", "他のサイトからの操作は受け付けません。", "Requests from other sites are refused."},
	{"not_found", "見つかりません。", "Not found."},
	{"method", "この操作はできません。", "This method is not allowed here."},
	{"conflict", "他の人が先に更新しました。再読み込みしてください。",
	 "Someone else changed this first. Please reload."},
	{"exists", "既に存在します。", "It already exists."},
	{"too_large", "データが大きすぎます。", "The data is too large."},
	{"internal", "サーバーでエラーが発生しました。", "The server failed."},
	{"unavailable", "サーバーが混み合っているか停止処理中です。しばらくしてから再度お試しください。",
	 "The server is busy or shutting down. Please try again later."},
};

static const char *message(const char *code, const char *lang)
{
	for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
		if (strcmp(messages[i].code, code) == 0)
			return strcmp(lang, "en") == 0 ? messages[i].en : messages[i].ja;
	return code;
}

void reply_json(struct ctx *x, unsigned status, const char *text, size_t n)
{
	struct reply *rp = x->rp;
	mm_buf_reset(&rp->body);
	rp->status = status;
	rp->ctype = "application/json; charset=utf-8";
	if (mm_buf_append(&rp->body, text, n)) {
		mm_buf_reset(&rp->body);
		rp->status = 500;
		if (mm_buf_puts(&rp->body, "{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}"))
			rp->body.len = 0; /* an empty 500 then */
	}
}

void reply_error(struct ctx *x, unsigned status, const char *code, const char *detail)
{
	json_t *e = json_pack("{s:s, s:s}", "code", code, "message", message(code, x->lang ? x->lang : "ja"));
	if (e && detail && *detail) {
		json_object_set_new(e, "detail", json_string(detail));
		/* validation errors name their field: "field NAME: why" */
		if (strncmp(detail, "field ", 6) == 0) {
			char f[MM_NAME_MAX + 1];
			size_t n = 0;
			const char *p = detail + 6;
			bool quoted = *p == '\'';
			p += quoted;
			while (p[n] && p[n] != (quoted ? '\'' : ':') && p[n] != '[' && p[n] != '.' && n < MM_NAME_MAX)
				n++;
			memcpy(f, p, n);
			f[n] = 0;
			json_object_set_new(e, "field", json_string(f));
		}
	}
	json_t *o = e ? json_pack("{s:o}", "error", e) : NULL;
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s)
		reply_json(x, status, s, strlen(s));
	else
		reply_json(x, 500, "{\"error\":{\"code\":\"internal\"}}", 29);
	free(s);
}

void reply_mm_error(struct ctx *x, const mm_err *e)
{
	switch (e->code) {
	case MM_EINVAL: reply_error(x, 400, "invalid", e->msg); break;
	case MM_ENOTFOUND: reply_error(x, 404, "not_found", e->msg); break;
	case MM_ECONFLICT: reply_error(x, 409, "conflict", e->msg); break;
	case MM_EEXIST: reply_error(x, 409, "exists", e->msg); break;
	case MM_EPERM: reply_error(x, 403, "forbidden", e->msg); break;
	case MM_ELIMIT: reply_error(x, 413, "too_large", e->msg); break;
	default:
		/* the detail may name files; keep it in the server's log only */
		fprintf(stderr, "mamori serve: %s %s: %s\n", x->method, mm_strerror(e->code), e->msg);
		reply_error(x, 500, "internal", NULL);
	}
}

const char *ctx_query(struct ctx *x, const char *name)
{
	const char *v = MHD_lookup_connection_value(x->c, MHD_GET_ARGUMENT_KIND, name);
	return v && strlen(v) <= MM_HTTP_QUERY_MAX ? v : NULL;
}

const char *ctx_header(struct ctx *x, const char *name)
{
	return MHD_lookup_connection_value(x->c, MHD_HEADER_KIND, name);
}

/* ---- request lifecycle ---- */

struct req {
	mm_buf body;
	bool too_big;
	bool late; /* began after the stop: refused; earlier ones finish */
	bool busy; /* all connections' bodies together reached MM_HTTP_BODIES_MAX */
	size_t counted; /* bytes of this body counted in srv->body_bytes */
	mm_route route;
};

static const char csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
			  "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
			  "frame-ancestors 'none'";

static enum MHD_Result send_reply(struct MHD_Connection *c, struct reply *rp, bool head)
{
	struct MHD_Response *r;
	if (rp->file) {
		r = MHD_create_response_from_buffer(head ? 0 : rp->file->len, rp->file->data, MHD_RESPMEM_PERSISTENT);
	} else {
		size_t n = 0;
		uint8_t *p = mm_buf_detach(&rp->body, &n);
		if (head || !p) {
			free(p);
			r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		} else {
			r = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
			if (!r)
				free(p);
		}
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", rp->file ? rp->file->ctype : rp->ctype);
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Strict-Transport-Security", "max-age=63072000");
	MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=()");
	MHD_add_response_header(r, "X-Robots-Tag", "noindex, nofollow");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (rp->cookie[0])
		MHD_add_response_header(r, "Set-Cookie", rp->cookie);
	if (rp->disposition[0])
		MHD_add_response_header(r, "Content-Disposition", rp->disposition);
	enum MHD_Result ret = MHD_queue_response(c, rp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static size_t body_limit(const mm_route *r)
{
	if (r->id == MM_R_AGENT_REPORT)
		return MM_LINK_ENVELOPE_MAX;
	if (r->id == MM_R_IMPORT)
		return MM_CSV_FILE_MAX;
	return r->id == MM_R_ATTACH ? MM_HTTP_UPLOAD_MAX : MM_HTTP_BODY_MAX;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)version;
	mm_server *srv = cls;
	struct req *q = *con_cls;
	struct reply rp = {.status = 200, .ctype = "application/json; charset=utf-8"};
	struct ctx x = {.srv = srv, .c = c, .method = method, .rp = &rp, .lang = "ja"};
	enum MHD_Result ret;
	if (!q) {
		q = calloc(1, sizeof *q);
		if (!q)
			return MHD_NO;
		mm_buf_init(&q->body, 0);
		mm_http_route(method, url, &q->route);
		q->late = atomic_load(&srv->stopping);
		q->body.limit = body_limit(&q->route);
		*con_cls = q;
		atomic_fetch_add(&srv->inflight, 1);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		uint64_t n;
		if (cl && (!mm_parse_u64(cl, UINT64_MAX, &n) || n > q->body.limit)) {
			/* answer before reading the body; the connection is closed after */
			x.lang = mm_http_lang(NULL, ctx_header(&x, "Accept-Language"));
			mm_buf_init(&rp.body, 1u << 16);
			reply_error(&x, 413, "too_large", NULL);
			ret = send_reply(c, &rp, false);
			mm_buf_release(&rp.body);
			return ret;
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		if (!q->too_big && !q->busy) {
			/* many large uploads at once must not exhaust memory: a global bound too */
			if (atomic_fetch_add(&srv->body_bytes, n) + n > MM_HTTP_BODIES_MAX) {
				atomic_fetch_sub(&srv->body_bytes, n);
				q->busy = true;
			} else {
				q->counted += n;
				if (mm_buf_append(&q->body, upload_data, n))
					q->too_big = true;
			}
		}
		if (q->too_big || q->busy) {
			mm_buf_wipe(&q->body);
			mm_buf_init(&q->body, 0);
			atomic_fetch_sub(&srv->body_bytes, q->counted);
			q->counted = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	mm_buf_init(&rp.body, MM_HTTP_PAGE_MAX * (size_t)MM_RECORD_JSON_MAX);
	x.route = q->route;
	x.body = q->body.p;
	x.body_len = q->body.len;
	x.lang = mm_http_lang(ctx_header(&x, "X-Mamori-Lang"), ctx_header(&x, "Accept-Language"));
	bool head = strcmp(method, "HEAD") == 0;
	if (q->busy) {
		reply_error(&x, 503, "unavailable", NULL);
	} else if (q->too_big) {
		reply_error(&x, 413, "too_large", NULL);
	} else if (x.route.id == MM_R_NONE) {
		reply_error(&x, 404, "not_found", NULL);
	} else if (x.route.id == MM_R_BAD_METHOD) {
		reply_error(&x, 405, "method", NULL);
	} else if (x.route.id == MM_R_STATIC) {
		const struct web_file *f = web_find(srv, url);
		if (f) {
			rp.file = f;
		} else {
			reply_error(&x, 404, "not_found", NULL);
		}
	} else if (q->late) {
		reply_error(&x, 503, "unavailable", NULL);
	} else {
		api_dispatch(&x);
	}
	ret = send_reply(c, &rp, head);
	mm_buf_release(&rp.body);
	sodium_memzero(&x.sess, sizeof x.sess);
	sodium_memzero(x.token, sizeof x.token);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	(void)c;
	(void)t;
	mm_server *srv = cls;
	struct req *q = *con_cls;
	if (!q)
		return;
	mm_buf_wipe(&q->body); /* bodies carry passwords */
	atomic_fetch_sub(&srv->body_bytes, q->counted);
	free(q);
	*con_cls = NULL;
	atomic_fetch_sub(&srv->inflight, 1);
}

/* The plain-HTTP listener: every request goes to the fixed HTTPS start page. */
static enum MHD_Result on_redirect(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				   const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)url, (void)method, (void)version, (void)upload_data, (void)upload_size, (void)con_cls;
	mm_server *srv = cls;
	static const char body[] = "";
	struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Location", srv->location);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_MOVED_PERMANENTLY, r);
	MHD_destroy_response(r);
	return ret;
}

static int resolve(const char *listen, struct sockaddr_storage *ss, char *host, size_t hostlen, uint16_t *port,
		   mm_err *err)
{
	int rc = mm_http_listen_parse(listen, host, hostlen, port, err);
	if (rc)
		return rc;
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(*port);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(*port);
	} else {
		return mm_err_set(err, MM_EINVAL, "--listen '%.100s': '%s' is not an IP address", listen, host);
	}
	return MM_OK;
}

/*
 * A bound, listening, non-blocking socket: bound here rather than by the
 * daemon so that root can be dropped and the process confined between
 * binding and the start of the HTTP threads.
 */
static int listen_on(const struct sockaddr_storage *ss, const char *what, mm_err *err)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (ss->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one)) ||
	    bind(fd, (const struct sockaddr *)ss, len) || listen(fd, 511)) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return -mm_err_set(err, MM_EIO, "cannot serve %s: %s", what, strerror(e));
	}
	return fd;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

/* State titles are in the schema files but not in mm_kind: read them once. */
static void load_state_titles(mm_server *srv, const char *dir)
{
	const mm_schema *sc = mm_store_schema(srv->store);
	srv->state_titles = json_object();
	srv->value_titles = json_object();
	for (size_t i = 0; srv->state_titles && srv->value_titles && i < mm_schema_count(sc); i++) {
		const mm_kind *k = mm_schema_kind_at(sc, i);
		json_error_t je;
		char path[4096];
		json_t *doc = NULL;
		if (dir && k->file && snprintf(path, sizeof path, "%s/%s", dir, k->file) < (int)sizeof path)
			doc = json_load_file(path, 0, &je);
		json_t *titles = json_object(), *st;
		size_t j;
		json_array_foreach(json_object_get(doc, "states"), j, st) {
			const char *v = json_string_value(json_object_get(st, "value"));
			json_t *t = json_object_get(st, "title");
			if (v && json_is_object(t))
				json_object_set(titles, v, t);
		}
		json_object_set_new(srv->state_titles, k->name, titles);
		/* enum values with titles: {field: {value: {"ja", "en"}}} (a list's items under the list's name) */
		json_t *vt = json_object(), *f;
		json_array_foreach(json_object_get(doc, "fields"), j, f) {
			const char *name = json_string_value(json_object_get(f, "name"));
			json_t *vals = json_object_get(f, "values");
			if (!vals)
				vals = json_object_get(json_object_get(f, "items"), "values");
			json_t *ft = json_object(), *v;
			size_t m;
			json_array_foreach(vals, m, v) {
				const char *val = json_string_value(json_object_get(v, "value"));
				json_t *t = json_object_get(v, "title");
				if (val && json_is_object(t))
					json_object_set(ft, val, t);
			}
			if (name && json_object_size(ft))
				json_object_set(vt, name, ft);
			json_decref(ft);
		}
		json_object_set_new(srv->value_titles, k->name, vt);
		json_decref(doc);
	}
}

int mm_server_start(const mm_server_config *cfg, mm_store *store, mm_auth *auth, mm_server **out, mm_err *err)
{
	*out = NULL;
	int rc = MM_OK;
	mm_buf cert, key;
	mm_buf_init(&cert, 1u << 20);
	mm_buf_init(&key, 1u << 20);
	mm_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	srv->store = store;
	srv->auth = auth;
	atomic_init(&srv->inflight, 0);
	atomic_init(&srv->body_bytes, 0);
	atomic_init(&srv->stopping, false);
	pthread_mutex_init(&srv->refusal_mu, NULL);
	struct sockaddr_storage ss;
	char host[256];
	uint16_t port;
	int lfd = -1, rfd = -1;
	const char *listen_s = cfg->listen ? cfg->listen : "127.0.0.1:8443";
	char what[320];
	struct sockaddr_storage rs;
	if ((rc = resolve(listen_s, &ss, host, sizeof host, &port, err)))
		goto fail;
	if ((rc = mm_file_read(cfg->cert_path, 1u << 20, &cert, err)) ||
	    (rc = mm_file_read(cfg->key_path, 1u << 20, &key, err)))
		goto fail;
	srv->cert = (char *)mm_buf_detach(&cert, NULL);
	srv->key = (char *)mm_buf_detach(&key, NULL);
	if ((rc = web_load(srv, cfg->web_dir ? cfg->web_dir : MM_WEB_DIR, err)))
		goto fail;
	load_state_titles(srv, cfg->schema_dir);
	snprintf(srv->schema_dir, sizeof srv->schema_dir, "%s", cfg->schema_dir ? cfg->schema_dir : "");
	snprintf(what, sizeof what, "HTTPS on %s", listen_s);
	if ((lfd = listen_on(&ss, what, err)) < 0) {
		rc = -lfd;
		goto fail;
	}
	srv->port = bound_port(lfd);
	if (cfg->redirect_listen) {
		char rhost[256];
		uint16_t rport;
		if ((rc = resolve(cfg->redirect_listen, &rs, rhost, sizeof rhost, &rport, err)))
			goto fail;
		snprintf(what, sizeof what, "plain HTTP redirects on %s", cfg->redirect_listen);
		if ((rfd = listen_on(&rs, what, err)) < 0) {
			rc = -rfd;
			goto fail;
		}
	}
	/* bound, files read: drop root and confine the process before any thread starts */
	if (cfg->confine && (rc = cfg->confine(cfg->confine_ctx, err)))
		goto fail;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cfg->threads ? cfg->threads : (unsigned)(ncpu < 2 ? 2 : ncpu);
	if (threads > MM_HTTP_THREADS_MAX)
		threads = MM_HTTP_THREADS_MAX;
	unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	srv->d = MHD_start_daemon(
		flags, port, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, lfd,
		MHD_OPTION_HTTPS_MEM_CERT, srv->cert, MHD_OPTION_HTTPS_MEM_KEY, srv->key, MHD_OPTION_HTTPS_PRIORITIES,
		"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2", MHD_OPTION_THREAD_POOL_SIZE, threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)MM_HTTP_CONNECTIONS_MAX, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)MM_HTTP_PER_IP_MAX, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)MM_HTTP_TIMEOUT_SECONDS,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MM_HTTP_HEADER_MAX, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, srv, MHD_OPTION_END);
	if (!srv->d) {
		rc = mm_err_set(err, MM_EIO, "cannot serve HTTPS on %s (the certificate %s and key %s do not load)",
				listen_s, cfg->cert_path, cfg->key_path);
		goto fail;
	}
	lfd = -1; /* the daemon's now */
	if (cfg->origin)
		snprintf(srv->origin, sizeof srv->origin, "%s", cfg->origin);
	else if (ss.ss_family == AF_INET6)
		snprintf(srv->origin, sizeof srv->origin, "https://[%s]:%u", host, srv->port);
	else
		snprintf(srv->origin, sizeof srv->origin, "https://%s:%u", host, srv->port);
	snprintf(srv->location, sizeof srv->location, "%s/", srv->origin);
	if (rfd >= 0) {
		srv->redir = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | (rs.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
					      0, NULL, NULL, on_redirect, srv, MHD_OPTION_LISTEN_SOCKET, rfd,
					      MHD_OPTION_CONNECTION_LIMIT, 64u,
					      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					      (size_t)8192, MHD_OPTION_END);
		if (!srv->redir) {
			rc = mm_err_set(err, MM_EIO, "cannot listen on %s for redirects", cfg->redirect_listen);
			goto fail;
		}
		rfd = -1;
	}
	*out = srv;
	return MM_OK;
fail:
	if (lfd >= 0)
		close(lfd);
	if (rfd >= 0)
		close(rfd);
	mm_buf_wipe(&cert);
	mm_buf_wipe(&key);
	if (srv->d)
		MHD_stop_daemon(srv->d);
	srv->d = NULL;
	mm_server_stop(srv);
	return rc;
}

uint16_t mm_server_port(const mm_server *srv)
{
	return srv->port;
}

uint16_t mm_server_redirect_port(const mm_server *srv)
{
	const union MHD_DaemonInfo *di = srv->redir ? MHD_get_daemon_info(srv->redir, MHD_DAEMON_INFO_LISTEN_FD) : NULL;
	return di ? bound_port(di->listen_fd) : 0;
}

void mm_server_stop(mm_server *srv)
{
	if (!srv)
		return;
	atomic_store(&srv->stopping, true);
	if (srv->redir)
		MHD_stop_daemon(srv->redir);
	if (srv->d) {
		MHD_socket ls = MHD_quiesce_daemon(srv->d); /* no new connections; the socket is ours again */
		for (int i = 0; i < MM_SHUTDOWN_WAIT_SECONDS * 100 && atomic_load(&srv->inflight) > 0; i++) {
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		MHD_stop_daemon(srv->d);
		if (ls != MHD_INVALID_SOCKET)
			close(ls);
	}
	web_free(srv);
	json_decref(srv->state_titles);
	json_decref(srv->value_titles);
	if (srv->key) {
		sodium_memzero(srv->key, strlen(srv->key));
		free(srv->key);
	}
	free(srv->cert);
	pthread_mutex_destroy(&srv->refusal_mu);
	free(srv);
}
