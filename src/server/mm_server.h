/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: `mamori serve` — HTTPS only (libmicrohttpd with GnuTLS), a JSON
 * API under /api/v1/ for every record kind, accounts, sessions and the
 * ledger, and the static web UI (web/). Every response carries the
 * security headers of DESIGN.md "Security rules for the server"; every
 * request is checked for its session, its role and (for state changes)
 * its Origin and CSRF token on the server. docs/api.md describes the API.
 *
 * The request parsers below are pure functions so that tests and fuzz
 * targets can reach them without a socket.
 */
#ifndef MM_SERVER_H
#define MM_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/mm_auth.h"
#include "base/mm_base.h"
#include "store/mm_store.h"

typedef struct mm_server mm_server;

/*
 * Called by mm_server_start once the sockets are bound and the
 * certificate, key and web files are read, before any HTTP thread starts
 * (so that what it installs covers them all): mamori serve drops root
 * and confines the process here. A non-OK return stops the start.
 */
typedef int (*mm_server_confine_fn)(void *ctx, mm_err *err);

typedef struct mm_server_config {
	const char *listen;          /* "ADDR:PORT" (IPv6 as "[::1]:8443"); port 0 picks a free one */
	const char *redirect_listen; /* optional plain-HTTP listener that only redirects; NULL = none */
	const char *cert_path;       /* PEM certificate (chain) */
	const char *key_path;        /* PEM private key */
	const char *web_dir;         /* static UI files, loaded once at start */
	const char *schema_dir;      /* the store's schema folder (state titles); NULL = none */
	const char *origin;          /* public origin for the redirect ("https://host:port"); NULL = from listen */
	unsigned threads;            /* worker threads; 0 = number of CPUs (at least 2) */
	mm_server_confine_fn confine; /* optional; see above */
	void *confine_ctx;
} mm_server_config;

/*
 * Start serving in background threads. store and auth are borrowed and
 * must outlive the server. Errors name the file or address at fault.
 */
int mm_server_start(const mm_server_config *c, mm_store *store, mm_auth *auth, mm_server **out,
		    mm_err *err) MM_MUST_USE;
/* The bound TLS port (useful with port 0), and the redirect listener's (0 if none). */
uint16_t mm_server_port(const mm_server *srv);
uint16_t mm_server_redirect_port(const mm_server *srv);
/*
 * Stop accepting, let in-flight requests finish (at most
 * MM_SHUTDOWN_WAIT_SECONDS), then stop the threads and free srv. The
 * caller then closes the store (which signs the final checkpoint).
 */
void mm_server_stop(mm_server *srv);

/* ---- least privilege (sandbox.c) ---- */

#include <sys/types.h>

/* uid and gid of an unprivileged user (uid 0 or gid 0 refused). */
int mm_server_user(const char *name, uid_t *uid, gid_t *gid, mm_err *err) MM_MUST_USE;
/*
 * From root to user name for good: supplementary groups, then gid, then
 * uid (real, effective and saved), verified afterwards — every id is the
 * user's and setuid(0) fails. Also makes the process non-dumpable.
 */
int mm_server_drop_root(const char *name, mm_err *err) MM_MUST_USE;
/*
 * Give the data the server writes to uid:gid before dropping root: the
 * database, its -wal and -shm, the serve lock, and the attachments
 * folder (made if missing) with its files. Links are not followed.
 */
int mm_server_give_data(const char *db, const char *attach_dir, uid_t uid, gid_t gid, mm_err *err) MM_MUST_USE;

/*
 * True when uid:gid (without other groups) may search every folder from
 * / down to dir, so that the server can still open its files there after
 * the drop; otherwise blocked names the first folder that stops it.
 */
bool mm_server_user_reaches(const char *dir, uid_t uid, gid_t gid, char *blocked, size_t n);

typedef enum mm_fs_access {
	MM_FS_LIST,       /* a folder's names only */
	MM_FS_READ,       /* read files (beneath a folder) */
	MM_FS_READ_WRITE, /* read and write one existing file */
	MM_FS_TREE,       /* read, write, make and remove files and folders beneath a folder */
} mm_fs_access;
typedef struct mm_fs_rule {
	const char *path;
	mm_fs_access access;
} mm_fs_rule;
/*
 * Landlock: from now on this thread and those it starts reach only what
 * rules allow (paths that do not exist are left out), and, from ABI 4,
 * bind or connect no TCP port. *abi is the kernel's Landlock ABI, or 0
 * when the kernel has none (then nothing is restricted and MM_OK is
 * returned: the caller says so).
 */
int mm_server_landlock(const mm_fs_rule *rules, size_t n, int *abi, mm_err *err) MM_MUST_USE;
/*
 * Install the server's seccomp filter on every thread: only the system
 * calls a running server makes are allowed; any other kills the whole
 * process (SIGSYS). Sets no_new_privs.
 */
int mm_server_seccomp(mm_err *err) MM_MUST_USE;
/* True in sanitizer builds, whose filter only logs what it would refuse (LeakSanitizer's tracer). */
bool mm_server_sanitized(void);

/* ---- request parsing (pure; no I/O) ---- */

/* Split "ADDR:PORT" / "[V6]:PORT" into host (no brackets) and port. */
int mm_http_listen_parse(const char *s, char *host, size_t hostlen, uint16_t *port, mm_err *err) MM_MUST_USE;

/*
 * Value of cookie `name` in a Cookie header ("a=1; b=2"). Returns false
 * when absent, empty, longer than outlen-1 or when the header exceeds
 * MM_HTTP_COOKIE_MAX. A name given twice is refused (false): a planted
 * second cookie cannot shadow the real one.
 */
bool mm_http_cookie_get(const char *header, const char *name, char *out, size_t outlen);

/* "ja" or "en": an explicit choice (may be NULL) wins over Accept-Language; default "ja". */
const char *mm_http_lang(const char *choice, const char *accept_language);

/*
 * True when a state-changing request may proceed: no Origin header
 * (non-browser clients), or Origin equal to "https://" + Host.
 */
bool mm_http_origin_ok(const char *origin, const char *host);

/*
 * Parse a request body: a JSON object (duplicate keys refused) whose
 * members, when present, have the types the API expects — strings
 * without NUL for user, password, totp, current, name, role, reason (at most
 * MM_REASON_MAX bytes), transition and to; an object for data; an
 * integer 1..2^32-1 for version. Unknown members are refused (a typo is
 * an error, not silently ignored). *out is owned by the caller
 * (json_decref). Errors give the line and column or the member.
 */
int mm_http_body_parse(const void *p, size_t n, json_t **out, mm_err *err) MM_MUST_USE;

typedef enum mm_route_id {
	MM_R_NONE = 0,        /* no such path: 404 */
	MM_R_BAD_METHOD,      /* path exists, method does not: 405 */
	MM_R_SESSION_GET,     /* GET    /api/v1/session */
	MM_R_SESSION_LOGIN,   /* POST   /api/v1/session */
	MM_R_SESSION_LOGOUT,  /* DELETE /api/v1/session */
	MM_R_SESSIONS_LOGOUT, /* DELETE /api/v1/sessions (everywhere) */
	MM_R_PASSWORD,        /* PUT    /api/v1/session/password */
	MM_R_SCHEMA,          /* GET    /api/v1/schema */
	MM_R_LIST,            /* GET    /api/v1/records/{kind} */
	MM_R_CREATE,          /* POST   /api/v1/records/{kind} */
	MM_R_SHOW,            /* GET    /api/v1/record/{id} */
	MM_R_UPDATE,          /* PATCH  /api/v1/record/{id} */
	MM_R_HISTORY,         /* GET    /api/v1/record/{id}/history */
	MM_R_TRANSITION,      /* POST   /api/v1/record/{id}/transition */
	MM_R_ATTACH,          /* POST   /api/v1/attachments */
	MM_R_ATTACHMENT,      /* GET    /api/v1/attachments/{sha256} */
	MM_R_CHECKPOINT,      /* GET    /api/v1/ledger/checkpoint */
	MM_R_PROOF,           /* GET    /api/v1/ledger/proof/{seq} */
	MM_R_USERS,           /* GET    /api/v1/users */
	MM_R_USER_ADD,        /* POST   /api/v1/users */
	MM_R_USER_DISABLE,    /* POST   /api/v1/users/{name}/disable */
	MM_R_USER_ENABLE,     /* POST   /api/v1/users/{name}/enable */
	MM_R_USER_PASSWD,     /* PUT    /api/v1/users/{name}/password */
	MM_R_USER_RESET,      /* POST   /api/v1/users/{name}/reset-password (one-time password) */
	MM_R_TOTP_BEGIN,      /* POST   /api/v1/session/totp (enrolment: a new secret) */
	MM_R_TOTP_QR,         /* GET    /api/v1/session/totp/qr.svg */
	MM_R_TOTP_CONFIRM,    /* POST   /api/v1/session/totp/confirm */
	MM_R_TOTP_DISABLE,    /* POST   /api/v1/session/totp/disable */
	MM_R_AGENT_ENROLL,    /* POST   /api/v1/agent/enroll (token, no session) */
	MM_R_AGENT_REPORT,    /* POST   /api/v1/agent/report (signed envelope, no session) */
	/* operations (src/server/import_api.c, restore_api.c) */
	MM_R_IMPORT,          /* POST   /api/v1/records/{kind}/import (text/csv) */
	MM_R_RESTORE_ORDER,   /* GET    /api/v1/record/{id}/order (the signed FIM restore order) */
	MM_R_POPULATE,        /* POST   /api/v1/record/{id}/populate (a campaign's checklist lines) */
	MM_R_COMPLIANCE,      /* GET    /api/v1/compliance */
	MM_R_DASHBOARD,       /* GET    /api/v1/dashboard */
	MM_R_CHART,           /* GET    /api/v1/dashboard/chart/{name}.svg */
	MM_R_REPORT,          /* GET    /api/v1/report/{name}?month=|?id= (an .xlsx) */
	MM_R_STATIC,          /* GET    any other path not under /api/: a web UI file */
} mm_route_id;

typedef struct mm_route {
	mm_route_id id;
	char arg[MM_ID_MAX + 1]; /* the path parameter, syntax-checked */
	bool changes_state;      /* needs CSRF token and Origin check */
} mm_route;

/*
 * Match method and path (already percent-decoded, without the query).
 * Path parameters are checked (kinds and ids [A-Za-z0-9._-], hashes 64
 * hex digits, sequence numbers decimal); a bad one gives MM_R_NONE.
 */
void mm_http_route(const char *method, const char *path, mm_route *r);

#endif
