/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Record writes and reads. Validation that needs the database (references,
 * attachments, current version and state) runs inside the ledger's
 * transaction, so what is checked is what is written.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_int.h"
#include "base/banned.h"

mm_ledger *mm_store_ledger(mm_store *s) { return s->l; }

const char *mm_store_signer_path(const mm_store *s) { return s->signer_path; }

void mm_store_set_deriver(mm_store *s, mm_store_derive_fn fn, void *ctx)
{
	s->derive = fn;
	s->derive_ctx = ctx;
}

/* Refuse input that sets a derived field: only the deriver writes those. */
static int check_not_derived(const mm_kind *k, const json_t *input, mm_err *err)
{
	for (size_t i = 0; input && i < k->nfields; i++)
		if (k->fields[i].derived && json_object_get(input, k->fields[i].name))
			return mm_err_set(err, MM_EINVAL, "field %s: is computed by mamori and cannot be set",
					  k->fields[i].name);
	return MM_OK;
}
const mm_schema *mm_store_schema(mm_store *s) { return s->schema; }

int mm_store_paths_for(const char *db_path, const char *keys_dir, mm_store_paths *p, mm_err *err)
{
	char a[4096], b[4096];
	if (snprintf(a, sizeof a, "%s", db_path) >= (int)sizeof a)
		return mm_err_set(err, MM_ELIMIT, "database path too long");
	memcpy(b, a, sizeof b);
	const char *dir = keys_dir ? keys_dir : dirname(a);
	char *base = basename(b);
	size_t bl = strlen(base);
	if (bl > 3 && strcmp(base + bl - 3, ".db") == 0)
		base[bl - 3] = '\0';
	if (snprintf(p->signer, sizeof p->signer, "%s/%s-ledger.key", dir, base) >= (int)sizeof p->signer ||
	    snprintf(p->verifier, sizeof p->verifier, "%s/%s-ledger.pub", dir, base) >= (int)sizeof p->verifier ||
	    snprintf(p->tls_cert, sizeof p->tls_cert, "%s/%s-tls.crt", dir, base) >= (int)sizeof p->tls_cert ||
	    snprintf(p->tls_key, sizeof p->tls_key, "%s/%s-tls.key", dir, base) >= (int)sizeof p->tls_key ||
	    snprintf(p->attachments, sizeof p->attachments, "%s.attachments", db_path) >= (int)sizeof p->attachments)
		return mm_err_set(err, MM_ELIMIT, "key directory path too long");
	return MM_OK;
}

static int meta_get(sqlite3 *db, const char *key, char *out, size_t len, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "meta: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = mm_err_set(err, MM_ENOTFOUND, "database has no '%s' setting", key);
	else if (snprintf(out, len, "%s", sqlite3_column_text(st, 0)) >= (int)len)
		rc = mm_err_set(err, MM_ELIMIT, "setting '%s' too long", key);
	sqlite3_finalize(st);
	return rc;
}

static int meta_set(sqlite3 *db, const char *key, const char *value, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "meta: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? MM_OK : mm_err_set(err, MM_EDB, "meta: %s", sqlite3_errmsg(db));
}

struct genesis {
	const char *actor;
	char payload[1024];
};

static int genesis_apply(void *ctx, sqlite3 *db, uint64_t seq, int64_t t, mm_entry *e, mm_err *err)
{
	(void)db, (void)seq, (void)t, (void)err;
	struct genesis *g = ctx;
	mm_entry_set(&e->kind, &e->kind_len, "ledger.init");
	mm_entry_set(&e->actor, &e->actor_len, g->actor);
	e->payload = (const uint8_t *)g->payload;
	e->payload_len = strlen(g->payload);
	return MM_OK;
}

int mm_store_init(const char *db_path, const mm_store_paths *p, const char *origin, const char *actor,
		  mm_err *err)
{
	const char *files[] = {db_path, p->signer, p->verifier};
	for (size_t i = 0; i < 3; i++)
		if (mm_file_exists(files[i]))
			return mm_err_set(err, MM_EEXIST, "%s: already exists; refusing to overwrite", files[i]);
	mm_note_signer signer;
	mm_buf key;
	mm_buf_init(&key, MM_KEY_FILE_MAX);
	mm_ledger *l = NULL;
	bool created = false;
	int rc = mm_note_signer_generate(origin, &signer, err);
	if (rc)
		goto out;
	if ((rc = mm_note_signer_format(&signer, &key))) {
		mm_err_set(err, rc, "formatting key");
		goto out;
	}
	if ((rc = mm_file_write_atomic(p->signer, key.p, key.len, 0600, true, err)))
		goto out;
	mm_buf_wipe(&key);
	mm_buf_init(&key, MM_KEY_FILE_MAX);
	if ((rc = mm_note_verifier_format(&signer.v, &key)) ||
	    (rc = mm_file_write_atomic(p->verifier, key.p, key.len, 0644, true, err)))
		goto out;
	if ((rc = mm_ledger_create(db_path, &signer, err)))
		goto out;
	created = true;
	if ((rc = mm_ledger_open(db_path, p->signer, &l, err)))
		goto out;
	char abs[4096];
	if (!realpath(p->signer, abs)) {
		rc = mm_err_set(err, MM_EIO, "%s: %s", p->signer, strerror(errno));
		goto out;
	}
	if ((rc = proj_create_tables(mm_ledger_db(l), "main", err)) ||
	    (rc = meta_set(mm_ledger_db(l), "signer_path", abs, err)))
		goto out;
	struct genesis g = {.actor = actor};
	json_t *pl = json_pack("{s:s, s:s}", "origin", origin, "software", "mamori " MM_VERSION);
	char *txt = NULL;
	rc = pl ? canonical_json(pl, &txt, err) : mm_err_set(err, MM_ENOMEM, "out of memory");
	json_decref(pl);
	if (rc)
		goto out;
	snprintf(g.payload, sizeof g.payload, "%s", txt);
	free(txt);
	uint64_t seq;
	if ((rc = mm_ledger_submit(l, genesis_apply, &g, &seq, err)))
		goto out;
	rc = mm_ledger_checkpoint(l, true, NULL, err);
out:
	if (l) {
		int c = mm_ledger_close(l, rc ? NULL : err);
		if (!rc)
			rc = c;
	}
	mm_note_signer_wipe(&signer);
	mm_buf_wipe(&key);
	if (rc && rc != MM_EEXIST) {
		/* leave nothing half-made behind */
		if (created) {
			char w[4200];
			remove(db_path);
			snprintf(w, sizeof w, "%s-wal", db_path);
			remove(w);
			snprintf(w, sizeof w, "%s-shm", db_path);
			remove(w);
		}
		remove(p->signer);
		remove(p->verifier);
	}
	return rc;
}

int mm_store_open(const char *db_path, const char *schema_dir, unsigned flags, mm_store **out, mm_err *err)
{
	*out = NULL;
	mm_store *s = calloc(1, sizeof *s);
	if (!s)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	int rc = MM_OK;
	if (snprintf(s->db_path, sizeof s->db_path, "%s", db_path) >= (int)sizeof s->db_path) {
		rc = mm_err_set(err, MM_ELIMIT, "database path too long");
		goto fail;
	}
	rc = mm_schema_load_dir(schema_dir, &s->schema, err);
	if (rc)
		goto fail;
	if ((rc = mm_ledger_open(db_path, NULL, &s->l, err)))
		goto fail;
	if (flags & MM_STORE_WRITE) {
		char key[4096];
		if ((rc = meta_get(mm_ledger_db(s->l), "signer_path", key, sizeof key, err)))
			goto fail;
		/* reopen with the signer: checkpoints need it */
		mm_ledger_close(s->l, NULL);
		s->l = NULL;
		if ((rc = mm_ledger_open(db_path, key, &s->l, err)))
			goto fail;
		memcpy(s->signer_path, key, sizeof s->signer_path);
	}
	sqlite3 *db = mm_ledger_db(s->l);
	if ((rc = proj_prepare(&s->live, db, "main", err)))
		goto fail;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM record WHERE kind = ? AND id = ? AND tenant = ?", -1,
			       &s->exists_rec, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT 1 FROM attachment WHERE sha256 = ?", -1, &s->exists_att, NULL) ||
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM record WHERE kind = ?", -1, &s->count_kind, NULL)) {
		rc = mm_err_set(err, MM_EDB, "%s: %s", db_path, sqlite3_errmsg(db));
		goto fail;
	}
	if (snprintf(s->attach_dir, sizeof s->attach_dir, "%s.attachments", db_path) >= (int)sizeof s->attach_dir) {
		rc = mm_err_set(err, MM_ELIMIT, "path too long");
		goto fail;
	}
	*out = s;
	return MM_OK;
fail:
	mm_store_close(s, NULL);
	return rc;
}

int mm_store_close(mm_store *s, mm_err *err)
{
	if (!s)
		return MM_OK;
	proj_finalize(&s->live);
	sqlite3_finalize(s->exists_rec);
	sqlite3_finalize(s->exists_att);
	sqlite3_finalize(s->count_kind);
	for (size_t i = 0; i < s->nreaders; i++) {
		sqlite3_stmt *st; /* the read path keeps its prepared statements on the connection */
		while ((st = sqlite3_next_stmt(s->readers[i], NULL)))
			sqlite3_finalize(st);
		sqlite3_close(s->readers[i]);
	}
	int rc = mm_ledger_close(s->l, err);
	mm_schema_free(s->schema);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_cond_destroy(&s->pool_cv);
	free(s);
	return rc;
}

int reader_get(mm_store *s, sqlite3 **db, mm_err *err)
{
	pthread_mutex_lock(&s->pool_mu);
	for (;;) {
		for (size_t i = 0; i < s->nreaders; i++) {
			if (!s->reader_busy[i]) {
				s->reader_busy[i] = true;
				*db = s->readers[i];
				pthread_mutex_unlock(&s->pool_mu);
				return MM_OK;
			}
		}
		if (s->nreaders < STORE_READERS_MAX)
			break;
		pthread_cond_wait(&s->pool_cv, &s->pool_mu);
	}
	/* open a new connection; the slot is reserved before the lock is dropped */
	size_t slot = s->nreaders++;
	s->readers[slot] = NULL;
	s->reader_busy[slot] = true;
	pthread_mutex_unlock(&s->pool_mu);
	sqlite3 *h = NULL;
	int rc = MM_OK;
	if (sqlite3_open_v2(s->db_path, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(h, "PRAGMA query_only=ON", NULL, NULL, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "%s: %s", s->db_path, h ? sqlite3_errmsg(h) : "cannot open");
		sqlite3_close(h);
		h = NULL;
	} else {
		sqlite3_busy_timeout(h, 10000);
	}
	pthread_mutex_lock(&s->pool_mu);
	if (!h) {
		/* give the slot back: move the last one into it */
		s->nreaders--;
		if (slot != s->nreaders) {
			s->readers[slot] = s->readers[s->nreaders];
			s->reader_busy[slot] = s->reader_busy[s->nreaders];
		}
		pthread_cond_signal(&s->pool_cv);
	} else {
		s->readers[slot] = h;
		*db = h;
	}
	pthread_mutex_unlock(&s->pool_mu);
	return rc;
}

void reader_put(mm_store *s, sqlite3 *db)
{
	pthread_mutex_lock(&s->pool_mu);
	for (size_t i = 0; i < s->nreaders; i++)
		if (s->readers[i] == db)
			s->reader_busy[i] = false;
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
}

/* ---- lookups for validation (inside the transaction) ---- */

struct write;
static mm_store *write_store(const struct write *w);
static const char *write_tenant(const struct write *w);

static void lookup_failed(struct write *w);

/* Step an existence query; a database error is remembered, not taken for "absent". */
static bool exists_step(struct write *w, sqlite3_stmt *st)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		lookup_failed(w);
	return r == SQLITE_ROW;
}

static bool record_exists(void *ctx, const char *kind, const char *id)
{
	mm_store *s = write_store(ctx);
	sqlite3_bind_text(s->exists_rec, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->exists_rec, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->exists_rec, 3, write_tenant(ctx), -1, SQLITE_STATIC);
	return exists_step(ctx, s->exists_rec);
}

static bool attachment_exists(void *ctx, const char *hex)
{
	mm_store *s = write_store(ctx);
	sqlite3_bind_text(s->exists_att, 1, hex, -1, SQLITE_STATIC);
	return exists_step(ctx, s->exists_att);
}

/* ---- writes ---- */

enum wop { OP_CREATE, OP_UPDATE, OP_TRANSITION };

struct write {
	mm_store *s;
	enum wop op;
	const mm_actor *who;
	const mm_kind *kind; /* create */
	const char *id;      /* update, transition */
	uint32_t expected;
	json_t *input;       /* create: fields; update: merge patch */
	const char *what;    /* transition */
	const char *reason;
	char *payload;       /* owned; freed by the submitter */
	mm_write_result *res;
	bool lookup_error;   /* a reference lookup hit a database error */
	bool have_count;     /* create_all: kind_count holds the records of the kind so far in this transaction */
	int64_t kind_count;
	const char *before_state; /* while the deriver runs: the record before this write (NULL: create) */
	const json_t *before_data;
};

static void lookup_failed(struct write *w)
{
	w->lookup_error = true;
}

static mm_store *write_store(const struct write *w)
{
	return w->s;
}

static const char *write_tenant(const struct write *w)
{
	return actor_tenant(w->who);
}

struct current {
	const mm_kind *kind;
	uint32_t version;
	uint64_t seq;
	char state[MM_NAME_MAX + 1];
	json_t *data;
};

static int load_current(mm_store *s, const mm_actor *who, const char *id, struct current *c, mm_err *err)
{
	sqlite3 *db = mm_ledger_db(s->l);
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	memset(c, 0, sizeof *c);
	if (sqlite3_prepare_v2(db, "SELECT kind, version, seq, state, data FROM record WHERE id = ? AND tenant = ?",
			       -1, &st, NULL))
		return mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, actor_tenant(who), -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? mm_err_set(err, MM_ENOTFOUND, "no record has id '%.128s'", id)
				      : mm_err_set(err, MM_EDB, "reading %s: %s", id, sqlite3_errmsg(db));
		goto out;
	}
	const char *kind = (const char *)sqlite3_column_text(st, 0);
	const char *state = (const char *)sqlite3_column_text(st, 3);
	const char *text = (const char *)sqlite3_column_text(st, 4);
	if (!kind || !state || !text) { /* SQLite could not convert a value: out of memory */
		rc = mm_err_set(err, MM_ENOMEM, "reading %s: out of memory", id);
		goto out;
	}
	c->kind = mm_schema_kind(s->schema, kind);
	if (!c->kind) {
		rc = mm_err_set(err, MM_EINVAL, "record %s is of kind '%s', which the schema no longer declares", id, kind);
		goto out;
	}
	c->version = (uint32_t)sqlite3_column_int64(st, 1);
	c->seq = (uint64_t)sqlite3_column_int64(st, 2);
	snprintf(c->state, sizeof c->state, "%s", state);
	json_error_t je;
	c->data = json_loads(text, 0, &je);
	if (!c->data)
		rc = json_oom(&je) ? mm_err_set(err, MM_ENOMEM, "out of memory")
				   : mm_err_set(err, MM_ECORRUPT,
						"record %s: stored data could not be read (not JSON, or out of memory)", id);
out:
	sqlite3_finalize(st);
	return rc;
}

static int write_apply(void *ctx, sqlite3 *db, uint64_t seq, int64_t t, mm_entry *e, mm_err *err)
{
	(void)db;
	struct write *w = ctx;
	mm_store *s = w->s;
	struct current cur;
	memset(&cur, 0, sizeof cur);
	json_t *data = NULL, *pl = NULL;
	char id[MM_ID_MAX + 1];
	const char *state, *op, *entry_kind;
	const mm_kind *k;
	uint32_t version;
	uint64_t ref = 0;
	int rc = MM_OK;
	mm_schema_lookup lk = {record_exists, attachment_exists, w};

	if (w->op == OP_CREATE) {
		k = w->kind;
		sqlite3_int64 n = w->kind_count;
		if (!w->have_count) { /* a scan of the kind's index: once per write, not once per row of an import */
			sqlite3_bind_text(s->count_kind, 1, k->name, -1, SQLITE_STATIC);
			n = sqlite3_step(s->count_kind) == SQLITE_ROW ? sqlite3_column_int64(s->count_kind, 0) : -1;
			sqlite3_reset(s->count_kind);
		}
		if (n < 0) {
			rc = mm_err_set(err, MM_EDB, "counting records: %s", sqlite3_errmsg(db));
			goto out;
		}
		snprintf(id, sizeof id, "%s-%lld", k->name, (long long)n + 1);
		data = json_incref(w->input);
		state = k->initial;
		version = 1;
		op = "create";
		entry_kind = "record.create";
	} else {
		if ((rc = load_current(s, w->who, w->id, &cur, err)))
			goto out;
		k = cur.kind;
		snprintf(id, sizeof id, "%s", w->id);
		if (w->expected && w->expected != cur.version) {
			rc = mm_err_set(err, MM_ECONFLICT,
					"record %s is at version %u, not %u: someone changed it meanwhile; "
					"reload it and apply your change again (nothing was written)",
					id, cur.version, w->expected);
			goto out;
		}
		version = cur.version + 1;
		ref = cur.seq;
		if (w->op == OP_UPDATE) {
			if (!mm_kind_may_update(k, w->who->role)) {
				rc = mm_err_set(err, MM_EPERM, "role '%s' may not update %s records", w->who->role, k->name);
				goto out;
			}
			data = json_deep_copy(cur.data);
			const char *key;
			json_t *v;
			json_object_foreach(w->input, key, v) {
				if (json_is_null(v))
					json_object_del(data, key);
				else
					json_object_set(data, key, v);
			}
			state = cur.state;
			op = "update";
			entry_kind = "record.update";
		} else {
			const mm_transition *tr = mm_kind_transition(k, cur.state, w->what);
			if (!tr) {
				rc = mm_err_set(err, MM_EINVAL, "%s records have no transition '%.64s' from state '%s'",
						k->name, w->what, cur.state);
				goto out;
			}
			if (!mm_transition_allows(tr, w->who->role)) {
				char allowed[256] = "";
				for (size_t i = 0; i < tr->nroles; i++) {
					size_t l = strlen(allowed);
					snprintf(allowed + l, sizeof allowed - l, "%s%s", i ? ", " : "", tr->roles[i]);
				}
				rc = mm_err_set(err, MM_EPERM, "role '%s' may not make transition '%s' of %s %s (allowed: %s)",
						w->who->role, tr->name, k->name, id, allowed);
				goto out;
			}
			if (tr->reason_required && (!w->reason || !*w->reason)) {
				rc = mm_err_set(err, MM_EINVAL, "transition '%s' needs a reason", tr->name);
				goto out;
			}
			data = json_incref(cur.data);
			state = tr->to;
			op = tr->name;
			entry_kind = "record.transition";
		}
	}
	if (!data) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if (w->op != OP_TRANSITION && (rc = check_not_derived(k, w->input, err)))
		goto out;
	if (s->derive) {
		/* data may be shared with the input or the current version: derive on a copy */
		json_t *copy = json_deep_copy(data);
		json_decref(data);
		data = copy;
		if (!data) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out;
		}
		w->before_state = w->op == OP_CREATE ? NULL : cur.state;
		w->before_data = w->op == OP_CREATE ? NULL : cur.data;
		s->txn_thread = pthread_self();
		s->txn = w;
		rc = s->derive(s->derive_ctx, k, state, data, err);
		s->txn = NULL;
		if (rc)
			goto out;
	}
	w->lookup_error = false;
	rc = mm_schema_validate(k, data, &lk, err);
	if (w->lookup_error) {
		rc = mm_err_set(err, MM_EDB, "checking references: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (rc)
		goto out;
	pl = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:O}", "id", id, "kind", k->name, "op", op,
		       "role", w->who->role, "reason", w->reason ? w->reason : "", "state", state,
		       "tenant", actor_tenant(w->who), "version", (json_int_t)version, "data", data);
	if (pl && w->op == OP_TRANSITION)
		json_object_set_new(pl, "from", json_string(cur.state));
	free(w->payload);
	w->payload = NULL;
	if (!pl) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = canonical_json(pl, &w->payload, err)))
		goto out;
	mm_entry_set(&e->kind, &e->kind_len, entry_kind);
	mm_entry_set(&e->actor, &e->actor_len, w->who->name);
	snprintf(w->res->id, sizeof w->res->id, "%s", id);
	mm_entry_set(&e->subject, &e->subject_len, w->res->id);
	e->ref = ref;
	e->payload = (const uint8_t *)w->payload;
	e->payload_len = strlen(w->payload);
	e->seq = seq;
	e->time_ns = t;
	if ((rc = proj_apply_json(&s->live, e, pl, err)))
		goto out;
	w->res->version = version;
	w->res->seq = seq;
out:
	json_decref(pl);
	json_decref(data);
	json_decref(cur.data);
	return rc;
}

int check_tenant(const mm_actor *who, mm_err *err)
{
	const char *t = actor_tenant(who);
	if (strlen(t) > MM_NAME_MAX)
		return mm_err_set(err, MM_EINVAL, "organisation name longer than %d bytes", MM_NAME_MAX);
	for (const char *p = t; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
			return mm_err_set(err, MM_EINVAL, "organisation '%.64s' may use only a-z, 0-9, '.', '-' and '_'", t);
	return MM_OK;
}

static int check_actor(const mm_actor *who, mm_err *err)
{
	if (!who || !who->name || !*who->name || strlen(who->name) > MM_ACTOR_MAX ||
	    !mm_utf8_valid(who->name, strlen(who->name)))
		return mm_err_set(err, MM_EINVAL, "an actor name (1..%d bytes of UTF-8) is required", MM_ACTOR_MAX);
	for (const char *p = who->name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return mm_err_set(err, MM_EINVAL, "actor name contains a control character");
	int rc = check_tenant(who, err);
	if (rc)
		return rc;
	if (!who->role || !mm_schema_role_known(who->role))
		return mm_err_set(err, MM_EINVAL, "unknown role '%.64s' (admin, contractor-manager, contractor-operator, "
				  "municipality-approver, municipality-viewer, auditor)", who->role ? who->role : "");
	return MM_OK;
}

static int check_reason(const char *reason, mm_err *err)
{
	if (!reason)
		return MM_OK;
	size_t n = strlen(reason);
	if (n > MM_REASON_MAX || !mm_utf8_valid(reason, n))
		return mm_err_set(err, MM_EINVAL, "reason must be UTF-8 text of at most %d bytes", MM_REASON_MAX);
	return MM_OK;
}

/* Parse untrusted JSON text into an object, with a message that says where it broke. */
static int parse_object(const char *json, size_t n, json_t **out, mm_err *err)
{
	*out = NULL;
	if (n > MM_RECORD_JSON_MAX)
		return mm_err_set(err, MM_ELIMIT, "record JSON is %zu bytes; at most %u are allowed", n, MM_RECORD_JSON_MAX);
	if (!mm_utf8_valid(json, n))
		return mm_err_set(err, MM_EINVAL, "record JSON is not valid UTF-8");
	json_error_t je;
	json_t *v = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
	if (!v && json_oom(&je))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	if (!v)
		return mm_err_set(err, MM_EINVAL, "record JSON: line %d, column %d: %s", je.line, je.column, je.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return mm_err_set(err, MM_EINVAL, "record JSON must be an object of fields");
	}
	*out = v;
	return MM_OK;
}

static int submit(struct write *w, mm_err *err)
{
	uint64_t seq;
	int rc = mm_ledger_submit(w->s->l, write_apply, w, &seq, err);
	free(w->payload);
	json_decref(w->input);
	return rc;
}

int mm_store_create(mm_store *s, const mm_actor *who, const char *kind, const char *json, size_t n,
		    const char *reason, mm_write_result *res, mm_err *err)
{
	memset(res, 0, sizeof *res);
	int rc;
	if ((rc = check_actor(who, err)) || (rc = check_reason(reason, err)))
		return rc;
	const mm_kind *k = mm_schema_kind(s->schema, kind);
	if (!k)
		return mm_err_set(err, MM_EINVAL, "unknown kind '%.64s'", kind);
	if (!mm_kind_may_create(k, who->role))
		return mm_err_set(err, MM_EPERM, "role '%s' may not create %s records", who->role, k->name);
	struct write w = {.s = s, .op = OP_CREATE, .who = who, .kind = k, .reason = reason, .res = res};
	if ((rc = parse_object(json, n, &w.input, err)))
		return rc;
	/* a first check outside the transaction gives the same message without taking the writer */
	mm_schema_lookup none = {NULL, NULL, NULL};
	if ((rc = mm_schema_validate(k, w.input, &none, err))) {
		json_decref(w.input);
		return rc;
	}
	return submit(&w, err);
}

/* Several creates as one all-or-nothing write: the same write, with the next document each call. */
struct write_all {
	struct write w; /* first: the ledger's ctx is this */
	const json_t *docs;
	size_t next;
	char first[MM_ID_MAX + 1];
};

static int create_all_apply(void *ctx, sqlite3 *db, uint64_t seq, int64_t t, mm_entry *e, mm_err *err)
{
	struct write_all *a = ctx;
	a->w.input = json_array_get(a->docs, a->next);
	int rc = write_apply(&a->w, db, seq, t, e, err);
	if (rc)
		return rc;
	if (a->next == 0)
		memcpy(a->first, a->w.res->id, sizeof a->first);
	/* this row was "kind-N": N records of the kind now, so the next is N + 1 (same transaction, one writer) */
	const char *dash = strrchr(a->w.res->id, '-');
	uint64_t nth;
	a->w.have_count = dash && mm_parse_u64(dash + 1, INT64_MAX, &nth);
	a->w.kind_count = a->w.have_count ? (int64_t)nth : 0;
	a->next++;
	return MM_OK;
}

int mm_store_create_all(mm_store *s, const mm_actor *who, const char *kind, const json_t *docs, const char *reason,
			mm_store_create_all_result *res, mm_err *err)
{
	memset(res, 0, sizeof *res);
	int rc;
	size_t i, n = json_array_size(docs);
	const json_t *d;
	if ((rc = check_actor(who, err)) || (rc = check_reason(reason, err)))
		return rc;
	const mm_kind *k = mm_schema_kind(s->schema, kind);
	if (!k)
		return mm_err_set(err, MM_EINVAL, "unknown kind '%.64s'", kind);
	if (!mm_kind_may_create(k, who->role))
		return mm_err_set(err, MM_EPERM, "role '%s' may not create %s records", who->role, k->name);
	if (!json_is_array(docs) || n == 0)
		return mm_err_set(err, MM_EINVAL, "nothing to create");
	if (n > MM_LEDGER_GROUP_MAX)
		return mm_err_set(err, MM_ELIMIT, "%zu records in one write; at most %u are allowed", n,
				  MM_LEDGER_GROUP_MAX);
	/* a first check of each document outside the transaction, without taking the writer */
	mm_schema_lookup none = {NULL, NULL, NULL};
	json_array_foreach(docs, i, d) {
		if ((rc = mm_schema_validate(k, d, &none, err)) || (rc = check_not_derived(k, d, err))) {
			res->bad = i;
			return rc;
		}
	}
	mm_write_result last;
	struct write_all a = {.w = {.s = s, .op = OP_CREATE, .who = who, .kind = k, .reason = reason, .res = &last},
			      .docs = docs};
	uint64_t seq;
	rc = mm_ledger_submit_n(s->l, create_all_apply, &a, n, &seq, err);
	free(a.w.payload);
	if (rc) {
		res->bad = a.next < n ? a.next : SIZE_MAX;
		return rc;
	}
	res->count = n;
	res->first_seq = seq;
	memcpy(res->first, a.first, sizeof res->first);
	memcpy(res->last, last.id, sizeof res->last);
	return MM_OK;
}

/* Copy id first: callers may pass res->id of an earlier result as id. */
static int copy_id(const char *id, char out[MM_ID_MAX + 1], mm_err *err)
{
	if (!id || !*id || strlen(id) > MM_ID_MAX)
		return mm_err_set(err, MM_EINVAL, "a record id of 1..%d bytes is required", MM_ID_MAX);
	memcpy(out, id, strlen(id) + 1);
	return MM_OK;
}

int mm_store_update(mm_store *s, const mm_actor *who, const char *id_in, uint32_t expected_version,
		    const char *patch, size_t n, const char *reason, mm_write_result *res, mm_err *err)
{
	char id[MM_ID_MAX + 1];
	int rc = copy_id(id_in, id, err);
	memset(res, 0, sizeof *res);
	if (rc)
		return rc;
	if ((rc = check_actor(who, err)) || (rc = check_reason(reason, err)))
		return rc;
	struct write w = {.s = s, .op = OP_UPDATE, .who = who, .id = id, .expected = expected_version,
			  .reason = reason, .res = res};
	if ((rc = parse_object(patch, n, &w.input, err)))
		return rc;
	return submit(&w, err);
}

int mm_store_transition(mm_store *s, const mm_actor *who, const char *id_in, uint32_t expected_version,
			const char *what, const char *reason, mm_write_result *res, mm_err *err)
{
	char id[MM_ID_MAX + 1];
	int rc = copy_id(id_in, id, err);
	memset(res, 0, sizeof *res);
	if (rc)
		return rc;
	if ((rc = check_actor(who, err)) || (rc = check_reason(reason, err)))
		return rc;
	if (!what || !*what)
		return mm_err_set(err, MM_EINVAL, "name the transition or the target state");
	struct write w = {.s = s, .op = OP_TRANSITION, .who = who, .id = id, .expected = expected_version,
			  .what = what, .reason = reason, .res = res, .input = NULL};
	return submit(&w, err);
}

/* ---- reads for the deriver, inside its write ---- */

static const struct write *txn_of(mm_store *s)
{
	/* only the writing thread sets txn, so reading it here races with nobody that matters */
	const struct write *w = s->txn;
	return w && pthread_equal(s->txn_thread, pthread_self()) ? w : NULL;
}

int mm_store_txn_before(mm_store *s, const char **state, const json_t **data, mm_err *err)
{
	const struct write *w = txn_of(s);
	*state = NULL;
	*data = NULL;
	if (!w)
		return mm_err_set(err, MM_EUNSUPPORTED, "internal: a transaction read outside a write's deriver");
	*state = w->before_state;
	*data = w->before_data;
	return MM_OK;
}

int mm_store_txn_count(mm_store *s, const char *kind, const char *field, const char *state, uint64_t *n,
		       mm_err *err)
{
	const struct write *w = txn_of(s);
	sqlite3 *db = w ? mm_ledger_db(s->l) : NULL;
	sqlite3_stmt *st = NULL;
	char path[MM_NAME_MAX + 3];
	int rc = MM_OK;
	*n = 0;
	if (!w || !w->id)
		return mm_err_set(err, MM_EUNSUPPORTED, "internal: a transaction count outside an update's deriver");
	if (snprintf(path, sizeof path, "$.%s", field) >= (int)sizeof path)
		return mm_err_set(err, MM_EINVAL, "field name '%.64s' too long", field);
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM record WHERE tenant = ? AND kind = ? AND state = ?"
			       " AND json_extract(data, ?) = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, write_tenant(w), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, w->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = mm_err_set(err, MM_EDB, "counting %.64s records: %s", kind, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc;
}

int mm_store_txn_get(mm_store *s, const char *kind, const char *id, char state[MM_NAME_MAX + 1], json_t **data,
		     mm_err *err)
{
	const struct write *w = txn_of(s);
	sqlite3 *db = mm_ledger_db(s->l);
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	*data = NULL;
	state[0] = '\0';
	if (!w)
		return mm_err_set(err, MM_EUNSUPPORTED, "internal: a transaction read outside a write's deriver");
	if (sqlite3_prepare_v2(db, "SELECT state, data FROM record WHERE id = ? AND kind = ? AND tenant = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, write_tenant(w), -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? mm_err_set(err, MM_ENOTFOUND, "no %s record has id '%.128s'", kind, id)
				      : mm_err_set(err, MM_EDB, "reading %.128s: %s", id, sqlite3_errmsg(db));
		goto out;
	}
	const char *stt = (const char *)sqlite3_column_text(st, 0);
	const char *text = (const char *)sqlite3_column_text(st, 1);
	if (!stt || !text) {
		rc = mm_err_set(err, MM_ENOMEM, "reading %.128s: out of memory", id);
		goto out;
	}
	snprintf(state, MM_NAME_MAX + 1, "%s", stt);
	json_error_t je;
	*data = json_loads(text, 0, &je);
	if (!*data)
		rc = json_oom(&je) ? mm_err_set(err, MM_ENOMEM, "out of memory")
				   : mm_err_set(err, MM_ECORRUPT, "record %.128s: stored data is not JSON", id);
out:
	sqlite3_finalize(st);
	return rc;
}
