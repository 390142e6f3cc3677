/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CSV import of records (rosters and asset lists migrated from Excel): the
 * header names fields, each row becomes one record, every row is checked
 * as a create is (schema, references, the deriver), and all rows are
 * written in one all-or-nothing write. Shared by `mamori record import`
 * and POST /api/v1/records/KIND/import.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/mm_ops.h"
#include "base/banned.h"

static const mm_field *field_named(const mm_kind *k, const char *name)
{
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return &k->fields[i];
	return NULL;
}

/* Convert one cell's text to the JSON value of type f (scalar types); NULL with err set if it cannot be. */
static json_t *scalar(const mm_field *f, const char *s, const char *what, mm_err *err)
{
	json_t *v = NULL;
	if (f->type == MM_F_INTEGER) {
		int64_t x;
		if (!mm_parse_i64(s, &x)) {
			mm_err_set(err, MM_EINVAL, "%s: '%.64s' is not a whole number", what, s);
			return NULL;
		}
		v = json_integer((json_int_t)x);
	} else if (f->type == MM_F_BOOLEAN) {
		bool t = strcmp(s, "true") == 0 || strcmp(s, "TRUE") == 0 || strcmp(s, "1") == 0;
		bool fl = strcmp(s, "false") == 0 || strcmp(s, "FALSE") == 0 || strcmp(s, "0") == 0;
		if (!t && !fl) {
			mm_err_set(err, MM_EINVAL, "%s: '%.64s' is not true or false (TRUE/FALSE, 1/0)", what, s);
			return NULL;
		}
		v = json_boolean(t);
	} else if (f->type == MM_F_LIST) {
		mm_err_set(err, MM_EINVAL, "%s: a list inside a list cannot be written in CSV", what);
		return NULL;
	} else {
		v = json_string(s);
	}
	if (!v)
		mm_err_set(err, MM_ENOMEM, "out of memory");
	return v;
}

/* A list cell: items separated by ';', spaces around each trimmed, empty items skipped. */
static json_t *list(const mm_field *f, const char *s, const char *what, mm_err *err)
{
	json_t *a = json_array();
	char *copy = strdup(s);
	if (!a || !copy) {
		mm_err_set(err, MM_ENOMEM, "out of memory");
		goto fail;
	}
	for (char *p = copy; p;) {
		char *semi = strchr(p, ';');
		if (semi)
			*semi = '\0';
		while (*p == ' ')
			p++;
		size_t l = strlen(p);
		while (l && p[l - 1] == ' ')
			p[--l] = '\0';
		if (*p) {
			json_t *v = scalar(f->item, p, what, err);
			if (!v || json_array_append_new(a, v)) {
				if (v)
					mm_err_set(err, MM_ENOMEM, "out of memory");
				goto fail;
			}
		}
		p = semi ? semi + 1 : NULL;
	}
	free(copy);
	return a;
fail:
	free(copy);
	json_decref(a);
	return NULL;
}

/* The column a store message is about ("field NAME: ..."), 0 if none. */
static size_t column_of(const mm_csv *c, const char *msg)
{
	if (strncmp(msg, "field ", 6) != 0)
		return 0;
	msg += 6;
	size_t n = strcspn(msg, ":[. ");
	for (size_t j = 0; j < c->ncols; j++)
		if (strlen(c->cells[j]) == n && strncmp(c->cells[j], msg, n) == 0)
			return j + 1;
	return 0;
}

/* Prefix err with where row i (0 = the first data row) is. */
static int at_row(const mm_csv *c, size_t i, const char *label, mm_err *err)
{
	size_t col = column_of(c, err->msg);
	if (col)
		return mm_err_prefix(err, "%s: line %zu, column %zu", label, c->line[i + 1], col);
	return mm_err_prefix(err, "%s: line %zu", label, c->line[i + 1]);
}

/* Note row i (0 = the first data row) as skipped with err's reason (prefixed with where it is). */
static int skip_row(const mm_csv *c, size_t i, const char *label, json_t *skipped, mm_err *err)
{
	at_row(c, i, label, err);
	if (json_array_size(skipped) >= MM_CSV_SKIPPED_MAX)
		return mm_err_set(err, MM_ELIMIT, "%s: more than %u rows refused; nothing was imported", label,
				  MM_CSV_SKIPPED_MAX);
	if (json_array_append_new(skipped, json_pack("{s:I, s:s}", "line", (json_int_t)c->line[i + 1], "error", err->msg)))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	mm_err_clear(err);
	return MM_OK;
}

/* A refusal that concerns one row (its values), not the whole import. */
static bool row_error(int rc)
{
	return rc == MM_EINVAL || rc == MM_ENOTFOUND;
}

/* The import: strict (skipped NULL: any bad row refuses everything) or valid rows only. */
static int import_rows(mm_store *s, const mm_actor *who, const char *kind, const char *text, size_t n,
		       const char *label, const char *reason, mm_store_create_all_result *res, json_t *skipped,
		       mm_err *err)
{
	mm_csv c;
	json_t *docs = NULL;
	const mm_field **cols = NULL;
	size_t *rowof = NULL; /* docs[k] came from data row rowof[k] */
	mm_err local;
	int rc;
	if (!err)
		err = &local;
	memset(res, 0, sizeof *res);
	const mm_kind *k = mm_schema_kind(mm_store_schema(s), kind);
	if (!k)
		return mm_err_set(err, MM_EINVAL, "unknown kind '%.64s'", kind);
	if (!mm_kind_may_create(k, who && who->role ? who->role : ""))
		return mm_err_set(err, MM_EPERM, "role '%s' may not create %s records",
				  who && who->role ? who->role : "", k->name);
	if ((rc = mm_ops_csv_parse(text, n, &c, err)))
		return mm_err_prefix(err, "%s", label);
	if (c.nrows < 2) {
		rc = mm_err_set(err, MM_EINVAL, "%s: no rows after the header", label);
		goto out;
	}
	cols = calloc(c.ncols, sizeof *cols);
	rowof = calloc(c.nrows, sizeof *rowof);
	docs = json_array();
	if (!cols || !rowof || !docs) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t j = 0; j < c.ncols; j++) {
		const char *name = c.cells[j];
		cols[j] = field_named(k, name);
		if (!cols[j]) {
			rc = mm_err_set(err, MM_EINVAL, "%s: line %zu, column %zu: '%.64s' is not a field of %s", label,
					c.line[0], j + 1, name, k->name);
			goto out;
		}
		if (cols[j]->derived) {
			rc = mm_err_set(err, MM_EINVAL, "%s: line %zu, column %zu: field %s is computed by mamori and "
					"cannot be imported", label, c.line[0], j + 1, name);
			goto out;
		}
		for (size_t q = 0; q < j; q++)
			if (cols[q] == cols[j]) {
				rc = mm_err_set(err, MM_EINVAL, "%s: line %zu, column %zu: field %s appears twice",
						label, c.line[0], j + 1, name);
				goto out;
			}
	}
	for (size_t i = 1; i < c.nrows; i++) {
		json_t *doc = json_object();
		if (!doc || json_array_append_new(docs, doc)) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out;
		}
		rowof[json_array_size(docs) - 1] = i - 1;
		for (size_t j = 0; j < c.ncols; j++) {
			const char *cell = c.cells[i * c.ncols + j];
			char what[160];
			if (!*cell)
				continue; /* an empty cell gives no value */
			snprintf(what, sizeof what, "field %s", cols[j]->name);
			json_t *v = cols[j]->type == MM_F_LIST ? list(cols[j], cell, what, err)
								 : scalar(cols[j], cell, what, err);
			if (!v && skipped && row_error(err->code)) {
				json_array_remove(docs, json_array_size(docs) - 1);
				if ((rc = skip_row(&c, i - 1, label, skipped, err)))
					goto out;
				break;
			}
			if (!v) {
				rc = err->code;
				at_row(&c, i - 1, label, err);
				goto out;
			}
			if (json_object_set_new(doc, cols[j]->name, v)) {
				rc = mm_err_set(err, MM_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	for (;;) {
		if (json_array_size(docs) == 0) {
			rc = mm_err_set(err, MM_EINVAL, "%s: no row could be imported", label);
			goto out;
		}
		if ((rc = mm_store_create_all(s, who, kind, docs, reason, res, err)) == MM_OK)
			break;
		size_t bad = res->bad;
		if (!skipped || bad >= json_array_size(docs) || !row_error(rc)) {
			if (bad < json_array_size(docs))
				at_row(&c, rowof[bad], label, err);
			else
				mm_err_prefix(err, "%s", label);
			goto out;
		}
		/* valid rows only: leave this one out and write the others again, still all at once */
		if ((rc = skip_row(&c, rowof[bad], label, skipped, err)))
			goto out;
		json_array_remove(docs, bad);
		memmove(rowof + bad, rowof + bad + 1, (json_array_size(docs) - bad) * sizeof *rowof);
	}
out:
	free(cols);
	free(rowof);
	json_decref(docs);
	mm_ops_csv_free(&c);
	return rc;
}

int mm_ops_import_csv(mm_store *s, const mm_actor *who, const char *kind, const char *text, size_t n,
		      const char *label, const char *reason, mm_store_create_all_result *res, mm_err *err)
{
	return import_rows(s, who, kind, text, n, label, reason, res, NULL, err);
}

int mm_ops_import_csv_valid(mm_store *s, const mm_actor *who, const char *kind, const char *text, size_t n,
			    const char *label, const char *reason, mm_store_create_all_result *res, json_t **skipped,
			    mm_err *err)
{
	*skipped = json_array();
	if (!*skipped)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc = import_rows(s, who, kind, text, n, label, reason, res, *skipped, err);
	if (rc) {
		json_decref(*skipped);
		*skipped = NULL;
	}
	return rc;
}
