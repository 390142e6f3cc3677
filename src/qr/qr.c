/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR Code encoding, byte mode, level M, versions 1–10: the bit stream,
 * Reed–Solomon codewords over GF(256) (polynomial 0x11D) in interleaved
 * blocks, function patterns, the zigzag placement, masks with the four
 * penalty rules, and the BCH-coded format and version information.
 */
#include <string.h>

#include "qr/mm_qr.h"
#include "base/banned.h"

/* Level M per version: error-correction codewords per block, and blocks of (short) data codewords. */
static const struct {
	uint8_t ec, nshort, short_len, nlong; /* long blocks have short_len + 1 data codewords */
	uint8_t align[3];                     /* alignment pattern centres after 6 (0 = none) */
} ver[MM_QR_VERSION_MAX + 1] = {
	{0, 0, 0, 0, {0}},         {10, 1, 16, 0, {0}},       {16, 1, 28, 0, {18}},     {26, 1, 44, 0, {22}},
	{18, 2, 32, 0, {26}},      {24, 2, 43, 0, {30}},      {16, 4, 27, 0, {34}},     {18, 4, 31, 0, {22, 38}},
	{22, 2, 38, 2, {24, 42}},  {22, 3, 36, 2, {26, 46}},  {26, 4, 43, 1, {28, 50}},
};

static size_t data_cw(int v)
{
	return (size_t)ver[v].nshort * ver[v].short_len + (size_t)ver[v].nlong * (ver[v].short_len + 1u);
}

/* ---- GF(256) and Reed–Solomon ---- */

static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	unsigned r = 0;
	for (int i = 7; i >= 0; i--) { /* shift-and-add, reducing by x^8 + x^4 + x^3 + x^2 + 1 */
		r = (r << 1) ^ ((r >> 7) * 0x11Du);
		r ^= ((b >> i) & 1u) * a;
	}
	return (uint8_t)r;
}

/* ec codewords of data[0..n) into out[0..ec): the remainder of data(x)·x^ec by prod (x - α^i). */
static void rs_ecc(const uint8_t *data, size_t n, unsigned ec, uint8_t *out)
{
	uint8_t gen[32] = {0}; /* coefficients, highest first, leading 1 implied */
	gen[ec - 1] = 1;
	uint8_t root = 1;
	for (unsigned i = 0; i < ec; i++) { /* multiply by (x - α^i) */
		for (unsigned j = 0; j < ec; j++) {
			gen[j] = gf_mul(gen[j], root);
			if (j + 1 < ec)
				gen[j] ^= gen[j + 1];
		}
		root = gf_mul(root, 2);
	}
	memset(out, 0, ec);
	for (size_t k = 0; k < n; k++) {
		uint8_t f = data[k] ^ out[0];
		memmove(out, out + 1, ec - 1);
		out[ec - 1] = 0;
		for (unsigned j = 0; j < ec; j++)
			out[j] ^= gf_mul(gen[j], f);
	}
}

/* ---- the matrix ---- */

struct build {
	mm_qr *q;
	uint8_t fn[MM_QR_SIZE_MAX][MM_QR_SIZE_MAX]; /* 1 = function module (not data) */
};

static void put(struct build *b, int r, int c, bool dark)
{
	b->q->m[r][c] = dark;
	b->fn[r][c] = 1;
}

static void finder(struct build *b, int r0, int c0)
{
	for (int dr = -1; dr <= 7; dr++)
		for (int dc = -1; dc <= 7; dc++) {
			int r = r0 + dr, c = c0 + dc;
			if (r < 0 || c < 0 || r >= b->q->size || c >= b->q->size)
				continue;
			int d = dr < 0 || dc < 0 || dr > 6 || dc > 6 ? 9 /* separator */
								    : (dr > 3 ? dr - 3 : 3 - dr) > (dc > 3 ? dc - 3 : 3 - dc)
									      ? (dr > 3 ? dr - 3 : 3 - dr)
									      : (dc > 3 ? dc - 3 : 3 - dc);
			put(b, r, c, d != 2 && d != 9);
		}
}

static void alignment(struct build *b, int r0, int c0)
{
	for (int dr = -2; dr <= 2; dr++)
		for (int dc = -2; dc <= 2; dc++) {
			int d = (dr < 0 ? -dr : dr) > (dc < 0 ? -dc : dc) ? (dr < 0 ? -dr : dr) : (dc < 0 ? -dc : dc);
			put(b, r0 + dr, c0 + dc, d != 1);
		}
}

static unsigned bch(unsigned value, unsigned poly, int poly_bits, int data_bits)
{
	unsigned r = value << (poly_bits - 1);
	for (int i = data_bits + poly_bits - 2; i >= poly_bits - 1; i--)
		if (r & (1u << i))
			r ^= poly << (i - (poly_bits - 1));
	return (value << (poly_bits - 1)) | r;
}

static void format_bits(struct build *b, int mask)
{
	int n = b->q->size;
	/* level M is 00; 15 bits: 5 of data, 10 of BCH(15,5), XOR 101010000010010 */
	unsigned f = bch((unsigned)mask, 0x537, 11, 5) ^ 0x5412;
	for (int i = 0; i < 15; i++) {
		bool bit = (f >> i) & 1;
		/* around the top-left finder */
		if (i < 6)
			put(b, i, 8, bit);
		else if (i < 8)
			put(b, i + 1, 8, bit);
		else if (i == 8)
			put(b, 8, 7, bit);
		else
			put(b, 8, 14 - i, bit);
		/* split between the other two finders */
		if (i < 8)
			put(b, 8, n - 1 - i, bit);
		else
			put(b, n - 15 + i, 8, bit);
	}
	put(b, n - 8, 8, true); /* the dark module */
}

static void version_bits(struct build *b)
{
	if (b->q->version < 7)
		return;
	unsigned v = bch((unsigned)b->q->version, 0x1F25, 13, 6);
	int n = b->q->size;
	for (int i = 0; i < 18; i++) {
		bool bit = (v >> i) & 1;
		put(b, n - 11 + i % 3, i / 3, bit); /* bottom left */
		put(b, i / 3, n - 11 + i % 3, bit); /* top right */
	}
}

static void function_patterns(struct build *b)
{
	int n = b->q->size, v = b->q->version;
	for (int i = 0; i < n; i++) { /* timing */
		put(b, 6, i, i % 2 == 0);
		put(b, i, 6, i % 2 == 0);
	}
	finder(b, 0, 0);
	finder(b, 0, n - 7);
	finder(b, n - 7, 0);
	int pos[4] = {6}, np = 1;
	for (int i = 0; i < 3 && ver[v].align[i]; i++)
		pos[np++] = ver[v].align[i];
	for (int i = 0; np > 1 && i < np; i++)
		for (int j = 0; j < np; j++) {
			bool on_finder = (i == 0 && j == 0) || (i == 0 && j == np - 1) || (i == np - 1 && j == 0);
			if (!on_finder)
				alignment(b, pos[i], pos[j]);
		}
	format_bits(b, 0); /* reserves the areas; redrawn with the chosen mask */
	version_bits(b);
}

static void place(struct build *b, const uint8_t *cw, size_t ncw)
{
	int n = b->q->size;
	size_t bit = 0, nbits = ncw * 8;
	for (int right = n - 1; right >= 1; right -= 2) {
		if (right == 6) /* the vertical timing pattern is skipped */
			right = 5;
		bool up = ((n - 1 - right) / 2) % 2 == 0;
		for (int k = 0; k < n; k++) {
			int r = up ? n - 1 - k : k;
			for (int c = right; c >= right - 1; c--) {
				if (b->fn[r][c])
					continue;
				/* remainder bits after the codewords are light */
				b->q->m[r][c] = bit < nbits && ((cw[bit / 8] >> (7 - bit % 8)) & 1);
				bit++;
			}
		}
	}
}

static bool mask_bit(int mask, int r, int c)
{
	switch (mask) {
	case 0: return (r + c) % 2 == 0;
	case 1: return r % 2 == 0;
	case 2: return c % 3 == 0;
	case 3: return (r + c) % 3 == 0;
	case 4: return (r / 2 + c / 3) % 2 == 0;
	case 5: return (r * c) % 2 + (r * c) % 3 == 0;
	case 6: return ((r * c) % 2 + (r * c) % 3) % 2 == 0;
	default: return ((r + c) % 2 + (r * c) % 3) % 2 == 0;
	}
}

static void apply_mask(struct build *b, int mask)
{
	for (int r = 0; r < b->q->size; r++)
		for (int c = 0; c < b->q->size; c++)
			if (!b->fn[r][c] && mask_bit(mask, r, c))
				b->q->m[r][c] ^= 1;
}

/* The four penalty rules of the standard (runs, 2×2 blocks, finder look-alikes, balance). */
static long penalty(const mm_qr *q)
{
	int n = q->size;
	long p = 0;
	for (int pass = 0; pass < 2; pass++) /* rows, then columns */
		for (int i = 0; i < n; i++) {
			int run = 1;
			unsigned window = 0; /* the last 11 modules, dark = 1; outside the symbol is light */
			for (int j = 0; j < n; j++) {
				uint8_t v = pass ? q->m[j][i] : q->m[i][j];
				uint8_t prev = j ? (pass ? q->m[j - 1][i] : q->m[i][j - 1]) : 2;
				if (v == prev) {
					run++;
					if (run == 5)
						p += 3;
					else if (run > 5)
						p++;
				} else {
					run = 1;
				}
				window = ((window << 1) | v) & 0x7FF;
				if (j >= 10 && (window == 0x5D0 || window == 0x05D))
					p += 40; /* 1011101 with four light modules after or before it */
			}
			/* a look-alike ending at the edge has the light margin after it */
			for (int k = 1; k <= 4; k++) {
				window = (window << 1) & 0x7FF;
				if (window == 0x5D0)
					p += 40;
			}
		}
	for (int r = 0; r + 1 < n; r++)
		for (int c = 0; c + 1 < n; c++) {
			uint8_t v = q->m[r][c];
			if (v == q->m[r][c + 1] && v == q->m[r + 1][c] && v == q->m[r + 1][c + 1])
				p += 3;
		}
	long dark = 0, total = (long)n * n;
	for (int r = 0; r < n; r++)
		for (int c = 0; c < n; c++)
			dark += q->m[r][c];
	long dev = dark * 20 - total * 10;
	if (dev < 0)
		dev = -dev;
	p += 10 * (dev / total); /* each full 5 % away from half dark */
	return p;
}

int mm_qr_encode(const void *data, size_t n, int mask, mm_qr *q, mm_err *err)
{
	if (mask < -1 || mask > 7)
		return mm_err_set(err, MM_EINVAL, "QR mask %d: must be 0..7, or -1 to choose", mask);
	int v = 1;
	/* mode (4 bits), count (8 bits, 16 from version 10), the bytes */
	while (v <= MM_QR_VERSION_MAX && 4 + (v < 10 ? 8 : 16) + 8 * n > 8 * data_cw(v))
		v++;
	if (v > MM_QR_VERSION_MAX)
		return mm_err_set(err, MM_ELIMIT, "%zu bytes do not fit a QR code of version %d (at most %d)", n,
				  MM_QR_VERSION_MAX, MM_QR_BYTES_MAX);
	uint8_t cw[400] = {0}, il[400];
	size_t ndata = data_cw(v), nbits = 0;
	const uint8_t *p = data;
#define BITS(val, count)                                                           \
	do {                                                                       \
		for (int i_ = (count)-1; i_ >= 0; i_--, nbits++)                   \
			cw[nbits / 8] |= (uint8_t)((((val) >> i_) & 1u) << (7 - nbits % 8)); \
	} while (0)
	BITS(4u, 4);
	BITS((unsigned)n, v < 10 ? 8 : 16);
	for (size_t i = 0; i < n; i++)
		BITS(p[i], 8);
#undef BITS
	nbits += 4; /* terminator (fewer if it would not fit) */
	size_t used = (nbits + 7) / 8;
	if (used > ndata)
		used = ndata;
	for (size_t i = used; i < ndata; i++)
		cw[i] = (i - used) % 2 ? 0x11 : 0xEC;
	/* blocks: split, error-correct, interleave */
	unsigned ec = ver[v].ec, nblocks = ver[v].nshort + ver[v].nlong;
	uint8_t ecc[5][32];
	size_t start[5], len[5], off = 0;
	for (unsigned b = 0; b < nblocks; b++) {
		start[b] = off;
		len[b] = ver[v].short_len + (b >= ver[v].nshort);
		rs_ecc(cw + off, len[b], ec, ecc[b]);
		off += len[b];
	}
	size_t k = 0;
	for (size_t i = 0; i <= ver[v].short_len; i++)
		for (unsigned b = 0; b < nblocks; b++)
			if (i < len[b])
				il[k++] = cw[start[b] + i];
	for (unsigned i = 0; i < ec; i++)
		for (unsigned b = 0; b < nblocks; b++)
			il[k++] = ecc[b][i];

	struct build bd;
	memset(&bd, 0, sizeof bd);
	memset(q, 0, sizeof *q);
	bd.q = q;
	q->version = v;
	q->size = 17 + 4 * v;
	function_patterns(&bd);
	place(&bd, il, k);
	int best = mask;
	if (mask < 0) {
		long best_p = -1;
		for (int m = 0; m < 8; m++) {
			apply_mask(&bd, m);
			format_bits(&bd, m);
			long pm = penalty(q);
			if (best_p < 0 || pm < best_p) {
				best_p = pm;
				best = m;
			}
			apply_mask(&bd, m); /* XOR again: undone */
		}
	}
	apply_mask(&bd, best);
	format_bits(&bd, best);
	q->mask = best;
	return MM_OK;
}

int mm_qr_svg(const mm_qr *q, unsigned px, mm_buf *out, mm_err *err)
{
	unsigned side = ((unsigned)q->size + 8) * px;
	int rc = mm_buf_printf(out,
			       "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\""
			       " shape-rendering=\"crispEdges\"><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
			       "<path fill=\"#000\" d=\"",
			       side, side, side, side);
	for (int r = 0; !rc && r < q->size; r++)
		for (int c = 0; !rc && c < q->size; c++)
			if (q->m[r][c])
				rc = mm_buf_printf(out, "M%u %uh%uv%uh-%uz", (unsigned)(c + 4) * px, (unsigned)(r + 4) * px, px,
						   px, px);
	if (!rc)
		rc = mm_buf_puts(out, "\"/></svg>");
	return rc ? mm_err_set(err, rc, "QR code as SVG: %s", mm_strerror(rc)) : MM_OK;
}
