/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qr: a small QR Code encoder (ISO/IEC 18004) for what mamori shows as a
 * code to scan — the otpauth:// URI of a TOTP secret. Byte mode, error
 * correction level M, versions 1–10 (up to 213 bytes); the smallest
 * version that fits and the mask with the lowest penalty are chosen. The
 * symbol is drawn as SVG by mm_qr_svg. No allocation; no I/O.
 */
#ifndef MM_QR_H
#define MM_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_base.h"

#define MM_QR_VERSION_MAX 10
#define MM_QR_SIZE_MAX (17 + 4 * MM_QR_VERSION_MAX) /* 57 modules a side */
#define MM_QR_BYTES_MAX 213                         /* byte mode, level M, version 10 */

typedef struct mm_qr {
	int version; /* 1..MM_QR_VERSION_MAX */
	int size;    /* 17 + 4 * version */
	int mask;    /* 0..7 */
	uint8_t m[MM_QR_SIZE_MAX][MM_QR_SIZE_MAX]; /* [row][column], 1 = dark */
} mm_qr;

/*
 * Encode n bytes. mask is 0..7 to force one (for tests against other
 * encoders), or -1 to choose by the standard's penalty rules. Fails
 * MM_ELIMIT when n > MM_QR_BYTES_MAX, MM_EINVAL for a bad mask.
 */
int mm_qr_encode(const void *data, size_t n, int mask, mm_qr *q, mm_err *err) MM_MUST_USE;

/*
 * Append the symbol as a standalone SVG image (4-module quiet zone, one
 * path, no script, no external references), each module px user units.
 */
int mm_qr_svg(const mm_qr *q, unsigned px, mm_buf *out, mm_err *err) MM_MUST_USE;

#endif
