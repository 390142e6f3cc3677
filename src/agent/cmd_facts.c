/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent facts [--root DIR] [--table NAME]`: collect and print the
 * fact tables as JSON (one object per table: an array of rows), so an
 * operator or a policy author sees exactly what checks query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/agent.h"
#include "facts/mm_facts.h"
#include "base/banned.h"

int agent_collect(const char *root, mm_facts **out)
{
	int64_t now = 0;
	const char *env = getenv("MAMORI_NOW");
	if (env && *env && (!mm_parse_i64(env, &now) || now <= 0))
		return agent_error("MAMORI_NOW must be Unix seconds, not '%s'", env);
	mm_err e = {0};
	if (mm_facts_open(out, root ? root : "/", now, &e) != MM_OK)
		return agent_report(&e);
	if (mm_facts_collect(*out, &e) != MM_OK) {
		mm_facts_close(*out);
		*out = NULL;
		return agent_report(&e);
	}
	return AGENT_OK;
}

static json_t *dump_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q = NULL;
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
	json_t *rows = json_array();
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		json_decref(rows);
		return NULL;
	}
	while (rows && sqlite3_step(q) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; o && i < sqlite3_column_count(q); i++) {
			json_t *v;
			switch (sqlite3_column_type(q, i)) {
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(q, i));
				break;
			case SQLITE_NULL:
				v = json_null();
				break;
			default:
				v = json_stringn((const char *)sqlite3_column_text(q, i),
						 (size_t)sqlite3_column_bytes(q, i));
			}
			json_object_set_new(o, sqlite3_column_name(q, i), v ? v : json_null());
		}
		json_array_append_new(rows, o);
	}
	sqlite3_finalize(q);
	return rows;
}

int agent_cmd_facts(int argc, char **argv)
{
	agent_args a;
	if (agent_parse(&a, argc - 1, argv + 1, "root: table: help") != AGENT_OK)
		return AGENT_USAGE;
	if (agent_flag(&a, "help")) {
		printf("usage: mamori-agent facts [--root DIR] [--table NAME]\n"
		       "Collects the facts of DIR (default /) and prints the tables as JSON.\n");
		return AGENT_OK;
	}
	mm_facts *f = NULL;
	int rc = agent_collect(agent_opt(&a, "root"), &f);
	if (rc != AGENT_OK)
		return rc;
	sqlite3 *db = mm_facts_db(f);
	const char *only = agent_opt(&a, "table");
	json_t *out = json_object();
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT name FROM sqlite_schema WHERE type IN ('table','view')"
			       " AND name NOT LIKE 'sqlite_%' ORDER BY name",
			       -1, &q, NULL) == SQLITE_OK) {
		while (sqlite3_step(q) == SQLITE_ROW) {
			const char *name = (const char *)sqlite3_column_text(q, 0);
			if (only && strcmp(only, name) != 0)
				continue;
			json_object_set_new(out, name, dump_table(db, name));
		}
	}
	sqlite3_finalize(q);
	if (only && json_object_size(out) == 0) {
		json_decref(out);
		mm_facts_close(f);
		return agent_error("no fact table named '%s'", only);
	}
	char *txt = json_dumps(out, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (txt)
		printf("%s\n", txt);
	free(txt);
	json_decref(out);
	mm_facts_close(f);
	return txt ? AGENT_OK : AGENT_USAGE;
}
