#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Organisations (tenants): a record belongs to the organisation that made
# it; another organisation can neither see, change nor reference it.
. "$(dirname "$0")/lib.sh"
db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
expect_rc 0 "$MAMORI" record create --db "$db" --tenant sapporo --kind site --actor 山田 --json '{"name":"中央区役所"}'
site=$(cat "$T/out")
expect_rc 0 "$MAMORI" record create --db "$db" --tenant meguro --kind site --actor 佐藤 --json '{"name":"目黒区役所"}'
other=$(cat "$T/out")
expect_rc 0 "$MAMORI" record list --db "$db" --tenant sapporo --kind site --format json
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [r["data"]["name"] for r in a]==["中央区役所"], a; assert a[0]["tenant"]=="sapporo"' "$T/out"; ok
expect_rc 2 "$MAMORI" record show --db "$db" --tenant meguro --id "$site"
expect_err "no record has id '$site'"
expect_rc 2 "$MAMORI" record history --db "$db" --tenant meguro --id "$site"
expect_rc 2 "$MAMORI" record update --db "$db" --tenant meguro --id "$site" --actor 佐藤 --json '{"name":"x"}'
expect_err "no record has id"
expect_rc 2 "$MAMORI" record transition --db "$db" --tenant meguro --id "$site" --to closed --actor 佐藤 --reason x
expect_rc 2 "$MAMORI" record create --db "$db" --tenant meguro --kind asset --actor 佐藤 \
  --json "{\"name\":\"CS\",\"site\":\"$site\",\"class\":\"cs-active\"}"
expect_err "no site record has id '$site'"
expect_rc 0 "$MAMORI" record create --db "$db" --tenant meguro --kind asset --actor 佐藤 \
  --json "{\"name\":\"CS\",\"site\":\"$other\",\"class\":\"cs-active\"}"
expect_rc 2 "$MAMORI" record list --db "$db" --tenant 'Bad Org' --kind site
expect_err "may use only"
# the default organisation sees neither
expect_rc 0 "$MAMORI" record list --db "$db" --kind site --format json
expect_eq "$(tr -d ' \n' <"$T/out")" "[]" "default organisation's sites"
# moving a record between organisations directly in the database is found
expect_rc 0 "$MAMORI" ledger verify --db "$db"
sqlite3 "$db" "UPDATE record SET tenant = 'meguro' WHERE id = '$site'"
expect_rc 1 "$MAMORI" ledger verify --db "$db"
expect_out "table record, row $site"
done_ok
