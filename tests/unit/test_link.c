/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link: the envelope codec (round trip, every flipped byte and every
 * truncation refused), signature domain separation, tokens, the HTTP
 * response parser and URL parser, and — against a real store — enrollment
 * with single-use tokens and ingest where racing reports with one counter
 * are accepted exactly once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "scratch.h"

#include "link/mm_link.h"

static const char report[] = "{\"format\":\"mamori-report/1\",\"summary\":{\"status\":\"pass\"},\"results\":[]}";

static void seal(mm_link_envelope *e, const uint8_t sk[64], const char *asset, uint64_t counter, mm_buf *out)
{
	memset(e, 0, sizeof *e);
	snprintf(e->asset, sizeof e->asset, "%s", asset);
	snprintf(e->agent, sizeof e->agent, "agent-1");
	e->counter = counter;
	e->time_ns = 1763337600000000000LL;
	e->report = (const uint8_t *)report;
	e->report_len = strlen(report);
	mm_err err;
	assert_int_equal(mm_link_seal(e, sk, out, &err), MM_OK);
}

static void test_roundtrip(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64], pk2[32], sk2[64];
	mm_ed25519_keypair(pk, sk);
	mm_ed25519_keypair(pk2, sk2);
	mm_link_envelope e, d;
	mm_buf b;
	mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
	seal(&e, sk, "asset-7", 42, &b);
	mm_err err;
	assert_int_equal(mm_link_decode(b.p, b.len, &d, &err), MM_OK);
	assert_string_equal(d.asset, "asset-7");
	assert_string_equal(d.agent, "agent-1");
	assert_string_equal(d.tenant, "");
	assert_int_equal(d.counter, 42);
	assert_int_equal(d.time_ns, 1763337600000000000LL);
	assert_int_equal(d.report_len, strlen(report));
	assert_memory_equal(d.report, report, d.report_len);
	assert_true(mm_link_verify(&d, pk));
	assert_false(mm_link_verify(&d, pk2)); /* another key: its id differs */
	assert_memory_equal(b.p, MM_LINK_MAGIC, MM_LINK_MAGIC_LEN);
	mm_buf_release(&b);
}

/* Every single flipped bit anywhere is refused: by the decoder or by the signature. */
static void test_every_flip_refused(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64];
	mm_ed25519_keypair(pk, sk);
	mm_link_envelope e, d;
	mm_buf b;
	mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
	seal(&e, sk, "asset-7", 3, &b);
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			b.p[i] ^= (uint8_t)(1u << bit);
			mm_err err;
			bool ok = mm_link_decode(b.p, b.len, &d, &err) == MM_OK && mm_link_verify(&d, pk);
			if (ok)
				fail_msg("flip of bit %d at byte %zu accepted", bit, i);
			b.p[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* every truncation, and one byte more */
	for (size_t n = 0; n < b.len; n++) {
		mm_err err;
		assert_int_not_equal(mm_link_decode(b.p, n, &d, &err), MM_OK);
		assert_true(strncmp(err.msg, "envelope: ", 10) == 0);
	}
	assert_int_equal(mm_buf_append(&b, "x", 1), MM_OK);
	mm_err err;
	assert_int_not_equal(mm_link_decode(b.p, b.len, &d, &err), MM_OK);
	mm_buf_release(&b);
}

/* The report signature is over the domain prefix ‖ header, nothing else. */
static void test_domain_separation(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64];
	mm_ed25519_keypair(pk, sk);
	mm_link_envelope e, d;
	mm_buf b, m;
	mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
	mm_buf_init(&m, 4096);
	seal(&e, sk, "asset-7", 9, &b);
	mm_err err;
	assert_int_equal(mm_link_decode(b.p, b.len, &d, &err), MM_OK);
	/* a signature of the bare header, or under another context, is not a report signature */
	const char *const domains[] = {"", "mamori-report/1\n", MM_LINK_ENROLL_DOMAIN, "mamori-agent-report/2\n"};
	for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++) {
		mm_buf_reset(&m);
		assert_int_equal(mm_buf_puts(&m, domains[i]), MM_OK);
		assert_int_equal(mm_buf_append(&m, d.header, d.header_len), MM_OK);
		mm_ed25519_sign(d.sig, m.p, m.len, sk);
		assert_false(mm_link_verify(&d, pk));
	}
	mm_buf_reset(&m);
	assert_int_equal(mm_buf_puts(&m, MM_LINK_REPORT_DOMAIN), MM_OK);
	assert_int_equal(mm_buf_append(&m, d.header, d.header_len), MM_OK);
	mm_ed25519_sign(d.sig, m.p, m.len, sk);
	assert_true(mm_link_verify(&d, pk));
	/* an enrollment proof is bound to its token and key */
	const char *tok = "MT1.0000000000000000000000000000000000000000000000000000000000000000."
			  "1111111111111111111111111111111111111111111111111111111111111111";
	uint8_t sig[64], pk2[32], sk2[64];
	mm_link_enroll_sign(tok, sk, sig);
	assert_true(mm_link_enroll_verify(tok, pk, sig));
	mm_ed25519_keypair(pk2, sk2);
	assert_false(mm_link_enroll_verify(tok, pk2, sig));
	char tok2[MM_LINK_TOKEN_LEN + 1];
	snprintf(tok2, sizeof tok2, "%s", tok);
	tok2[MM_LINK_TOKEN_LEN - 1] = '2';
	assert_false(mm_link_enroll_verify(tok2, pk, sig));
	mm_buf_release(&b);
	mm_buf_release(&m);
}

static void test_seal_limits(void **state)
{
	(void)state;
	uint8_t pk[32], sk[64];
	mm_ed25519_keypair(pk, sk);
	mm_link_envelope e;
	memset(&e, 0, sizeof e);
	mm_buf b;
	mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
	mm_err err;
	snprintf(e.asset, sizeof e.asset, "../etc");
	snprintf(e.agent, sizeof e.agent, "agent-1");
	e.counter = 1;
	e.report = (const uint8_t *)report;
	e.report_len = strlen(report);
	assert_int_equal(mm_link_seal(&e, sk, &b, &err), MM_EINVAL);
	snprintf(e.asset, sizeof e.asset, "asset-1");
	e.counter = 0;
	assert_int_equal(mm_link_seal(&e, sk, &b, &err), MM_EINVAL);
	e.counter = 1;
	e.report_len = (size_t)MM_LINK_REPORT_MAX + 1;
	assert_int_equal(mm_link_seal(&e, sk, &b, &err), MM_ELIMIT);
	/* a decoded header may not claim a report over the limit */
	uint8_t big[MM_LINK_MAGIC_LEN + 4];
	memcpy(big, MM_LINK_MAGIC, MM_LINK_MAGIC_LEN);
	memset(big + MM_LINK_MAGIC_LEN, 0xff, 4);
	mm_link_envelope d;
	assert_int_equal(mm_link_decode(big, sizeof big, &d, &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "header length"));
	mm_buf_release(&b);
}

static void test_token_parse(void **state)
{
	(void)state;
	uint8_t pin[32], sec[32];
	mm_err err;
	char t[MM_LINK_TOKEN_LEN + 2];
	snprintf(t, sizeof t, "MT1.%064d.%064d", 0, 0);
	assert_int_equal(mm_link_token_parse(t, pin, sec, &err), MM_OK);
	t[10] = 'g';
	assert_int_equal(mm_link_token_parse(t, pin, sec, &err), MM_EINVAL);
	assert_int_equal(mm_link_token_parse("MT1.", pin, sec, &err), MM_EINVAL);
	assert_int_equal(mm_link_token_parse(NULL, pin, sec, &err), MM_EINVAL);
	snprintf(t, sizeof t, "MT2.%064d.%064d", 0, 0);
	assert_int_equal(mm_link_token_parse(t, pin, sec, &err), MM_EINVAL);
}

static void test_http_parse(void **state)
{
	(void)state;
	mm_link_response r;
	mm_err err;
	const char ok[] = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
	assert_int_equal(mm_link_http_parse((const uint8_t *)ok, strlen(ok), true, &r, &err), MM_OK);
	assert_int_equal(r.status, 201);
	assert_int_equal(r.body_len, 2);
	assert_memory_equal(r.body, "{}", 2);
	/* incomplete while reading: more is needed; at the close: an error naming the position */
	assert_int_equal(mm_link_http_parse((const uint8_t *)ok, strlen(ok) - 1, false, &r, &err), MM_ENOTFOUND);
	assert_int_equal(mm_link_http_parse((const uint8_t *)ok, strlen(ok) - 1, true, &r, &err), MM_EINVAL);
	assert_int_equal(mm_link_http_parse((const uint8_t *)ok, 20, false, &r, &err), MM_ENOTFOUND);
	const char nocl[] = "HTTP/1.0 200 OK\r\n\r\nabc";
	assert_int_equal(mm_link_http_parse((const uint8_t *)nocl, strlen(nocl), false, &r, &err), MM_ENOTFOUND);
	assert_int_equal(mm_link_http_parse((const uint8_t *)nocl, strlen(nocl), true, &r, &err), MM_OK);
	assert_int_equal(r.body_len, 3);
	const char nc[] = "HTTP/1.1 204 No Content\r\nServer: x\r\n\r\n";
	assert_int_equal(mm_link_http_parse((const uint8_t *)nc, strlen(nc), false, &r, &err), MM_OK);
	assert_int_equal(r.status, 204);
	const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(mm_link_http_parse((const uint8_t *)bad[i], strlen(bad[i]), true, &r, &err), MM_OK);
	/* headers beyond the limit */
	size_t n = MM_LINK_HTTP_HEADER_MAX + 10;
	uint8_t *big = malloc(n);
	assert_non_null(big);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', n - 20);
	assert_int_equal(mm_link_http_parse(big, n, false, &r, &err), MM_ELIMIT);
	free(big);
}

static void test_enroll_json(void **state)
{
	(void)state;
	mm_link_enroll_req q;
	mm_link_enroll_reply r;
	mm_err err;
	char ok[400];
	snprintf(ok, sizeof ok, "{\"token\":\"MT1.x\",\"public_key\":\"%064d\",\"proof\":\"%0128d\",\"hostname\":\"h1\"}", 7, 9);
	assert_int_equal(mm_link_enroll_req_parse(ok, strlen(ok), &q, &err), MM_OK);
	assert_string_equal(q.token, "MT1.x");
	assert_string_equal(q.hostname, "h1");
	assert_int_equal(q.pk[31], 7);
	struct {
		const char *body, *why;
	} bad[] = {
		{"[]", "JSON object"},
		{"{\"token\":\"a\",\"token\":\"b\"}", "line 1"},
		{"{\"token\":\"a\",\"public_key\":\"00\",\"proof\":\"00\"}", "public_key"},
		{"{\"token\":\"a\",\"extra\":\"1\"}", "unknown member \"extra\""},
		{"{\"token\":1}", "must be a string"},
		{"{\"token\":\"a\\u0000b\"}", "line 1"}, /* jansson refuses NUL itself */
		{"{\"hostname\":\"a\\nb\"}", "hostname"},
		{"{\"token\":\"a\"}", "are required"},
		{"", "JSON object"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(mm_link_enroll_req_parse(bad[i].body, strlen(bad[i].body), &q, &err), MM_EINVAL);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("%s: message '%s' lacks '%s'", bad[i].body, err.msg, bad[i].why);
	}
	/* the reply as the server formats it parses back to the same values */
	mm_link_result res;
	memset(&res, 0, sizeof res);
	snprintf(res.agent, sizeof res.agent, "agent-1");
	snprintf(res.asset, sizeof res.asset, "asset-2");
	res.server_key[0] = 0x77;
	uint8_t pk[32] = {0};
	pk[31] = 5;
	mm_buf out;
	mm_buf_init(&out, 4096);
	assert_int_equal(mm_link_enroll_reply_format(&res, pk, &out), MM_OK);
	assert_int_equal(mm_link_enroll_reply_parse(out.p, out.len, &r, &err), MM_OK);
	mm_buf_release(&out);
	assert_string_equal(r.agent, "agent-1");
	assert_string_equal(r.asset, "asset-2");
	assert_string_equal(r.tenant, "");
	assert_int_equal(r.server_key[0], 0x77);
	assert_memory_equal(r.public_key, pk, 32);
	const char nopk[] = "{\"agent\":\"agent-1\",\"asset\":\"asset-2\",\"tenant\":\"\","
			    "\"server_key\":\"d1NIycbH6hRQwOAbF9cVGGFmoZ8+ERJt6hdwUADr2N0=\"}";
	assert_int_equal(mm_link_enroll_reply_parse(nopk, strlen(nopk), &r, &err), MM_EINVAL);
	const char *const badrep[] = {"{}", "{\"agent\":\"../x\",\"asset\":\"a\",\"tenant\":\"\",\"server_key\":\"AA==\"}",
				      "{\"agent\":\"a\",\"asset\":\"a\",\"tenant\":\"\",\"server_key\":\"AAAA\"}", "null"};
	for (size_t i = 0; i < sizeof badrep / sizeof badrep[0]; i++)
		assert_int_equal(mm_link_enroll_reply_parse(badrep[i], strlen(badrep[i]), &r, &err), MM_EINVAL);
}

static void test_url_parse(void **state)
{
	(void)state;
	mm_link_url u;
	mm_err err;
	assert_int_equal(mm_link_url_parse("https://127.0.0.1:8443", &u, &err), MM_OK);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 8443);
	assert_int_equal(mm_link_url_parse("https://mamori.example/", &u, &err), MM_OK);
	assert_int_equal(u.port, 443);
	assert_int_equal(mm_link_url_parse("https://[::1]:9", &u, &err), MM_OK);
	assert_string_equal(u.host, "::1");
	const char *const bad[] = {"http://x", "https://", "https://x:0", "https://x:70000", "https://x/path",
				   "https://a b", "https://[::1", "https://x:8443/api"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(mm_link_url_parse(bad[i], &u, &err), MM_OK);
}

/* ---- against a real store ---- */

static char dir[4096], db[4200], schema[4200];
static mm_store *S;
static const mm_actor admin = {"tester", "admin", NULL};

static void make(const char *kind, const char *json, char id[MM_ID_MAX + 1])
{
	mm_write_result w;
	mm_err err;
	if (mm_store_create(S, &admin, kind, json, strlen(json), NULL, &w, &err))
		fail_msg("%s", err.msg);
	snprintf(id, MM_ID_MAX + 1, "%s", w.id);
}

struct race {
	const uint8_t *p;
	size_t n;
	int accepted, replay;
	pthread_mutex_t mu;
};

static void *racer(void *arg)
{
	struct race *r = arg;
	mm_link_result res;
	mm_err err;
	if (mm_link_ingest(S, r->p, r->n, &res, &err) != MM_OK)
		return NULL;
	pthread_mutex_lock(&r->mu);
	if (!res.code)
		r->accepted++;
	else if (strcmp(res.code, "replay") == 0)
		r->replay++;
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static void test_enroll_and_race(void **state)
{
	(void)state;
	assert_int_equal(scratch_make(dir, sizeof dir, "link"), 0);
	snprintf(db, sizeof db, "%s/l.db", dir);
	snprintf(schema, sizeof schema, "%s/data/schema", getenv("MM_SRC"));
	mm_store_paths p;
	mm_err err;
	if (mm_store_paths_for(db, NULL, &p, &err) || mm_store_init(db, &p, "test.example/link", "t", &err) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &S, &err))
		fail_msg("%s", err.msg);
	char site[MM_ID_MAX + 1], asset[MM_ID_MAX + 1], json[300];
	make("site", "{\"name\":\"s\"}", site);
	snprintf(json, sizeof json, "{\"name\":\"t\",\"site\":\"%s\",\"class\":\"terminal\"}", site);
	make("asset", json, asset);
	uint8_t pin[32] = {1}, pk[32], sk[64], sig[64];
	char token[MM_LINK_TOKEN_LEN + 1];
	assert_int_equal(mm_link_token_issue(S, &admin, asset, 60, pin, token, &err), MM_OK);
	mm_ed25519_keypair(pk, sk);
	mm_link_enroll_sign(token, sk, sig);
	mm_link_result res;
	/* a proof made with another key is refused and does not use the token */
	uint8_t pk2[32], sk2[64], sig2[64];
	mm_ed25519_keypair(pk2, sk2);
	mm_link_enroll_sign(token, sk2, sig2);
	assert_int_equal(mm_link_enroll(S, token, pk, sig2, "h", &res, &err), MM_OK);
	assert_string_equal(res.code, "bad_proof");
	assert_int_equal(mm_link_enroll(S, token, pk, sig, "h", &res, &err), MM_OK);
	assert_null(res.code);
	assert_memory_equal(res.server_key, mm_ledger_verifier(mm_store_ledger(S))->pk, 32);
	char agent[MM_ID_MAX + 1];
	snprintf(agent, sizeof agent, "%s", res.agent);
	assert_int_equal(mm_link_enroll(S, token, pk, sig, "h", &res, &err), MM_OK);
	assert_string_equal(res.code, "token_used");

	/* eight racing uploads of counter 1: exactly one accepted, the rest are replays */
	mm_link_envelope e;
	memset(&e, 0, sizeof e);
	snprintf(e.asset, sizeof e.asset, "%s", asset);
	snprintf(e.agent, sizeof e.agent, "%s", agent);
	e.counter = 1;
	e.report = (const uint8_t *)report;
	e.report_len = strlen(report);
	mm_buf b;
	mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
	assert_int_equal(mm_link_seal(&e, sk, &b, &err), MM_OK);
	struct race r = {.p = b.p, .n = b.len};
	pthread_mutex_init(&r.mu, NULL);
	pthread_t th[8];
	for (int i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, racer, &r);
	for (int i = 0; i < 8; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(r.accepted, 1);
	assert_int_equal(r.replay, 7);
	pthread_mutex_destroy(&r.mu);
	/* counter 2 signed by the other key: wrong_key; by the right one: accepted */
	mm_buf_reset(&b);
	e.counter = 2;
	assert_int_equal(mm_link_seal(&e, sk2, &b, &err), MM_OK);
	assert_int_equal(mm_link_ingest(S, b.p, b.len, &res, &err), MM_OK);
	assert_string_equal(res.code, "wrong_key");
	mm_buf_reset(&b);
	assert_int_equal(mm_link_seal(&e, sk, &b, &err), MM_OK);
	assert_int_equal(mm_link_ingest(S, b.p, b.len, &res, &err), MM_OK);
	assert_null(res.code);
	assert_true(res.pass);
	assert_int_equal(res.counter, 2);
	mm_buf_release(&b);
	assert_int_equal(mm_store_close(S, &err), MM_OK);
	assert_int_equal(scratch_remove(dir), 0);
}

static const char *state_of(const char *id)
{
	static char st[64];
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	mm_err err;
	st[0] = 0;
	if (mm_store_get(S, &admin, id, &b, &err) == MM_OK) {
		const char *p = strstr((const char *)b.p, "\"state\": \"");
		if (p)
			snprintf(st, sizeof st, "%.*s", (int)strcspn(p + 10, "\""), p + 10);
	}
	mm_buf_release(&b);
	return st;
}

/* The mapping of report results to inspection items (docs/agent-link.md "Inspection items"). */
static void test_items(void **state)
{
	(void)state;
	assert_int_equal(scratch_make(dir, sizeof dir, "linkitems"), 0);
	snprintf(db, sizeof db, "%s/l.db", dir);
	mm_store_paths p;
	mm_err err;
	if (mm_store_paths_for(db, NULL, &p, &err) || mm_store_init(db, &p, "test.example/items", "t", &err) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &S, &err))
		fail_msg("%s", err.msg);
	char site[MM_ID_MAX + 1], asset[MM_ID_MAX + 1], camp[MM_ID_MAX + 1], json[512];
	make("site", "{\"name\":\"s\"}", site);
	snprintf(json, sizeof json, "{\"name\":\"cs\",\"site\":\"%s\",\"class\":\"cs-active\"}", site);
	make("asset", json, asset);
	make("inspection_campaign", "{\"title\":\"c\",\"fiscal_year\":2026}", camp);
	struct {
		const char *target;
		int no;
		const char *method, *want;
	} items[] = {
		{"terminal", 3, "automated", "passed"}, /* only not-applicable results */
		{"terminal", 5, "automated", "open"},   /* an error result: left open */
		{"cs", 4, "automated", "passed"},       /* pass and not-applicable */
		{"cs", 6, "automated", "failed"},       /* one fail among passes */
		{"cs", 9, "automated", "open"},         /* nothing in the report */
		{"cs", 4, "manual", "open"},            /* manual items are people's */
	};
	char ids[6][MM_ID_MAX + 1];
	for (size_t i = 0; i < 6; i++) {
		snprintf(json, sizeof json,
			 "{\"campaign\":\"%s\",\"asset\":\"%s\",\"target\":\"%s\",\"item_no\":%d,\"item\":\"x\","
			 "\"method\":\"%s\"}",
			 camp, asset, items[i].target, items[i].no, items[i].method);
		make("inspection_item", json, ids[i]);
	}
	uint8_t pin[32] = {0}, pk[32], sk[64], sig[64];
	char token[MM_LINK_TOKEN_LEN + 1];
	assert_int_equal(mm_link_token_issue(S, &admin, asset, 60, pin, token, &err), MM_OK);
	mm_ed25519_keypair(pk, sk);
	mm_link_enroll_sign(token, sk, sig);
	mm_link_result res;
	assert_int_equal(mm_link_enroll(S, token, pk, sig, NULL, &res, &err), MM_OK);
	assert_null(res.code);
	static const char rep[] =
		"{\"format\":\"mamori-report/1\",\"summary\":{\"status\":\"fail\"},\"results\":["
		"{\"id\":\"t3\",\"item\":\"002 別紙1 §4 端末3\",\"status\":\"not-applicable\"},"
		"{\"id\":\"t5a\",\"item\":\"002 別紙1 §4 端末5\",\"status\":\"pass\"},"
		"{\"id\":\"t5b\",\"item\":\"002 別紙1 §4 端末5\",\"status\":\"error\"},"
		"{\"id\":\"c4a\",\"item\":\"002 別紙1 §4 CS4\",\"status\":\"pass\"},"
		"{\"id\":\"c4b\",\"item\":\"002 別紙1 §4 CS4\",\"status\":\"not-applicable\"},"
		"{\"id\":\"c6a\",\"item\":\"002 別紙1 §4 CS6\",\"status\":\"pass\"},"
		"{\"id\":\"cs.06.services\",\"item\":\"002 別紙1 §4 CS6\",\"status\":\"fail\","
		"\"title\":{\"ja\":\"不要なサービス\"},\"evidence\":{\"count\":2}},"
		"{\"id\":\"c40\",\"item\":\"002 別紙1 §4 CS40\",\"status\":\"fail\"}]}";
	mm_link_envelope e;
	memset(&e, 0, sizeof e);
	snprintf(e.asset, sizeof e.asset, "%s", asset);
	snprintf(e.agent, sizeof e.agent, "%s", res.agent);
	e.counter = 1;
	e.report = (const uint8_t *)rep;
	e.report_len = strlen(rep);
	mm_buf b;
	mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
	assert_int_equal(mm_link_seal(&e, sk, &b, &err), MM_OK);
	assert_int_equal(mm_link_ingest(S, b.p, b.len, &res, &err), MM_OK);
	assert_null(res.code);
	assert_false(res.pass);
	assert_int_equal(res.items, 3);
	for (size_t i = 0; i < 6; i++)
		if (strcmp(state_of(ids[i]), items[i].want) != 0)
			fail_msg("item %s %d (%s): %s, expected %s", items[i].target, items[i].no, items[i].method,
				 state_of(ids[i]), items[i].want);
	mm_buf out;
	mm_buf_init(&out, 1u << 20);
	assert_int_equal(mm_store_get(S, &admin, ids[3], &out, &err), MM_OK);
	assert_non_null(strstr((const char *)out.p, "cs.06.services 不要なサービス (2件)"));
	mm_buf_reset(&out);
	assert_int_equal(mm_store_get(S, &admin, ids[0], &out, &err), MM_OK);
	assert_non_null(strstr((const char *)out.p, "\"result\": \"not-applicable\""));
	mm_buf_release(&out);
	mm_buf_release(&b);
	assert_int_equal(mm_store_close(S, &err), MM_OK);
	assert_int_equal(scratch_remove(dir), 0);
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),        cmocka_unit_test(test_every_flip_refused),
		cmocka_unit_test(test_domain_separation), cmocka_unit_test(test_seal_limits),
		cmocka_unit_test(test_token_parse),      cmocka_unit_test(test_http_parse),
		cmocka_unit_test(test_url_parse),        cmocka_unit_test(test_enroll_and_race),
		cmocka_unit_test(test_items),            cmocka_unit_test(test_enroll_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
