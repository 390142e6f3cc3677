# Generates data/policies/municipal-terminal.yaml and municipal-cs.yaml from shared check
# templates, so the SQL of items both lists share is written once.
import os
import textwrap
HERE = os.path.dirname(os.path.abspath(__file__))
PARAMS = r'''
parameters:
  approved_accounts:
    type: list
    default: [root]
    description: {ja: "承認済みアカウント (パスワード又はログインシェルを持ってよいもの)", en: "Approved accounts (may have a password or a login shell)"}
  app_account:
    type: string
    default: ""
    description: {ja: "業務AP起動用アカウント", en: "Account that starts the business application"}
  privileged_groups:
    type: list
    default: [root, sudo, wheel, adm, disk, shadow, lxd, docker]
    description: {ja: "管理者権限を与えるグループ", en: "Groups that grant administrative power"}
  allowed_shares:
    type: list
    default: []
    description: {ja: "許可された Samba 共有名", en: "Allowed Samba share names"}
  allowed_exports:
    type: list
    default: []
    description: {ja: "許可された NFS エクスポート (パス)", en: "Allowed NFS export paths"}
  allowed_services:
    type: list
    default: ["systemd-*", "getty@*", "serial-getty@*", "autovt@*", "console-setup.service", "keyboard-setup.service", "kmod*", "dbus*", "cron.service", "anacron.*", "rsyslog.service", "syslog.service", "auditd.service", "nftables.service", "chrony.service", "chronyd.service", "apparmor.service", "clamav-daemon.*", "clamav-freshclam.service", "networking.service", "NetworkManager*", "wpa_supplicant.service", "e2scrub_*", "fstrim.timer", "logrotate.*", "man-db.*", "apt-daily*", "dpkg-db-backup.*", "remote-fs.target", "mamori-agent*", "display-manager.service", "gdm*.service", "accounts-daemon.service", "udisks2.service", "polkit.service", "rtkit-daemon.service", "switcheroo-control.service", "power-profiles-daemon.service", "upower.service"]
    description: {ja: "起動を許可するサービス (glob パターン)", en: "Services allowed to start (glob patterns)"}
  forbidden_processes:
    type: list
    default: ["telnetd", "in.telnetd", "rshd", "in.rshd", "rlogind", "in.rlogind", "tftpd", "in.tftpd", "vsftpd", "proftpd", "xinetd", "inetd", "nc", "ncat", "socat", "teamviewer*", "anydesk", "rustdesk"]
    description: {ja: "起動していてはならないプログラム (glob)", en: "Programs that must not run (glob)"}
  forbidden_packages:
    type: list
    default: ["telnetd", "inetutils-telnetd", "telnetd-ssl", "rsh-server", "rsh-redone-server", "nis", "tftpd*", "atftpd", "vsftpd", "proftpd*", "xinetd", "talkd", "anydesk", "teamviewer*", "rustdesk", "*torrent*"]
    description: {ja: "管理外ソフトウェア (glob)", en: "Unmanaged software (glob)"}
  approved_packages:
    type: list
    default: []
    description: {ja: "承認済みパッケージ (空なら照合しない)", en: "Approved packages (not enforced when empty)"}
  failed_logon_threshold:
    type: integer
    default: 5
    description: {ja: "利用者・接続元ごとのログオン失敗がこの回数以上で不正アクセスの疑い", en: "Failures per user and source that count as suspicious"}
  lockout_threshold:
    type: integer
    default: 5
    description: {ja: "ロックアウトまでの失敗回数の上限", en: "Most failed attempts allowed before lockout"}
  lockout_unlock_min_seconds:
    type: integer
    default: 900
    description: {ja: "自動解除までの最短時間 (秒。0 は自動解除なしで可)", en: "Shortest automatic unlock time in seconds (0, never unlock, is fine)"}
  password_min_length:
    type: integer
    default: 12
    description: {ja: "パスワードの最小文字数", en: "Minimum password length"}
  password_max_days:
    type: integer
    default: 90
    description: {ja: "パスワードの有効期限 (日)", en: "Password lifetime in days"}
  allowed_dns_servers:
    type: list
    default: []
    description: {ja: "承認済み DNS サーバ (空なら対象外)", en: "Approved DNS servers (check not applicable when empty)"}
  allowed_gateways:
    type: list
    default: []
    description: {ja: "承認済みゲートウェイ (空なら対象外)", en: "Approved gateways (check not applicable when empty)"}
  allowed_usb:
    type: list
    default: []
    description: {ja: "許可された USB 機器 vendor:product[:serial] (glob)", en: "Allowed USB devices vendor:product[:serial] (glob)"}
  approved_firewall_sha256:
    type: string
    default: ""
    description: {ja: "承認済みファイアウォールルールの SHA-256 (空なら対象外)", en: "SHA-256 of the approved firewall ruleset (not applicable when empty)"}
'''

TERMINAL_PARAMS = r'''
  screen_idle_max_seconds:
    type: integer
    default: 600
    description: {ja: "画面ロックまでの最長時間 (秒)", en: "Longest idle time before the screen locks (seconds)"}
'''

CS_PARAMS = r'''
  designated_password_accounts:
    type: list
    default: [root]
    description: {ja: "市指定パスワードを設定するアカウント", en: "Accounts that carry a city-designated password"}
  password_rotation_days:
    type: integer
    default: 190
    description: {ja: "指定パスワードの変更間隔の上限 (日。年2回変更)", en: "Longest interval between designated password changes (days; changed twice a year)"}
  encryption_units:
    type: list
    default: ["strongswan*.service", "ipsec.service", "wg-quick@*.service", "openvpn*.service"]
    description: {ja: "端末間暗号化ツールのサービス (glob)", en: "Services of the inter-terminal encryption tool (glob)"}
  forbidden_ports:
    type: list
    default: [1521]
    description: {ja: "待ち受けてはならないポート (Oracle の初期設定ポート 1521)", en: "Ports that must not listen (Oracle's default 1521)"}
'''

# ---- check templates: (key, fields) ----
SQL = {}
SQL['app'] = '''
WITH app AS (SELECT value AS name FROM params WHERE name = 'app_account')
SELECT app.name AS account, 'account does not exist' AS problem FROM app
 WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.name = app.name)
UNION ALL
SELECT a.name, 'superuser (uid 0)' FROM accounts a JOIN app ON a.name = app.name WHERE a.uid = 0
UNION ALL
SELECT m.member, 'member of privileged group ' || m.group_name
  FROM memberships m JOIN app ON m.member = app.name
 WHERE m.group_name IN (SELECT value FROM params WHERE name = 'privileged_groups')
'''
SQL['fw_active'] = '''
SELECT 'no input chain drops by default' AS problem,
       COALESCE((SELECT group_concat(source, ', ') FROM firewall), 'no ruleset found') AS ruleset
 WHERE NOT EXISTS (SELECT 1 FROM firewall_chains WHERE lower(hook) = 'input' AND lower(policy) = 'drop')
'''
SQL['fw_approved'] = '''
WITH ok AS (SELECT value AS sha256 FROM params WHERE name = 'approved_firewall_sha256')
SELECT f.source, f.sha256 AS current_sha256, ok.sha256 AS approved_sha256, f.rules
  FROM firewall f, ok WHERE f.sha256 <> ok.sha256
UNION ALL
SELECT 'no ruleset', NULL, ok.sha256, 0 FROM ok WHERE NOT EXISTS (SELECT 1 FROM firewall)
'''
SQL['virus'] = '''
SELECT datetime(time, 'unixepoch') AS time, path, signature, source FROM malware_detections
UNION ALL
SELECT NULL, NULL, 'no anti-malware signature database: infection state unknown', 'var/lib/clamav'
 WHERE NOT EXISTS (SELECT 1 FROM clamav_db)
'''
SQL['accounts'] = '''
SELECT name, uid, shell, password_status FROM accounts
 WHERE (usable_password OR login_shell)
   AND name NOT IN (SELECT value FROM params WHERE name = 'approved_accounts')
'''
SQL['empty_pw'] = '''
SELECT name, uid, shell FROM accounts WHERE password_status = 'empty'
'''
SQL['shares'] = '''
SELECT 'smb' AS kind, name AS share, path,
       CASE WHEN guest_ok THEN 'guest access' ELSE '' END AS note
  FROM smb_shares
 WHERE available AND name NOT IN (SELECT value FROM params WHERE name = 'allowed_shares')
UNION ALL
SELECT 'nfs', path, client, COALESCE(options, '') FROM nfs_exports
 WHERE path NOT IN (SELECT value FROM params WHERE name = 'allowed_exports')
'''
SQL['services'] = '''
SELECT unit, group_concat(DISTINCT wanted_by) AS wanted_by, group_concat(DISTINCT origin) AS origin
  FROM service_enablement s
 WHERE state = 'enabled'
   AND (unit GLOB '*.service' OR unit GLOB '*.socket' OR unit GLOB '*.timer' OR unit GLOB '*.path')
   AND NOT EXISTS (SELECT 1 FROM params p WHERE p.name = 'allowed_services' AND s.unit GLOB p.value)
 GROUP BY unit
'''
SQL['processes'] = '''
SELECT pid, name, uid, cmdline FROM processes pr
 WHERE kernel_thread = 0
   AND EXISTS (SELECT 1 FROM params p WHERE p.name = 'forbidden_processes' AND pr.name GLOB p.value)
'''
SQL['audit'] = '''
SELECT 'logon events are recorded nowhere (no rsyslog auth/authpriv rule, no persistent journal, no auditd)' AS problem
 WHERE NOT EXISTS (SELECT 1 FROM syslog_rules
                    WHERE (selector LIKE '%auth%' OR selector LIKE '*.*%')
                      AND selector NOT LIKE '%auth%.none%' AND action NOT IN ('~', 'stop'))
   AND NOT (EXISTS (SELECT 1 FROM files WHERE path = 'var/log/journal' AND type = 'directory')
            AND NOT EXISTS (SELECT 1 FROM journald_conf WHERE key = 'Storage' AND value IN ('volatile', 'none')))
   AND NOT EXISTS (SELECT 1 FROM service_enablement WHERE unit = 'auditd.service' AND state = 'enabled')
'''
SQL['failures'] = '''
SELECT COALESCE(user, '?') AS user, COALESCE(remote, '-') AS source, count(*) AS failures,
       datetime(min(time), 'unixepoch') AS first, datetime(max(time), 'unixepoch') AS last,
       'repeated failures' AS reason
  FROM failed_logons GROUP BY 1, 2
HAVING count(*) >= (SELECT value FROM params WHERE name = 'failed_logon_threshold')
UNION ALL
SELECT COALESCE(user, '?'), COALESCE(remote, '-'), count(*), datetime(min(time), 'unixepoch'),
       datetime(max(time), 'unixepoch'), 'unknown user name'
  FROM auth_events WHERE event IN ('invalid-user', 'unknown-user') GROUP BY 1, 2
UNION ALL
SELECT COALESCE(user, '?'), '-', count(*), datetime(min(time), 'unixepoch'),
       datetime(max(time), 'unixepoch'), 'account locked out'
  FROM auth_events WHERE event = 'locked-out' GROUP BY 1
'''
SQL['lockout'] = '''
WITH stack AS (SELECT * FROM pam WHERE service IN ('common-auth', 'system-auth', 'password-auth')),
args AS (SELECT * FROM pam_args WHERE service IN ('common-auth', 'system-auth', 'password-auth')
                                  AND module IN ('pam_faillock.so', 'pam_tally2.so')),
fl AS (
  SELECT EXISTS (SELECT 1 FROM stack WHERE type = 'auth'
                  AND module IN ('pam_faillock.so', 'pam_tally2.so')) AS active,
         CAST(COALESCE((SELECT value FROM args WHERE key = 'deny' ORDER BY line DESC LIMIT 1),
                       (SELECT value FROM faillock_conf WHERE key = 'deny' ORDER BY line DESC LIMIT 1),
                       3) AS INTEGER) AS deny,
         CAST(COALESCE((SELECT value FROM args WHERE key = 'unlock_time' ORDER BY line DESC LIMIT 1),
                       (SELECT value FROM faillock_conf WHERE key = 'unlock_time' ORDER BY line DESC LIMIT 1),
                       600) AS INTEGER) AS unlock_time,
         (SELECT value FROM params WHERE name = 'lockout_threshold') AS threshold,
         (SELECT value FROM params WHERE name = 'lockout_unlock_min_seconds') AS unlock_min)
SELECT 'pam_faillock is not in the auth stack (common-auth)' AS problem, NULL AS value, threshold AS required
  FROM fl WHERE NOT active
UNION ALL
SELECT 'deny (attempts before lockout) is 0 or above the site threshold', deny, threshold
  FROM fl WHERE active AND (deny < 1 OR deny > threshold)
UNION ALL
SELECT 'unlock_time is shorter than the site minimum', unlock_time, unlock_min
  FROM fl WHERE active AND unlock_time <> 0 AND unlock_time < unlock_min
'''
SQL['pw_quality'] = '''
WITH q AS (
  SELECT EXISTS (SELECT 1 FROM pam WHERE type = 'password'
                  AND module IN ('pam_pwquality.so', 'pam_cracklib.so')
                  AND service IN ('common-password', 'system-auth', 'password-auth')) AS active,
         CAST(COALESCE((SELECT value FROM pam_args WHERE key = 'minlen'
                         AND module IN ('pam_pwquality.so', 'pam_cracklib.so')
                         AND service IN ('common-password', 'system-auth', 'password-auth')
                         ORDER BY line DESC LIMIT 1),
                       (SELECT value FROM pwquality WHERE key = 'minlen'
                         ORDER BY source DESC, line DESC LIMIT 1),
                       8) AS INTEGER) AS minlen,
         (SELECT value FROM params WHERE name = 'password_min_length') AS required)
SELECT 'no password quality module (pam_pwquality) in the password stack' AS problem,
       minlen, required FROM q WHERE NOT active
UNION ALL
SELECT 'minimum password length below the site requirement', minlen, required
  FROM q WHERE active AND minlen < required
'''
SQL['pw_max_days'] = '''
WITH d AS (SELECT (SELECT value FROM login_defs WHERE key = 'PASS_MAX_DAYS'
                    ORDER BY line DESC LIMIT 1) AS value,
                  (SELECT value FROM params WHERE name = 'password_max_days') AS required)
SELECT 'PASS_MAX_DAYS' AS setting, COALESCE(value, 'not set') AS value, required FROM d
 WHERE COALESCE(CAST(value AS INTEGER), 99999) > required OR CAST(value AS INTEGER) < 1
'''
SQL['pw_hash'] = '''
SELECT 'passwords are not hashed with yescrypt or SHA-512' AS problem,
       (SELECT value FROM login_defs WHERE key = 'ENCRYPT_METHOD' ORDER BY line DESC LIMIT 1) AS encrypt_method
 WHERE NOT EXISTS (SELECT 1 FROM pam_args WHERE module = 'pam_unix.so' AND type = 'password'
                    AND key IN ('yescrypt', 'sha512')
                    AND service IN ('common-password', 'system-auth', 'password-auth'))
   AND NOT EXISTS (SELECT 1 FROM login_defs WHERE key = 'ENCRYPT_METHOD'
                    AND upper(value) IN ('YESCRYPT', 'SHA512'))
'''
SQL['software'] = '''
SELECT name, version, arch, 'forbidden' AS reason FROM packages k
 WHERE status <> 'config-files'
   AND EXISTS (SELECT 1 FROM params p WHERE p.name = 'forbidden_packages' AND k.name GLOB p.value)
UNION ALL
SELECT name, version, arch, 'not in the approved list' FROM packages k
 WHERE status <> 'config-files'
   AND EXISTS (SELECT 1 FROM params WHERE name = 'approved_packages')
   AND NOT EXISTS (SELECT 1 FROM params p WHERE p.name = 'approved_packages' AND k.name GLOB p.value)
'''
SQL['dns'] = '''
SELECT address, source FROM dns_servers
 WHERE address NOT IN (SELECT value FROM params WHERE name = 'allowed_dns_servers')
'''
SQL['gateways'] = '''
SELECT destination || '/' || prefixlen AS route, gateway, interface FROM routes
 WHERE gateway IS NOT NULL
   AND gateway NOT IN (SELECT value FROM params WHERE name = 'allowed_gateways')
'''
SQL['forwarding'] = '''
SELECT key, value FROM sysctl
 WHERE key IN ('net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding') AND value <> '0'
'''
SQL['usb'] = '''
SELECT busid, vendor_id || ':' || COALESCE(product_id, '') AS id, manufacturer, product, serial
  FROM usb_devices u
 WHERE root_hub = 0
   AND NOT EXISTS (SELECT 1 FROM params p WHERE p.name = 'allowed_usb'
         AND (u.vendor_id || ':' || COALESCE(u.product_id, '') GLOB p.value
              OR u.vendor_id || ':' || COALESCE(u.product_id, '') || ':' || COALESCE(u.serial, '') GLOB p.value))
'''
SQL['screen'] = '''
WITH d AS (
  SELECT (SELECT value FROM dconf WHERE path = 'org/gnome/desktop/session' AND key = 'idle-delay'
           AND value IS NOT NULL ORDER BY source DESC LIMIT 1) AS idle,
         (SELECT max(locked) FROM dconf WHERE path = 'org/gnome/desktop/session' AND key = 'idle-delay') AS idle_locked,
         (SELECT value FROM dconf WHERE path = 'org/gnome/desktop/screensaver' AND key = 'lock-enabled'
           AND value IS NOT NULL ORDER BY source DESC LIMIT 1) AS lock,
         (SELECT max(locked) FROM dconf WHERE path = 'org/gnome/desktop/screensaver' AND key = 'lock-enabled') AS lock_locked,
         (SELECT value FROM params WHERE name = 'screen_idle_max_seconds') AS max_idle)
SELECT 'org/gnome/desktop/session idle-delay' AS setting, COALESCE(idle, 'not set') AS value,
       'uint32 1..' || max_idle || ', locked' AS required FROM d
 WHERE idle IS NULL OR NOT COALESCE(idle_locked, 0)
    OR CAST(trim(replace(idle, 'uint32', '')) AS INTEGER) NOT BETWEEN 1 AND max_idle
UNION ALL
SELECT 'org/gnome/desktop/screensaver lock-enabled', COALESCE(lock, 'not set'), 'true, locked' FROM d
 WHERE COALESCE(lock, '') <> 'true' OR NOT COALESCE(lock_locked, 0)
'''
SQL['pam_account'] = '''
SELECT 'pam_unix.so is not in the account stack: expiry is not checked at login' AS problem
 WHERE NOT EXISTS (SELECT 1 FROM pam WHERE type = 'account' AND module = 'pam_unix.so'
                    AND service IN ('common-account', 'system-auth', 'password-auth'))
'''
SQL['expiry'] = '''
WITH r AS (SELECT value AS required FROM params WHERE name = 'password_max_days')
SELECT name, uid, COALESCE(max_days, 'none') AS max_days, r.required FROM accounts, r
 WHERE usable_password AND (max_days IS NULL OR max_days < 1 OR max_days > r.required)
'''
SQL['designated'] = '''
WITH req AS (SELECT value AS name FROM params WHERE name = 'designated_password_accounts'),
lim AS (SELECT value AS days FROM params WHERE name = 'password_rotation_days'),
today AS (SELECT collected_at / 86400 AS d FROM host)
SELECT req.name AS account, COALESCE(a.password_status, 'no such account') AS password_status,
       date(a.last_change * 86400, 'unixepoch') AS last_changed, lim.days AS max_interval_days
  FROM req LEFT JOIN accounts a ON a.name = req.name, lim, today
 WHERE a.name IS NULL OR NOT a.usable_password OR a.last_change IS NULL
    OR today.d - a.last_change > lim.days
'''
SQL['encryption'] = '''
SELECT 'no inter-terminal encryption service is enabled' AS problem,
       (SELECT group_concat(value, ', ') FROM params WHERE name = 'encryption_units') AS expected
 WHERE NOT EXISTS (SELECT 1 FROM service_enablement s WHERE s.state = 'enabled'
         AND EXISTS (SELECT 1 FROM params p WHERE p.name = 'encryption_units' AND s.unit GLOB p.value))
'''
SQL['oracle'] = '''
SELECT proto, local_addr, local_port, COALESCE(process, '?') AS process, pid FROM listening
 WHERE local_port IN (SELECT value FROM params WHERE name = 'forbidden_ports')
'''

def check(cid, item, title_ja, title_en, sev, sql=None, needs=None, manual=None, applies_if=None, na=None, remedy=None):
    out = f"  - id: {cid}\n"
    out += f"    title: {{ja: \"{title_ja}\", en: \"{title_en}\"}}\n"
    out += f"    item: \"{item}\"\n    requirement: C2\n    severity: {sev}\n"
    if manual:
        out += "    manual: true\n"
        out += f"    attest: {{ja: \"{manual[0]}\", en: \"{manual[1]}\"}}\n"
    else:
        if needs:
            out += f"    needs: [{', '.join(needs)}]\n"
        if applies_if:
            out += f"    applies_if: \"{applies_if}\"\n"
            out += f"    na_reason: {{ja: \"{na[0]}\", en: \"{na[1]}\"}}\n"
        out += "    sql: |\n" + textwrap.indent(SQL[sql].strip('\n'), '      ') + "\n"
    if remedy:
        out += f"    remediation: {{ja: \"{remedy[0]}\", en: \"{remedy[1]}\"}}\n"
    return out

def P(name):
    return f"SELECT 1 FROM params WHERE name = '{name}' AND value <> ''"

NA_FW = ("サイトファイルに承認済みルールの SHA-256 (approved_firewall_sha256) がありません。ベースライン照合 (--baseline) で変更を検出します", "the site file has no approved_firewall_sha256; use --baseline to detect changes")

def terminal():
    I = lambda n: f"002 別紙1 §4 端末{n}"
    c = []
    c.append(check("terminal.01.app-account", I(1), "業務AP起動用アカウントに制限が適用されている", "The business application account is restricted", "high", "app", ["accounts"], applies_if=P('app_account'), na=("サイトファイルに業務AP起動用アカウント (app_account) がありません", "the site file names no app_account"), remedy=("管理者グループから外し、権限を制限する", "Remove it from administrative groups")))
    c.append(check("terminal.02.firewall-active", I(2), "ファイアウォールが受信を既定で遮断している", "The firewall drops incoming traffic by default", "high", "fw_active", ["firewall"], remedy=("nftables の input チェーンを policy drop にする", "Give the nftables input chain policy drop")))
    c.append(check("terminal.02.firewall-approved", I(2), "ファイアウォールのルールが承認済みのものから変更されていない", "The firewall rules are the approved ones", "high", "fw_approved", ["firewall"], applies_if=P('approved_firewall_sha256'), na=NA_FW))
    c.append(check("terminal.02.no-virus", I(2), "コンピュータウイルスに感染していない (検出記録がない)", "No virus detections are recorded", "critical", "virus", ["antimalware"]))
    c.append(check("terminal.03.accounts", I(3), "不要なユーザアカウントが登録されていない", "No unneeded user accounts", "high", "accounts", ["accounts"], remedy=("不要なアカウントを削除するか、承認済みアカウントに登録する", "Remove the account or add it to approved_accounts")))
    c.append(check("terminal.03.empty-passwords", I(3), "パスワードなしでログインできるアカウントがない", "No account logs in without a password", "critical", "empty_pw", ["accounts"]))
    c.append(check("terminal.04.shares", I(4), "システム運用に不必要なフォルダ共有がない", "No shared folders beyond those needed", "high", "shares", ["shares"]))
    c.append(check("terminal.05.services", I(5), "システム運用に不必要なサービスが起動設定されていない", "No unneeded services are enabled", "medium", "services", ["services"]))
    c.append(check("terminal.05.programs", I(5), "不要なプログラムが起動していない", "No forbidden programs are running", "high", "processes", ["processes"]))
    c.append(check("terminal.06.logon-audit", I(6), "ログオンイベントが記録される設定になっている", "Logon events are recorded", "high", "audit", ["logging", "services"]))
    c.append(check("terminal.06.failed-logons", I(6), "不正アクセスの疑いのあるログオン失敗履歴がない", "No suspicious failed logons", "high", "failures", ["logons"]))
    c.append(check("terminal.07.lockout", I(7), "アカウントロックアウトポリシーが適切に設定されている", "The account lockout policy is set", "high", "lockout", ["pam", "faillock"]))
    c.append(check("terminal.08.password-quality", I(8), "パスワードの品質 (最小文字数) が設定されている", "Password quality (minimum length) is enforced", "high", "pw_quality", ["pam", "pwquality"]))
    c.append(check("terminal.08.password-max-age", I(8), "パスワードの有効期限が設定されている", "Passwords expire", "medium", "pw_max_days", ["login_defs"]))
    c.append(check("terminal.08.password-hash", I(8), "パスワードが強いハッシュで保存される", "Passwords are stored with a strong hash", "medium", "pw_hash", ["pam", "login_defs"]))
    c.append(check("terminal.09.software", I(9), "管理外のソフトウェアがインストールされていない", "No unmanaged software is installed", "high", "software", ["packages"]))
    c.append(check("terminal.10.dns", I(10), "DNS サーバが承認済みのものである", "DNS servers are the approved ones", "medium", "dns", ["network"], applies_if=P('allowed_dns_servers'), na=("サイトファイルに承認済み DNS サーバ (allowed_dns_servers) がありません", "the site file lists no allowed_dns_servers")))
    c.append(check("terminal.10.gateways", I(10), "ゲートウェイが承認済みのものである", "Gateways are the approved ones", "medium", "gateways", ["network"], applies_if=P('allowed_gateways'), na=("サイトファイルに承認済みゲートウェイ (allowed_gateways) がありません", "the site file lists no allowed_gateways")))
    c.append(check("terminal.10.forwarding", I(10), "IP 転送が無効である", "IP forwarding is off", "medium", "forwarding", ["host"]))
    c.append(check("terminal.11.usb-devices", I(11), "管理外の機器 (USB) が接続されていない", "No unmanaged USB devices are attached", "high", "usb", ["devices"], remedy=("機器を取り外すか、許可機器 (allowed_usb) に登録する", "Remove the device or add it to allowed_usb")))
    c.append(check("terminal.12.password-notes", I(12), "端末機等の周辺にパスワードが付箋等により表示されていない", "No passwords on sticky notes near the terminal", "high", manual=("端末機の周辺 (ディスプレイ、キーボード裏、机上) に付箋・メモがないことを確認し、写真又はコメントを記録する", "Check around the terminal (display, under the keyboard, desk) for notes; record a photo or comment")))
    c.append(check("terminal.13.display-position", I(13), "窓口カウンター (市民側) からディスプレイ表示が見えない", "The display cannot be seen from the counter", "medium", manual=("市民側から画面が見えないことを確認し、写真を記録する", "Confirm from the citizens' side that the screen is not visible; record a photo")))
    c.append(check("terminal.14.screen-lock", I(14), "スクリーンセーバーの起動時間及びパスワード保護が適切に設定されている", "The screen locks after a short idle time", "high", "screen", ["desktop"], applies_if="SELECT 1 FROM desktop WHERE present = 1", na=("デスクトップ環境がありません", "no desktop environment")))
    c.append(check("terminal.15.wire-lock", I(15), "端末機がワイヤーロックにより施錠されている", "The terminal is secured with a wire lock", "medium", manual=("ワイヤーロックが施錠されていることを確認し、写真を記録する", "Confirm the wire lock is locked; record a photo")))
    c.append(check("terminal.16.expiry-check", I(16), "ログイン時に有効期限が判定される (pam_unix account)", "Expiry is checked at login (pam_unix account)", "high", "pam_account", ["pam"]))
    c.append(check("terminal.16.expiry-set", I(16), "パスワードを持つアカウントに有効期限が設定されている", "Accounts with a password have an expiry", "high", "expiry", ["accounts"]))
    return c

def cs():
    I = lambda n: f"002 別紙1 §4 CS{n}"
    c = []
    c.append(check("cs.01.firewall-active", I(1), "ファイアウォールが受信を既定で遮断している", "The firewall drops incoming traffic by default", "high", "fw_active", ["firewall"]))
    c.append(check("cs.01.firewall-approved", I(1), "ファイアウォールのルールが承認済みのものから変更されていない", "The firewall rules are the approved ones", "high", "fw_approved", ["firewall"], applies_if=P('approved_firewall_sha256'), na=NA_FW))
    c.append(check("cs.02.accounts", I(2), "不要なユーザアカウントが登録されていない", "No unneeded user accounts", "high", "accounts", ["accounts"]))
    c.append(check("cs.02.empty-passwords", I(2), "パスワードなしでログインできるアカウントがない", "No account logs in without a password", "critical", "empty_pw", ["accounts"]))
    c.append(check("cs.03.shares", I(3), "システム運用に不必要なフォルダ共有がない", "No shared folders beyond those needed", "high", "shares", ["shares"]))
    c.append(check("cs.04.services", I(4), "システム運用に不必要なサービスが起動設定されていない", "No unneeded services are enabled", "medium", "services", ["services"]))
    c.append(check("cs.04.programs", I(4), "不要なプログラムが起動していない", "No forbidden programs are running", "high", "processes", ["processes"]))
    c.append(check("cs.05.logon-audit", I(5), "ログオンイベントが記録される設定になっている", "Logon events are recorded", "high", "audit", ["logging", "services"]))
    c.append(check("cs.05.failed-logons", I(5), "不正アクセスの疑いのあるログオン失敗履歴がない", "No suspicious failed logons", "high", "failures", ["logons"]))
    c.append(check("cs.06.designated-passwords", I(6), "指定アカウントにパスワードが設定され、所定の期間内に変更されている", "Designated accounts have a password changed within the rotation period", "high", "designated", ["accounts"]))
    c.append(check("cs.06.designated-value", I(6), "札幌市指定のパスワードが設定されている", "The city-designated password is the one set", "high", manual=("指定アカウントに市から通知されたパスワードでログインできることを立会いのもとで確認する (パスワードは記録しない)", "In the presence of city staff, confirm the notified password logs in (never record it)")))
    c.append(check("cs.07.software", I(7), "管理外のソフトウェアがインストールされていない", "No unmanaged software is installed", "high", "software", ["packages"]))
    c.append(check("cs.08.dns", I(8), "DNS サーバが承認済みのものである", "DNS servers are the approved ones", "medium", "dns", ["network"], applies_if=P('allowed_dns_servers'), na=("サイトファイルに承認済み DNS サーバ (allowed_dns_servers) がありません", "the site file lists no allowed_dns_servers")))
    c.append(check("cs.08.gateways", I(8), "ゲートウェイが承認済みのものである", "Gateways are the approved ones", "medium", "gateways", ["network"], applies_if=P('allowed_gateways'), na=("サイトファイルに承認済みゲートウェイ (allowed_gateways) がありません", "the site file lists no allowed_gateways")))
    c.append(check("cs.08.forwarding", I(8), "IP 転送が無効である", "IP forwarding is off", "medium", "forwarding", ["host"]))
    c.append(check("cs.09.encryption-tool", I(9), "端末間暗号化ツールが有効になっている", "The inter-terminal encryption tool is enabled", "high", "encryption", ["services"]))
    c.append(check("cs.09.encryption-log", I(9), "暗号化ツール適用のログが確認できる", "The encryption tool's application log is present", "medium", manual=("暗号化ツールの適用ログを開き、全端末への適用が記録されていることを確認する", "Open the encryption tool's log and confirm it records application to every terminal")))
    c.append(check("cs.10.oracle-port", I(10), "Oracle 接続の初期設定ポートが待ち受け状態になっていない", "Oracle's default port is not listening", "critical", "oracle", ["sockets"], remedy=("リスナーのポートを変更するか接続制限ツールを適用する", "Move the listener off the default port or apply the connection restriction tool")))
    c.append(check("cs.11.usb-devices", I(11), "管理外の機器 (USB) が接続されていない", "No unmanaged USB devices are attached", "high", "usb", ["devices"]))
    c.append(check("cs.12.password-notes", I(12), "サーバラック周辺にパスワードを記載した付箋・メモ等がない", "No password notes around the server rack", "high", manual=("サーバラックの周辺に付箋・メモがないことを確認し、写真又はコメントを記録する", "Check around the rack for notes; record a photo or comment")))
    c.append(check("cs.13.no-virus", I(13), "ウイルス検出のログがない", "No virus detections are recorded", "critical", "virus", ["antimalware"]))
    return c

TERM_ITEMS = ["アクセス制限ツールの適用確認|Access restriction tool", "ローカルファイアウォールの設定確認|Local firewall", "ユーザアカウントの確認|User accounts", "フォルダ共有の確認|Shared folders", "プログラム起動の確認|Programs and services", "ログオン失敗履歴の確認|Failed logons", "ロックアウトの設定確認|Lockout", "パスワードのポリシーの確認|Password policy", "インストールソフトウェアの確認|Installed software", "ネットワーク設定の確認|Network settings", "機器構成の確認|Devices", "パスワードの表示確認|Passwords on display", "ディスプレイ設置位置の確認|Display position", "スクリーンセイバーの設定確認|Screen saver", "ワイヤーロックの確認|Wire lock", "有効期限設定の確認|Expiry check"]
CS_ITEMS = ["ローカルファイアウォールの設定確認|Local firewall", "ユーザアカウントの確認|User accounts", "フォルダ共有の確認|Shared folders", "プログラム起動の確認|Programs and services", "ログオン失敗履歴の確認|Failed logons", "パスワードの確認|Designated passwords", "インストールソフトウェアの確認|Installed software", "ネットワーク設定の確認|Network settings", "端末間暗号設定ツールの適用確認|Inter-terminal encryption tool", "Oracle接続制限ツールの適用確認|Oracle connection restriction", "機器構成の確認|Devices", "パスワードの表示確認|Passwords on display", "ウイルス対策状況の確認|Anti-malware"]

def items(prefix, lst):
    out = "items:\n"
    for i, t in enumerate(lst, 1):
        ja, en = t.split('|')
        out += f"  \"002 別紙1 §4 {prefix}{i}\": {{ja: \"{ja}\", en: \"{en}\"}}\n"
    return out

HEAD = "# SPDX-License-Identifier: Apache-2.0\n# Generated by data/policies/generate.py from one set of check templates: edit that script and\n# rerun it (python3 data/policies/generate.py) rather than this file.\n# Each check's sql returns the violating rows (no rows = pass).\n"
t = HEAD + "id: municipal-terminal\nversion: 1\ntitle: {ja: \"統合端末 設置及び設定状況チェック (002 別紙1 §4)\", en: \"Integrated terminal installation and settings check (002 Annex 1 §4)\"}\napplies_to: terminal\n" + items("端末", TERM_ITEMS) + PARAMS.strip('\n') + "\n" + TERMINAL_PARAMS.strip('\n') + "\nchecks:\n" + "".join(terminal())
c = HEAD + "id: municipal-cs\nversion: 1\ntitle: {ja: \"CS 設置及び設定状況チェック (002 別紙1 §4)\", en: \"CS installation and settings check (002 Annex 1 §4)\"}\napplies_to: cs\n" + items("CS", CS_ITEMS) + PARAMS.strip('\n') + "\n" + CS_PARAMS.strip('\n') + "\nchecks:\n" + "".join(cs())
open(os.path.join(HERE, 'municipal-terminal.yaml'), 'w').write(t)
open(os.path.join(HERE, 'municipal-cs.yaml'), 'w').write(c)
