#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile and mistaken input to `mamori record`: each is refused with exit 2
# and a message naming the field, and nothing is written to the ledger.
. "$(dirname "$0")/lib.sh"

db=$T/m.db
expect_rc 0 "$MAMORI" init --db "$db"
site=$("$MAMORI" record create --db "$db" --kind site --actor 山田 --json '{"name":"中央区役所"}')
asset=$("$MAMORI" record create --db "$db" --kind asset --actor 山田 \
  --json "{\"name\":\"CS1\",\"site\":\"$site\",\"class\":\"cs-active\"}")
expect_eq "$asset" "asset-1" "first asset id"
entries() { "$MAMORI" ledger verify --db "$db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])'; }
before=$(entries)

refuse() { # MESSAGE-FRAGMENT ARGS...
  local why=$1; shift
  expect_rc 2 "$MAMORI" record "$@"
  expect_err "$why"
}
c() { refuse "$1" create --db "$db" --kind asset --actor 山田 --json "$2"; }
c "line 1"                          '{"name": "x", '
c "must be an object"               '["name"]'
c "field name: must be text"        "{\"name\":42,\"site\":\"$site\",\"class\":\"terminal\"}"
c "'colour' is not a field"         "{\"name\":\"x\",\"site\":\"$site\",\"class\":\"terminal\",\"colour\":\"red\"}"
c "field name: is required"         "{\"site\":\"$site\",\"class\":\"terminal\"}"
c "at most 100 are allowed"         "{\"name\":\"$(printf 'あ%.0s' $(seq 101))\",\"site\":\"$site\",\"class\":\"terminal\"}"
c "field class: must be one of"     "{\"name\":\"x\",\"site\":\"$site\",\"class\":\"toaster\"}"
c "no site record has id 'site-99'" '{"name":"x","site":"site-99","class":"terminal"}'
c "field installed: must be a date" "{\"name\":\"x\",\"site\":\"$site\",\"class\":\"terminal\",\"installed\":\"2026-02-30\"}"
c "field quantity: 0 is outside"    "{\"name\":\"x\",\"site\":\"$site\",\"class\":\"terminal\",\"quantity\":0}"
c "control character"               "{\"name\":\"a\\nb\",\"site\":\"$site\",\"class\":\"terminal\"}"
c "field software[1]: must be text" "{\"name\":\"x\",\"site\":\"$site\",\"class\":\"terminal\",\"software\":[\"a\",1]}"
c "no attachment"                   "{\"name\":\"x\",\"site\":\"$site\",\"class\":\"terminal\",\"photo\":\"$(printf '0%.0s' $(seq 64))\"}"
c "duplicate"                       "{\"name\":\"x\",\"name\":\"y\",\"site\":\"$site\",\"class\":\"terminal\"}"
printf '{"name":"\xff\xfe","site":"%s","class":"terminal"}' "$site" >"$T/bad-utf8.json"
refuse "not valid UTF-8" create --db "$db" --kind asset --actor 山田 --file "$T/bad-utf8.json"
head -c 300000 /dev/zero | tr '\0' ' ' >"$T/huge.json"
refuse "larger than the limit" create --db "$db" --kind asset --actor 山田 --file "$T/huge.json"
refuse "unknown kind 'spaceship'" create --db "$db" --kind spaceship --actor 山田 --json '{}'
refuse "missing --actor" create --db "$db" --kind site --json '{"name":"x"}'
refuse "unknown role 'king'" create --db "$db" --kind site --actor 山田 --role king --json '{"name":"x"}'
refuse "may not create site" create --db "$db" --kind site --actor 田中 --role municipality-viewer --json '{"name":"x"}'
refuse "unknown option --colour" create --db "$db" --kind site --actor 山田 --colour red --json '{"name":"x"}'
refuse "no transition 'fly'" transition --db "$db" --id "$asset" --to fly --actor 山田
refuse "may not make transition 'retire'" transition --db "$db" --id "$asset" --to retired --actor 山田 --role contractor-operator --reason x
refuse "needs a reason" transition --db "$db" --id "$asset" --to retired --actor 山田 --role contractor-manager
refuse "no record has id 'asset-99'" update --db "$db" --id asset-99 --actor 山田 --json '{"serial":"x"}'
refuse "--version" update --db "$db" --id "$asset" --version abc --actor 山田 --json '{"serial":"x"}'
refuse "no such database" list --db "$T/nope.db" --kind site
expect_rc 2 "$MAMORI" init --db "$db"
expect_err "refusing to overwrite"
expect_eq "$(entries)" "$before" "ledger entries after refused writes"

echo "optimistic versions: a stale update is refused and loses nothing"
expect_rc 0 "$MAMORI" record update --db "$db" --id "$asset" --version 1 --actor 山田 --json '{"serial":"A"}'
expect_out "asset-1 version 2"
expect_rc 2 "$MAMORI" record update --db "$db" --id "$asset" --version 1 --actor 鈴木 --json '{"serial":"B"}'
expect_err "is at version 2, not 1"
expect_rc 0 "$MAMORI" record show --db "$db" --id "$asset"
expect_out '"serial": "A"'
expect_rc 0 "$MAMORI" record update --db "$db" --id "$asset" --version 2 --actor 鈴木 --json '{"serial":null,"model":"FMV"}' --reason 型番訂正
expect_rc 0 "$MAMORI" record history --db "$db" --id "$asset"
expect_out '"reason": "型番訂正"'
expect_out '"actor": "鈴木"'
python3 - "$T/out" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))
assert [v["version"] for v in h] == [1, 2, 3], h
assert "serial" not in h[2]["data"] and h[2]["data"]["model"] == "FMV", h[2]
assert h[1]["data"]["serial"] == "A"
PY
ok
expect_rc 0 "$MAMORI" record list --db "$db" --kind asset --format json
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert [r["id"] for r in a]==["asset-1"], a' "$T/out"
ok

echo "attachments are stored by hash and referenced from records"
printf 'photo bytes' >"$T/photo.jpg"
expect_rc 0 "$MAMORI" record attach --db "$db" --file "$T/photo.jpg" --actor 山田
hash=$(cat "$T/out")
expect_eq "$hash" "$(sha256sum "$T/photo.jpg" | cut -d' ' -f1)" "attachment hash"
expect_rc 0 "$MAMORI" record update --db "$db" --id "$asset" --actor 山田 --json "{\"photo\":\"$hash\"}"
expect_rc 0 "$MAMORI" ledger verify --db "$db"
# a changed attachment file is found
chmod u+w "$db.attachments/${hash:0:2}/$hash"
printf 'other bytes' >"$db.attachments/${hash:0:2}/$hash"
expect_rc 1 "$MAMORI" ledger verify --db "$db"
expect_out "content does not match its hash"
done_ok
