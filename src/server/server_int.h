/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/server: the server handle, one request's context and its reply. */
#ifndef MM_SERVER_INT_H
#define MM_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include <jansson.h>
#include <microhttpd.h>

#include "server/mm_server.h"

#define SESSION_COOKIE "__Host-mamori"

struct web_file {
	char path[256]; /* "/index.html" */
	uint8_t *data;
	size_t len;
	const char *ctype;
};

struct mm_server {
	struct MHD_Daemon *d;
	struct MHD_Daemon *redir;
	mm_store *store;
	mm_auth *auth;
	char *cert, *key; /* PEM text, alive as long as the daemon */
	struct web_file *files;
	size_t nfiles;
	uint16_t port;
	char origin[320];
	char location[340]; /* where the redirect listener sends everyone */
	json_t *state_titles; /* kind -> {state: {"ja":..,"en":..}}, from the schema files */
	json_t *value_titles; /* kind -> {field: {enum value: {"ja":..,"en":..}}}, from the schema files */
	atomic_int inflight;
	atomic_size_t body_bytes; /* request bodies buffered now, bounded by MM_HTTP_BODIES_MAX */
	atomic_bool stopping;
	char schema_dir[4096]; /* the store's schema folder, for report titles (report_api.c) */
	/*
	 * agentapi.c: each refused enrollment or report is a ledger entry, and
	 * these requests come before any login, so every source address has a
	 * budget of refusals (a token bucket; sources share a slot on a hash
	 * collision, which only makes the budget stricter).
	 */
	pthread_mutex_t refusal_mu;
	struct refusal_slot {
		uint8_t key[17]; /* address family, then the IPv4 address or an IPv6 /64 */
		int64_t at_ms;   /* when tokens were last counted */
		int64_t tokens;  /* thousandths of a refusal */
	} refusal[MM_LINK_REFUSAL_SLOTS];
};

/* What a handler answers; the dispatcher adds the security headers. */
struct reply {
	unsigned status;
	mm_buf body;
	const char *ctype;
	char cookie[400];
	char disposition[512];
	const struct web_file *file; /* static file: body not used */
};

/* One request as handlers see it. */
struct ctx {
	mm_server *srv;
	struct MHD_Connection *c;
	const char *method;
	mm_route route;
	const char *lang;
	bool logged_in;
	mm_session sess;
	char token[MM_TOKEN_HEX + 1];
	const uint8_t *body;
	size_t body_len;
	struct reply *rp;
};

/* JSON error reply: a stable code, a message in the user's language, a technical detail. */
void reply_error(struct ctx *x, unsigned status, const char *code, const char *detail);
/* Error reply for an mm_err from a module (maps its code to a status). */
void reply_mm_error(struct ctx *x, const mm_err *e);
/* Reply with JSON text (copied). */
void reply_json(struct ctx *x, unsigned status, const char *text, size_t n);
/* The query parameter or header value (NULL if absent). */
const char *ctx_query(struct ctx *x, const char *name);
const char *ctx_header(struct ctx *x, const char *name);

/* api.c: handle one authenticated (or login) API request. */
void api_dispatch(struct ctx *x);

/* agentapi.c: the agent link's endpoints (no session: a token or a signed envelope). */
void agentapi_dispatch(struct ctx *x);
/* import_api.c: POST /api/v1/records/{kind}/import, a CSV as records, all or nothing. */
void api_import(struct ctx *x);
/* restore_api.c: GET /api/v1/record/{id}/order, the signed restore order of an approved request. */
void api_restore_order(struct ctx *x);
/* campaign_api.c: POST /api/v1/record/{id}/populate, a campaign's checklist lines. */
void api_populate(struct ctx *x);
/* dash_api.c: compliance, dashboard and its charts (GET only) */
void dash_compliance(struct ctx *x);
void dash_dashboard(struct ctx *x);
void dash_chart(struct ctx *x);
/* report_api.c: GET /api/v1/report/{name} */
void api_report(struct ctx *x);

/* web.c */
int web_load(mm_server *srv, const char *dir, mm_err *err);
void web_free(mm_server *srv);
const struct web_file *web_find(const mm_server *srv, const char *path);

#endif
