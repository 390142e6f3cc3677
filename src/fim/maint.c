/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Maintenance windows: a signed window order names a period (and optionally
 * the packages) in which the package manager may change files. A change is
 * "expected" when its ctime lies in the window, dpkg owns the path (a
 * package of the window), and for a regular file its content is exactly
 * what the package shipped (MD5 of info/<pkg>.md5sums or the status file's
 * Conffiles). Anything else still alarms. `fim approve` folds the expected
 * changes into the baseline after the window closed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fim/fim_int.h"
#include "base/banned.h"

#define WINDOWS_DIR "windows"
#define MD5_LEN 16

typedef struct pkg {
	char *name;
	char *version;
	char *arch;
} pkg;

typedef struct owned {
	char *path; /* NULL = free slot */
	uint32_t pkg;
	bool has_md5;
	uint8_t md5[MD5_LEN];
} owned;

struct fim_maint {
	const mm_fim_config *cfg;
	mm_fim_window **win;
	size_t nwin;
	pkg *pkgs;
	size_t npkgs, cappkgs;
	owned *tab; /* open addressing on path */
	size_t cap, n;
	bool full_warned;
	FILE *warn;
};

/* ---- the owned-path table ---- */

static uint64_t hpath(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static owned *tab_find(const fim_maint *m, const char *p, size_t n)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hpath(p, n) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		owned *o = &m->tab[i];
		if (!o->path)
			return NULL;
		if (strlen(o->path) == n && memcmp(o->path, p, n) == 0)
			return o;
	}
}

static int tab_grow(fim_maint *m)
{
	size_t cap = m->cap ? m->cap * 2 : 4096;
	owned *t = calloc(cap, sizeof *t);
	if (!t)
		return MM_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		owned *o = &m->tab[i];
		if (!o->path)
			continue;
		size_t k = hpath(o->path, strlen(o->path)) & (cap - 1);
		while (t[k].path)
			k = (k + 1) & (cap - 1);
		t[k] = *o;
	}
	free(m->tab);
	m->tab = t;
	m->cap = cap;
	return MM_OK;
}

/* The entry for path, created (owned by pkg) when absent; NULL when full or out of memory. */
static owned *tab_put(fim_maint *m, const char *p, size_t n, uint32_t pk)
{
	owned *o = tab_find(m, p, n);
	if (o)
		return o;
	if (m->n >= MM_FIM_DPKG_PATHS_MAX) {
		if (!m->full_warned && m->warn)
			fprintf(m->warn, "mamori-agent: warning: more than %u package-owned paths in scope; the rest "
					 "cannot be expected changes\n", MM_FIM_DPKG_PATHS_MAX);
		m->full_warned = true;
		return NULL;
	}
	if ((m->n + 1) * 2 > m->cap && tab_grow(m) != MM_OK)
		return NULL;
	size_t i = hpath(p, n) & (m->cap - 1);
	while (m->tab[i].path)
		i = (i + 1) & (m->cap - 1);
	o = &m->tab[i];
	o->path = malloc(n + 1);
	if (!o->path)
		return NULL;
	memcpy(o->path, p, n);
	o->path[n] = 0;
	o->pkg = pk;
	o->has_md5 = false;
	m->n++;
	return o;
}

/* ---- the dpkg database ---- */

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static bool in_scope(const fim_maint *m, const char *p, size_t n)
{
	if (n == 0 || p[0] != '/' || n > MM_FIM_PATH_MAX)
		return false;
	char tmp[MM_FIM_PATH_MAX + 1];
	memcpy(tmp, p, n);
	tmp[n] = 0;
	const char *rel;
	return fim_root_of(m->cfg, tmp, &rel) != NULL;
}

static bool window_allows(const mm_fim_window *w, const char *name)
{
	if (!w->npackages)
		return true;
	for (size_t i = 0; i < w->npackages; i++)
		if (strcmp(w->packages[i], name) == 0)
			return true;
	return false;
}

static bool any_window_allows(const fim_maint *m, const char *name)
{
	for (size_t i = 0; i < m->nwin; i++)
		if (window_allows(m->win[i], name))
			return true;
	return false;
}

/* Read info/<name>[:arch].<ext> into b; MM_ENOTFOUND when neither exists. */
static int read_info(const fim_maint *m, const pkg *pk, const char *ext, mm_buf *b)
{
	char path[4096];
	const char *dir = m->cfg->dpkg_dir ? m->cfg->dpkg_dir : "/var/lib/dpkg";
	int rc = MM_ENOTFOUND;
	if (pk->arch) {
		snprintf(path, sizeof path, "%s/info/%s:%s.%s", dir, pk->name, pk->arch, ext);
		rc = mm_file_read(path, MM_FIM_DPKG_LIST_MAX, b, NULL);
	}
	if (rc == MM_ENOTFOUND) {
		snprintf(path, sizeof path, "%s/info/%s.%s", dir, pk->name, ext);
		rc = mm_file_read(path, MM_FIM_DPKG_LIST_MAX, b, NULL);
	}
	if (rc && rc != MM_ENOTFOUND && m->warn)
		fprintf(m->warn, "mamori-agent: warning: %s: %s; its files cannot be expected changes\n", path,
			mm_strerror(rc));
	return rc;
}

/* One line "md5hex  path" (path relative to /, as dpkg writes md5sums) or " /path md5hex [obsolete]". */
static void set_md5(fim_maint *m, uint32_t pk, const char *path, size_t pn, const char *hex, size_t hn)
{
	uint8_t md5[MD5_LEN];
	if (hn != 2 * MD5_LEN || !mm_hex_decode(hex, hn, md5, MD5_LEN) || !in_scope(m, path, pn))
		return;
	owned *o = tab_find(m, path, pn);
	if (!o || o->pkg != pk)
		return; /* only the package that owns the path vouches for its content */
	memcpy(o->md5, md5, MD5_LEN);
	o->has_md5 = true;
}

static int load_package_files(fim_maint *m, uint32_t pk)
{
	mm_buf b;
	mm_buf_init(&b, MM_FIM_DPKG_LIST_MAX);
	int rc = read_info(m, &m->pkgs[pk], "list", &b);
	if (rc) {
		mm_buf_release(&b);
		return rc == MM_ENOMEM ? rc : MM_OK;
	}
	const char *p = (const char *)b.p, *end = p + b.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (in_scope(m, p, ll) && !memchr(p, 0, ll) && !tab_put(m, p, ll, pk) && !m->full_warned) {
			rc = MM_ENOMEM;
			break;
		}
		p += ll + 1;
	}
	mm_buf_reset(&b);
	if (!rc && read_info(m, &m->pkgs[pk], "md5sums", &b) == MM_OK) {
		char path[MM_FIM_PATH_MAX + 2];
		p = (const char *)b.p, end = p + b.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
			/* "<32 hex>  <path without leading />" */
			if (ll > 2 * MD5_LEN + 2 && p[2 * MD5_LEN] == ' ' && p[2 * MD5_LEN + 1] == ' ' &&
			    ll - 2 * MD5_LEN - 2 < MM_FIM_PATH_MAX) {
				size_t pn = ll - 2 * MD5_LEN - 2;
				path[0] = '/';
				memcpy(path + 1, p + 2 * MD5_LEN + 2, pn);
				set_md5(m, pk, path, pn + 1, p, 2 * MD5_LEN);
			}
			p += ll + 1;
		}
	}
	mm_buf_release(&b);
	return rc;
}

static int add_pkg(fim_maint *m, const char *name, size_t nn, const char *ver, size_t vn, const char *arch,
		   size_t an)
{
	if (m->npkgs == m->cappkgs) {
		size_t cap = m->cappkgs ? m->cappkgs * 2 : 256;
		pkg *np = realloc(m->pkgs, cap * sizeof *np);
		if (!np)
			return MM_ENOMEM;
		m->pkgs = np;
		m->cappkgs = cap;
	}
	pkg *p = &m->pkgs[m->npkgs];
	p->name = dupn(name, nn);
	p->version = dupn(ver, vn);
	p->arch = an ? dupn(arch, an) : NULL;
	if (!p->name || !p->version || (an && !p->arch)) {
		free(p->name);
		free(p->version);
		free(p->arch);
		return MM_ENOMEM;
	}
	m->npkgs++;
	return MM_OK;
}

/*
 * The status file: stanzas of "Field: value" lines separated by blank lines;
 * Conffiles continues on lines starting with a space. Installed packages
 * (Status ending in " installed") that a window allows are kept.
 */
static int load_dpkg(fim_maint *m, mm_err *err)
{
	const char *dir = m->cfg->dpkg_dir ? m->cfg->dpkg_dir : "/var/lib/dpkg";
	char path[4096];
	snprintf(path, sizeof path, "%s/status", dir);
	mm_buf b;
	mm_buf_init(&b, MM_FIM_DPKG_STATUS_MAX);
	int rc = mm_file_read(path, MM_FIM_DPKG_STATUS_MAX, &b, err);
	if (rc) {
		if (rc == MM_ENOTFOUND && m->warn)
			fprintf(m->warn, "mamori-agent: warning: %s: no dpkg database; no change can be expected\n", path);
		mm_buf_release(&b);
		return rc == MM_ENOTFOUND ? MM_OK : rc;
	}
	const char *p = (const char *)b.p, *end = p + b.len;
	while (p < end && !rc) {
		/* one stanza */
		const char *name = NULL, *ver = NULL, *arch = NULL, *conf = NULL, *conf_end = NULL;
		size_t nn = 0, vn = 0, an = 0;
		bool installed = false;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *next = p + ll + (nl ? 1 : 0);
			if (ll == 0) {
				p = next;
				break;
			}
#define FIELD(k) (ll > sizeof k + 1 && memcmp(p, k ": ", sizeof k + 1) == 0)
			if (FIELD("Package")) {
				name = p + sizeof "Package" + 1, nn = ll - sizeof "Package" - 1;
			} else if (FIELD("Version")) {
				ver = p + sizeof "Version" + 1, vn = ll - sizeof "Version" - 1;
			} else if (FIELD("Architecture")) {
				arch = p + sizeof "Architecture" + 1, an = ll - sizeof "Architecture" - 1;
			} else if (FIELD("Status")) {
				installed = ll >= 10 && memcmp(p + ll - 10, " installed", 10) == 0;
			} else if (ll == 10 && memcmp(p, "Conffiles:", 10) == 0) {
				conf = next;
				conf_end = next;
				while (conf_end < end && *conf_end == ' ') {
					const char *e = memchr(conf_end, '\n', (size_t)(end - conf_end));
					conf_end = e ? e + 1 : end;
				}
				next = conf_end;
			}
#undef FIELD
			p = next;
		}
		if (!name || !ver || !installed || nn > MM_FIM_PACKAGE_NAME_MAX || vn > 256 || an > 64)
			continue;
		char nm[MM_FIM_PACKAGE_NAME_MAX + 1];
		memcpy(nm, name, nn);
		nm[nn] = 0;
		if (!any_window_allows(m, nm))
			continue;
		if ((rc = add_pkg(m, name, nn, ver, vn, arch, an))) {
			rc = mm_err_set(err, rc, "%s: out of memory", path);
			break;
		}
		uint32_t pk = (uint32_t)(m->npkgs - 1);
		if ((rc = load_package_files(m, pk))) {
			rc = mm_err_set(err, rc, "dpkg: out of memory");
			break;
		}
		/* conffiles: " /etc/x.conf <md5> [obsolete]" */
		for (const char *c = conf; c && c < conf_end;) {
			const char *e = memchr(c, '\n', (size_t)(conf_end - c));
			size_t ll = e ? (size_t)(e - c) : (size_t)(conf_end - c);
			const char *sp = ll > 1 ? memchr(c + 1, ' ', ll - 1) : NULL;
			if (sp) {
				const char *h = sp + 1, *he = memchr(h, ' ', (size_t)(c + ll - h));
				bool obsolete = he != NULL;
				if (!obsolete)
					set_md5(m, pk, c + 1, (size_t)(sp - c - 1), h, (size_t)(c + ll - h));
			}
			c += ll + 1;
		}
	}
	mm_buf_release(&b);
	return rc;
}

/* ---- windows in the state ---- */

static int window_load_file(const mm_fim_config *cfg, int dfd, const char *name, mm_fim_window **out, mm_err *err)
{
	*out = NULL;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s: %s", name, strerror(errno));
	mm_buf b;
	mm_buf_init(&b, MM_FIM_ORDER_MAX);
	int rc = mm_buf_reserve(&b, 4096);
	while (!rc) {
		if ((rc = mm_buf_reserve(&b, 4096))) {
			rc = mm_err_set(err, MM_ELIMIT, "%s: larger than %u bytes", name, MM_FIM_ORDER_MAX);
			break;
		}
		ssize_t n = read(fd, b.p + b.len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mm_err_set(err, MM_EIO, "%s: %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	if (!rc)
		rc = mm_fim_window_parse((const char *)b.p, b.len, cfg->has_order_key ? cfg->order_key : NULL, out, err);
	if (!rc && !(*out)->signed_ok) {
		mm_fim_window_free(*out);
		*out = NULL;
		rc = mm_err_set(err, MM_EPERM, "%s: no restore key configured to verify it", name);
	}
	mm_buf_release(&b);
	return rc;
}

static int windows_dir(mm_fim_state *st, bool create, int *out, mm_err *err)
{
	if (create && mkdirat(st->dirfd, WINDOWS_DIR, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, WINDOWS_DIR, strerror(errno));
	*out = openat(st->dirfd, WINDOWS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*out < 0)
		return errno == ENOENT ? MM_ENOTFOUND : mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, WINDOWS_DIR, strerror(errno));
	return MM_OK;
}

void fim_maint_close(fim_maint *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nwin; i++)
		mm_fim_window_free(m->win[i]);
	free(m->win);
	for (size_t i = 0; i < m->npkgs; i++) {
		free(m->pkgs[i].name);
		free(m->pkgs[i].version);
		free(m->pkgs[i].arch);
	}
	free(m->pkgs);
	for (size_t i = 0; i < m->cap; i++)
		free(m->tab[i].path);
	free(m->tab);
	free(m);
}

int fim_maint_open(const mm_fim_config *cfg, mm_fim_state *st, const char *only_id, FILE *warn, fim_maint **out,
		   mm_err *err)
{
	*out = NULL;
	int dfd = -1;
	int rc = windows_dir(st, false, &dfd, err);
	if (rc == MM_ENOTFOUND)
		return MM_OK;
	if (rc)
		return rc;
	fim_maint *m = calloc(1, sizeof *m);
	DIR *d = fdopendir(dfd);
	if (!m || !d) {
		if (!d)
			close(dfd);
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	m->cfg = cfg;
	m->warn = warn;
	int64_t now = mm_now_ns() / 1000000000;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (nl < 7 || strcmp(de->d_name + nl - 6, ".order") != 0)
			continue;
		if (only_id && (nl - 6 != strlen(only_id) || memcmp(de->d_name, only_id, nl - 6) != 0))
			continue;
		mm_err e;
		mm_err_clear(&e);
		mm_fim_window *w = NULL;
		if (window_load_file(cfg, dirfd(d), de->d_name, &w, &e) != MM_OK) {
			if (warn)
				fprintf(warn, "mamori-agent: warning: %s/%s/%s: ignored (never trusted): %s\n", st->dir,
					WINDOWS_DIR, de->d_name, e.msg);
			continue;
		}
		if (nl - 6 != strlen(w->id) || memcmp(de->d_name, w->id, nl - 6) != 0) {
			if (warn)
				fprintf(warn, "mamori-agent: warning: %s/%s/%s: holds window %s; ignored\n", st->dir,
					WINDOWS_DIR, de->d_name, w->id);
			mm_fim_window_free(w);
			continue;
		}
		if (w->start_s > now || m->nwin >= MM_FIM_WINDOWS_MAX) {
			mm_fim_window_free(w); /* not started: nothing can have happened in it yet */
			continue;
		}
		mm_fim_window **nw = realloc(m->win, (m->nwin + 1) * sizeof *nw);
		if (!nw) {
			mm_fim_window_free(w);
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out;
		}
		m->win = nw;
		m->win[m->nwin++] = w;
	}
	if (!m->nwin)
		goto out;
	if ((rc = load_dpkg(m, err)))
		goto out;
	*out = m;
	m = NULL;
out:
	if (d)
		closedir(d);
	fim_maint_close(m);
	return rc;
}

/* MD5 of the file at path if it is still the version cur describes. */
static bool file_md5(const char *path, const mm_fim_rec *cur, uint8_t out[MD5_LEN])
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat sb;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1;
	uint8_t buf[65536];
	while (ok) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = n == 0;
			break;
		}
		ok = EVP_DigestUpdate(c, buf, (size_t)n) == 1;
	}
	unsigned ml = 0;
	ok = ok && EVP_DigestFinal_ex(c, out, &ml) == 1 && ml == MD5_LEN;
	struct stat after;
	if (ok) {
		mm_fim_rec r;
		memset(&r, 0, sizeof r);
		ok = fstat(fd, &after) == 0;
		if (ok) {
			fim_rec_from_stat(&r, &after);
			/* the content measured is the content the record (and its SHA-256) describes */
			ok = r.ino == cur->ino && r.size == cur->size && r.mtime_ns == cur->mtime_ns &&
			     r.ctime_ns == cur->ctime_ns;
		}
	}
	EVP_MD_CTX_free(c);
	close(fd);
	return ok;
}

static const mm_fim_window *window_at(const fim_maint *m, int64_t t_ns, const char *pkgname)
{
	int64_t t = t_ns / 1000000000;
	for (size_t i = 0; i < m->nwin; i++) {
		const mm_fim_window *w = m->win[i];
		if (t >= w->start_s && t <= w->end_s && window_allows(w, pkgname))
			return w;
	}
	return NULL;
}

bool fim_maint_expected(fim_maint *m, const char *path, const mm_fim_set *cs, const mm_fim_rec *cur, char *detail,
			size_t dlen)
{
	(void)cs;
	if (!m)
		return false;
	size_t n = strlen(path);
	const owned *o = tab_find(m, path, n);
	const mm_fim_window *w = NULL;
	const pkg *pk = NULL;
	const char *how = "";
	if (cur) {
		if (!o)
			return false;
		pk = &m->pkgs[o->pkg];
		if (!(w = window_at(m, cur->ctime_ns, pk->name)))
			return false;
		if (cur->type == MM_FIM_REG) {
			uint8_t md5[MD5_LEN];
			if (!o->has_md5 || !(cur->flags & MM_FIM_HASHED) || !file_md5(path, cur, md5) ||
			    !mm_ct_equal(md5, o->md5, MD5_LEN))
				return false; /* not the content the package shipped */
		} else if (cur->type != MM_FIM_DIR && cur->type != MM_FIM_LNK) {
			return false;
		}
	} else {
		/*
		 * Removed: no package owns the path any more, and its directory,
		 * which a package owns, changed inside the window.
		 */
		if (o)
			return false; /* dpkg says it should be there */
		const char *slash = strrchr(path, '/');
		if (!slash || slash == path)
			return false;
		size_t pl = (size_t)(slash - path);
		const owned *po = tab_find(m, path, pl);
		if (!po)
			return false;
		char parent[MM_FIM_PATH_MAX + 1];
		memcpy(parent, path, pl);
		parent[pl] = 0;
		struct stat sb;
		if (lstat(parent, &sb) != 0 || !S_ISDIR(sb.st_mode))
			return false;
		mm_fim_rec pr;
		memset(&pr, 0, sizeof pr);
		fim_rec_from_stat(&pr, &sb);
		pk = &m->pkgs[po->pkg];
		if (!(w = window_at(m, pr.ctime_ns, pk->name)))
			return false;
		how = " (its directory)";
	}
	snprintf(detail, dlen, "package %s %s%s; window %s", pk->name, pk->version, how, w->id);
	return true;
}

/* ---- installing and approving windows ---- */

static int window_checks(const mm_fim_window *w, mm_err *err)
{
	char host[MM_FIM_HOST_MAX + 2] = "";
	gethostname(host, sizeof host - 1);
	if (strcmp(w->host, "*") != 0 && strcmp(w->host, host) != 0)
		return mm_err_set(err, MM_EPERM, "window %s is for host %s, this is %s: refusing", w->id, w->host, host);
	return MM_OK;
}

static bool approved(int dfd, const char *id)
{
	char name[MM_FIM_ORDER_ID_MAX + 16];
	snprintf(name, sizeof name, "%s.approved", id);
	struct stat sb;
	return fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

int mm_fim_window_add(const mm_fim_config *cfg, mm_fim_state *st, const char *text, size_t len, mm_fim_window **out,
		      mm_err *err)
{
	mm_fim_window *w = NULL;
	int dfd = -1, rc;
	if (out)
		*out = NULL;
	if (!cfg->has_order_key) {
		rc = mm_err_set(err, MM_EPERM, "no restore key is configured (restore.public_key) to verify window "
					       "orders: refusing");
		goto out;
	}
	if ((rc = mm_fim_window_parse(text, len, cfg->order_key, &w, err)) || (rc = window_checks(w, err)))
		goto out;
	int64_t now = mm_now_ns() / 1000000000;
	if (now > w->end_s) {
		rc = mm_err_set(err, MM_EPERM, "window %s ended at %lld (now %lld): refusing", w->id, (long long)w->end_s,
				(long long)now);
		goto out;
	}
	if ((rc = mm_fim_state_lock(st, err)) || (rc = windows_dir(st, true, &dfd, err)))
		goto out;
	if (approved(dfd, w->id)) {
		rc = mm_err_set(err, MM_EPERM, "window %s was already approved (replay): refusing", w->id);
		goto out;
	}
	char path[4096], name[MM_FIM_ORDER_ID_MAX + 16];
	snprintf(name, sizeof name, "%s/%s.order", WINDOWS_DIR, w->id);
	if (!fim_state_path(st, name, path, sizeof path)) {
		rc = mm_err_set(err, MM_ELIMIT, "state path too long");
		goto out;
	}
	if ((rc = mm_file_write_atomic(path, text, len, 0600, true, err)))
		goto out;
	if (out) {
		*out = w;
		w = NULL;
	}
out:
	if (dfd >= 0)
		close(dfd);
	mm_fim_window_free(w);
	return rc;
}

int mm_fim_approve(const mm_fim_config *cfg, mm_fim_state *st, const char *id, mm_fim_report *rep, uint64_t *pending,
		   mm_err *err)
{
	mm_fim_set base, cur, fold;
	mm_fim_set_init(&base);
	mm_fim_set_init(&cur);
	mm_fim_set_init(&fold);
	fim_maint *m = NULL;
	uint8_t *seen = NULL;
	int dfd = -1;
	*pending = 0;
	int rc;
	if (!cfg->has_order_key) {
		rc = mm_err_set(err, MM_EPERM, "no restore key is configured (restore.public_key) to verify window "
					       "orders: refusing");
		goto out;
	}
	if ((rc = mm_fim_state_lock(st, err)))
		goto out;
	rc = windows_dir(st, false, &dfd, err);
	if (rc == MM_OK && approved(dfd, id))
		rc = mm_err_set(err, MM_EPERM, "window %s was already approved: refusing", id);
	if (rc == MM_ENOTFOUND)
		rc = mm_err_set(err, MM_ENOTFOUND, "window %s is not installed (fim window --order FILE)", id);
	if (rc)
		goto out;
	char name[MM_FIM_ORDER_ID_MAX + 16];
	snprintf(name, sizeof name, "%s.order", id);
	mm_fim_window *w = NULL;
	if ((rc = window_load_file(cfg, dfd, name, &w, err))) {
		if (rc == MM_ENOTFOUND)
			rc = mm_err_set(err, MM_ENOTFOUND, "window %s is not installed (fim window --order FILE)", id);
		else
			mm_err_prefix(err, "window %s", id);
		goto out;
	}
	int64_t now = mm_now_ns() / 1000000000, end_s = w->end_s;
	bool same = strcmp(w->id, id) == 0;
	mm_fim_window_free(w);
	if (!same) {
		rc = mm_err_set(err, MM_ECORRUPT, "window %s: the installed file names another window: refusing", id);
		goto out;
	}
	if (now <= end_s) {
		rc = mm_err_set(err, MM_EPERM, "window %s is open until %lld (now %lld): approve it after it ends", id,
				(long long)end_s, (long long)now);
		goto out;
	}
	if ((rc = fim_maint_open(cfg, st, id, NULL, &m, err)) || (rc = mm_fim_state_load(st, &base, err)))
		goto out;
	seen = calloc(base.n / 8 + 1, 1);
	if (!seen) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	mm_fim_scan_opts so = {.prev = &base, .vault = st, .seen = seen, .warn = NULL};
	mm_fim_scan_stats stats;
	if ((rc = mm_fim_scan(cfg, &so, &cur, &stats, err)))
		goto out;
	if ((rc = fim_compare(cfg, st, NULL, m, &base, seen, &cur, rep, pending, NULL, &fold))) {
		mm_err_set(err, rc, "approve: %s", mm_strerror(rc));
		goto out;
	}
	mm_fim_set_sort(&fold);
	fold.created_ns = mm_now_ns();
	memcpy(fold.cfg_digest, base.cfg_digest, MM_SHA256_LEN);
	if ((rc = mm_fim_vault_sync(st, err)) || (rc = mm_fim_state_save(st, &fold, err)))
		goto out;
	char from[MM_FIM_ORDER_ID_MAX + 16], to[MM_FIM_ORDER_ID_MAX + 16];
	snprintf(from, sizeof from, "%s.order", id);
	snprintf(to, sizeof to, "%s.approved", id);
	if (renameat(dfd, from, dfd, to) != 0 || fsync(dfd) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s/%s/%s: %s", st->dir, WINDOWS_DIR, to, strerror(errno));
		goto out;
	}
	char detail[160];
	snprintf(detail, sizeof detail, "window %s approved: %llu expected changes folded into the baseline", id,
		 (unsigned long long)mm_fim_report_n(rep, MM_FIM_EV_EXPECTED));
	fim_log_event(st, "approved", st->dir, detail);
	mm_fim_report_count(rep, "files", fold.n);
	mm_fim_report_count(rep, "pending", *pending);
out:
	if (dfd >= 0)
		close(dfd);
	free(seen);
	fim_maint_close(m);
	mm_fim_set_release(&base);
	mm_fim_set_release(&cur);
	mm_fim_set_release(&fold);
	return rc;
}
