/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori record create|update|transition|show|list|history|attach`.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori record COMMAND --db FILE ...\n"
	"  create     --kind KIND --actor NAME [--role ROLE] (--json TEXT | --file FILE) [--reason TEXT]\n"
	"  update     --id ID --actor NAME [--role ROLE] [--version N] (--json TEXT | --file FILE) [--reason TEXT]\n"
	"  transition --id ID --actor NAME [--role ROLE] (--to STATE | --transition NAME) [--version N] [--reason TEXT]\n"
	"  show       --id ID [--format json|text]\n"
	"  list       --kind KIND [--state STATE] [--format json|text]\n"
	"  history    --id ID [--format json|text]\n"
	"  attach     --file FILE --actor NAME [--name NAME]     (prints the SHA-256)\n"
	"  import     --kind KIND --csv FILE --actor NAME [--role ROLE] [--reason TEXT] [--valid-only]\n"
	"             (header row of field names; every row or none is written)\n"
	"  Every command also takes --tenant ORG (the organisation; default: the default one).\n"
	"  --role defaults to admin. update takes a JSON merge patch: fields given replace, null removes.\n"
	"  --version is the version you read; if someone wrote since, nothing is written (exit 2).\n";

/* The operations deriver (SLA due times, required-in-state fields) of a store opened for writing. */
static mm_ops *ops;

static int open_store(const char *db, bool write, mm_store **s)
{
	char dir[4096];
	if (cli_schema_dir(dir, sizeof dir))
		return CLI_USAGE;
	mm_err err;
	mm_err_clear(&err);
	if (mm_store_open(db, dir, write ? MM_STORE_WRITE : 0, s, &err))
		return cli_report(&err);
	if (write && mm_ops_install(*s, NULL, &ops, &err)) {
		mm_err cerr;
		(void)mm_store_close(*s, &cerr);
		*s = NULL;
		return cli_report(&err);
	}
	return CLI_OK;
}

static int close_store(mm_store *s, int rc)
{
	mm_err err;
	mm_err_clear(&err);
	int crc = mm_store_close(s, &err);
	mm_ops_free(ops);
	ops = NULL;
	if (crc && rc == CLI_OK)
		return cli_report(&err);
	return rc;
}

static int parse_version(const cli_args *a, uint32_t *v)
{
	*v = 0;
	const char *s = cli_opt(a, "version");
	uint64_t x;
	if (!s)
		return CLI_OK;
	if (!mm_parse_u64(s, UINT32_MAX, &x) || x == 0)
		return cli_error("--version: '%s' is not a version number", s);
	*v = (uint32_t)x;
	return CLI_OK;
}

/* Text rendering of records for people at a terminal. */
static void print_text_record(json_t *r)
{
	printf("%s  [%s]  v%lld  %s by %s\n", json_string_value(json_object_get(r, "id")),
	       json_string_value(json_object_get(r, "state")),
	       (long long)json_integer_value(json_object_get(r, "version")),
	       json_string_value(json_object_get(r, "updated")), json_string_value(json_object_get(r, "updated_by")));
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(r, "data"), k, v) {
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("    %s: %s\n", k, s ? s : json_string_value(v));
		free(s);
	}
}

static int print_doc(mm_buf *b, const char *format, bool history)
{
	if (!format || strcmp(format, "json") == 0) {
		printf("%s\n", (const char *)b->p);
		return CLI_OK;
	}
	if (strcmp(format, "text") != 0)
		return cli_error("--format must be json or text");
	json_error_t je;
	json_t *v = json_loadb((const char *)b->p, b->len, 0, &je);
	if (!v)
		return cli_error("internal: output is not JSON");
	if (json_is_array(v)) {
		size_t i;
		json_t *r;
		json_array_foreach(v, i, r) {
			if (history) {
				const char *reason = json_string_value(json_object_get(r, "reason"));
				printf("v%lld  seq %lld  %s  %s (%s)  %s -> [%s]%s%s\n",
				       (long long)json_integer_value(json_object_get(r, "version")),
				       (long long)json_integer_value(json_object_get(r, "seq")),
				       json_string_value(json_object_get(r, "time")),
				       json_string_value(json_object_get(r, "actor")),
				       json_string_value(json_object_get(r, "role")),
				       json_string_value(json_object_get(r, "op")),
				       json_string_value(json_object_get(r, "state")), reason && *reason ? "  reason: " : "",
				       reason ? reason : "");
			} else {
				print_text_record(r);
			}
		}
	} else {
		print_text_record(v);
	}
	json_decref(v);
	return CLI_OK;
}

static int report_write(const mm_write_result *res, bool create)
{
	if (create)
		printf("%s\n", res->id);
	else
		printf("%s version %u\n", res->id, res->version);
	return CLI_OK;
}

/* `record import`: a CSV file as records of one kind, all or nothing — or, with --valid-only, the valid rows (docs/operations.md). */
static int record_import(int argc, char **argv)
{
	cli_args a;
	if (cli_parse(&a, argc, argv, "db: kind: csv: actor: role: tenant: reason: valid-only"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("record import: unexpected argument '%s'", a.pos[0]);
	const char *db = cli_need(&a, "db"), *kind = db ? cli_need(&a, "kind") : NULL;
	const char *csv = kind ? cli_need(&a, "csv") : NULL;
	if (!csv)
		return CLI_USAGE;
	mm_actor who = {cli_opt(&a, "actor"), cli_opt(&a, "role") ? cli_opt(&a, "role") : "admin", cli_opt(&a, "tenant")};
	if (!who.name)
		return cli_error("record import: missing --actor (who is making this change)");
	mm_buf in;
	mm_buf_init(&in, MM_CSV_FILE_MAX);
	mm_err err;
	mm_err_clear(&err);
	mm_store *s = NULL;
	mm_store_create_all_result res;
	int rc = CLI_OK;
	if (mm_file_read(csv, MM_CSV_FILE_MAX, &in, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	if ((rc = open_store(db, true, &s)))
		goto out;
	json_t *skipped = NULL;
	if (cli_flag(&a, "valid-only")
		    ? mm_ops_import_csv_valid(s, &who, kind, (const char *)in.p, in.len, csv, cli_opt(&a, "reason"), &res,
					      &skipped, &err)
		    : mm_ops_import_csv(s, &who, kind, (const char *)in.p, in.len, csv, cli_opt(&a, "reason"), &res, &err))
		rc = cli_report(&err);
	else
		printf("imported %zu %s records (%s … %s)\n", res.count, kind, res.first, res.last);
	size_t i;
	json_t *sk;
	json_array_foreach(skipped, i, sk) /* --valid-only: every row left out, and exit 1 */
		fprintf(stderr, "not imported: %s\n", json_string_value(json_object_get(sk, "error")));
	if (rc == CLI_OK && json_array_size(skipped))
		rc = 1;
	json_decref(skipped);
	rc = close_store(s, rc);
out:
	mm_buf_release(&in);
	return rc;
}

int cmd_record(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "import") == 0)
		return record_import(argc - 2, argv + 2);
	cli_args a;
	if (cli_parse(&a, argc - 2, argv + 2,
		      "db: kind: id: actor: role: tenant: json: file: reason: version: to: transition: format: state: name:"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("record %s: unexpected argument '%s'", sub, a.pos[0]);
	const char *db = cli_need(&a, "db");
	if (!db)
		return CLI_USAGE;
	bool write = strcmp(sub, "create") == 0 || strcmp(sub, "update") == 0 || strcmp(sub, "transition") == 0 ||
		     strcmp(sub, "attach") == 0;
	bool read = strcmp(sub, "show") == 0 || strcmp(sub, "list") == 0 || strcmp(sub, "history") == 0;
	if (!write && !read)
		return cli_error("record: unknown command '%s' (create, update, transition, show, list, history, attach)", sub);
	mm_actor who = {cli_opt(&a, "actor"), cli_opt(&a, "role") ? cli_opt(&a, "role") : "admin",
			cli_opt(&a, "tenant")};
	if (write && !who.name)
		return cli_error("record %s: missing --actor (who is making this change)", sub);
	uint32_t version;
	if (parse_version(&a, &version))
		return CLI_USAGE;
	mm_buf in, out;
	mm_buf_init(&in, MM_CLI_JSON_FILE_MAX);
	mm_buf_init(&out, 64u << 20);
	mm_store *s = NULL;
	mm_err err;
	mm_err_clear(&err);
	mm_write_result res;
	int rc = CLI_OK;
	const char *id = cli_opt(&a, "id");
	if (strcmp(sub, "create") == 0 || strcmp(sub, "update") == 0) {
		if ((rc = cli_read_input(cli_opt(&a, "json"), cli_opt(&a, "file"), &in)))
			goto out;
	}
	if ((strcmp(sub, "create") == 0 || strcmp(sub, "list") == 0) && !cli_need(&a, "kind")) {
		rc = CLI_USAGE;
		goto out;
	}
	if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "attach") != 0 && !id) {
		rc = cli_error("record %s: missing --id", sub);
		goto out;
	}
	if ((rc = open_store(db, write, &s)))
		goto out;
	if (strcmp(sub, "create") == 0) {
		if (mm_store_create(s, &who, cli_opt(&a, "kind"), (const char *)in.p, in.len, cli_opt(&a, "reason"),
				    &res, &err))
			rc = cli_report(&err);
		else
			rc = report_write(&res, true);
	} else if (strcmp(sub, "update") == 0) {
		if (mm_store_update(s, &who, id, version, (const char *)in.p, in.len, cli_opt(&a, "reason"), &res, &err))
			rc = cli_report(&err);
		else
			rc = report_write(&res, false);
	} else if (strcmp(sub, "transition") == 0) {
		const char *what = cli_opt(&a, "transition") ? cli_opt(&a, "transition") : cli_opt(&a, "to");
		if (!what)
			rc = cli_error("record transition: missing --to STATE or --transition NAME");
		else if (mm_store_transition(s, &who, id, version, what, cli_opt(&a, "reason"), &res, &err))
			rc = cli_report(&err);
		else
			rc = report_write(&res, false);
	} else if (strcmp(sub, "attach") == 0) {
		const char *file = cli_need(&a, "file");
		char hex[65];
		if (!file) {
			rc = CLI_USAGE;
		} else {
			mm_buf data;
			mm_buf_init(&data, MM_ATTACHMENT_MAX);
			const char *name = cli_opt(&a, "name");
			if (!name) {
				name = strrchr(file, '/');
				name = name ? name + 1 : file;
			}
			if (mm_file_read(file, MM_ATTACHMENT_MAX, &data, &err) ||
			    mm_store_attach(s, &who, data.p, data.len, name, hex, &err))
				rc = cli_report(&err);
			else
				printf("%s\n", hex);
			mm_buf_release(&data);
		}
	} else {
		int r = strcmp(sub, "show") == 0 ? mm_store_get(s, &who, id, &out, &err)
			: strcmp(sub, "list") == 0
				? mm_store_list(s, &who, cli_opt(&a, "kind"), cli_opt(&a, "state"), &out, &err)
				: mm_store_history(s, &who, id, &out, &err);
		const char *format = cli_opt(&a, "format");
		if (!format && strcmp(sub, "list") == 0)
			format = "text";
		rc = r ? cli_report(&err) : print_doc(&out, format, strcmp(sub, "history") == 0);
	}
	rc = close_store(s, rc);
out:
	mm_buf_release(&in);
	mm_buf_release(&out);
	return rc;
}
