/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request parsing of the server without sockets: cookies (shadowing,
 * injection, bounds), the route table (traversal and odd segments never
 * match), Origin checks, language choice and listen addresses. The API
 * itself is tested against a running server in tests/cli/serve*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "server/mm_server.h"

static void test_cookie(void **state)
{
	(void)state;
	char v[65];
	assert_true(mm_http_cookie_get("__Host-mamori=abc", "__Host-mamori", v, sizeof v));
	assert_string_equal(v, "abc");
	assert_true(mm_http_cookie_get("a=1; __Host-mamori=abc ;b=2", "__Host-mamori", v, sizeof v));
	assert_string_equal(v, "abc");
	assert_true(mm_http_cookie_get("a=1;b=2", "b", v, sizeof v));
	assert_string_equal(v, "2");
	/* a planted second cookie of the same name is refused, not chosen */
	assert_false(mm_http_cookie_get("__Host-mamori=abc; __Host-mamori=evil", "__Host-mamori", v, sizeof v));
	assert_string_equal(v, "");
	/* names must match exactly */
	assert_false(mm_http_cookie_get("x__Host-mamori=abc", "__Host-mamori", v, sizeof v));
	assert_false(mm_http_cookie_get("__host-mamori=abc", "__Host-mamori", v, sizeof v));
	assert_false(mm_http_cookie_get("", "a", v, sizeof v));
	assert_false(mm_http_cookie_get(NULL, "a", v, sizeof v));
	assert_false(mm_http_cookie_get("a=", "a", v, sizeof v));
	assert_false(mm_http_cookie_get("a", "a", v, sizeof v));
	assert_false(mm_http_cookie_get(";;;=;", "a", v, sizeof v));
	/* values with quotes, commas, controls or spaces inside are refused */
	assert_false(mm_http_cookie_get("a=\"x\"", "a", v, sizeof v));
	assert_false(mm_http_cookie_get("a=x y", "a", v, sizeof v));
	assert_false(mm_http_cookie_get("a=x\r\nSet-Cookie: b", "a", v, sizeof v));
	/* too long for the buffer: refused, never truncated */
	char longv[200];
	memset(longv, 'a', sizeof longv);
	memcpy(longv, "a=", 2);
	longv[sizeof longv - 1] = 0;
	assert_false(mm_http_cookie_get(longv, "a", v, sizeof v));
	/* a header beyond the limit is not examined */
	char *huge = malloc(MM_HTTP_COOKIE_MAX + 10);
	assert_non_null(huge);
	memset(huge, 'x', MM_HTTP_COOKIE_MAX + 9);
	memcpy(huge, "a=1; ", 5);
	huge[MM_HTTP_COOKIE_MAX + 9] = 0;
	assert_false(mm_http_cookie_get(huge, "a", v, sizeof v));
	free(huge);
}

static void expect_route(const char *m, const char *p, mm_route_id id, const char *arg)
{
	mm_route r;
	mm_http_route(m, p, &r);
	if (r.id != id)
		fail_msg("%s %s: route %d, expected %d", m, p, r.id, id);
	if (arg)
		assert_string_equal(r.arg, arg);
}

static void test_routes(void **state)
{
	(void)state;
	expect_route("POST", "/api/v1/session", MM_R_SESSION_LOGIN, NULL);
	expect_route("DELETE", "/api/v1/session", MM_R_SESSION_LOGOUT, NULL);
	expect_route("GET", "/api/v1/session", MM_R_SESSION_GET, NULL);
	expect_route("DELETE", "/api/v1/sessions", MM_R_SESSIONS_LOGOUT, NULL);
	expect_route("PUT", "/api/v1/session/password", MM_R_PASSWORD, NULL);
	expect_route("GET", "/api/v1/records/site", MM_R_LIST, "site");
	expect_route("POST", "/api/v1/records/site", MM_R_CREATE, "site");
	expect_route("GET", "/api/v1/record/site-1", MM_R_SHOW, "site-1");
	expect_route("PATCH", "/api/v1/record/site-1", MM_R_UPDATE, "site-1");
	expect_route("GET", "/api/v1/record/site-1/history", MM_R_HISTORY, "site-1");
	expect_route("POST", "/api/v1/record/site-1/transition", MM_R_TRANSITION, "site-1");
	expect_route("POST", "/api/v1/attachments", MM_R_ATTACH, NULL);
	const char *h = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char p[200];
	snprintf(p, sizeof p, "/api/v1/attachments/%s", h);
	expect_route("GET", p, MM_R_ATTACHMENT, h);
	expect_route("GET", "/api/v1/attachments/../../etc/passwd", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/attachments/0123", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/ledger/checkpoint", MM_R_CHECKPOINT, NULL);
	expect_route("GET", "/api/v1/ledger/proof/12", MM_R_PROOF, "12");
	expect_route("GET", "/api/v1/ledger/proof/0", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/ledger/proof/-1", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/users", MM_R_USERS, NULL);
	expect_route("POST", "/api/v1/users", MM_R_USER_ADD, NULL);
	expect_route("POST", "/api/v1/users/alice/disable", MM_R_USER_DISABLE, "alice");
	expect_route("PUT", "/api/v1/users/alice/password", MM_R_USER_PASSWD, "alice");
	expect_route("POST", "/api/v1/users/alice/reset-password", MM_R_USER_RESET, "alice");
	expect_route("GET", "/api/v1/users/alice/reset-password", MM_R_BAD_METHOD, NULL);
	expect_route("POST", "/api/v1/users/a%2fb/reset-password", MM_R_NONE, NULL);
	expect_route("POST", "/api/v1/session/totp", MM_R_TOTP_BEGIN, NULL);
	expect_route("GET", "/api/v1/session/totp/qr.svg", MM_R_TOTP_QR, NULL);
	expect_route("POST", "/api/v1/session/totp/confirm", MM_R_TOTP_CONFIRM, NULL);
	expect_route("POST", "/api/v1/session/totp/disable", MM_R_TOTP_DISABLE, NULL);
	expect_route("GET", "/api/v1/session/totp", MM_R_BAD_METHOD, NULL);
	expect_route("POST", "/api/v1/session/totp/qr.svg", MM_R_BAD_METHOD, NULL);
	expect_route("POST", "/api/v1/session/totp/other", MM_R_NONE, NULL);
	/* wrong methods are 405, unknown or odd paths 404 */
	expect_route("DELETE", "/api/v1/record/site-1", MM_R_BAD_METHOD, NULL);
	expect_route("TRACE", "/api/v1/session", MM_R_BAD_METHOD, NULL);
	expect_route("GET", "/api/v1/record/../session", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/record/./x", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/record/site-1/", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/record//history", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/record/a%2f", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/record/a;rm -rf", MM_R_NONE, NULL);
	expect_route("GET", "/api/v1/record/x/y/z", MM_R_NONE, NULL);
	expect_route("GET", "/api/v2/session", MM_R_NONE, NULL);
	expect_route("GET", "/api", MM_R_STATIC, NULL); /* not under /api/: a web file lookup (404 there) */
	expect_route("GET", "", MM_R_NONE, NULL);
	expect_route("GET", "relative", MM_R_NONE, NULL);
	/* the web UI */
	expect_route("GET", "/", MM_R_STATIC, NULL);
	expect_route("GET", "/js/app.js", MM_R_STATIC, NULL);
	expect_route("POST", "/index.html", MM_R_BAD_METHOD, NULL);
	char longid[300];
	memset(longid, 'a', sizeof longid);
	memcpy(longid, "/api/v1/record/", 15);
	longid[sizeof longid - 1] = 0;
	expect_route("GET", longid, MM_R_NONE, NULL);
	/* state changes are marked so CSRF and Origin are checked */
	mm_route r;
	mm_http_route("PATCH", "/api/v1/record/site-1", &r);
	assert_true(r.changes_state);
	mm_http_route("GET", "/api/v1/record/site-1", &r);
	assert_false(r.changes_state);
}

static void test_origin_lang_listen(void **state)
{
	(void)state;
	assert_true(mm_http_origin_ok(NULL, "127.0.0.1:8443"));
	assert_true(mm_http_origin_ok("https://127.0.0.1:8443", "127.0.0.1:8443"));
	assert_false(mm_http_origin_ok("https://evil.example", "127.0.0.1:8443"));
	assert_false(mm_http_origin_ok("http://127.0.0.1:8443", "127.0.0.1:8443"));
	assert_false(mm_http_origin_ok("null", "127.0.0.1:8443"));
	assert_false(mm_http_origin_ok("https://127.0.0.1:8443.evil", "127.0.0.1:8443"));
	assert_false(mm_http_origin_ok("https://x", NULL));

	assert_string_equal(mm_http_lang(NULL, NULL), "ja");
	assert_string_equal(mm_http_lang(NULL, "en-US,en;q=0.9"), "en");
	assert_string_equal(mm_http_lang(NULL, "ja,en;q=0.5"), "ja");
	assert_string_equal(mm_http_lang(NULL, "english"), "ja");
	assert_string_equal(mm_http_lang("en", "ja"), "en");
	assert_string_equal(mm_http_lang("ja", "en"), "ja");
	assert_string_equal(mm_http_lang("fr", "en"), "en");

	char host[64];
	uint16_t port;
	mm_err err;
	assert_int_equal(mm_http_listen_parse("127.0.0.1:8443", host, sizeof host, &port, &err), MM_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8443);
	assert_int_equal(mm_http_listen_parse("[::1]:0", host, sizeof host, &port, &err), MM_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(mm_http_listen_parse("127.0.0.1", host, sizeof host, &port, &err), MM_EINVAL);
	assert_int_equal(mm_http_listen_parse("127.0.0.1:99999", host, sizeof host, &port, &err), MM_EINVAL);
	assert_int_equal(mm_http_listen_parse(":80", host, sizeof host, &port, &err), MM_EINVAL);
	assert_int_equal(mm_http_listen_parse("[::1:80", host, sizeof host, &port, &err), MM_EINVAL);
	assert_int_equal(mm_http_listen_parse("", host, sizeof host, &port, &err), MM_EINVAL);
}

static int body(const char *text, mm_err *err)
{
	json_t *o = NULL;
	int rc = mm_http_body_parse(text, strlen(text), &o, err);
	if (rc == MM_OK)
		assert_non_null(o);
	else
		assert_null(o);
	json_decref(o);
	return rc;
}

static void test_bodies(void **state)
{
	(void)state;
	mm_err err;
	assert_int_equal(body("{\"user\":\"a\",\"password\":\"b\"}", &err), MM_OK);
	assert_int_equal(body("{\"version\":3,\"data\":{\"x\":[1,{}]},\"reason\":\"r\",\"transition\":\"t\"}", &err), MM_OK);
	assert_int_equal(body("", &err), MM_EINVAL);
	assert_int_equal(body("[]", &err), MM_EINVAL);
	assert_int_equal(body("\"x\"", &err), MM_EINVAL);
	assert_int_equal(body("{\"user\":\"a\"", &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
	assert_int_equal(body("{\"user\":\"a\",\"user\":\"b\"}", &err), MM_EINVAL); /* duplicate key */
	assert_int_equal(body("{\"user\":1}", &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "\"user\""));
	assert_int_equal(body("{\"password\":\"a\\u0000b\"}", &err), MM_EINVAL); /* NUL inside */
	assert_int_equal(body("{\"data\":[1]}", &err), MM_EINVAL);
	assert_int_equal(body("{\"version\":0}", &err), MM_EINVAL);
	assert_int_equal(body("{\"version\":4294967296}", &err), MM_EINVAL);
	assert_int_equal(body("{\"version\":\"1\"}", &err), MM_EINVAL);
	assert_int_equal(body("{\"admin\":true}", &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "unknown member"));
	char *big = malloc(MM_REASON_MAX + 64);
	assert_non_null(big);
	int n = snprintf(big, 32, "{\"reason\":\"");
	memset(big + n, 'r', MM_REASON_MAX + 1);
	memcpy(big + n + MM_REASON_MAX + 1, "\"}", 3);
	assert_int_equal(body(big, &err), MM_ELIMIT);
	free(big);
	/* deep nesting is refused by the parser, not a stack overflow */
	size_t depth = 100000;
	char *deep = malloc(2 * depth + 16);
	assert_non_null(deep);
	memcpy(deep, "{\"data\":", 8);
	memset(deep + 8, '[', depth);
	deep[8 + depth] = 0;
	assert_int_equal(body(deep, &err), MM_EINVAL);
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_origin_lang_listen),
		cmocka_unit_test(test_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
