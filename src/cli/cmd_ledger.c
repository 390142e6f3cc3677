/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori ledger verify|export|proof|checkpoint`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "crypto/mm_crypto.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori ledger COMMAND ...\n"
	"  verify     --db FILE [--key PUB] [--checkpoint NOTE] [--format text|json]\n"
	"  verify     --bundle FILE [--key PUB] [--checkpoint NOTE] [--format text|json]\n"
	"             exit 0 only if every entry, proof and signature holds; otherwise 1 and the first bad\n"
	"             entry's sequence number. --key is the verifier key you hold (default: the one\n"
	"             stored with the data); --checkpoint a signed checkpoint you saved earlier.\n"
	"  export     --db FILE -o BUNDLE         self-contained file for offline audit\n"
	"  proof      --db FILE --seq N [--size M] inclusion proof of entry N (JSON)\n"
	"  checkpoint --db FILE                   sign a checkpoint now if anything is unsigned; print it\n";

static int read_small(const char *path, mm_buf *b)
{
	mm_err err;
	mm_err_clear(&err);
	if (mm_file_read(path, b->limit, b, &err))
		return cli_report(&err);
	if (b->len == 0)
		return cli_error("%s: empty file", path);
	return CLI_OK;
}

static int load_key(const char *path, mm_note_verifier *v)
{
	mm_buf b;
	mm_buf_init(&b, MM_KEY_FILE_MAX);
	int rc = read_small(path, &b);
	mm_err err;
	mm_err_clear(&err);
	static const char priv[] = "PRIVATE+KEY+";
	if (!rc && b.len >= sizeof priv - 1 && memcmp(b.p, priv, sizeof priv - 1) == 0) {
		/* never echo it: it is a secret */
		rc = cli_error("%s: this is a signing (private) key; --key takes the verifier key (.pub)", path);
	} else if (!rc && mm_note_verifier_parse((const char *)b.p, b.len, v, &err)) {
		mm_err_prefix(&err, "%s", path);
		rc = cli_report(&err);
	}
	mm_buf_wipe(&b);
	return rc;
}

static int print_report(const mm_verify_report *r, const char *format, const mm_note_verifier *key)
{
	mm_buf root;
	mm_buf_init(&root, 128);
	if (mm_base64_encode(r->root, sizeof r->root, &root))
		return cli_error("out of memory");
	char t[48] = "-";
	if (r->entries)
		mm_time_format(r->last_time_ns, 540, t, sizeof t);
	if (format && strcmp(format, "json") == 0) {
		json_t *o = json_pack("{s:b, s:I, s:I, s:s, s:s, s:s}", "ok", r->ok, "entries", (json_int_t)r->entries,
				      "checkpoints", (json_int_t)r->checkpoints, "root", (const char *)root.p,
				      "last_entry_time", t, "key", key->name);
		if (!r->ok) {
			json_object_set_new(o, "bad_seq", json_integer((json_int_t)r->bad_seq));
			json_object_set_new(o, "reason", json_string(r->reason));
		}
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else if (r->ok) {
		printf("ledger verify: OK\n  entries: %llu (last at %s)\n  checkpoints: %llu signed by %s+%08x\n"
		       "  root: %s\n",
		       (unsigned long long)r->entries, t, (unsigned long long)r->checkpoints, key->name, key->keyid,
		       (const char *)root.p);
	} else if (r->bad_seq) {
		printf("ledger verify: FAILED at seq %llu\n  first bad seq: %llu\n  reason: %s\n",
		       (unsigned long long)r->bad_seq, (unsigned long long)r->bad_seq, r->reason);
	} else {
		printf("ledger verify: FAILED\n  reason: %s\n", r->reason);
	}
	mm_buf_release(&root);
	return r->ok ? CLI_OK : CLI_FAIL;
}

static int verify(const cli_args *a)
{
	const char *db = cli_opt(a, "db"), *bundle = cli_opt(a, "bundle");
	if (!!db == !!bundle)
		return cli_error("ledger verify: give exactly one of --db FILE or --bundle FILE");
	const char *format = cli_opt(a, "format");
	if (format && strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
		return cli_error("--format must be text or json");
	mm_note_verifier key;
	mm_verify_opts o = {0};
	if (cli_opt(a, "key")) {
		if (load_key(cli_opt(a, "key"), &key))
			return CLI_USAGE;
		o.key = &key;
	}
	mm_buf held;
	mm_buf_init(&held, MM_NOTE_MAX);
	int rc = CLI_OK;
	if (cli_opt(a, "checkpoint")) {
		if ((rc = read_small(cli_opt(a, "checkpoint"), &held)))
			goto out;
		o.held = (const char *)held.p;
		o.held_len = held.len;
		o.held_name = cli_opt(a, "checkpoint");
	}
	mm_verify_report rep;
	mm_err err;
	mm_err_clear(&err);
	if (bundle) {
		if (mm_ledger_verify_bundle(bundle, &o, &rep, &err)) {
			rc = cli_report(&err);
			goto out;
		}
		if (!o.key) {
			/* the bundle's own key: say so, since it proves less than a key held apart */
			fprintf(stderr, "mamori: note: no --key given; checked against the key inside the bundle\n");
		}
		mm_note_verifier shown;
		memset(&shown, 0, sizeof shown);
		if (o.key)
			shown = key;
		else
			snprintf(shown.name, sizeof shown.name, "(key inside the bundle)");
		rc = print_report(&rep, format, &shown);
		goto out;
	}
	char dir[4096];
	mm_store *s = NULL;
	if ((rc = cli_schema_dir(dir, sizeof dir)))
		goto out;
	if (mm_store_open(db, dir, 0, &s, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	if (mm_store_verify(s, &o, &rep, &err))
		rc = cli_report(&err);
	else
		rc = print_report(&rep, format, o.key ? &key : mm_ledger_verifier(mm_store_ledger(s)));
	mm_store_close(s, NULL);
out:
	mm_buf_release(&held);
	return rc;
}

static int open_ledger(const cli_args *a, bool sign, mm_store **s)
{
	const char *db = cli_need(a, "db");
	char dir[4096];
	if (!db || cli_schema_dir(dir, sizeof dir))
		return CLI_USAGE;
	mm_err err;
	mm_err_clear(&err);
	if (mm_store_open(db, dir, sign ? MM_STORE_WRITE : 0, s, &err))
		return cli_report(&err);
	return CLI_OK;
}

static int proof(const cli_args *a)
{
	uint64_t seq, size = 0;
	if (!cli_need(a, "seq") || !mm_parse_u64(cli_opt(a, "seq"), INT64_MAX, &seq) || seq == 0)
		return cli_error("ledger proof: --seq must be an entry number (1, 2, ...)");
	if (cli_opt(a, "size") && (!mm_parse_u64(cli_opt(a, "size"), INT64_MAX, &size) || size == 0))
		return cli_error("ledger proof: --size must be a tree size");
	mm_store *s;
	int rc = open_ledger(a, false, &s);
	if (rc)
		return rc;
	mm_ledger *l = mm_store_ledger(s);
	mm_err err;
	mm_err_clear(&err);
	mm_buf note, b64;
	mm_buf_init(&note, MM_NOTE_MAX);
	mm_buf_init(&b64, 4096);
	mm_checkpoint cp;
	memset(&cp, 0, sizeof cp);
	if (!size) {
		/* prove against the latest signed checkpoint, so the answer can be checked */
		if (mm_ledger_latest_checkpoint(l, &note, &err) ||
		    mm_checkpoint_open(mm_ledger_verifier(l), (const char *)note.p, note.len, &cp, &err)) {
			rc = cli_report(&err);
			goto out;
		}
		size = cp.size;
	}
	mm_hash leaf, path[MM_PROOF_MAX], root;
	size_t n;
	if (mm_ledger_inclusion(l, seq, size, leaf, path, &n, &err) || mm_ledger_root(l, size, root, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	if (!mm_merkle_verify_inclusion(leaf, seq - 1, size, (const mm_hash *)path, n, root) ||
	    (cp.size && memcmp(cp.root, root, sizeof root) != 0)) {
		rc = cli_error("ledger proof: the stored tree does not prove entry %llu; run `mamori ledger verify`",
			       (unsigned long long)seq);
		goto out;
	}
	json_t *o = json_object(), *arr = json_array();
	char hex[65];
	mm_hex_encode(leaf, 32, hex);
	json_object_set_new(o, "seq", json_integer((json_int_t)seq));
	json_object_set_new(o, "leaf_index", json_integer((json_int_t)(seq - 1)));
	json_object_set_new(o, "tree_size", json_integer((json_int_t)size));
	json_object_set_new(o, "leaf_hash", json_string(hex));
	for (size_t i = 0; i < n; i++) {
		mm_buf_reset(&b64);
		if (mm_base64_encode(path[i], 32, &b64) == MM_OK)
			json_array_append_new(arr, json_string((const char *)b64.p));
	}
	json_object_set_new(o, "inclusion_path", arr);
	mm_buf_reset(&b64);
	if (mm_base64_encode(root, 32, &b64) == MM_OK)
		json_object_set_new(o, "root", json_string((const char *)b64.p));
	if (note.len)
		json_object_set_new(o, "checkpoint", json_string((const char *)note.p));
	char *txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", txt ? txt : "{}");
	free(txt);
	json_decref(o);
out:
	mm_buf_release(&note);
	mm_buf_release(&b64);
	mm_store_close(s, NULL);
	return rc;
}

int cmd_ledger(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	cli_args a;
	if (cli_parse(&a, argc - 2, argv + 2, "db: bundle: key: checkpoint: format: output|o: seq: size:"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("ledger %s: unexpected argument '%s'", sub, a.pos[0]);
	if (strcmp(sub, "verify") == 0)
		return verify(&a);
	if (strcmp(sub, "proof") == 0)
		return proof(&a);
	mm_err err;
	mm_err_clear(&err);
	mm_store *s;
	int rc;
	if (strcmp(sub, "export") == 0) {
		const char *outp = cli_opt(&a, "output");
		if (!outp)
			return cli_error("ledger export: missing -o BUNDLE");
		if ((rc = open_ledger(&a, false, &s)))
			return rc;
		if (mm_ledger_export(mm_store_ledger(s), outp, &err))
			rc = cli_report(&err);
		else
			printf("%s: %llu entries\n", outp, (unsigned long long)mm_ledger_size(mm_store_ledger(s)));
		mm_store_close(s, NULL);
		return rc;
	}
	if (strcmp(sub, "checkpoint") == 0) {
		if ((rc = open_ledger(&a, true, &s)))
			return rc;
		mm_buf note;
		mm_buf_init(&note, MM_NOTE_MAX);
		if (mm_ledger_checkpoint(mm_store_ledger(s), false, &note, &err))
			rc = cli_report(&err);
		else
			fputs((const char *)note.p, stdout);
		mm_buf_release(&note);
		return mm_store_close(s, NULL) && !rc ? CLI_USAGE : rc;
	}
	return cli_error("ledger: unknown command '%s' (verify, export, proof, checkpoint)", sub);
}
