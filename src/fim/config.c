/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fim configuration: a strict JSON document (docs/fim.md) naming the
 * roots to watch, their patterns, the vault and malware settings, the key
 * that signs restore orders and the watch governor. Hostile input gets an
 * error naming the key; nothing is guessed.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "fim/mm_fim.h"
#include "base/banned.h"

void mm_fim_config_free(mm_fim_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nroots; i++) {
		mm_fim_root *r = &c->roots[i];
		free(r->path);
		for (size_t k = 0; k < r->ninclude; k++)
			free(r->include[k]);
		for (size_t k = 0; k < r->nexclude; k++)
			free(r->exclude[k]);
		free(r->include);
		free(r->exclude);
	}
	free(c->roots);
	for (size_t k = 0; k < c->nexclude; k++)
		free(c->exclude[k]);
	free(c->exclude);
	free(c->malware_db);
	free(c->dpkg_dir);
	free(c);
}

static mm_fim_config *config_new(void)
{
	mm_fim_config *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->xattrs = true;
	c->quarantine = true;
	c->malware_max_size = 256u << 20;
	c->rescan_seconds = 3600;
	c->files_per_second = 0;
	c->nice = 10;
	c->ionice_idle = true;
	c->queue_max = 65536;
	c->debounce_ms = 200;
	return c;
}

/* Absolute, no empty/"."/".." components, no trailing slash (except "/"). */
bool fim_path_normal(const char *p, size_t n)
{
	if (n == 0 || p[0] != '/' || n > MM_FIM_PATH_MAX || memchr(p, 0, n))
		return false;
	if (n == 1)
		return true;
	if (p[n - 1] == '/')
		return false;
	size_t i = 1;
	while (i <= n) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 0 || (len == 1 && p[i] == '.') || (len == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		i = j + 1;
	}
	return true;
}

static int dup_str(const char *s, size_t n, char **out)
{
	char *d = malloc(n + 1);
	if (!d)
		return MM_ENOMEM;
	memcpy(d, s, n);
	d[n] = 0;
	*out = d;
	return MM_OK;
}

static int get_patterns(json_t *arr, const char *where, char ***out, size_t *nout, mm_err *err)
{
	if (!json_is_array(arr))
		return mm_err_set(err, MM_EINVAL, "%s: must be an array of strings", where);
	size_t n = json_array_size(arr);
	if (n > MM_FIM_PATTERNS_MAX)
		return mm_err_set(err, MM_ELIMIT, "%s: more than %d patterns", where, MM_FIM_PATTERNS_MAX);
	if (n == 0)
		return MM_OK;
	char **v = calloc(n, sizeof *v);
	if (!v)
		return mm_err_set(err, MM_ENOMEM, "%s: out of memory", where);
	*out = v;
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s))
			return mm_err_set(err, MM_EINVAL, "%s[%zu]: must be a string", where, i);
		size_t len = json_string_length(s);
		if (len == 0 || len > MM_FIM_PATTERN_LEN_MAX || memchr(json_string_value(s), 0, len))
			return mm_err_set(err, MM_EINVAL, "%s[%zu]: empty, NUL or longer than %d bytes",
					  where, i, MM_FIM_PATTERN_LEN_MAX);
		if (dup_str(json_string_value(s), len, &v[i]))
			return mm_err_set(err, MM_ENOMEM, "%s: out of memory", where);
		*nout = i + 1;
	}
	return MM_OK;
}

static int get_uint(json_t *v, const char *key, uint64_t max, uint64_t *out, mm_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
		return mm_err_set(err, MM_EINVAL, "%s: must be an integer from 0 to %llu", key,
				  (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return MM_OK;
}

static int get_bool(json_t *v, const char *key, bool *out, mm_err *err)
{
	if (!json_is_boolean(v))
		return mm_err_set(err, MM_EINVAL, "%s: must be true or false", key);
	*out = json_is_true(v);
	return MM_OK;
}

static int get_path(json_t *v, const char *key, char **out, mm_err *err)
{
	if (!json_is_string(v) || !fim_path_normal(json_string_value(v), json_string_length(v)))
		return mm_err_set(err, MM_EINVAL,
				  "%s: must be an absolute path without '.', '..', '//' or a trailing '/'", key);
	free(*out);
	*out = NULL;
	if (dup_str(json_string_value(v), json_string_length(v), out))
		return mm_err_set(err, MM_ENOMEM, "%s: out of memory", key);
	return MM_OK;
}

static int parse_root(json_t *o, size_t i, mm_fim_root *r, mm_err *err)
{
	char where[64];
	snprintf(where, sizeof where, "paths[%zu]", i);
	if (json_is_string(o))
		return get_path(o, where, &r->path, err);
	if (!json_is_object(o))
		return mm_err_set(err, MM_EINVAL, "%s: must be a path string or an object", where);
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		char k[128];
		snprintf(k, sizeof k, "%s.%s", where, key);
		int rc;
		if (strcmp(key, "path") == 0)
			rc = get_path(v, k, &r->path, err);
		else if (strcmp(key, "protect") == 0)
			rc = get_bool(v, k, &r->protect, err);
		else if (strcmp(key, "deny_new_executables") == 0)
			rc = get_bool(v, k, &r->deny_new_exec, err);
		else if (strcmp(key, "include") == 0 && !r->include)
			rc = get_patterns(v, k, &r->include, &r->ninclude, err);
		else if (strcmp(key, "exclude") == 0 && !r->exclude)
			rc = get_patterns(v, k, &r->exclude, &r->nexclude, err);
		else
			rc = mm_err_set(err, MM_EINVAL, "%s: unknown key", k);
		if (rc)
			return rc;
	}
	if (!r->path)
		return mm_err_set(err, MM_EINVAL, "%s: missing \"path\"", where);
	return MM_OK;
}

static int parse_malware(json_t *o, mm_fim_config *c, mm_err *err)
{
	if (!json_is_object(o))
		return mm_err_set(err, MM_EINVAL, "malware: must be an object");
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		int rc;
		if (strcmp(key, "database") == 0)
			rc = get_path(v, "malware.database", &c->malware_db, err);
		else if (strcmp(key, "quarantine") == 0)
			rc = get_bool(v, "malware.quarantine", &c->quarantine, err);
		else if (strcmp(key, "max_file_size") == 0)
			rc = get_uint(v, "malware.max_file_size", MM_FIM_VAULT_OBJECT_MAX, &c->malware_max_size, err);
		else
			rc = mm_err_set(err, MM_EINVAL, "malware.%s: unknown key", key);
		if (rc)
			return rc;
	}
	return MM_OK;
}

static int parse_key_text(const char *s, size_t n, mm_fim_config *c, const char *key, mm_err *err)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	uint8_t pk[64];
	size_t len = 0;
	if (n > 88 || !mm_base64_decode(s, n, pk, sizeof pk, &len) || len != MM_ED25519_PK_LEN)
		return mm_err_set(err, MM_EINVAL, "%s: must be the base64 of a 32-byte Ed25519 public key", key);
	memcpy(c->order_key, pk, MM_ED25519_PK_LEN);
	c->has_order_key = true;
	return MM_OK;
}

static int parse_restore(json_t *o, mm_fim_config *c, mm_err *err)
{
	if (!json_is_object(o))
		return mm_err_set(err, MM_EINVAL, "restore: must be an object");
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		int rc;
		if (strcmp(key, "public_key") == 0) {
			if (!json_is_string(v))
				return mm_err_set(err, MM_EINVAL, "restore.public_key: must be a string");
			rc = parse_key_text(json_string_value(v), json_string_length(v), c,
					    "restore.public_key", err);
		} else if (strcmp(key, "public_key_file") == 0) {
			char *path = NULL;
			rc = get_path(v, "restore.public_key_file", &path, err);
			if (!rc) {
				char buf[MM_KEY_FILE_MAX];
				ssize_t n = -1;
				/* a regular file only: never block on a FIFO or read a device */
				int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
				struct stat sb;
				if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
					n = read(fd, buf, sizeof buf);
				if (fd >= 0)
					close(fd);
				if (n < 0 || (size_t)n >= sizeof buf)
					rc = mm_err_set(err, MM_EINVAL, "restore.public_key_file: %s: not a readable key file",
							path);
				else
					rc = parse_key_text(buf, (size_t)n, c, path, err);
			}
			free(path);
		} else {
			rc = mm_err_set(err, MM_EINVAL, "restore.%s: unknown key", key);
		}
		if (rc)
			return rc;
	}
	return MM_OK;
}

static int parse_watch(json_t *o, mm_fim_config *c, mm_err *err)
{
	if (!json_is_object(o))
		return mm_err_set(err, MM_EINVAL, "watch: must be an object");
	const char *key;
	json_t *v;
	json_object_foreach(o, key, v) {
		uint64_t u = 0;
		int rc;
		if (strcmp(key, "rescan_seconds") == 0) {
			rc = get_uint(v, "watch.rescan_seconds", 7 * 86400, &u, err);
			c->rescan_seconds = (unsigned)u;
		} else if (strcmp(key, "files_per_second") == 0) {
			rc = get_uint(v, "watch.files_per_second", 10000000, &u, err);
			c->files_per_second = (unsigned)u;
		} else if (strcmp(key, "nice") == 0) {
			rc = get_uint(v, "watch.nice", 19, &u, err);
			c->nice = (int)u;
		} else if (strcmp(key, "ionice_idle") == 0) {
			rc = get_bool(v, "watch.ionice_idle", &c->ionice_idle, err);
		} else if (strcmp(key, "queue_max") == 0) {
			rc = get_uint(v, "watch.queue_max", MM_FIM_WATCH_QUEUE_MAX, &u, err);
			if (!rc && u == 0)
				rc = mm_err_set(err, MM_EINVAL, "watch.queue_max: must be at least 1");
			c->queue_max = (unsigned)u;
		} else if (strcmp(key, "debounce_ms") == 0) {
			rc = get_uint(v, "watch.debounce_ms", 60000, &u, err);
			c->debounce_ms = (unsigned)u;
		} else {
			rc = mm_err_set(err, MM_EINVAL, "watch.%s: unknown key", key);
		}
		if (rc)
			return rc;
	}
	return MM_OK;
}

static int check_roots(mm_fim_config *c, mm_err *err)
{
	if (c->nroots == 0)
		return mm_err_set(err, MM_EINVAL, "paths: at least one path is needed");
	/* a root inside another root would be scanned twice and reported twice */
	for (size_t i = 0; i < c->nroots; i++)
		for (size_t k = 0; k < c->nroots; k++) {
			if (i == k)
				continue;
			const char *a = c->roots[i].path, *b = c->roots[k].path;
			size_t la = strlen(a);
			if (strncmp(a, b, la) == 0 && (b[la] == 0 || b[la] == '/' || la == 1))
				return mm_err_set(err, MM_EINVAL, "paths: %s lies inside (or repeats) %s", b, a);
		}
	return MM_OK;
}

void mm_fim_config_finish(mm_fim_config *c)
{
	/* the digest covers what decides the set of files, so a resumed baseline
	 * never mixes records from a different scope */
	mm_buf b;
	mm_buf_init(&b, SIZE_MAX / 2);
	int rc = mm_buf_puts(&b, "mamori-fim-scope-v1\n");
	for (size_t i = 0; i < c->nroots && !rc; i++) {
		const mm_fim_root *r = &c->roots[i];
		rc = mm_buf_printf(&b, "root %s %d\n", r->path, r->protect);
		for (size_t k = 0; k < r->ninclude && !rc; k++)
			rc = mm_buf_printf(&b, "inc %s\n", r->include[k]);
		for (size_t k = 0; k < r->nexclude && !rc; k++)
			rc = mm_buf_printf(&b, "exc %s\n", r->exclude[k]);
	}
	for (size_t k = 0; k < c->nexclude && !rc; k++)
		rc = mm_buf_printf(&b, "gexc %s\n", c->exclude[k]);
	if (!rc)
		rc = mm_buf_printf(&b, "xattrs %d\n", c->xattrs);
	if (rc)
		memset(c->digest, 0, sizeof c->digest);
	else
		mm_sha256(b.p, b.len, c->digest);
	mm_buf_release(&b);
}

int mm_fim_config_parse(const char *text, size_t len, mm_fim_config **out, mm_err *err)
{
	*out = NULL;
	if (len > MM_FIM_CONFIG_MAX)
		return mm_err_set(err, MM_ELIMIT, "configuration larger than %u bytes", MM_FIM_CONFIG_MAX);
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return mm_err_set(err, MM_EINVAL, "line %d column %d: %s", je.line, je.column, je.text);
	int rc = MM_OK;
	mm_fim_config *c = config_new();
	if (!c) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if (!json_is_object(root)) {
		rc = mm_err_set(err, MM_EINVAL, "the configuration must be a JSON object");
		goto out;
	}
	const char *key;
	json_t *v;
	json_object_foreach(root, key, v) {
		uint64_t u = 0;
		if (strcmp(key, "version") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) != 1)
				rc = mm_err_set(err, MM_EUNSUPPORTED, "version: only 1 is understood");
		} else if (strcmp(key, "paths") == 0 && !c->roots) {
			if (!json_is_array(v) || json_array_size(v) > MM_FIM_ROOTS_MAX) {
				rc = mm_err_set(err, MM_EINVAL, "paths: must be an array of at most %d entries",
						MM_FIM_ROOTS_MAX);
				goto out;
			}
			c->roots = calloc(json_array_size(v) + 1, sizeof *c->roots);
			if (!c->roots) {
				rc = mm_err_set(err, MM_ENOMEM, "out of memory");
				goto out;
			}
			for (size_t i = 0; i < json_array_size(v) && !rc; i++) {
				c->nroots = i + 1;
				rc = parse_root(json_array_get(v, i), i, &c->roots[i], err);
			}
		} else if (strcmp(key, "exclude") == 0 && !c->exclude) {
			rc = get_patterns(v, "exclude", &c->exclude, &c->nexclude, err);
		} else if (strcmp(key, "threads") == 0) {
			rc = get_uint(v, "threads", MM_FIM_THREADS_MAX, &u, err);
			c->threads = (unsigned)u;
		} else if (strcmp(key, "xattrs") == 0) {
			rc = get_bool(v, "xattrs", &c->xattrs, err);
		} else if (strcmp(key, "malware") == 0) {
			rc = parse_malware(v, c, err);
		} else if (strcmp(key, "restore") == 0) {
			rc = parse_restore(v, c, err);
		} else if (strcmp(key, "watch") == 0) {
			rc = parse_watch(v, c, err);
		} else if (strcmp(key, "dpkg_dir") == 0) {
			rc = get_path(v, "dpkg_dir", &c->dpkg_dir, err);
		} else {
			rc = mm_err_set(err, MM_EINVAL, "%s: unknown key", key);
		}
		if (rc)
			goto out;
	}
	rc = check_roots(c, err);
	if (rc)
		goto out;
	mm_fim_config_finish(c);
	*out = c;
	c = NULL;
out:
	mm_fim_config_free(c);
	json_decref(root);
	return rc;
}

int mm_fim_config_load(const char *path, mm_fim_config **out, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_FIM_CONFIG_MAX);
	int rc = mm_file_read(path, MM_FIM_CONFIG_MAX, &b, err);
	if (!rc) {
		rc = mm_fim_config_parse((const char *)b.p, b.len, out, err);
		if (rc)
			mm_err_prefix(err, "%s", path);
	}
	mm_buf_release(&b);
	return rc;
}

static int add_root(mm_fim_config *c, const char *p, bool protect, mm_err *err)
{
	char buf[MM_FIM_PATH_MAX + 1];
	size_t n = strlen(p);
	/* accept "dir/" and relative paths on the command line by making them absolute */
	if (p[0] != '/') {
		char cwd[4096];
		if (!getcwd(cwd, sizeof cwd))
			return mm_err_set(err, MM_EIO, "cannot read the current directory");
		if (snprintf(buf, sizeof buf, "%s/%s", strcmp(cwd, "/") ? cwd : "", p) >= (int)sizeof buf)
			return mm_err_set(err, MM_ELIMIT, "%s: path too long", p);
	} else if (snprintf(buf, sizeof buf, "%s", p) >= (int)sizeof buf) {
		return mm_err_set(err, MM_ELIMIT, "path too long");
	}
	n = strlen(buf);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = 0;
	if (!fim_path_normal(buf, n))
		return mm_err_set(err, MM_EINVAL, "%s: not a normalised path (no '.', '..' or '//')", p);
	if (c->nroots >= MM_FIM_ROOTS_MAX)
		return mm_err_set(err, MM_ELIMIT, "more than %d paths", MM_FIM_ROOTS_MAX);
	mm_fim_root *r = realloc(c->roots, (c->nroots + 1) * sizeof *r);
	if (!r)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	c->roots = r;
	memset(&r[c->nroots], 0, sizeof *r);
	if (dup_str(buf, n, &r[c->nroots].path))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	r[c->nroots].protect = protect;
	c->nroots++;
	return MM_OK;
}

int mm_fim_config_from_paths(const char *const *paths, size_t n, const char *const *protect,
			     size_t nprotect, mm_fim_config **out, mm_err *err)
{
	*out = NULL;
	mm_fim_config *c = config_new();
	if (!c)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc = MM_OK;
	for (size_t i = 0; i < n && !rc; i++)
		rc = add_root(c, paths[i], false, err);
	for (size_t i = 0; i < nprotect && !rc; i++)
		rc = add_root(c, protect[i], true, err);
	if (!rc)
		rc = check_roots(c, err);
	if (rc) {
		mm_fim_config_free(c);
		return rc;
	}
	mm_fim_config_finish(c);
	*out = c;
	return MM_OK;
}

static bool any_match(char *const *pats, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(pats[i], path, 0) == 0)
			return true;
	return false;
}

/* Whether one entry (its parents already admitted) is kept under root r. */
bool fim_scope_entry(const mm_fim_config *cfg, const mm_fim_root *r, const char *path, bool is_dir)
{
	if (any_match(cfg->exclude, cfg->nexclude, path) || any_match(r->exclude, r->nexclude, path))
		return false;
	if (!is_dir && r->ninclude && !any_match(r->include, r->ninclude, path))
		return false;
	return true;
}

const mm_fim_root *mm_fim_config_scope(const mm_fim_config *cfg, const char *path, bool is_dir)
{
	for (size_t i = 0; i < cfg->nroots; i++) {
		const mm_fim_root *r = &cfg->roots[i];
		size_t l = strlen(r->path);
		bool top = strcmp(r->path, "/") == 0;
		bool under = top || (strncmp(path, r->path, l) == 0 && (path[l] == 0 || path[l] == '/'));
		if (!under)
			continue;
		if (strcmp(path, r->path) == 0)
			return r;
		/* every directory between the root and the entry must be admitted too */
		char buf[MM_FIM_PATH_MAX + 1];
		size_t n = strlen(path);
		if (n > MM_FIM_PATH_MAX)
			return NULL;
		memcpy(buf, path, n + 1);
		for (size_t k = top ? 1 : l + 1; k < n; k++) {
			if (buf[k] != '/')
				continue;
			buf[k] = 0;
			bool ok = fim_scope_entry(cfg, r, buf, true);
			buf[k] = '/';
			if (!ok)
				return NULL;
		}
		return fim_scope_entry(cfg, r, path, is_dir) ? r : NULL;
	}
	return NULL;
}
