/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TOTP (RFC 6238 over RFC 4226 HOTP, HMAC-SHA-1, 30 s steps, 6 digits):
 * the optional second factor of a login. The secret lives in the account
 * row (hex), never in the ledger; the last accepted step is stored so a
 * code cannot be used twice.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/auth_int.h"
#include "base/banned.h"

uint32_t mm_auth_totp_code(const uint8_t *key, size_t n, uint64_t t, unsigned digits)
{
	uint64_t step = t / 30;
	uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	for (int i = 7; i >= 0; i--) {
		msg[i] = (uint8_t)(step & 0xff);
		step >>= 8;
	}
	if (!HMAC(EVP_sha1(), key, (int)n, msg, sizeof msg, mac, &maclen) || maclen < 20)
		return UINT32_MAX;
	unsigned off = mac[maclen - 1] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	uint32_t mod = 1;
	for (unsigned i = 0; i < digits && i < 9; i++)
		mod *= 10;
	return bin % mod;
}

/* RFC 4648 base32 without padding (what authenticator apps take). */
static void base32(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	size_t o = 0;
	uint32_t buf = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5 && o + 1 < outlen) {
			out[o++] = alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0 && o + 1 < outlen)
		out[o++] = alphabet[(buf << (5 - bits)) & 31];
	out[o] = 0;
}

/*
 * Step of a matching code within one step of now, later than last; -1 if none.
 * code must be exactly 6 digits.
 */
int64_t auth_totp_match(const char *secret_hex, const char *code, int64_t last, int64_t now_s)
{
	uint8_t key[20];
	if (!secret_hex || strlen(secret_hex) != 40 || !mm_hex_decode(secret_hex, 40, key, sizeof key))
		return -1;
	if (!code || strlen(code) != 6 || strspn(code, "0123456789") != 6)
		return -1;
	uint32_t want = (uint32_t)((code[0] - '0') * 100000 + (code[1] - '0') * 10000 + (code[2] - '0') * 1000 +
				   (code[3] - '0') * 100 + (code[4] - '0') * 10 + (code[5] - '0'));
	int64_t found = -1;
	for (int d = -1; d <= 1; d++) {
		int64_t step = now_s / 30 + d;
		if (step <= last || step < 0)
			continue;
		uint32_t c = mm_auth_totp_code(key, sizeof key, (uint64_t)step * 30, 6);
		/* constant-time enough: every candidate is computed and compared */
		if (sodium_memcmp(&c, &want, sizeof c) == 0 && found < 0)
			found = step;
	}
	sodium_memzero(key, sizeof key);
	return found;
}

int mm_auth_user_totp(mm_auth *a, const char *by, const char *name, bool enable, char *b32, size_t b32len,
		      mm_err *err)
{
	uint8_t key[20];
	char hex[41];
	if (enable && (!b32 || b32len < 40))
		return mm_err_set(err, MM_EINVAL, "internal: TOTP secret buffer too small");
	if (!mm_auth_name_valid(name))
		return mm_err_set(err, MM_ENOTFOUND, "no account is named '%.64s'", name ? name : "");
	mm_random(key, sizeof key);
	mm_hex_encode(key, sizeof key, hex);
	int rc = auth_set_totp(a, by, name, enable ? hex : NULL, 0, NULL, err);
	if (!rc && enable)
		base32(key, sizeof key, b32, b32len);
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

int mm_auth_totp_begin(mm_auth *a, const char *token, char *b32, size_t b32len, char *user, mm_err *err)
{
	uint8_t key[20];
	char hex[41];
	if (!b32 || b32len < 33)
		return mm_err_set(err, MM_EINVAL, "internal: TOTP secret buffer too small");
	mm_random(key, sizeof key);
	mm_hex_encode(key, sizeof key, hex);
	int rc = auth_session_pending(a, token, hex, NULL, user, err);
	if (!rc)
		base32(key, sizeof key, b32, b32len);
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

int mm_auth_totp_pending(mm_auth *a, const char *token, char *b32, size_t b32len, char *user, mm_err *err)
{
	char hex[41];
	uint8_t key[20];
	if (!b32 || b32len < 33)
		return mm_err_set(err, MM_EINVAL, "internal: TOTP secret buffer too small");
	int rc = auth_session_pending(a, token, NULL, hex, user, err);
	if (!rc && !hex[0])
		rc = mm_err_set(err, MM_ENOTFOUND, "no two-step login set-up was begun in this session");
	if (!rc && !mm_hex_decode(hex, 40, key, sizeof key))
		rc = mm_err_set(err, MM_EINVAL, "internal: pending TOTP secret damaged");
	if (!rc)
		base32(key, sizeof key, b32, b32len);
	sodium_memzero(key, sizeof key);
	sodium_memzero(hex, sizeof hex);
	return rc;
}

int mm_auth_totp_confirm(mm_auth *a, const char *token, const char *code, mm_err *err)
{
	char hex[41], user[MM_USER_NAME_MAX + 1];
	int rc = auth_session_pending(a, token, NULL, hex, user, err);
	if (!rc && !hex[0])
		rc = mm_err_set(err, MM_ENOTFOUND, "no two-step login set-up was begun in this session");
	if (rc)
		goto out;
	int64_t step = auth_totp_match(hex, code, 0, mm_now_ns() / 1000000000LL);
	if (step < 0) {
		rc = mm_err_set(err, MM_EINVAL, "the code does not match (6 digits from the app, within 30 seconds)");
		goto out;
	}
	/* the confirming code counts as used: it cannot log in again */
	if (!(rc = auth_set_totp(a, user, user, hex, step, token, err)))
		rc = auth_session_pending(a, token, "", NULL, NULL, err);
out:
	sodium_memzero(hex, sizeof hex);
	return rc;
}
