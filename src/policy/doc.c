/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy and site documents: YAML through libyaml's event parser into a
 * tree whose every node knows its line and column. JSON is first checked
 * strictly by jansson (YAML would accept more), then read the same way.
 * Bounded: file size, node count, depth, scalar length; no aliases.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "policy/policy_int.h"
#include "base/banned.h"

int dnode_err(const ddoc *d, const dnode *n, mm_err *err, const char *fmt, ...)
{
	char msg[MM_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return mm_err_set(err, MM_EINVAL, "%s:%d:%d: %s", d->name, n ? n->line : 1, n ? n->col : 1, msg);
}

const dnode *dmap_get(const dnode *map, const char *key)
{
	if (!map || map->type != DN_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (strcmp(map->kids[i]->str, key) == 0)
			return map->kids[i + 1];
	return NULL;
}

static void node_free(dnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

void ddoc_release(ddoc *d)
{
	node_free(d->root);
	d->root = NULL;
	d->nodes = 0;
}

static int add_kid(dnode *parent, dnode *kid)
{
	if ((parent->n & (parent->n - 1)) == 0) { /* grow at powers of two */
		size_t cap = parent->n ? parent->n * 2 : 4;
		dnode **k = realloc(parent->kids, cap * sizeof *k);
		if (!k)
			return MM_ENOMEM;
		parent->kids = k;
	}
	parent->kids[parent->n++] = kid;
	return MM_OK;
}

static const char *yaml_problem(const yaml_parser_t *p)
{
	return p->problem ? p->problem : "malformed document";
}

int ddoc_parse(ddoc *d, const char *name, const void *data, size_t len, bool json, mm_err *err)
{
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	if (len > MM_POLICY_FILE_MAX)
		return mm_err_set(err, MM_ELIMIT, "%s: larger than %u bytes", name, MM_POLICY_FILE_MAX);
	if (!mm_utf8_valid(data, len) || memchr(data, '\0', len)) {
		return mm_err_set(err, MM_EINVAL, "%s:1:1: not UTF-8 text", name);
	}
	if (json) {
		json_error_t je;
		json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
		if (!j)
			return mm_err_set(err, MM_EINVAL, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		json_decref(j);
	}
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, data, len);
	dnode *stack[MM_POLICY_DEPTH_MAX + 1];
	size_t depth = 0;
	int rc = MM_OK;
	bool done = false;
	int docs = 0;
	while (!done && rc == MM_OK) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			rc = mm_err_set(err, MM_EINVAL, "%s:%zu:%zu: %s%s%s", name, p.problem_mark.line + 1,
					p.problem_mark.column + 1, yaml_problem(&p),
					p.context ? " " : "", p.context ? p.context : "");
			break;
		}
		int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
		dnode *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: only one document is allowed", name,
						line, col);
			break;
		case YAML_ALIAS_EVENT:
			rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: aliases are not supported", name, line, col);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++d->nodes > MM_POLICY_NODES_MAX) {
				rc = mm_err_set(err, MM_ELIMIT, "%s:%d:%d: more than %d nodes", name, line, col,
						MM_POLICY_NODES_MAX);
				break;
			}
			if (!(n = calloc(1, sizeof *n))) {
				rc = mm_err_set(err, MM_ENOMEM, "out of memory");
				break;
			}
			n->line = line;
			n->col = col;
			if (ev.type == YAML_SCALAR_EVENT) {
				n->type = DN_SCALAR;
				size_t sl = ev.data.scalar.length;
				if (sl > MM_POLICY_SCALAR_MAX) {
					free(n);
					rc = mm_err_set(err, MM_ELIMIT, "%s:%d:%d: value longer than %d bytes",
							name, line, col, MM_POLICY_SCALAR_MAX);
					break;
				}
				if (!(n->str = malloc(sl + 1))) {
					free(n);
					rc = mm_err_set(err, MM_ENOMEM, "out of memory");
					break;
				}
				memcpy(n->str, ev.data.scalar.value, sl);
				n->str[sl] = '\0';
				n->len = sl;
				n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				if (memchr(n->str, '\0', sl)) {
					node_free(n);
					rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: NUL character in a value",
							name, line, col);
					break;
				}
			} else {
				n->type = ev.type == YAML_SEQUENCE_START_EVENT ? DN_SEQ : DN_MAP;
			}
			if (depth == 0) {
				if (d->root) {
					node_free(n);
					rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: only one document is allowed",
							name, line, col);
					break;
				}
				d->root = n;
			} else {
				dnode *parent = stack[depth - 1];
				if (parent->type == DN_MAP && parent->n % 2 == 0 && n->type != DN_SCALAR) {
					node_free(n);
					rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: keys must be plain values",
							name, line, col);
					break;
				}
				if (parent->type == DN_MAP && parent->n % 2 == 0 &&
				    dmap_get(parent, n->str)) {
					rc = mm_err_set(err, MM_EINVAL, "%s:%d:%d: duplicate key '%s'", name, line,
							col, n->str);
					node_free(n);
					break;
				}
				if (add_kid(parent, n) != MM_OK) {
					node_free(n);
					rc = mm_err_set(err, MM_ENOMEM, "out of memory");
					break;
				}
			}
			if (n->type != DN_SCALAR) {
				if (depth >= MM_POLICY_DEPTH_MAX) {
					rc = mm_err_set(err, MM_ELIMIT, "%s:%d:%d: nested deeper than %d", name,
							line, col, MM_POLICY_DEPTH_MAX);
					break;
				}
				stack[depth++] = n;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (rc == MM_OK && !d->root)
		rc = mm_err_set(err, MM_EINVAL, "%s:1:1: empty document", name);
	if (rc != MM_OK)
		ddoc_release(d);
	return rc;
}
