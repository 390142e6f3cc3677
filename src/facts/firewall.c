/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The firewall ruleset, from the first source available: live `nft -j list
 * ruleset` (only when --root is /; execve with a fixed argv, no shell),
 * live `iptables-save`, a captured var/lib/mamori/captured/nft-ruleset.json,
 * etc/nftables.conf, etc/iptables/rules.v4. Each is stored normalized (no
 * comments, handles, counters or blank space differences) with the
 * SHA-256 of that normalized text, plus its chains and rules as rows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crypto/mm_crypto.h"
#include "facts/facts_int.h"
#include "base/banned.h"

#define NFT_NAME 64
#define NFT_DEPTH 16

static int store_firewall(fsrc *s, const mm_buf *norm, int64_t rules)
{
	uint8_t h[MM_SHA256_LEN];
	char hex[2 * MM_SHA256_LEN + 1];
	mm_sha256(norm->p ? norm->p : (const uint8_t *)"", norm->len, h);
	mm_hex_encode(h, sizeof h, hex);
	return ROW(s->f, s, "INSERT INTO firewall VALUES(?,?,?,?)", FS(s->source), FS(hex), FI(rules),
		   FMULTI(norm->p ? (const char *)norm->p : "", norm->len));
}

/* Append a statement to the normalized text: blanks collapsed, one per line. */
static int norm_add(mm_buf *b, const char *stmt)
{
	int rc = MM_OK;
	bool space = false, any = false;
	for (const char *p = stmt; *p && rc == MM_OK; p++) {
		if (*p == ' ' || *p == '\t') {
			space = any;
			continue;
		}
		if (space)
			rc = mm_buf_put_u8(b, ' ');
		space = false;
		any = true;
		if (!rc)
			rc = mm_buf_put_u8(b, (uint8_t)*p);
	}
	if (any && !rc)
		rc = mm_buf_put_u8(b, '\n');
	return rc;
}

/* ---- nftables.conf (nft script syntax) ---- */

enum { CTX_TOP, CTX_TABLE, CTX_CHAIN, CTX_OTHER };

struct nft_state {
	mm_buf *norm;
	mm_buf *stmt;
	int ctx[NFT_DEPTH];
	int depth;
	int inline_depth; /* braces of anonymous sets inside one statement */
	bool in_quote;
	char family[NFT_NAME], table[NFT_NAME], chain[NFT_NAME];
	char type[NFT_NAME], hook[NFT_NAME], prio[NFT_NAME], policy[NFT_NAME];
	int64_t position, rules;
	int err;
};
_Static_assert(sizeof(struct nft_state) <= FACTS_STATE_MAX, "nft state");

static struct nft_state *nft_st(fsrc *s)
{
	struct nft_state *st = s->st;
	if (!st->norm) {
		st->norm = calloc(1, sizeof *st->norm);
		st->stmt = calloc(1, sizeof *st->stmt);
		if (!st->norm || !st->stmt) {
			free(st->norm);
			free(st->stmt);
			st->norm = st->stmt = NULL;
			return NULL;
		}
		mm_buf_init(st->norm, MM_FACTS_CONFIG_MAX);
		mm_buf_init(st->stmt, MM_FACTS_FIELD_MAX);
		/* the statement buffer always has memory: it is trimmed in place */
		if (mm_buf_reserve(st->stmt, 64) != MM_OK || mm_buf_puts(st->stmt, "") != MM_OK) {
			mm_buf_release(st->stmt);
			free(st->norm);
			free(st->stmt);
			st->norm = st->stmt = NULL;
			return NULL;
		}
	}
	return st;
}

static void copy_word(char *dst, const char *src, size_t n)
{
	snprintf(dst, NFT_NAME, "%.*s", (int)(n < NFT_NAME - 1 ? n : NFT_NAME - 1), src);
}

/* Words of a statement: up to max, each pointing into a modifiable copy. */
static size_t words(char *t, char **w, size_t max)
{
	size_t n = 0;
	while (*t && n < max) {
		while (*t == ' ' || *t == '\t')
			t++;
		if (!*t)
			break;
		w[n++] = t;
		while (*t && *t != ' ' && *t != '\t')
			t++;
		if (*t)
			*t++ = '\0';
	}
	return n;
}

static int chain_attrs(struct nft_state *st, char *t)
{
	char *w[16];
	size_t n = words(t, w, 16);
	for (size_t i = 0; i + 1 < n; i++) {
		if (strcmp(w[i], "type") == 0)
			copy_word(st->type, w[i + 1], strlen(w[i + 1]));
		else if (strcmp(w[i], "hook") == 0)
			copy_word(st->hook, w[i + 1], strlen(w[i + 1]));
		else if (strcmp(w[i], "priority") == 0)
			copy_word(st->prio, w[i + 1], strlen(w[i + 1]));
		else if (strcmp(w[i], "policy") == 0)
			copy_word(st->policy, w[i + 1], strlen(w[i + 1]));
	}
	return MM_OK;
}

/* One complete statement (no braces of its own block). */
/* Collapse runs of blanks (a statement continued over lines) in place. */
static void squeeze(char *t)
{
	char *o = t;
	for (char *p = t; *p; p++)
		if (*p != ' ' || (o > t && o[-1] != ' '))
			*o++ = *p;
	*o = '\0';
}

static int nft_statement(fsrc *s, struct nft_state *st, bool opens_block)
{
	char *t = str_trim((char *)(st->stmt->p ? st->stmt->p : (uint8_t *)""));
	squeeze(t);
	int rc = MM_OK;
	if (!*t && !opens_block)
		goto out;
	if (!opens_block && (strcmp(t, "flush ruleset") == 0 || t[0] == '#'))
		goto out;
	rc = norm_add(st->norm, t);
	if (rc == MM_OK && opens_block)
		rc = mm_buf_puts(st->norm, "{\n");
	if (rc)
		goto out;
	int cur = st->depth ? st->ctx[st->depth - 1] : CTX_TOP;
	if (opens_block) {
		if (st->depth >= NFT_DEPTH) {
			rc = MM_ELIMIT;
			goto out;
		}
		char tmp[MM_FACTS_FIELD_MAX + 1];
		snprintf(tmp, sizeof tmp, "%s", t);
		char *w[4];
		size_t n = words(tmp, w, 4);
		int ctx = CTX_OTHER;
		if (cur == CTX_TOP && n >= 2 && strcmp(w[0], "table") == 0) {
			ctx = CTX_TABLE;
			if (n >= 3) {
				copy_word(st->family, w[1], strlen(w[1]));
				copy_word(st->table, w[2], strlen(w[2]));
			} else {
				copy_word(st->family, "ip", 2);
				copy_word(st->table, w[1], strlen(w[1]));
			}
		} else if (cur == CTX_TABLE && n >= 2 && strcmp(w[0], "chain") == 0) {
			ctx = CTX_CHAIN;
			copy_word(st->chain, w[1], strlen(w[1]));
			st->type[0] = st->hook[0] = st->prio[0] = st->policy[0] = '\0';
			st->position = 0;
		}
		st->ctx[st->depth++] = ctx;
		goto out;
	}
	if (cur == CTX_CHAIN) {
		if (str_starts(t, "type ") || str_starts(t, "policy ")) {
			rc = chain_attrs(st, t);
		} else {
			st->rules++;
			rc = ROW(s->f, s, "INSERT INTO firewall_rules VALUES(?,?,?,?,?)", FS(st->family),
				 FS(st->table), FS(st->chain), FI(++st->position), FS(t));
		}
	} else if (cur == CTX_TOP && (str_starts(t, "add rule ") || str_starts(t, "insert rule "))) {
		char tmp[MM_FACTS_FIELD_MAX + 1];
		snprintf(tmp, sizeof tmp, "%s", t);
		char *w[5];
		if (words(tmp, w, 5) == 5) {
			/* the rest after "add rule FAMILY TABLE CHAIN" */
			const char *rest = t + (w[4] - tmp);
			st->rules++;
			rc = ROW(s->f, s, "INSERT INTO firewall_rules VALUES(?,?,?,?,?)", FS(w[2]),
				 FS(w[3]), FS(w[4]), FI(++st->position), FS(rest));
		}
	}
out:
	mm_buf_reset(st->stmt);
	return rc;
}

static int nft_close_block(fsrc *s, struct nft_state *st)
{
	if (st->depth == 0)
		return src_bad(s, "unbalanced '}'");
	int ctx = st->ctx[--st->depth];
	int rc = mm_buf_puts(st->norm, "}\n");
	if (rc == MM_OK && ctx == CTX_CHAIN)
		rc = ROW(s->f, s, "INSERT INTO firewall_chains VALUES(?,?,?,?,?,?,?)", FS(st->family),
			 FS(st->table), FS(st->chain), st->type[0] ? FS(st->type) : FNULL,
			 st->hook[0] ? FS(st->hook) : FNULL, st->prio[0] ? FS(st->prio) : FNULL,
			 st->policy[0] ? FS(st->policy) : FNULL);
	return rc;
}

static int nft_reject(fsrc *s, struct nft_state *st, const char *why)
{
	mm_buf_reset(st->stmt);
	st->inline_depth = 0;
	st->in_quote = false;
	return src_bad(s, why);
}

int parse_nft_text_line(fsrc *s, char *line, size_t len)
{
	struct nft_state *st = nft_st(s);
	if (!st)
		return MM_ENOMEM;
	if (s->lineno == 1 && str_starts(line, "#!"))
		return MM_OK;
	bool cont = len && line[len - 1] == '\\';
	if (cont)
		line[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		char c = line[i];
		int rc = MM_OK;
		if (st->in_quote) {
			if (c == '"')
				st->in_quote = false;
			rc = mm_buf_put_u8(st->stmt, (uint8_t)c);
		} else if (c == '"') {
			st->in_quote = true;
			rc = mm_buf_put_u8(st->stmt, (uint8_t)c);
		} else if (c == '#') {
			break; /* comment to end of line */
		} else if (c == '{') {
			/* look at the statement so far without changing it */
			const char *t = st->stmt->p ? (const char *)st->stmt->p : "";
			bool empty = strspn(t, " ") == strlen(t);
			int cur = st->depth ? st->ctx[st->depth - 1] : CTX_TOP;
			bool block = st->inline_depth == 0 &&
				     (cur == CTX_TOP || (cur == CTX_TABLE && !empty) ||
				      (cur == CTX_OTHER && !strchr(t, '=')));
			if (block) {
				rc = nft_statement(s, st, true);
			} else {
				st->inline_depth++;
				rc = mm_buf_put_u8(st->stmt, '{');
			}
		} else if (c == '}') {
			if (st->inline_depth > 0) {
				st->inline_depth--;
				rc = mm_buf_put_u8(st->stmt, '}');
			} else {
				rc = nft_statement(s, st, false);
				if (rc == MM_OK)
					rc = nft_close_block(s, st);
			}
		} else if ((c == ';') && st->inline_depth == 0) {
			rc = nft_statement(s, st, false);
		} else {
			rc = mm_buf_put_u8(st->stmt, (uint8_t)(c == '\t' ? ' ' : c));
		}
		if (rc == MM_ELIMIT)
			return nft_reject(s, st, "statement too long or nested too deeply");
		if (rc != MM_OK)
			return rc;
	}
	if (!cont && st->inline_depth == 0 && !st->in_quote) {
		int rc = nft_statement(s, st, false);
		if (rc == MM_ELIMIT)
			return nft_reject(s, st, "statement too long");
		return rc;
	}
	return mm_buf_put_u8(st->stmt, ' ') == MM_OK ? MM_OK : nft_reject(s, st, "statement too long");
}

int finish_nft_text(fsrc *s)
{
	struct nft_state *st = nft_st(s);
	if (!st)
		return MM_ENOMEM;
	int rc = MM_OK;
	if (st->depth != 0 || st->inline_depth != 0)
		src_set(s, ST_PARTIAL, "unbalanced braces at end of file");
	rc = store_firewall(s, st->norm, st->rules);
	mm_buf_release(st->norm);
	mm_buf_release(st->stmt);
	free(st->norm);
	free(st->stmt);
	st->norm = st->stmt = NULL;
	return rc;
}

/* ---- iptables-save ---- */

struct ipt_state {
	char table[NFT_NAME];
	mm_buf *norm;
	int64_t rules;
};
_Static_assert(sizeof(struct ipt_state) <= FACTS_STATE_MAX, "iptables state");

int parse_iptables_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	struct ipt_state *st = s->st;
	if (!st->norm) {
		if (!(st->norm = calloc(1, sizeof *st->norm)))
			return MM_ENOMEM;
		mm_buf_init(st->norm, MM_FACTS_EXEC_OUT_MAX);
	}
	char *t = str_trim(line);
	if (t[0] == '[') { /* "[pkts:bytes] -A ..." from iptables-save -c */
		char *close = strchr(t, ']');
		t = close ? str_trim(close + 1) : t;
	}
	if (!*t || *t == '#')
		return MM_OK;
	if (t[0] == '*') {
		snprintf(st->table, sizeof st->table, "%s", t + 1);
		return norm_add(st->norm, t);
	}
	if (!st->table[0])
		return src_bad(s, "rule before a table ('*filter')");
	if (t[0] == ':') {
		char tmp[MM_FACTS_FIELD_MAX + 1];
		snprintf(tmp, sizeof tmp, "%s", t + 1);
		char *w[3];
		if (words(tmp, w, 3) < 2)
			return src_bad(s, "malformed chain line");
		char hook[NFT_NAME], policy[NFT_NAME];
		size_t hl = strlen(w[0]), pl = strlen(w[1]);
		if (hl >= NFT_NAME || pl >= NFT_NAME)
			return src_bad(s, "chain name too long");
		for (size_t i = 0; i <= hl; i++)
			hook[i] = (char)tolower((unsigned char)w[0][i]);
		for (size_t i = 0; i <= pl; i++)
			policy[i] = (char)tolower((unsigned char)w[1][i]);
		bool builtin = strcmp(w[1], "-") != 0;
		char chain_line[2 * NFT_NAME + 4];
		snprintf(chain_line, sizeof chain_line, ":%s %s", w[0], w[1]); /* without counters */
		int rc = norm_add(st->norm, chain_line);
		return rc ? rc
			  : ROW(s->f, s, "INSERT INTO firewall_chains VALUES(?,?,?,?,?,?,?)", FS("ip"),
				FS(st->table), FS(w[0]), builtin ? FS(st->table) : FNULL,
				builtin ? FS(hook) : FNULL, FNULL, builtin ? FS(policy) : FNULL);
	}
	if (str_starts(t, "-A ")) {
		char *rest = t + 3;
		char *sp = strchr(rest, ' ');
		size_t cl = sp ? (size_t)(sp - rest) : strlen(rest);
		st->rules++;
		int rc = norm_add(st->norm, t);
		return rc ? rc
			  : ROW(s->f, s, "INSERT INTO firewall_rules VALUES(?,?,?,?,?)", FS("ip"),
				FS(st->table), FSN(rest, cl), FI(s->lineno), sp ? FS(str_trim(sp)) : FS(""));
	}
	if (strcmp(t, "COMMIT") == 0)
		return norm_add(st->norm, t);
	return src_bad(s, "unknown iptables-save line");
}

int finish_iptables(fsrc *s)
{
	struct ipt_state *st = s->st;
	mm_buf empty;
	mm_buf_init(&empty, 0);
	int rc = store_firewall(s, st->norm ? st->norm : &empty, st->rules);
	if (st->norm) {
		mm_buf_release(st->norm);
		free(st->norm);
		st->norm = NULL;
	}
	return rc;
}

/* ---- nft -j list ruleset ---- */

static int nft_json_line(mm_buf *norm, const char *kind, json_t *obj)
{
	json_t *copy = json_deep_copy(obj);
	if (!copy)
		return MM_ENOMEM;
	json_object_del(copy, "handle");
	char *txt = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	if (!txt)
		return MM_ENOMEM;
	int rc = mm_buf_printf(norm, "%s %s\n", kind, txt);
	free(txt);
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v;
}

int parse_nft_json(fsrc *s, const uint8_t *p, size_t n)
{
	json_error_t je;
	json_t *root = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		src_set(s, ST_ERROR, "not nft JSON: line %d column %d: %s", je.line, je.column, je.text);
		return MM_EINVAL;
	}
	json_t *arr = json_object_get(root, "nftables");
	if (!json_is_array(arr)) {
		json_decref(root);
		src_set(s, ST_ERROR, "not nft JSON: no \"nftables\" array");
		return MM_EINVAL;
	}
	mm_buf norm;
	mm_buf_init(&norm, MM_FACTS_EXEC_OUT_MAX);
	int rc = MM_OK;
	int64_t rules = 0, position = 0;
	char lastchain[3 * NFT_NAME] = "";
	size_t i;
	json_t *el;
	json_array_foreach(arr, i, el) {
		if (!json_is_object(el) || json_object_size(el) != 1)
			continue;
		void *it = json_object_iter(el);
		const char *kind = json_object_iter_key(it);
		json_t *obj = json_object_iter_value(it);
		if (!kind || !json_is_object(obj) || strcmp(kind, "metainfo") == 0)
			continue;
		rc = nft_json_line(&norm, kind, obj);
		if (rc)
			break;
		if (strcmp(kind, "chain") == 0) {
			json_t *prio = json_object_get(obj, "prio");
			char pr[32] = "";
			if (json_is_integer(prio))
				snprintf(pr, sizeof pr, "%lld", (long long)json_integer_value(prio));
			rc = ROW(s->f, s, "INSERT INTO firewall_chains VALUES(?,?,?,?,?,?,?)",
				 FS(jstr(obj, "family")), FS(jstr(obj, "table")), FS(jstr(obj, "name")),
				 FS(jstr(obj, "type")), FS(jstr(obj, "hook")), pr[0] ? FS(pr) : FNULL,
				 FS(jstr(obj, "policy")));
		} else if (strcmp(kind, "rule") == 0) {
			char key[3 * NFT_NAME];
			snprintf(key, sizeof key, "%s/%s/%s", jstr(obj, "family") ? jstr(obj, "family") : "",
				 jstr(obj, "table") ? jstr(obj, "table") : "",
				 jstr(obj, "chain") ? jstr(obj, "chain") : "");
			if (strcmp(key, lastchain) != 0) {
				position = 0;
				snprintf(lastchain, sizeof lastchain, "%s", key);
			}
			json_t *expr = json_object_get(obj, "expr");
			char *txt = expr ? json_dumps(expr, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
			rules++;
			rc = ROW(s->f, s, "INSERT INTO firewall_rules VALUES(?,?,?,?,?)",
				 FS(jstr(obj, "family")), FS(jstr(obj, "table")), FS(jstr(obj, "chain")),
				 FI(++position), FS(txt ? txt : ""));
			free(txt);
		}
		if (rc)
			break;
	}
	json_decref(root);
	if (rc == MM_OK)
		rc = store_firewall(s, &norm, rules);
	mm_buf_release(&norm);
	return rc;
}

/* ---- the collector ---- */

/* Parse a whole ruleset with the named parser; a rejected input is that source's error. */
static int parse_ruleset(mm_facts *f, const char *parser, const char *source, const mm_buf *b)
{
	mm_err e;
	int rc = facts_parse_buffer(f, facts_parser(parser), source, b->p ? b->p : (const uint8_t *)"",
				    b->len, &e);
	return rc == MM_EINVAL || rc == MM_ELIMIT ? MM_OK : rc;
}

static int from_exec(mm_facts *f, const char *path, char *const argv[], const char *parser,
		     bool *done)
{
	mm_buf out;
	mm_buf_init(&out, MM_FACTS_EXEC_OUT_MAX);
	char why[256], label[128];
	snprintf(label, sizeof label, "live: %s", argv[0]);
	int rc;
	if (facts_exec_capture(path, argv, MM_FACTS_EXEC_OUT_MAX, &out, why, sizeof why) != 0) {
		rc = facts_status(f, "firewall", label, ST_NOT_COLLECTED, 0, "%s", why);
	} else {
		*done = true;
		rc = parse_ruleset(f, parser, label, &out);
	}
	mm_buf_release(&out);
	return rc;
}

static int from_file(mm_facts *f, const char *rel, const char *parser, bool *done)
{
	mm_buf data;
	mm_buf_init(&data, MM_FACTS_CONFIG_MAX);
	int rc = MM_OK;
	if (facts_read_whole(f, rel, MM_FACTS_CONFIG_MAX, &data) != 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			*done = true;
			rc = facts_status(f, "firewall", rel, ST_ERROR, 0, "cannot read: %s",
					  errno == EINVAL ? "not a regular file"
					  : errno == EFBIG ? "larger than the limit" : strerror(errno));
		}
	} else {
		*done = true;
		rc = parse_ruleset(f, parser, rel, &data);
	}
	mm_buf_release(&data);
	return rc;
}

int collect_firewall(mm_facts *f)
{
	bool done = false;
	int rc = MM_OK;
	if (f->live) {
		static char *const nft_argv[] = {"nft", "-j", "list", "ruleset", NULL};
		static char *const ipt_argv[] = {"iptables-save", NULL};
		rc = from_exec(f, "/usr/sbin/nft", nft_argv, "nft_json", &done);
		if (!rc && !done)
			rc = from_exec(f, "/usr/sbin/iptables-save", ipt_argv, "iptables_save", &done);
	} else {
		rc = facts_status(f, "firewall", "live: nft", ST_NOT_COLLECTED, 0,
				  "live source; --root is not /");
	}
	if (!rc && !done)
		rc = from_file(f, "var/lib/mamori/captured/nft-ruleset.json", "nft_json", &done);
	if (!rc && !done)
		rc = from_file(f, "etc/nftables.conf", "nftables_conf", &done);
	if (!rc && !done)
		rc = from_file(f, "etc/iptables/rules.v4", "iptables_save", &done);
	if (!rc && !done)
		rc = facts_status(f, "firewall", "etc/nftables.conf", ST_MISSING, 0,
				  "no ruleset found (nft, iptables-save, captured JSON, nftables.conf, "
				  "iptables/rules.v4)");
	return rc;
}
