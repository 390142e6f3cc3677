/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to src/policy: the marked document tree both YAML and JSON
 * load into (so every semantic error can name line and column), the
 * parsed policy and site, and the pieces of evaluation.
 */
#ifndef MM_POLICY_INT_H
#define MM_POLICY_INT_H

#include <sqlite3.h>

#include "policy/mm_policy.h"

/* ---- document tree ---- */
enum { DN_SCALAR, DN_SEQ, DN_MAP };

typedef struct dnode {
	int type;
	int line, col;        /* 1-based */
	char *str;            /* scalar text (NUL-terminated) */
	size_t len;
	bool plain;           /* unquoted scalar: may be a number or boolean */
	struct dnode **kids;  /* SEQ: items; MAP: key, value, key, value... */
	size_t n;
} dnode;

typedef struct ddoc {
	dnode *root;
	char name[256];       /* file name for messages */
	size_t nodes;
} ddoc;

/* Parse text into a tree; errors are "NAME:LINE:COL: reason". */
int ddoc_parse(ddoc *d, const char *name, const void *data, size_t len, bool json, mm_err *err);
void ddoc_release(ddoc *d);
/* Error at a node: "NAME:LINE:COL: message". Returns MM_EINVAL. */
int dnode_err(const ddoc *d, const dnode *n, mm_err *err, const char *fmt, ...) MM_PRINTF(4, 5);
const dnode *dmap_get(const dnode *map, const char *key);

/* ---- policy ---- */
typedef struct mtext {
	char *ja, *en;
} mtext;

enum { PT_INT, PT_STRING, PT_LIST };
enum { ROLE_ANY, ROLE_TERMINAL, ROLE_CS };

typedef struct pparam {
	char *name;
	int type;
	const dnode *dflt;    /* into the policy's tree */
	mtext desc;
} pparam;

typedef struct pcheck {
	char *id;
	mtext title;
	char *item;
	char *requirement;
	char *severity;
	int role;
	char *sql;
	char *applies_if;
	mtext na_reason;
	bool manual;
	mtext attest;
	mtext remediation;
	char **needs;
	size_t nneeds;
	int line;
} pcheck;

typedef struct pitem {
	char *key;
	mtext title;
} pitem;

struct mm_policy {
	ddoc doc;
	char path[4096];
	uint8_t sha256[32];
	char *id;
	int64_t version;
	mtext title;
	int role;
	pparam *params;
	size_t nparams;
	pitem *items;
	size_t nitems;
	pcheck *checks;
	size_t nchecks;
};

struct mm_site {
	ddoc doc;
	char path[4096];
	uint8_t sha256[32];
	char *id;
	int role;            /* ROLE_ANY when not given */
	const dnode *params; /* map */
};

extern const char *const role_names[];

/* Whether v (a node of d) fits parameter type; errors name v's position. */
int policy_check_value(const ddoc *d, const dnode *v, int type, const char *name, mm_err *err);

/* ---- baseline (baseline.c) ---- */
/*
 * Load a baseline file into tables base_<name> (and baseline_tables, the
 * names it holds); fills info with the file's identity (sha256, created_at,
 * host). Errors name the file and what is wrong.
 */
int baseline_load(sqlite3 *db, const char *path, json_t *info, mm_err *err);
size_t drift_check_count(void);
/* Storage for one drift check's generated strings. */
typedef struct drift_buf {
	char id[64];
	char aif[128];
	char sql[16384];
} drift_buf;
/* Fill c for drift check i: static titles, generated id and SQL in buf. */
void drift_check(sqlite3 *db, size_t i, pcheck *c, drift_buf *buf);

#endif
