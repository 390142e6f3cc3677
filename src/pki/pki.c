/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Self-signed certificate generation with OpenSSL libcrypto.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/mm_pki.h"
#include "base/banned.h"

static int add_ext(X509 *cert, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
	X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	int r = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return r == 1 ? 0 : -1;
}

static int pem_to_buf(int (*w)(BIO *, void *), void *obj, mm_buf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	if (!bio || !w(bio, obj)) {
		BIO_free(bio);
		return MM_ECRYPTO;
	}
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);
	int rc = n > 0 ? mm_buf_append(out, p, (size_t)n) : MM_ECRYPTO;
	BIO_free(bio);
	return rc;
}

static int write_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int write_cert(BIO *b, void *c)
{
	return PEM_write_bio_X509(b, c);
}

int mm_pki_selfsigned(const char *cert_path, const char *key_path, const char *host, int days,
		      char *fingerprint, size_t fplen, mm_err *err)
{
	if (mm_file_exists(cert_path) || mm_file_exists(key_path))
		return mm_err_set(err, MM_EEXIST, "%s or %s already exists; refusing to overwrite", cert_path, key_path);
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	mm_buf kb, cb;
	mm_buf_init(&kb, 1 << 16);
	mm_buf_init(&cb, 1 << 16);
	int rc = MM_OK;
	if (!key || !cert) {
		rc = mm_err_set(err, MM_ECRYPTO, "cannot generate a TLS key");
		goto out;
	}
	uint8_t serial[16];
	FILE *ur = fopen("/dev/urandom", "rb");
	if (!ur || fread(serial, 1, sizeof serial, ur) != sizeof serial) {
		if (ur)
			fclose(ur);
		rc = mm_err_set(err, MM_ECRYPTO, "cannot read randomness");
		goto out;
	}
	fclose(ur);
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
	char san[512];
	snprintf(san, sizeof san, "DNS:localhost,IP:127.0.0.1,IP:::1%s%s", host && *host ? ",DNS:" : "",
		 host && *host ? host : "");
	X509_NAME *name = X509_get_subject_name(cert);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) || !X509_set_version(cert, 2) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -300) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), (long)days * 86400) || !X509_set_pubkey(cert, key) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"mamori", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					(const unsigned char *)(host && *host ? host : "localhost"), -1, -1, 0) ||
	    !X509_set_issuer_name(cert, name) || add_ext(cert, NID_subject_alt_name, san) ||
	    add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") ||
	    add_ext(cert, NID_key_usage, "critical,digitalSignature") ||
	    add_ext(cert, NID_ext_key_usage, "serverAuth") || !X509_sign(cert, key, EVP_sha256())) {
		BN_free(bn);
		rc = mm_err_set(err, MM_ECRYPTO, "cannot build the TLS certificate");
		goto out;
	}
	BN_free(bn);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	X509_digest(cert, EVP_sha256(), md, &mdlen);
	fingerprint[0] = '\0';
	for (unsigned i = 0; i < mdlen && 3 * i + 3 < fplen; i++)
		snprintf(fingerprint + 3 * i, fplen - 3 * i, "%02X%s", md[i], i + 1 < mdlen ? ":" : "");
	if (pem_to_buf(write_key, key, &kb) || pem_to_buf(write_cert, cert, &cb)) {
		rc = mm_err_set(err, MM_ECRYPTO, "cannot encode the TLS key or certificate");
		goto out;
	}
	if ((rc = mm_file_write_atomic(key_path, kb.p, kb.len, 0600, true, err)))
		goto out;
	if ((rc = mm_file_write_atomic(cert_path, cb.p, cb.len, 0644, true, err)))
		remove(key_path);
out:
	mm_buf_wipe(&kb);
	mm_buf_release(&cb);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}
