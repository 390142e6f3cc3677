/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web UI's static files, read once at start into memory. Only files
 * found then are ever served, by exact path, so no request path can reach
 * the file system (no traversal, no uploads in the web root, no scripts
 * executed). Content types come from a fixed table of extensions.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server/server_int.h"
#include "base/banned.h"

static const struct {
	const char *ext, *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".json", "application/json; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

static bool name_ok(const char *n)
{
	if (n[0] == '.' || !*n)
		return false;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9') || *n == '.' ||
		      *n == '_' || *n == '-'))
			return false;
	return true;
}

static int load_dir(mm_server *srv, const char *dir, const char *rel, int depth, mm_err *err)
{
	if (depth > 4)
		return MM_OK;
	DIR *d = opendir(dir);
	if (!d)
		return mm_err_set(err, MM_EIO, "%s: cannot open the web directory", dir);
	int rc = MM_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!name_ok(de->d_name))
			continue; /* hidden files, odd names */
		char path[4096], rpath[256];
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
		    snprintf(rpath, sizeof rpath, "%s/%s", rel, de->d_name) >= (int)sizeof rpath)
			continue;
		struct stat st;
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (strcmp(de->d_name, "node_modules") == 0 || strcmp(de->d_name, "tests") == 0)
				continue;
			if ((rc = load_dir(srv, path, rpath, depth + 1, err)))
				break;
			continue;
		}
		const char *t = type_of(de->d_name);
		if (!S_ISREG(st.st_mode) || !t)
			continue;
		if (srv->nfiles >= MM_WEB_FILES_MAX) {
			rc = mm_err_set(err, MM_ELIMIT, "%s: more than %u web files", dir, MM_WEB_FILES_MAX);
			break;
		}
		mm_buf b;
		mm_buf_init(&b, MM_WEB_FILE_MAX);
		if ((rc = mm_file_read(path, MM_WEB_FILE_MAX, &b, err)))
			break;
		struct web_file *f = &srv->files[srv->nfiles++];
		snprintf(f->path, sizeof f->path, "%s", rpath);
		f->ctype = t;
		f->data = mm_buf_detach(&b, &f->len);
		if (!f->data) { /* empty file */
			f->data = calloc(1, 1);
			if (!f->data) {
				rc = mm_err_set(err, MM_ENOMEM, "out of memory");
				break;
			}
		}
	}
	closedir(d);
	return rc;
}

int web_load(mm_server *srv, const char *dir, mm_err *err)
{
	srv->files = calloc(MM_WEB_FILES_MAX, sizeof *srv->files);
	if (!srv->files)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc = load_dir(srv, dir, "", 0, err);
	if (!rc && !web_find(srv, "/"))
		rc = mm_err_set(err, MM_ENOTFOUND, "%s: no index.html (is --web the UI folder?)", dir);
	return rc;
}

void web_free(mm_server *srv)
{
	for (size_t i = 0; srv->files && i < srv->nfiles; i++)
		free(srv->files[i].data);
	free(srv->files);
	srv->files = NULL;
	srv->nfiles = 0;
}

const struct web_file *web_find(const mm_server *srv, const char *path)
{
	if (strcmp(path, "/") == 0)
		path = "/index.html";
	for (size_t i = 0; i < srv->nfiles; i++)
		if (strcmp(srv->files[i].path, path) == 0)
			return &srv->files[i];
	return NULL;
}
