#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `mamori report`: every report written from the demo organisation plus
# records of October 2026 with known outcomes, then opened by a real
# spreadsheet program (LibreOffice headless): as CSV the cells must match
# the records, Japanese text intact and formulas evaluated (LibreOffice is
# told to recalculate, and a copy with its cached results falsified must
# still show the right totals); as PDF every page is A4 and the table fits
# one page wide. The checkpoint each report carries verifies against the
# ledger, and each written report is a "report.write" ledger entry.
. "$(dirname "$0")/lib.sh"
for c in soffice pdfinfo pdftotext jq python3 sqlite3; do
  command -v "$c" >/dev/null || fail "$c is missing (scripts/deps.sh test)"
done

db=$T/m.db
. "$MM_SRC/tests/data/report/setup.sh"

X=$T/x
mkdir -p "$X"
gen() { expect_rc 0 "$MAMORI" report "$@" --db "$db" --actor 報告者; }
gen monthly-work --month 2026-10 -o "$X/monthly-work.xlsx"
expect_out "ledger checkpoint of"
gen completion --month 2026-10 -o "$X/completion.xlsx"
gen security-status --month 2026-10 -o "$X/security-status.xlsx"
gen access-log --month 2026-10 -o "$X/access-log.xlsx"
gen fault --month 2026-10 -o "$X/fault.xlsx"
gen fault --id "$f2" -o "$X/fault-id.xlsx"
gen fault --month 2026-11 -o "$X/fault-demo.xlsx"
gen inspection --id "$camp" -o "$X/inspection.xlsx"
gen work-request --id "$wr" -o "$X/work-request.xlsx"
gen erasure-certificate --id "$mat" -o "$X/erasure-certificate.xlsx"
gen monthly-work --month 2026-10 --lang en -o "$X/monthly-en.xlsx"
nreports=11
# an .xlsx is a zip holding real formulas (not just numbers)
python3 - "$X/fault.xlsx" <<'PY' || fail "fault.xlsx is not a workbook with formulas"
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
s = z.read("xl/worksheets/sheet1.xml").decode()
assert "<f>COUNTIF(" in s and "<f>COUNTA(" in s, "formulas"
assert 'paperSize="9"' in s and 'fitToPage="1"' in s and 'fitToHeight="0"' in s, "A4, one page wide"
assert "<printOptions" in s or "<headerFooter" in s, "header and footer"
assert "_xlnm.Print_Titles" in z.read("xl/workbook.xml").decode(), "repeated header rows"
PY
ok

# every report writing is in the ledger, and the ledger still verifies
[ "$(ledger_sql "$db" "select count(*) from e where instr(entry, cast('report.write' as blob))")" = $nreports ] ||
  fail "report.write entries"; ok
[ "$(ledger_sql "$db" "select count(*) from e where instr(entry, cast('report.write' as blob)) and instr(entry, cast('報告者' as blob))")" = $nreports ] ||
  fail "report.write names the actor"; ok
expect_rc 0 "$MAMORI" ledger verify --db "$db"

# ---- LibreOffice: a private profile that recalculates every formula on loading ----
export HOME=$T/home
mkdir -p "$HOME" "$T/lo/user"
cat >"$T/lo/user/registrymodifications.xcu" <<'XCU'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
XCU
lo() { timeout 600 soffice -env:UserInstallation="file://$T/lo" --headless "$@" >>"$T/lo.log" 2>&1 || { cat "$T/lo.log"; fail "soffice $*"; }; }

# a copy whose cached formula results say 999: only a recalculation shows the right totals
python3 - "$X/fault.xlsx" "$X/fault-falsified.xlsx" <<'PY'
import re, sys, zipfile
src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED)
for i in src.infolist():
    b = src.read(i.filename)
    if i.filename == "xl/worksheets/sheet1.xml":
        b, n = re.subn(rb"(</f>)<v>[^<]*</v>", rb"\1<v>999</v>", b)
        assert n >= 5, n
    dst.writestr(i, b)
dst.close()
PY

CSV='csv:Text - txt - csv (StarCalc):44,34,76,1'
lo --convert-to "$CSV" --outdir "$T/csv" "$X"/*.xlsx
lo --convert-to pdf --outdir "$T/pdf" "$X"/*.xlsx
for f in "$X"/*.xlsx; do [ -s "$T/csv/$(basename "$f" .xlsx).csv" ] || fail "no CSV of $f"; done; ok

# ---- cell values (the checks name the report and the row) ----
python3 - "$T/csv" "$f1" "$f2" "$f3" "$wr" "$camp" "$mat" "$acc1" "$acc2" <<'PY' || fail "cell values"
import csv, sys
d, f1, f2, f3, wr, camp, mat, acc1, acc2 = sys.argv[1:]
def rows(name):
    with open(f"{d}/{name}.csv", encoding="utf-8") as fh:
        return [r for r in csv.reader(fh)]
def row(name, first, col=0):
    for r in rows(name):
        if len(r) > col and r[col] == first:
            return r
    raise AssertionError(f"{name}: no row whose column {col} is {first!r}")
def has(name, text):
    assert any(text in c for r in rows(name) for c in r), f"{name}: no cell holds {text!r}"
def eq(name, got, want, what):
    assert got == want, f"{name}: {what}: got {got!r}, want {want!r}"

# monthly work report: the summary's formulas count the tables below it
m = "monthly-work"
eq(m, rows(m)[0][0], "月次業務実施報告", "title")
eq(m, row(m, "作業依頼書による作業 (件)")[3], "4", "work requests")
eq(m, row(m, "  うち作業完了・結果報告済・検収済 (件)")[3], "1", "done")
eq(m, row(m, "障害対応 (件)")[3], "3", "faults")
eq(m, row(m, "  うちサービスレベル達成 (件)")[3], "2", "met")
eq(m, row(m, "  うちサービスレベル未達 (件)")[3], "1", "missed")
eq(m, row(m, "サービスレベル達成率")[3], "66.7%", "met rate")
eq(m, row(m, "入退室記録・インシデント・議事録 (件)")[3], "3", "other")
r = row(m, f2, 1)
eq(m, r[2:10], ["CS運用系 応答遅延", "S16-CS-A-01", "2026/10/06 10:00", "CS", "2026/10/06 12:00", "2026/10/06 11:30", "未達", "積雪による交通遅延"], "fault row")
eq(m, row(m, f1, 1)[8], "達成", "fault met")
eq(m, row(m, wr, 1)[2:8], ["画面ロック設定の変更", "本市独自指示", "2026-10-05〜2026-10-16", "検収済", "2026-10-07", "高橋 一郎"], "work request row")
eq(m, row(m, acc1, 1)[2:8], ["CS障害対応", "入退室", "2026/10/05 18:00", "退室済", "2026/10/05 19:30", "高橋 一郎"], "access row")

# the same in English
e = "monthly-en"
eq(e, rows(e)[0][0], "Monthly work report", "title")
eq(e, row(e, "Service level met rate")[3], "66.7%", "met rate")
eq(e, row(e, f2, 1)[8], "Missed", "fault status")

# fault report of the month and of one fault: SLA due, met/missed, reason
for name, n, met, missed, rate in (("fault", "3", "2", "1", "66.7%"), ("fault-falsified", "3", "2", "1", "66.7%"), ("fault-id", "1", "0", "1", "0.0%")):
    eq(name, row(name, "件数")[6], n, "count")
    eq(name, row(name, "目標達成")[6], met, "met")
    eq(name, row(name, "目標未達")[6], missed, "missed")
    eq(name, row(name, "サービスレベル達成率 (達成/(達成+未達))")[6], rate, "rate")
r = row("fault", f2, 1)
eq("fault", r[2:13], ["S16-CS-A-01", "菊水分庁舎システム管理課", "CS", "CS運用系 応答遅延", "2026/10/06 10:00", "2026/10/06 11:30", "2026/10/06 12:00", "2026/10/06 15:00", "未達", "積雪による交通遅延", "高橋 一郎、田中 美咲"], "fault row")
eq("fault", row("fault", f3, 1)[7], "2026/10/08 12:00", "terminal due next business day noon")
eq("fault", row("fault", f3, 1)[10], "達成", "terminal met")
has("fault-demo", "CS運用系 業務アプリケーション応答なし")
eq("fault-demo", row("fault-demo", "目標未達")[6], "1", "demo's late fault")

# inspection: per device and item, evidence, findings, pass rate
i = "inspection"
eq(i, row(i, "件名")[2], "令和8年度 設置及び設定状況チェック", "title")
for label, want in (("点検項目数", "4"), ("適合", "3"), ("不適合", "1"), ("該当なし", "0"), ("未実施", "0"), ("適合率 (適合/(適合+不適合))", "75.0%"), ("対象機器数", "2")):
    eq(i, row(i, label)[5], want, label)
r = row(i, "1")
eq(i, r[1:10], ["北区役所戸籍住民課", "S03-D6012-01", "統合端末", "12", "パスワードの表示確認", "目視・手動", "不適合", "2026/10/09 10:12", "高橋 一郎"], "first item")
assert r[11].startswith("写真 sha256:"), r[11]
eq(i, r[12], "モニター横にパスワードの付箋", "finding")
eq(i, row(i, "4")[2], "S03-D6012-02", "items grouped per device")
# per device (COUNTIF/COUNTIFS over the item table)
per = []
for r in rows(i)[[x[0] for x in rows(i)].index("4 機器ごとの集計") + 2:]:
    if not r or not r[0].isdigit():
        break
    per.append(r)
eq(i, [r[2] for r in per], ["S03-D6012-01", "S03-D6012-02"], "devices")
eq(i, per[0][5:9], ["2", "1", "1", "50.0%"], "first device")
eq(i, per[1][5:9], ["2", "2", "0", "100.0%"], "second device")

# erasure certificate
c = "erasure-certificate"
eq(c, row(c, "名称")[2], "設定資料一式 (CD-R)", "name")
eq(c, row(c, "消去日時")[2], "2026/10/20 15:00", "erased at")
eq(c, row(c, "消去担当者")[2], "高橋 一郎", "erased by")
eq(c, row(c, "消去方法")[2], "物理的破壊", "method")
eq(c, row(c, "立会者")[2], "住民情報課 佐藤", "witness")
assert row(c, "発注者による確認")[2].startswith("municipality-approverさん ("), row(c, "発注者による確認")
eq(c, row(c, "状態")[2], "消去確認済", "state")

# work request and its result
w = "work-request"
eq(w, row(w, "件名")[2], "画面ロック設定の変更", "title")
eq(w, row(w, "手順 1")[2], "1. ロック時間を5分に設定", "step 1")
eq(w, row(w, "実施日")[2], "2026-10-07", "dates")
eq(w, row(w, "実施者")[2], "高橋 一郎", "performers")
eq(w, row(w, "対象機器")[2], "S03-D6012-01、S03-D6012-02", "targets")
assert row(w, "手順書の承認")[2].startswith("municipality-approverさん ("), "approval"
has(w, "手順書を承認する")

# access log: minutes per visit by formula, totals
a = "access-log"
eq(a, row(a, acc1 and "1")[1:5], ["2026/10/05 18:00", "2026/10/05 19:30", "90", "高橋 一郎"], "first entry")
eq(a, row(a, "2")[2:4], ["", ""], "no exit yet")
eq(a, row(a, "入室件数")[3], "2", "entries")
eq(a, row(a, "退室の記録がないもの")[3], "1", "no exit")
eq(a, row(a, "延べ滞在時間 (分)")[3], "90", "minutes")

# completion notice with its list of deliverables
c = "completion"
has(c, "2026年10月分の業務を下記のとおり完了しました")
eq(c, row(c, "作業結果報告: 画面ロック設定の変更", 1)[3], wr, "work result")
eq(c, row(c, "障害対応報告書: CS運用系 応答遅延", 1)[3], f2, "fault report")
eq(c, row(c, "消去証明書: 設定資料一式 (CD-R)", 1)[3], mat, "erasure")
eq(c, row(c, "成果品 計")[5], "5", "deliverables")
eq(c, row(c, "業務責任者")[2], "山田 太郎", "manager")

# security preservation status: the items of 002 別紙3 with what the records show
s = "security-status"
eq(s, row(s, "1")[5], "遵守", "item 1")
assert "山田 太郎" in row(s, "1")[3] and "鈴木 花子" in row(s, "1")[3], row(s, "1")
eq(s, row(s, "3(1)")[4:6], ["1", "要確認"], "failed inspection item not corrected")
eq(s, row(s, "3(2)")[4:6], ["2", "要確認"], "an entry without exit")
eq(s, row(s, "5")[4:6], ["1", "要確認"], "incident not contained")
for it in ("2", "4", "6", "7", "8", "9", "10", "11"):
    row(s, it)
eq(s, row(s, "遵守")[5], "6", "kept")
eq(s, row(s, "要確認")[5], "3", "to check")
eq(s, row(s, "該当なし")[5], "4", "n/a")
print("cell values ok")
PY
ok

# ---- the checkpoint in each report verifies against the ledger ----
for f in "$T"/csv/*.csv; do
  name=$(basename "$f" .csv)
  python3 - "$f" "$T/cp-$name.txt" <<'PY' || fail "$name: no checkpoint block"
import base64, csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], encoding="utf-8"))]
i = [r[0] if r else "" for r in rows].index("-----BEGIN CHECKPOINT-----")
j = [r[0] if r else "" for r in rows].index("-----END CHECKPOINT-----")
lines = [(r[0] if r else "") for r in rows[i + 1:j]]
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines) + "\n")
size = next(r[2] for r in rows if r and r[0] == "記録数 (tree size)" or r and r[0] == "Tree size (entries)")
root = next(r[2] for r in rows if r and r[0] in ("ルートハッシュ (SHA-256)", "Root hash (SHA-256)"))
assert lines[1] == size, (lines[1], size)
assert base64.b64decode(lines[2]).hex() == root, (lines[2], root)
PY
  expect_rc 0 "$MAMORI" ledger verify --db "$db" --checkpoint "$T/cp-$name.txt"
done
# a forged checkpoint (another root) is refused
# (the root's first base64 character changed: to B if it is A, else to A)
sed '3{s/^A/#/;s/^[^#]/A/;s/^#/B/}' "$T/cp-fault.txt" >"$T/cp-forged.txt"
cmp -s "$T/cp-fault.txt" "$T/cp-forged.txt" && fail "forgery did not change the note"
run "$MAMORI" ledger verify --db "$db" --checkpoint "$T/cp-forged.txt"
[ "$rc" -ne 0 ] || fail "a forged checkpoint verified"; ok
grep -q "mamori ledger verify --db $db --checkpoint checkpoint.txt" "$T/csv/fault.csv" || fail "verify command"; ok

# ---- PDF: A4, and the widest table fits one page wide ----
declare -A lastcol=([monthly-work]=備考 [completion]=証跡 [security-status]=判定 [access-log]=許可者 [fault]=対応者
  [fault-id]=対応者 [fault-demo]=対応者 [inspection]="指摘事項・是正" [work-request]=検収者
  [erasure-certificate]="発注者 確認" [monthly-en]=Notes [fault-falsified]=対応者)
for f in "$X"/*.xlsx; do
  name=$(basename "$f" .xlsx)
  pdf=$T/pdf/$name.pdf
  [ -s "$pdf" ] || fail "no PDF of $name"
  pdfinfo "$pdf" >"$T/info"
  pages=$(awk '/^Pages:/ {print $2}' "$T/info")
  for p in $(seq "$pages"); do
    pdfinfo -f "$p" -l "$p" "$pdf" | grep -q "^Page *$p size:.*(A4)" || fail "$name page $p is not A4"
  done
  pdftotext -f 1 -l 1 -layout "$pdf" "$T/p1.txt"
  grep -q -- "${lastcol[$name]}" "$T/p1.txt" || fail "$name: last column '${lastcol[$name]}' is not on page 1 (too wide?)"
  pdftotext -layout "$pdf" "$T/all.txt"
  grep -q -- "-----END CHECKPOINT-----" "$T/all.txt" || fail "$name: the checkpoint is not printed"
  ok
done
grep -q "ページ" "$T/p1.txt" || fail "no page number footer"; ok
done_ok
