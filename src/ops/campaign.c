/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Campaign checklists: the lines a campaign needs for every machine in
 * service, made from data the project already holds —
 *   inspection_campaign → one inspection_item per asset × item of the
 *     policy for its class (municipal-terminal: 端末1–16, municipal-cs:
 *     CS1–13; 002 別紙1 §4), automated when a check of the policy collects
 *     it, manual when every check of it is attested by a person;
 *   password_rotation → one password_rotation_line per asset × component
 *     (002 別紙1 §3: eight for a CS, two for a terminal).
 * Lines that already exist (same campaign, asset and item or component) are
 * kept, so a populate after new machines arrive only adds theirs. The new
 * lines are written in one transaction: all of them or, on a refusal, none.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/mm_ops.h"
#include "policy/mm_policy.h"
#include "base/banned.h"

/* 002 別紙1 §3: the components whose administrator password changes, per machine class. */
static const char *const CS_COMPONENTS[] = {
	"windows-server-2022", "arcserve", "shared-memory-manager", "cs-auto-logon",
	"oracle", "business-application", "systemwalker", "yarai-tool",
};
static const char *const TERMINAL_COMPONENTS[] = {"windows-11", "antivirus"};

typedef enum { CLASS_NONE, CLASS_TERMINAL, CLASS_CS } mclass;

static mclass class_of(const char *asset_class)
{
	if (!asset_class)
		return CLASS_NONE;
	if (strcmp(asset_class, "terminal") == 0)
		return CLASS_TERMINAL;
	if (strcmp(asset_class, "cs-active") == 0 || strcmp(asset_class, "cs-standby") == 0)
		return CLASS_CS;
	return CLASS_NONE;
}

static const char *field(const json_t *rec, const char *name)
{
	return json_string_value(json_object_get(json_object_get(rec, "data"), name));
}

/* Every record of kind (in state, if not NULL) as a JSON array. */
static int list(mm_store *st, const mm_actor *who, const char *kind, const char *state, json_t **out, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_OPS_LIST_MAX);
	int rc = mm_store_list(st, who, kind, state, &b, err);
	if (rc == MM_OK) {
		json_error_t je;
		*out = json_loadb((const char *)b.p, b.len, 0, &je);
		if (!json_is_array(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = mm_err_set(err, MM_ENOMEM, "cannot read the %s records", kind);
		}
	}
	mm_buf_release(&b);
	return rc;
}

/* "002 別紙1 §4 端末3" → 3; 0 when the key does not end in a number in 1..100. */
static int item_no(const char *key)
{
	size_t n = strlen(key), i = n;
	while (i > 0 && key[i - 1] >= '0' && key[i - 1] <= '9')
		i--;
	if (i == n || n - i > 3)
		return 0;
	int v = 0;
	for (; i < n; i++)
		v = v * 10 + (key[i] - '0');
	return v >= 1 && v <= 100 ? v : 0;
}

/* Queue one new line (a JSON object; stolen) for the all-or-nothing write at the end. */
static int add(json_t *batch, json_t *data, mm_err *err)
{
	if (!data || json_array_append_new(batch, data))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	if (json_array_size(batch) > MM_LEDGER_GROUP_MAX)
		return mm_err_set(err, MM_ELIMIT, "more than %u checklist lines in one campaign", MM_LEDGER_GROUP_MAX);
	return MM_OK;
}

/* Write every queued line in one transaction: all of them, or (on any refusal) none. */
static int flush(mm_store *st, const mm_actor *who, const char *kind, json_t *batch, mm_ops_populate_counts *c,
		 mm_err *err)
{
	mm_store_create_all_result r;
	if (json_array_size(batch) == 0)
		return MM_OK;
	int rc = mm_store_create_all(st, who, kind, batch, "campaign populate", &r, err);
	if (rc == MM_OK)
		c->created = r.count;
	return rc;
}

static bool have_line(const json_t *lines, const char *parent_field, const char *parent, const char *asset,
		      const char *key_field, const json_t *key)
{
	size_t i;
	const json_t *l;
	json_array_foreach(lines, i, l) {
		const json_t *d = json_object_get(l, "data");
		const char *p = json_string_value(json_object_get(d, parent_field));
		const char *a = json_string_value(json_object_get(d, "asset"));
		if (p && a && strcmp(p, parent) == 0 && strcmp(a, asset) == 0 &&
		    json_equal(json_object_get(d, key_field), key))
			return true;
	}
	return false;
}

/*
 * A line's identity within its parent as one string, "asset\n#3" or
 * "asset\n$name" (ids hold no newline, so it is unambiguous); false when
 * the key is neither an integer nor a string without NUL, or does not fit.
 */
static bool line_key(const char *asset, const json_t *key, char *out, size_t n)
{
	int w = -1;
	if (json_is_integer(key))
		w = snprintf(out, n, "%s\n#%lld", asset, (long long)json_integer_value(key));
	else if (json_is_string(key) && strlen(json_string_value(key)) == json_string_length(key))
		w = snprintf(out, n, "%s\n$%s", asset, json_string_value(key));
	return w >= 0 && (size_t)w < n;
}

/*
 * The parent's existing lines as a set of line_key strings (a jansson
 * object hashes its keys): one pass over the lines, then each check is a
 * lookup instead of a scan, so populating stays linear in the lines.
 */
typedef struct line_set {
	const json_t *lines;
	const char *parent_field, *parent, *key_field;
	json_t *keys;
} line_set;

static int line_set_init(line_set *ls, const json_t *lines, const char *parent_field, const char *parent,
			 const char *key_field, mm_err *err)
{
	*ls = (line_set){lines, parent_field, parent, key_field, json_object()};
	size_t i;
	const json_t *l;
	char k[512];
	json_array_foreach(lines, i, l) {
		const json_t *d = json_object_get(l, "data");
		const char *p = json_string_value(json_object_get(d, parent_field));
		const char *a = json_string_value(json_object_get(d, "asset"));
		if (ls->keys && p && a && strcmp(p, parent) == 0 && line_key(a, json_object_get(d, key_field), k, sizeof k) &&
		    json_object_set_new(ls->keys, k, json_true()) != 0) {
			json_decref(ls->keys);
			ls->keys = NULL;
		}
	}
	return ls->keys ? MM_OK : mm_err_set(err, MM_ENOMEM, "out of memory");
}

static bool line_set_has(const line_set *ls, const char *asset, const json_t *key)
{
	char k[512];
	if (line_key(asset, key, k, sizeof k))
		return json_object_get(ls->keys, k) != NULL;
	/* a key that does not fit the set was left out of it: look the slow way */
	return have_line(ls->lines, ls->parent_field, ls->parent, asset, ls->key_field, key);
}

typedef struct policy_pair {
	mm_policy *terminal, *cs;
} policy_pair;

static int load_policy(const char *name, mm_policy **out, mm_err *err)
{
	char path[4096];
	int rc = mm_policy_resolve(name, path, sizeof path, err);
	return rc ? rc : mm_policy_load(out, path, err);
}

static int populate_inspection(mm_store *st, const mm_actor *who, const char *id, const json_t *assets,
			       mm_ops_populate_counts *c, mm_err *err)
{
	policy_pair pp = {NULL, NULL};
	json_t *items = NULL, *batch = json_array();
	int rc = batch ? MM_OK : mm_err_set(err, MM_ENOMEM, "out of memory");
	if (rc)
		return rc;
	line_set have = {0};
	if ((rc = load_policy("municipal-terminal", &pp.terminal, err)) || (rc = load_policy("municipal-cs", &pp.cs, err)) ||
	    (rc = list(st, who, "inspection_item", NULL, &items, err)) ||
	    (rc = line_set_init(&have, items, "campaign", id, "item_no", err)))
		goto out;
	size_t i;
	const json_t *a;
	json_array_foreach(assets, i, a) {
		mclass mc = class_of(field(a, "class"));
		if (mc == CLASS_NONE)
			continue;
		c->assets++;
		const mm_policy *p = mc == CLASS_CS ? pp.cs : pp.terminal;
		const char *asset = json_string_value(json_object_get(a, "id"));
		for (size_t k = 0; k < mm_policy_item_count(p); k++) {
			mm_policy_item it = mm_policy_item_at(p, k);
			int no = item_no(it.key);
			if (!no || !asset) {
				rc = mm_err_set(err, MM_EINVAL, "policy %s: item '%.80s' does not end in its number",
						mm_policy_id(p), it.key);
				goto out;
			}
			json_t *num = json_integer(no);
			bool there = num && line_set_has(&have, asset, num);
			json_decref(num);
			if (there) {
				c->existing++;
				continue;
			}
			json_t *d = json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "campaign", id, "asset", asset, "target",
					      mc == CLASS_CS ? "cs" : "terminal", "item_no", no, "item",
					      it.title_ja ? it.title_ja : it.key, "method",
					      it.automated ? "automated" : "manual");
			if ((rc = add(batch, d, err)))
				goto out;
		}
	}
	rc = flush(st, who, "inspection_item", batch, c, err);
out:
	json_decref(have.keys);
	json_decref(batch);
	json_decref(items);
	mm_policy_free(pp.terminal);
	mm_policy_free(pp.cs);
	return rc;
}

static int populate_rotation(mm_store *st, const mm_actor *who, const char *id, const json_t *assets,
			     mm_ops_populate_counts *c, mm_err *err)
{
	json_t *lines = NULL, *batch = json_array();
	line_set have = {0};
	int rc = batch ? list(st, who, "password_rotation_line", NULL, &lines, err)
		       : mm_err_set(err, MM_ENOMEM, "out of memory");
	if (!rc)
		rc = line_set_init(&have, lines, "rotation", id, "component", err);
	if (rc) {
		json_decref(have.keys);
		json_decref(lines);
		json_decref(batch);
		return rc;
	}
	size_t i;
	const json_t *a;
	json_array_foreach(assets, i, a) {
		mclass mc = class_of(field(a, "class"));
		const char *asset = json_string_value(json_object_get(a, "id"));
		if (mc == CLASS_NONE || !asset)
			continue;
		c->assets++;
		const char *const *comp = mc == CLASS_CS ? CS_COMPONENTS : TERMINAL_COMPONENTS;
		size_t n = mc == CLASS_CS ? sizeof CS_COMPONENTS / sizeof *comp : sizeof TERMINAL_COMPONENTS / sizeof *comp;
		for (size_t k = 0; k < n && rc == MM_OK; k++) {
			json_t *name = json_string(comp[k]);
			bool there = name && line_set_has(&have, asset, name);
			json_decref(name);
			if (there)
				c->existing++;
			else
				rc = add(batch,
					 json_pack("{s:s, s:s, s:s}", "rotation", id, "asset", asset, "component", comp[k]),
					 err);
		}
		if (rc)
			break;
	}
	if (rc == MM_OK)
		rc = flush(st, who, "password_rotation_line", batch, c, err);
	json_decref(have.keys);
	json_decref(batch);
	json_decref(lines);
	return rc;
}

int mm_ops_campaign_populate(mm_store *st, const mm_actor *who, const char *id, mm_ops_populate_counts *c,
			     mm_err *err)
{
	memset(c, 0, sizeof *c);
	json_t *camp = NULL, *assets = NULL;
	mm_buf b;
	mm_buf_init(&b, MM_OPS_LIST_MAX);
	int rc = mm_store_get(st, who, id, &b, err);
	if (rc)
		goto out;
	json_error_t je;
	camp = json_loadb((const char *)b.p, b.len, 0, &je);
	const char *kind = json_string_value(json_object_get(camp, "kind"));
	const char *state = json_string_value(json_object_get(camp, "state"));
	bool inspection = kind && strcmp(kind, "inspection_campaign") == 0;
	bool rotation = kind && strcmp(kind, "password_rotation") == 0;
	if (!kind || !state) {
		rc = mm_err_set(err, MM_ENOMEM, "cannot read record %s", id);
		goto out;
	}
	if (!inspection && !rotation) {
		rc = mm_err_set(err, MM_EINVAL, "%s is a %s, not an inspection_campaign or password_rotation", id, kind);
		goto out;
	}
	if (strcmp(state, "planned") != 0 && strcmp(state, "in-progress") != 0) {
		rc = mm_err_set(err, MM_EINVAL, "%s is '%s': only a planned or in-progress campaign gets new lines", id,
				state);
		goto out;
	}
	if ((rc = list(st, who, "asset", "in-service", &assets, err)))
		goto out;
	rc = inspection ? populate_inspection(st, who, id, assets, c, err) : populate_rotation(st, who, id, assets, c, err);
out:
	json_decref(camp);
	json_decref(assets);
	mm_buf_release(&b);
	return rc;
}
