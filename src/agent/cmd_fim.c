/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent fim ...`: file integrity on this machine — baseline, check,
 * watch, restore on a signed order, and the order tools (keygen, sign) an
 * operator uses until the server issues orders. Exit status: 0 ok (check:
 * nothing changed), 1 check found changes / restore partly failed, 2 error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "crypto/mm_crypto.h"
#include "fim/mm_fim.h"
#include "note/mm_note.h"
#include "base/banned.h"

typedef mm_args opts;

static int fail(const char *fmt, const char *a)
{
	fprintf(stderr, "mamori-agent: error: ");
	fprintf(stderr, fmt, a);
	fputc('\n', stderr);
	return 2;
}

static int report_err(const mm_err *e)
{
	fprintf(stderr, "mamori-agent: error: %s\n", e->msg[0] ? e->msg : mm_strerror(e->code));
	return 2;
}

/* Options only: every fim command names its inputs with options. */
static int parse(opts *o, int argc, char **argv, const char *spec)
{
	mm_err err;
	mm_err_clear(&err);
	if (mm_args_parse(o, argc, argv, spec, &err))
		return report_err(&err);
	if (o->npos)
		return fail("unexpected argument '%s'", o->pos[0]);
	return 0;
}

static const char *opt(const opts *o, const char *name)
{
	return mm_args_opt(o, name);
}

static bool flag(const opts *o, const char *name)
{
	return mm_args_flag(o, name);
}

static size_t all(const opts *o, const char *name, const char **out, size_t max)
{
	return mm_args_all(o, name, out, max);
}

static int load_key_file(const char *path, uint8_t *out, size_t want, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_KEY_FILE_MAX);
	int rc = mm_file_read(path, MM_KEY_FILE_MAX, &b, err);
	if (!rc) {
		size_t n = b.len, got = 0;
		while (n && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r' || b.p[n - 1] == ' '))
			n--;
		uint8_t tmp[128];
		mm_note_verifier v;
		if (mm_base64_decode((const char *)b.p, n, tmp, sizeof tmp, &got) && got == want)
			memcpy(out, tmp, want);
		/* or the server's ledger key as `mamori init` wrote it (<db>-ledger.pub): it signs the server's orders */
		else if (want == MM_ED25519_PK_LEN && mm_note_verifier_parse((const char *)b.p, n, &v, NULL) == MM_OK)
			memcpy(out, v.pk, want);
		else
			rc = mm_err_set(err, MM_EINVAL, "%s: neither the base64 of a %zu-byte key nor a mamori ledger key "
					"(<db>-ledger.pub)", path, want);
		mm_wipe(tmp, sizeof tmp);
	}
	mm_buf_wipe(&b);
	return rc;
}

/* The configuration from --config, or from --path/--protect. */
static int get_config(const opts *o, mm_fim_config **cfg, mm_err *err)
{
	const char *paths[MM_FIM_ROOTS_MAX], *prot[MM_FIM_ROOTS_MAX];
	size_t np = all(o, "path", paths, MM_FIM_ROOTS_MAX), nq = all(o, "protect", prot, MM_FIM_ROOTS_MAX);
	const char *file = opt(o, "config");
	int rc;
	if (file && (np || nq))
		return mm_err_set(err, MM_EINVAL, "give either --config or --path/--protect, not both");
	if (file)
		rc = mm_fim_config_load(file, cfg, err);
	else if (np || nq)
		rc = mm_fim_config_from_paths(paths, np, prot, nq, cfg, err);
	else
		return mm_err_set(err, MM_EINVAL, "missing --config FILE or --path DIR");
	if (rc)
		return rc;
	const char *t = opt(o, "threads"), *rate = opt(o, "max-rate"), *key = opt(o, "order-key");
	uint64_t v;
	if (t) {
		if (!mm_parse_u64(t, MM_FIM_THREADS_MAX, &v))
			return mm_err_set(err, MM_EINVAL, "--threads: a number from 0 to %d", MM_FIM_THREADS_MAX);
		(*cfg)->threads = (unsigned)v;
	}
	if (rate) {
		if (!mm_parse_u64(rate, 10000000, &v))
			return mm_err_set(err, MM_EINVAL, "--max-rate: files per second, 0 for unlimited");
		(*cfg)->files_per_second = (unsigned)v;
	}
	if (key) {
		if ((rc = load_key_file(key, (*cfg)->order_key, MM_ED25519_PK_LEN, err)))
			return rc;
		(*cfg)->has_order_key = true;
	}
	const char *db = opt(o, "malware-db");
	if (db) {
		free((*cfg)->malware_db);
		(*cfg)->malware_db = strdup(db);
		if (!(*cfg)->malware_db)
			return mm_err_set(err, MM_ENOMEM, "out of memory");
	}
	return MM_OK;
}

static int get_format(const opts *o, mm_fim_fmt *f)
{
	const char *v = opt(o, "format");
	if (!v || strcmp(v, "text") == 0)
		*f = MM_FIM_TEXT;
	else if (strcmp(v, "json") == 0)
		*f = MM_FIM_JSON;
	else
		return fail("--format: text or json, not '%s'", v);
	return 0;
}

/* `fim window --order FILE` installs a window; `fim approve --window ID` closes one. */
static int window_cmd(const mm_fim_config *cfg, mm_fim_state *st, const opts *o, bool approve, mm_fim_fmt fmt)
{
	mm_err err;
	mm_err_clear(&err);
	int rc, ret = 2;
	if (!approve) {
		const char *of = opt(o, "order");
		if (!of)
			return fail("%s", "missing --order FILE (a signed window order)");
		mm_buf b;
		mm_buf_init(&b, MM_FIM_ORDER_MAX);
		mm_fim_window *w = NULL;
		rc = mm_file_read(of, MM_FIM_ORDER_MAX, &b, &err);
		if (!rc)
			rc = mm_fim_window_add(cfg, st, (const char *)(b.p ? b.p : (const uint8_t *)""), b.len, &w, &err);
		mm_buf_release(&b);
		if (rc) {
			mm_err_prefix(&err, "%s", of);
			return report_err(&err);
		}
		printf("window %s installed: %lld to %lld, %zu package%s%s\n", w->id, (long long)w->start_s,
		       (long long)w->end_s, w->npackages, w->npackages == 1 ? "" : "s", w->npackages ? "" : " (any)");
		mm_fim_window_free(w);
		return 0;
	}
	const char *id = opt(o, "window");
	if (!id)
		return fail("%s", "missing --window ID");
	mm_fim_report *rep = NULL;
	if (mm_fim_report_new("fim-approve", fmt, stdout, &rep))
		return fail("%s", "out of memory");
	uint64_t pending = 0;
	if ((rc = mm_fim_approve(cfg, st, id, rep, &pending, &err))) {
		mm_fim_report_free(rep);
		return report_err(&err);
	}
	ret = pending ? 1 : 0;
	if (mm_fim_report_finish(rep)) {
		fail("%s", "cannot write the report");
		ret = 2;
	}
	return ret;
}

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

#define COMMON "config: path: protect: state: format: threads: max-rate: malware-db: order-key: "

static int run_batch(const char *what, int argc, char **argv)
{
	opts o;
	bool is_check = strcmp(what, "check") == 0, is_watch = strcmp(what, "watch") == 0,
	     is_restore = strcmp(what, "restore") == 0, is_window = strcmp(what, "window") == 0,
	     is_approve = strcmp(what, "approve") == 0;
	const char *spec = is_check ? COMMON "full" : is_watch ? COMMON "max-seconds: backend:" :
			   is_restore || is_window ? COMMON "order:" : is_approve ? COMMON "window:" : COMMON;
	if (parse(&o, argc, argv, spec))
		return 2;
	mm_fim_fmt fmt;
	if (get_format(&o, &fmt))
		return 2;
	const char *state = opt(&o, "state");
	if (!state)
		return fail("%s", "missing --state DIR");
	mm_err err;
	mm_err_clear(&err);
	mm_fim_config *cfg = NULL;
	mm_fim_state *st = NULL;
	mm_fim_report *rep = NULL;
	mm_fim_order *ord = NULL;
	int ret = 2, rc;
	if ((rc = get_config(&o, &cfg, &err)))
		goto out_err;
	if (!is_watch && !opt(&o, "max-rate"))
		cfg->files_per_second = 0; /* the config's rate is for watch; batch runs are throttled only if asked */
	if ((rc = mm_fim_state_open(state, !is_check && !is_restore && !is_watch && !is_approve, &st, &err)))
		goto out_err;
	if (is_window || is_approve) {
		ret = window_cmd(cfg, st, &o, is_approve, fmt);
		goto out;
	}
	if (is_restore) {
		const char *of = opt(&o, "order");
		if (!of) {
			fail("%s", "missing --order FILE");
			goto out;
		}
		if (!cfg->has_order_key) {
			fail("%s", "no restore key configured (restore.public_key in the config, or --order-key FILE): "
				   "refusing to restore");
			goto out;
		}
		mm_buf b;
		mm_buf_init(&b, MM_FIM_ORDER_MAX);
		rc = mm_file_read(of, MM_FIM_ORDER_MAX, &b, &err);
		if (!rc)
			rc = mm_fim_order_parse((const char *)(b.p ? b.p : (const uint8_t *)""), b.len, cfg->order_key,
						&ord, &err);
		mm_buf_release(&b);
		if (rc) {
			mm_err_prefix(&err, "%s", of);
			goto out_err;
		}
	}
	if (mm_fim_report_new(is_check ? "fim-check" : is_watch ? "fim-watch" : is_restore ? "fim-restore" : "fim-baseline",
			      is_watch && fmt == MM_FIM_JSON ? MM_FIM_JSONL : fmt, stdout, &rep)) {
		fail("%s", "out of memory");
		goto out;
	}
	if (is_check) {
		mm_fim_check_opts co = {.full = flag(&o, "full"), .warn = stderr};
		uint64_t changes = 0;
		if ((rc = mm_fim_check(cfg, st, &co, rep, &changes, &err)))
			goto out_err;
		ret = changes ? 1 : 0;
	} else if (is_watch) {
		uint64_t secs = 0;
		const char *ms = opt(&o, "max-seconds");
		if (ms && !mm_parse_u64(ms, 86400 * 365, &secs)) {
			fail("%s", "--max-seconds: a number of seconds");
			goto out;
		}
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		mm_fim_watch_opts wo = {.max_seconds = (unsigned)secs, .warn = stderr, .stop = &stop_flag};
		const char *be = opt(&o, "backend");
		if (!be || strcmp(be, "auto") == 0)
			wo.backend = MM_FIM_WATCH_AUTO;
		else if (strcmp(be, "fanotify") == 0)
			wo.backend = MM_FIM_WATCH_FANOTIFY;
		else if (strcmp(be, "inotify") == 0)
			wo.backend = MM_FIM_WATCH_INOTIFY;
		else {
			fail("--backend: auto, fanotify or inotify, not '%s'", be);
			goto out;
		}
		if ((rc = mm_fim_watch(cfg, st, &wo, rep, &err)))
			goto out_err;
		ret = 0;
	} else if (is_restore) {
		rc = mm_fim_restore(cfg, st, ord, rep, &err);
		if (rc && mm_fim_report_n(rep, MM_FIM_EV_RESTORED) + mm_fim_report_n(rep, MM_FIM_EV_ERROR) == 0)
			goto out_err; /* refused before anything was written */
		if (rc)
			report_err(&err);
		ret = rc ? 1 : 0;
	} else {
		if ((rc = mm_fim_baseline(cfg, st, stderr, rep, &err)))
			goto out_err;
		ret = 0;
	}
	rc = mm_fim_report_finish(rep);
	rep = NULL;
	if (rc) {
		fail("%s", "cannot write the report");
		ret = 2;
	}
	goto out;
out_err:
	report_err(&err);
	ret = 2;
out:
	mm_fim_report_free(rep);
	mm_fim_order_free(ord);
	mm_fim_state_close(st);
	mm_fim_config_free(cfg);
	return ret;
}

static int write_text(const char *path, const void *p, size_t n, unsigned mode)
{
	mm_err err;
	mm_err_clear(&err);
	if (mm_file_write_atomic(path, p, n, mode, true, &err))
		return report_err(&err);
	return 0;
}

static int order_cmd(int argc, char **argv)
{
	if (argc < 1)
		return fail("%s", "usage: fim order keygen --secret FILE --public FILE | sign --key FILE --in BODY --out ORDER");
	opts o;
	mm_err err;
	mm_err_clear(&err);
	if (strcmp(argv[0], "keygen") == 0) {
		if (parse(&o, argc - 1, argv + 1, "secret: public:"))
			return 2;
		const char *sf = opt(&o, "secret"), *pf = opt(&o, "public");
		if (!sf || !pf)
			return fail("%s", "keygen needs --secret FILE and --public FILE");
		uint8_t pk[MM_ED25519_PK_LEN], sk[MM_ED25519_SK_LEN];
		mm_ed25519_keypair(pk, sk);
		mm_buf s, p;
		mm_buf_init(&s, 1024);
		mm_buf_init(&p, 1024);
		int ret = 2;
		if (mm_base64_encode(sk, sizeof sk, &s) || mm_buf_puts(&s, "\n") || mm_base64_encode(pk, sizeof pk, &p) ||
		    mm_buf_puts(&p, "\n"))
			fail("%s", "out of memory");
		else if (!write_text(sf, s.p, s.len, 0600) && !write_text(pf, p.p, p.len, 0644))
			ret = 0;
		mm_wipe(sk, sizeof sk);
		mm_buf_wipe(&s);
		mm_buf_release(&p);
		return ret;
	}
	if (strcmp(argv[0], "sign") == 0) {
		if (parse(&o, argc - 1, argv + 1, "key: in: out:"))
			return 2;
		const char *kf = opt(&o, "key"), *in = opt(&o, "in"), *outf = opt(&o, "out");
		if (!kf || !in || !outf)
			return fail("%s", "sign needs --key SECRET --in BODY --out ORDER");
		uint8_t sk[MM_ED25519_SK_LEN];
		if (load_key_file(kf, sk, sizeof sk, &err))
			return report_err(&err);
		mm_buf body, out;
		mm_buf_init(&body, MM_FIM_ORDER_MAX);
		mm_buf_init(&out, MM_FIM_ORDER_MAX + 256);
		int ret = 2;
		if (mm_file_read(in, MM_FIM_ORDER_MAX, &body, &err)) {
			report_err(&err);
		} else if (mm_fim_order_sign((const char *)body.p, body.len, sk, &out)) {
			fail("%s: the body must be non-empty text ending in a newline", in);
		} else {
			/* check our own output parses, so a bad body is caught here */
			static const char wh[] = "mamori-fim-window-order ";
			bool window = body.len >= sizeof wh - 1 && memcmp(body.p, wh, sizeof wh - 1) == 0;
			mm_fim_order *ord = NULL;
			mm_fim_window *win = NULL;
			if (window ? mm_fim_window_parse((const char *)out.p, out.len, NULL, &win, &err) :
				     mm_fim_order_parse((const char *)out.p, out.len, NULL, &ord, &err))
				report_err(&err);
			else
				ret = write_text(outf, out.p, out.len, 0644);
			mm_fim_order_free(ord);
			mm_fim_window_free(win);
		}
		mm_wipe(sk, sizeof sk);
		mm_buf_release(&body);
		mm_buf_release(&out);
		return ret;
	}
	return fail("unknown order command '%s' (keygen, sign)", argv[0]);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: mamori-agent fim COMMAND [options]\n\n"
		   "  baseline (--config FILE | --path DIR... [--protect DIR...]) --state DIR [--format text|json]\n"
		   "           [--threads N] [--max-rate FILES_PER_S]\n"
		   "  check    (--config FILE | --path DIR...) --state DIR [--full] [--format text|json]\n"
		   "           [--malware-db PATH]      exit 0 unchanged, 1 changed, 2 error\n"
		   "  watch    (--config FILE | --path DIR...) --state DIR [--format text|json] [--max-seconds N]\n"
		   "           [--backend auto|fanotify|inotify]\n"
		   "  restore  --order FILE (--config FILE | --path DIR...) --state DIR [--order-key PUBFILE]\n"
		   "  window   --order FILE (--config FILE | --path DIR...) --state DIR [--order-key PUBFILE]\n"
		   "           install a signed maintenance window order\n"
		   "  approve  --window ID (--config FILE | --path DIR...) --state DIR [--order-key PUBFILE]\n"
		   "           fold the window's expected changes into the baseline (after it ended);\n"
		   "           exit 0 all folded, 1 other changes remain (listed), 2 error\n"
		   "  order keygen --secret FILE --public FILE\n"
		   "  order sign --key SECRET --in BODY --out ORDER   (restore or window order body)\n");
}

int agent_cmd_fim(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (mm_crypto_init() != MM_OK)
		return fail("%s", "cannot initialise cryptography");
	const char *c = argv[1];
	if (strcmp(c, "--help") == 0 || strcmp(c, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(c, "baseline") == 0 || strcmp(c, "check") == 0 || strcmp(c, "watch") == 0 ||
	    strcmp(c, "restore") == 0 || strcmp(c, "window") == 0 || strcmp(c, "approve") == 0)
		return run_batch(c, argc - 2, argv + 2);
	if (strcmp(c, "order") == 0)
		return order_cmd(argc - 2, argv + 2);
	fprintf(stderr, "mamori-agent: error: unknown fim command '%s'\n", c);
	usage(stderr);
	return 2;
}
