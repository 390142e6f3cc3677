#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# mamori-agent baseline create / check --baseline: a copy of the compliant fixture is
# snapshotted, changed, and every change must be named in the drift evidence.
. "$(dirname "$0")/lib.sh"
: "${MAMORI_AGENT:?}"
A=$MAMORI_AGENT
H=$MM_SRC/tests/fixtures/hosts
export MAMORI_NOW=1763337600
R=$T/host
cp -a "$H/compliant" "$R"

expect_rc 0 "$A" baseline create --root "$R" -o "$T/base.json"
grep -q '"format": "mamori-baseline/1"' "$T/base.json" || fail "not a baseline"
ok
expect_rc 2 "$A" baseline create --root "$R" -o "$T/base.json"
expect_err "already exists"
expect_rc 2 "$A" baseline create --root "$R"
expect_err "missing -o FILE"

# unchanged: every drift check passes
expect_rc 0 "$A" check --root "$R" --policy baseline-hardening --site "$H/site.yaml" --baseline "$T/base.json" --lang en
expect_out "[PASS] drift.accounts"
expect_out "[PASS] drift.usb_devices"

# change the machine
echo 'intruder:x:1500:1500::/home/intruder:/bin/bash' >>"$R/etc/passwd"
printf 'Package: netcat-traditional\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.10-47\n\n' >>"$R/var/lib/dpkg/status"
sed -i 's/^Version: 4.3-2+deb12u1$/Version: 4.3-2+deb12u9/' "$R/var/lib/dpkg/status"
echo '   9: 00000000:115C 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 44444 1 0 100 0 0 10 0' >>"$R/proc/net/tcp"
mkdir -p "$R/proc/900/fd" && echo backdoor >"$R/proc/900/comm" && printf 'backdoor\0' >"$R/proc/900/cmdline"
printf 'Name:\tbackdoor\nPPid:\t1\nUid:\t0\t0\t0\t0\n' >"$R/proc/900/status" && ln -s 'socket:[44444]' "$R/proc/900/fd/3"
d=$R/sys/bus/usb/devices/1-4 && mkdir -p "$d"
echo 0930 >"$d/idVendor"; echo 6545 >"$d/idProduct"; echo 'TOSHIBA' >"$d/manufacturer"; echo 'TransMemory' >"$d/product"; echo 'C03FD5F7DE8BE2A0' >"$d/serial"
rm "$R/etc/systemd/system/multi-user.target.wants/cron.service"
echo 'nameserver 192.0.2.53' >>"$R/etc/resolv.conf"
sed -i 's/tcp dport 22/tcp dport { 22, 3389 }/' "$R/etc/nftables.conf"
printf '\n[extra]\n   path = /srv/extra\n' >>"$R/etc/samba/smb.conf"

expect_rc 1 "$A" check --root "$R" --policy baseline-hardening --site "$H/site.yaml" --baseline "$T/base.json" --format json
for want in '"added"' '"intruder"' '"netcat-traditional"' 'version=1.10-47' '"chrony"' 'version=4.3-2+deb12u9' \
            '4444' 'process=backdoor' '"C03FD5F7DE8BE2A0"' '"removed"' '"cron.service"' '"192.0.2.53"' \
            '3389' '"extra"' '"changed"'; do
  grep -qF -- "$want" "$T/out" || { cat "$T/out"; fail "drift evidence lacks $want"; }
  ok
done
run "$A" check --root "$R" --policy baseline-hardening --site "$H/site.yaml" --baseline "$T/base.json" --lang en
expect_out "[FAIL] drift.accounts"
expect_out "added | intruder | - | uid=1500"
expect_out "[FAIL] drift.listening"
expect_out "[FAIL] drift.usb_devices"
expect_out "[FAIL] drift.packages"
expect_out "[FAIL] drift.firewall_rules"

# a bad baseline is an error naming the file
echo '{"format": "something-else"}' >"$T/bad.json"
expect_rc 2 "$A" check --root "$R" --baseline "$T/bad.json"
expect_err "not a mamori baseline"
expect_rc 2 "$A" check --root "$R" --baseline "$T/missing.json"
expect_err "missing.json"

done_ok
