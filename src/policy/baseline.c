/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Baselines: a JSON snapshot of the fact tables that matter for drift, and
 * the drift checks comparing the current facts with it. Each snapshot
 * table has key columns (what names an item) and value columns (what may
 * change); a drift check reports every added, removed and changed item.
 * The drift SQL is generated from the fixed specs below, never from input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mm_crypto.h"
#include "policy/policy_int.h"
#include "base/banned.h"

typedef struct snap {
	const char *name;
	const char *select; /* key columns first */
	int nkeys;
	const char *ja, *en;
} snap;

static const snap snaps[] = {
	{"accounts", "SELECT name, uid, gid, home, shell, password_status FROM accounts", 1,
	 "アカウントの変更", "Accounts changed"},
	{"groups",
	 "SELECT g.name, g.gid, (SELECT group_concat(member, ',') FROM (SELECT member FROM"
	 " group_members m WHERE m.group_name = g.name ORDER BY member)) AS members FROM groups g",
	 1, "グループと所属の変更", "Groups and memberships changed"},
	{"firewall_chains",
	 "SELECT family, table_name, chain, COALESCE(hook, '') AS hook, COALESCE(policy, '') AS policy"
	 " FROM firewall_chains",
	 3, "ファイアウォールのチェーンの変更", "Firewall chains changed"},
	{"firewall_rules",
	 "SELECT DISTINCT family, table_name, chain, rule FROM firewall_rules", 4,
	 "ファイアウォールのルールの変更", "Firewall rules changed"},
	{"smb_shares",
	 "SELECT name, path, guest_ok, read_only, available, valid_users FROM smb_shares", 1,
	 "共有フォルダ (Samba) の変更", "Samba shares changed"},
	{"nfs_exports", "SELECT path, client, options FROM nfs_exports", 2,
	 "NFS エクスポートの変更", "NFS exports changed"},
	{"services", "SELECT DISTINCT unit, state FROM service_enablement", 2,
	 "有効なサービスの変更", "Enabled services changed"},
	{"listening",
	 "SELECT proto, local_addr, local_port, group_concat(DISTINCT COALESCE(process, '?')) AS process"
	 " FROM listening GROUP BY proto, local_addr, local_port",
	 3, "待ち受けポートの変更", "Listening ports changed"},
	{"packages",
	 "SELECT name, COALESCE(arch, '') AS arch, version FROM packages WHERE status <> 'config-files'",
	 2, "インストールソフトウェアの変更", "Installed software changed"},
	{"interfaces", "SELECT name, mac, mtu FROM interfaces", 1, "ネットワークインタフェースの変更",
	 "Network interfaces changed"},
	{"addresses", "SELECT DISTINCT COALESCE(interface, '') AS interface, address, prefixlen FROM addresses",
	 2, "IP アドレスの変更", "IP addresses changed"},
	{"routes",
	 "SELECT DISTINCT family, destination, prefixlen, COALESCE(gateway, '') AS gateway,"
	 " COALESCE(interface, '') AS interface FROM routes",
	 5, "経路の変更", "Routes changed"},
	{"dns_servers", "SELECT DISTINCT address FROM dns_servers", 1, "DNS サーバの変更",
	 "DNS servers changed"},
	{"usb_devices",
	 "SELECT vendor_id, COALESCE(product_id, '') AS product_id, COALESCE(serial, '') AS serial,"
	 " group_concat(DISTINCT busid) AS busid, max(product) AS product FROM usb_devices"
	 " WHERE root_hub = 0 GROUP BY 1, 2, 3",
	 3, "USB 機器の変更", "USB devices changed"},
};
#define NSNAPS (sizeof snaps / sizeof snaps[0])

size_t drift_check_count(void)
{
	return NSNAPS;
}

/* Column names of a spec's select (prepared, not run). */
static int spec_columns(sqlite3 *db, const snap *s, json_t **cols, int *ncol)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, s->select, -1, &q, NULL) != SQLITE_OK)
		return MM_EDB;
	*ncol = sqlite3_column_count(q);
	*cols = json_array();
	for (int i = 0; *cols && i < *ncol; i++)
		json_array_append_new(*cols, json_string(sqlite3_column_name(q, i)));
	sqlite3_finalize(q);
	return *cols ? MM_OK : MM_ENOMEM;
}

static json_t *cell(sqlite3_stmt *q, int i)
{
	switch (sqlite3_column_type(q, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(q, i));
	case SQLITE_NULL:
		return json_null();
	default:
		return json_stringn((const char *)sqlite3_column_text(q, i),
				    (size_t)sqlite3_column_bytes(q, i));
	}
}

int mm_baseline_create(mm_facts *f, mm_buf *out, mm_err *err)
{
	sqlite3 *db = mm_facts_db(f);
	json_t *tables = json_object(), *doc = NULL;
	int rc = MM_OK;
	for (size_t i = 0; rc == MM_OK && i < NSNAPS; i++) {
		json_t *cols = NULL, *rows = json_array();
		int ncol = 0;
		sqlite3_stmt *q = NULL;
		if (!rows || spec_columns(db, &snaps[i], &cols, &ncol) != MM_OK ||
		    sqlite3_prepare_v2(db, snaps[i].select, -1, &q, NULL) != SQLITE_OK) {
			rc = mm_err_set(err, MM_EDB, "baseline %s: %s", snaps[i].name, sqlite3_errmsg(db));
			json_decref(cols);
			json_decref(rows);
			break;
		}
		while (sqlite3_step(q) == SQLITE_ROW) {
			json_t *row = json_array();
			for (int c = 0; row && c < ncol; c++)
				json_array_append_new(row, cell(q, c));
			json_array_append_new(rows, row);
		}
		sqlite3_finalize(q);
		json_object_set_new(tables, snaps[i].name,
				    json_pack("{s:o, s:i, s:o}", "columns", cols, "keys", snaps[i].nkeys,
					      "rows", rows));
	}
	if (rc == MM_OK) {
		char when[48];
		mm_time_format(mm_now_ns(), 0, when, sizeof when);
		sqlite3_stmt *h = NULL;
		json_t *host = json_object();
		if (sqlite3_prepare_v2(db, "SELECT hostname, machine_id, root FROM host", -1, &h, NULL) ==
			    SQLITE_OK &&
		    sqlite3_step(h) == SQLITE_ROW)
			for (int c = 0; c < 3; c++)
				json_object_set_new(host, sqlite3_column_name(h, c), cell(h, c));
		sqlite3_finalize(h);
		doc = json_pack("{s:s, s:s, s:s, s:o, s:o}", "format", "mamori-baseline/1", "created_at",
				when, "agent_version", MM_VERSION, "host", host, "tables", tables);
		tables = NULL;
		char *txt = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
		if (!txt)
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		else if ((rc = mm_buf_puts(out, txt)) == MM_OK)
			rc = mm_buf_puts(out, "\n");
		free(txt);
	}
	json_decref(tables);
	json_decref(doc);
	return rc;
}

/* ---- loading ---- */

static int load_table(sqlite3 *db, const snap *s, json_t *t, const char *path, mm_err *err)
{
	json_t *want = NULL;
	int ncol = 0;
	int rc = spec_columns(db, s, &want, &ncol);
	if (rc)
		return mm_err_set(err, rc, "baseline %s: %s", s->name, sqlite3_errmsg(db));
	json_t *cols = json_object_get(t, "columns"), *rows = json_object_get(t, "rows");
	if (!json_equal(cols, want) || !json_is_array(rows)) {
		json_decref(want);
		return mm_err_set(err, MM_EINVAL,
				  "%s: table %s: columns or rows do not match this agent's snapshot",
				  path, s->name);
	}
	json_decref(want);
	if (json_array_size(rows) > MM_BASELINE_ROWS_MAX)
		return mm_err_set(err, MM_ELIMIT, "%s: table %s: more than %d rows", path, s->name,
				  MM_BASELINE_ROWS_MAX);
	/* table and column names come from the fixed spec, not from the file */
	mm_buf sql;
	mm_buf_init(&sql, 8192);
	rc = mm_buf_printf(&sql, "CREATE TABLE base_%s(", s->name);
	for (int i = 0; rc == MM_OK && i < ncol; i++)
		rc = mm_buf_printf(&sql, "%s\"%s\"", i ? ", " : "",
				   json_string_value(json_array_get(cols, (size_t)i)));
	if (rc == MM_OK)
		rc = mm_buf_puts(&sql, ");");
	if (rc == MM_OK && sqlite3_exec(db, (const char *)sql.p, NULL, NULL, NULL) != SQLITE_OK)
		rc = MM_EDB;
	mm_buf_reset(&sql);
	if (rc == MM_OK)
		rc = mm_buf_printf(&sql, "INSERT INTO base_%s VALUES(", s->name);
	for (int i = 0; rc == MM_OK && i < ncol; i++)
		rc = mm_buf_puts(&sql, i ? ", ?" : "?");
	if (rc == MM_OK)
		rc = mm_buf_puts(&sql, ")");
	sqlite3_stmt *ins = NULL;
	if (rc == MM_OK && sqlite3_prepare_v2(db, (const char *)sql.p, -1, &ins, NULL) != SQLITE_OK)
		rc = MM_EDB;
	mm_buf_release(&sql);
	if (rc != MM_OK) {
		sqlite3_finalize(ins);
		return mm_err_set(err, rc, "baseline %s: %s", s->name, sqlite3_errmsg(db));
	}
	size_t r;
	json_t *row;
	json_array_foreach(rows, r, row) {
		if (!json_is_array(row) || json_array_size(row) != (size_t)ncol) {
			rc = mm_err_set(err, MM_EINVAL, "%s: table %s: row %zu has the wrong shape", path,
					s->name, r + 1);
			break;
		}
		sqlite3_reset(ins);
		for (int c = 0; c < ncol; c++) {
			json_t *v = json_array_get(row, (size_t)c);
			if (json_is_integer(v))
				sqlite3_bind_int64(ins, c + 1, json_integer_value(v));
			else if (json_is_string(v))
				sqlite3_bind_text(ins, c + 1, json_string_value(v), (int)json_string_length(v),
						  SQLITE_STATIC);
			else if (json_is_null(v))
				sqlite3_bind_null(ins, c + 1);
			else {
				rc = mm_err_set(err, MM_EINVAL,
						"%s: table %s: row %zu: values must be text, integers or null",
						path, s->name, r + 1);
				break;
			}
		}
		if (rc)
			break;
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = mm_err_set(err, MM_EDB, "baseline %s: %s", s->name, sqlite3_errmsg(db));
			break;
		}
	}
	sqlite3_finalize(ins);
	if (rc == MM_OK) {
		sqlite3_stmt *q = NULL;
		if (sqlite3_prepare_v2(db, "INSERT INTO baseline_tables VALUES(?)", -1, &q, NULL) != SQLITE_OK)
			return mm_err_set(err, MM_EDB, "baseline: %s", sqlite3_errmsg(db));
		sqlite3_bind_text(q, 1, s->name, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			rc = mm_err_set(err, MM_EDB, "baseline: %s", sqlite3_errmsg(db));
		sqlite3_finalize(q);
	}
	return rc;
}

int baseline_load(sqlite3 *db, const char *path, json_t *info, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_BASELINE_FILE_MAX);
	int rc = mm_file_read(path, MM_BASELINE_FILE_MAX, &b, err);
	if (rc) {
		mm_buf_release(&b);
		return mm_err_prefix(err, "baseline");
	}
	uint8_t h[MM_SHA256_LEN];
	char hex[2 * MM_SHA256_LEN + 1];
	mm_sha256(b.p ? b.p : (const uint8_t *)"", b.len, h);
	mm_hex_encode(h, sizeof h, hex);
	json_error_t je;
	json_t *doc = json_loadb(b.p ? (const char *)b.p : "", b.len, JSON_REJECT_DUPLICATES, &je);
	mm_buf_release(&b);
	if (!doc)
		return mm_err_set(err, MM_EINVAL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	json_t *tables = json_object_get(doc, "tables");
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	if (!fmt || strcmp(fmt, "mamori-baseline/1") != 0 || !json_is_object(tables)) {
		json_decref(doc);
		return mm_err_set(err, MM_EINVAL, "%s: not a mamori baseline (format mamori-baseline/1)",
				  path);
	}
	if (sqlite3_exec(db, "CREATE TABLE baseline_tables(name TEXT PRIMARY KEY)", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		json_decref(doc);
		return mm_err_set(err, MM_EDB, "baseline: %s", sqlite3_errmsg(db));
	}
	for (size_t i = 0; rc == MM_OK && i < NSNAPS; i++) {
		json_t *t = json_object_get(tables, snaps[i].name);
		if (t) /* a table the baseline lacks makes its drift check not applicable */
			rc = load_table(db, &snaps[i], t, path, err);
	}
	if (rc == MM_OK) {
		json_object_set_new(info, "path", json_string(path));
		json_object_set_new(info, "sha256", json_string(hex));
		json_object_set(info, "created_at", json_object_get(doc, "created_at"));
		json_object_set(info, "host", json_object_get(doc, "host"));
	}
	json_decref(doc);
	return rc;
}

/* ---- drift checks ---- */

/* "col=value, col=value" over the value columns of alias a. */
static void values_expr(char *out, size_t cap, sqlite3 *db, const snap *s, const char *a)
{
	json_t *cols = NULL;
	int ncol = 0;
	size_t off = 0;
	out[0] = '\0';
	if (spec_columns(db, s, &cols, &ncol) != MM_OK || ncol <= s->nkeys) {
		snprintf(out, cap, "NULL");
		json_decref(cols);
		return;
	}
	for (int i = s->nkeys; i < ncol && off < cap; i++) {
		const char *c = json_string_value(json_array_get(cols, (size_t)i));
		off += (size_t)snprintf(out + off, cap - off, "%s'%s=' || COALESCE(CAST(%s.\"%s\" AS TEXT), '')",
					i > s->nkeys ? " || ', ' || " : "", c, a, c);
	}
	json_decref(cols);
}

void drift_check(sqlite3 *db, size_t i, pcheck *c, drift_buf *buf)
{
	const snap *s = &snaps[i];
	memset(c, 0, sizeof *c);
	snprintf(buf->id, sizeof buf->id, "drift.%s", s->name);
	snprintf(buf->aif, sizeof buf->aif, "SELECT 1 FROM baseline_tables WHERE name = '%s'", s->name);
	char *sql = buf->sql;
	size_t cap = sizeof buf->sql;
	c->id = buf->id;
	c->title.ja = (char *)s->ja;
	c->title.en = (char *)s->en;
	c->item = (char *)"001 Ⅵ.2; 004 第24条の4";
	c->requirement = (char *)"C2";
	c->severity = (char *)"high";
	c->role = ROLE_ANY;
	c->applies_if = buf->aif;
	c->na_reason.ja = (char *)"ベースラインにこの表がありません";
	c->na_reason.en = (char *)"the baseline has no snapshot of this table";
	/* keys: k1 IS b.k1 AND ... ; columns named after the spec */
	json_t *cols = NULL;
	int ncol = 0;
	char keys_c[1024] = "", keys_b[1024] = "", match[2048] = "", diff[2048] = "";
	size_t ok = 0, ob = 0, om = 0, od = 0;
	if (spec_columns(db, s, &cols, &ncol) == MM_OK) {
		for (int k = 0; k < ncol; k++) {
			const char *n = json_string_value(json_array_get(cols, (size_t)k));
			if (k < s->nkeys) {
				ok += (size_t)snprintf(keys_c + ok, sizeof keys_c - ok, "c.\"%s\" AS \"%s\", ", n, n);
				ob += (size_t)snprintf(keys_b + ob, sizeof keys_b - ob, "b.\"%s\", ", n);
				om += (size_t)snprintf(match + om, sizeof match - om, "%sc.\"%s\" IS b.\"%s\"",
						       k ? " AND " : "", n, n);
			} else {
				od += (size_t)snprintf(diff + od, sizeof diff - od, "%sc.\"%s\" IS NOT b.\"%s\"",
						       k > s->nkeys ? " OR " : "", n, n);
			}
		}
	}
	json_decref(cols);
	char vc[2048], vb[2048];
	values_expr(vc, sizeof vc, db, s, "c");
	values_expr(vb, sizeof vb, db, s, "b");
	snprintf(sql, cap,
		 "WITH cur AS (%s) "
		 "SELECT 'added' AS change, %sNULL AS before, %s AS after FROM cur c"
		 " WHERE NOT EXISTS (SELECT 1 FROM base_%s b WHERE %s) "
		 "UNION ALL SELECT 'removed', %s%s, NULL FROM base_%s b"
		 " WHERE NOT EXISTS (SELECT 1 FROM cur c WHERE %s) "
		 "%s%s%s%s%s%s%s%s%s%s%s",
		 s->select, keys_c, vc, s->name, match, keys_b, vb, s->name, match,
		 od ? "UNION ALL SELECT 'changed', " : "", od ? keys_c : "", od ? vb : "", od ? ", " : "",
		 od ? vc : "", od ? " FROM cur c JOIN base_" : "", od ? s->name : "", od ? " b ON " : "",
		 od ? match : "", od ? " WHERE " : "", od ? diff : "");
	c->sql = sql;
}
