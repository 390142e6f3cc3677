/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pki: the server's TLS identity. `mamori init` makes a self-signed
 * certificate (ECDSA P-256, SAN localhost, 127.0.0.1, ::1 and the host
 * name) so HTTPS works from the first start; an operator may replace it
 * with one from their own CA.
 */
#ifndef MM_PKI_H
#define MM_PKI_H

#include "base/mm_base.h"

/*
 * Write a new key (mode 0600) and self-signed certificate, valid for
 * days, refusing to overwrite. fingerprint (>= 96 bytes) receives the
 * certificate's SHA-256 as colon-separated hex.
 */
int mm_pki_selfsigned(const char *cert_path, const char *key_path, const char *host, int days,
		      char *fingerprint, size_t fplen, mm_err *err) MM_MUST_USE;

#endif
