/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link: how an agent and the server trust each other (docs/agent-link.md).
 * One module for both sides so that the HTTP upload and `mamori import`
 * of an offline bundle run exactly the same code:
 *   - the signed report envelope (= the bundle file): codec, signature with
 *     a domain-separation prefix, verification;
 *   - enrollment tokens that carry the server certificate's SHA-256 pin;
 *   - a small bounded HTTP/1.1 client over GnuTLS that pins that
 *     certificate, and its pure response parser;
 *   - the server side: issue and consume tokens, enroll an agent, ingest a
 *     report (verify, store, update the agent and the inspection items),
 *     every refusal a ledger entry.
 */
#ifndef MM_LINK_H
#define MM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "crypto/mm_crypto.h"
#include "store/mm_store.h"

#define MM_LINK_MAGIC "MMLINK\x00\x01" /* 8 bytes: name, NUL, format version 1 */
#define MM_LINK_MAGIC_LEN 8
/* Domain-separation prefixes of the signed byte strings (never a prefix of one another). */
#define MM_LINK_REPORT_DOMAIN "mamori-agent-report/1\n"
#define MM_LINK_ENROLL_DOMAIN "mamori-agent-enroll/1\n"
#define MM_LINK_TOKEN_DOMAIN "mamori-enroll-token/1\n"
#define MM_LINK_TOKEN_PREFIX "MT1."
#define MM_LINK_TOKEN_LEN (4 + 64 + 1 + 64) /* "MT1." pin-hex "." secret-hex */
#define MM_LINK_SECRET_LEN 32

/* ---- the envelope ---- */

/*
 * A signed report. After mm_link_decode, report and header point into the
 * decoded bytes (borrowed, valid as long as they are).
 */
typedef struct mm_link_envelope {
	char tenant[MM_TENANT_MAX + 1]; /* organisation of the agent record ("" = default) */
	char asset[MM_ID_MAX + 1];      /* the asset the agent speaks for */
	char agent[MM_ID_MAX + 1];      /* the agent record's id */
	uint8_t key_id[MM_SHA256_LEN];  /* SHA-256 of the agent's Ed25519 public key */
	uint64_t counter;               /* strictly increasing per agent, >= 1 */
	int64_t time_ns;                /* when the agent signed, ns since the epoch, UTC */
	uint8_t report_sha256[MM_SHA256_LEN];
	uint8_t sig[MM_ED25519_SIG_LEN];
	const uint8_t *report;
	size_t report_len;
	const uint8_t *header; /* the signed header bytes (without the domain prefix) */
	size_t header_len;
} mm_link_envelope;

/* True if s is a usable tenant/asset/agent id: 1..max bytes of [A-Za-z0-9._@-], not starting with '.' or '-'. */
bool mm_link_id_valid(const char *s, size_t max);

/*
 * Encode e's identity fields, counter and time with report[0..n) into out
 * (appended): computes key_id from sk's public half, the report hash, and
 * signs. e->report/report_len are the report; header/sig/key_id/sha are set.
 */
int mm_link_seal(mm_link_envelope *e, const uint8_t sk[MM_ED25519_SK_LEN], mm_buf *out, mm_err *err) MM_MUST_USE;
/*
 * Strict decode of exactly n bytes: magic, header length, every field's
 * length and syntax, report size within MM_LINK_REPORT_MAX, the report
 * hash, no trailing bytes. Errors name the field and byte offset.
 * Does not check the signature (it needs the enrolled key).
 */
int mm_link_decode(const uint8_t *p, size_t n, mm_link_envelope *e, mm_err *err) MM_MUST_USE;
/* True if key_id names pk and sig verifies over MM_LINK_REPORT_DOMAIN ‖ header. */
bool mm_link_verify(const mm_link_envelope *e, const uint8_t pk[MM_ED25519_PK_LEN]);

/* Enrollment proof of possession: Ed25519 over MM_LINK_ENROLL_DOMAIN ‖ pk ‖ SHA-256(token). */
void mm_link_enroll_sign(const char *token, const uint8_t sk[MM_ED25519_SK_LEN], uint8_t sig[MM_ED25519_SIG_LEN]);
bool mm_link_enroll_verify(const char *token, const uint8_t pk[MM_ED25519_PK_LEN],
			   const uint8_t sig[MM_ED25519_SIG_LEN]);

/* ---- the enrollment request and reply (JSON) ---- */

typedef struct mm_link_enroll_req {
	char token[256];                 /* as sent; its syntax is checked by mm_link_enroll */
	uint8_t pk[MM_ED25519_PK_LEN];
	uint8_t sig[MM_ED25519_SIG_LEN]; /* the proof of possession */
	char hostname[MM_LINK_HOSTNAME_MAX + 1]; /* "" when absent */
} mm_link_enroll_req;

/*
 * Parse the body of POST /api/v1/agent/enroll: a JSON object with exactly
 * the members token, public_key (64 hex), proof (128 hex) and optionally
 * hostname (printable UTF-8, at most MM_LINK_HOSTNAME_MAX bytes); every
 * member a string without NUL; duplicates and unknown members refused.
 */
int mm_link_enroll_req_parse(const void *p, size_t n, mm_link_enroll_req *r, mm_err *err) MM_MUST_USE;

typedef struct mm_link_enroll_reply {
	char agent[MM_ID_MAX + 1];
	char asset[MM_ID_MAX + 1];
	char tenant[MM_TENANT_MAX + 1];
	uint8_t server_key[MM_ED25519_PK_LEN];
	uint8_t public_key[MM_ED25519_PK_LEN]; /* the agent key the server enrolled (the agent compares) */
} mm_link_enroll_reply;

/* Parse the server's 201 reply to an enrollment (the agent side); ids and keys checked. */
int mm_link_enroll_reply_parse(const void *p, size_t n, mm_link_enroll_reply *r, mm_err *err) MM_MUST_USE;

struct mm_link_result;
/*
 * The reply to a successful enrollment as JSON (appended to out):
 * {"agent", "asset", "tenant", "server_key" (base64), "public_key" (hex, the enrolled agent key)}.
 */
int mm_link_enroll_reply_format(const struct mm_link_result *r, const uint8_t pk[MM_ED25519_PK_LEN], mm_buf *out) MM_MUST_USE;

/* ---- tokens ---- */

/* Split a token into its certificate pin and secret; false (with err) if malformed. */
int mm_link_token_parse(const char *token, uint8_t pin[MM_SHA256_LEN], uint8_t secret[MM_LINK_SECRET_LEN],
			mm_err *err) MM_MUST_USE;
/* SHA-256 of the DER certificate in a PEM file (the first certificate). */
int mm_link_cert_pin(const char *pem_path, uint8_t pin[MM_SHA256_LEN], mm_err *err) MM_MUST_USE;

/* ---- HTTP client (pinned TLS) ---- */

typedef struct mm_link_url {
	char host[256];
	uint16_t port;
} mm_link_url;

/* Parse "https://HOST[:PORT][/]" (IPv6 in brackets); nothing else is accepted. */
int mm_link_url_parse(const char *url, mm_link_url *u, mm_err *err) MM_MUST_USE;

/* A parsed response: body borrows the response bytes. */
typedef struct mm_link_response {
	unsigned status;
	const uint8_t *body;
	size_t body_len;
} mm_link_response;

/*
 * Parse a complete HTTP/1.1 response of n bytes (status line, headers
 * within MM_LINK_HTTP_HEADER_MAX, Content-Length or read-to-close body,
 * no Transfer-Encoding). With complete=false (the peer may send more),
 * MM_ENOTFOUND means "need more bytes". Errors name the position.
 */
int mm_link_http_parse(const uint8_t *p, size_t n, bool complete, mm_link_response *r, mm_err *err) MM_MUST_USE;

/*
 * One request over a new TLS connection to u whose leaf certificate's
 * SHA-256 must equal pin (anything else aborts the handshake; there is no
 * other trust). raw receives the response bytes (bounded by its limit),
 * r points into it. Connection: close.
 */
int mm_link_http_request(const mm_link_url *u, const uint8_t pin[MM_SHA256_LEN], const char *method,
			 const char *path, const char *ctype, const void *body, size_t n, mm_buf *raw,
			 mm_link_response *r, mm_err *err) MM_MUST_USE;

/* ---- server side ---- */

/*
 * Issue a one-time token for asset (which must exist and be in service)
 * valid for ttl_s seconds; writes an "agent.token-issue" ledger entry with
 * only the token's hash. token receives MM_LINK_TOKEN_LEN+1 bytes.
 */
int mm_link_token_issue(mm_store *s, const mm_actor *who, const char *asset, int64_t ttl_s,
			const uint8_t pin[MM_SHA256_LEN], char token[MM_LINK_TOKEN_LEN + 1], mm_err *err) MM_MUST_USE;

/* Outcome of an enrollment or ingest that the caller turns into a reply. */
typedef struct mm_link_result {
	const char *code;  /* NULL on success, else a stable refusal code (docs/agent-link.md) */
	char reason[MM_ERR_MSG_MAX];
	char agent[MM_ID_MAX + 1];
	char asset[MM_ID_MAX + 1];
	char tenant[MM_TENANT_MAX + 1];
	char attachment[2 * MM_SHA256_LEN + 1];
	uint64_t counter;
	bool pass;           /* the report's summary.status was "pass" */
	unsigned items;      /* inspection items filled */
	uint8_t server_key[MM_ED25519_PK_LEN]; /* enrollment: the ledger's public key */
} mm_link_result;

/* HTTP status for a refusal code (400, 403, 409, 410, 413). */
unsigned mm_link_status(const char *code);

/*
 * Enroll: check the token (known, unused, unexpired; its asset exists and
 * is in service) and the proof of possession, consume the token and
 * create the agent record. A refusal returns MM_OK with res->code set and
 * an "agent.enroll-refused" ledger entry; an error returns non-OK.
 */
int mm_link_enroll(mm_store *s, const char *token, const uint8_t pk[MM_ED25519_PK_LEN],
		   const uint8_t sig[MM_ED25519_SIG_LEN], const char *hostname, mm_link_result *res,
		   mm_err *err) MM_MUST_USE;

/*
 * Ingest an envelope (HTTP body or bundle file): decode, find the agent,
 * check it is active, for the asset, with this key; verify the signature;
 * refuse a counter not above the last accepted; store the report as an
 * attachment; update the agent record; fill the open automated inspection
 * items of the asset (docs/agent-link.md, "Inspection items"). Refusals as
 * for enroll ("agent.report-refused").
 */
int mm_link_ingest(mm_store *s, const uint8_t *p, size_t n, mm_link_result *res, mm_err *err) MM_MUST_USE;

/* ---- the agent's state directory ---- */

/*
 * What enrollment leaves in the agent's --state DIR (docs/agent-link.md):
 * agent.key (0600, 64 hex digits of the Ed25519 seed, the format of
 * `check --sign-key`), server.pub (base64 of the server's ledger key, the
 * format of `fim --order-key`), link.json and counter.
 */
typedef struct mm_link_state {
	char server[320]; /* "https://HOST:PORT" */
	uint8_t pin[MM_SHA256_LEN];
	char tenant[MM_TENANT_MAX + 1];
	char asset[MM_ID_MAX + 1];
	char agent[MM_ID_MAX + 1];
	uint8_t sk[MM_ED25519_SK_LEN]; /* wipe with mm_link_state_wipe */
	uint64_t counter;              /* the last counter used */
} mm_link_state;

/*
 * Write a new state into dir (created 0700 if missing); refuses if an
 * agent.key is there, unless it is this state's own key (the second step
 * of an offline enrollment). server may be "" (an agent that only writes bundles).
 */
int mm_link_state_create(const char *dir, const mm_link_state *st, const uint8_t server_key[MM_ED25519_PK_LEN],
			 mm_err *err) MM_MUST_USE;
/*
 * Offline enrollment, first step: keep st's key (agent.key) and the pin
 * (pending.json) in dir; refuses if a key is there. Second step:
 * mm_link_state_pending reads them back (sk and pin of st).
 */
int mm_link_state_begin(const char *dir, const mm_link_state *st, mm_err *err) MM_MUST_USE;
int mm_link_state_pending(const char *dir, mm_link_state *st, mm_err *err) MM_MUST_USE;
/* Read the state of dir; errors name the file. */
int mm_link_state_load(const char *dir, mm_link_state *st, mm_err *err) MM_MUST_USE;
/* Take the next counter and persist it durably before it is used (a crash never reuses one). */
int mm_link_state_next(const char *dir, mm_link_state *st, mm_err *err) MM_MUST_USE;
void mm_link_state_wipe(mm_link_state *st);

#endif
