/* SPDX-License-Identifier: Apache-2.0 */
/*
 * note: Ed25519 signed notes in the C2SP signed-note format, and the
 * tlog-checkpoint body (origin, tree size, root hash, extension lines) that
 * mamori signs. Used by the ledger for checkpoints and by witnesses.
 *
 * Key files (text, one line):
 *   signer   "PRIVATE+KEY+<name>+<keyid hex8>+<base64(0x01 ‖ seed32)>"
 *   verifier "<name>+<keyid hex8>+<base64(0x01 ‖ pubkey32)>"
 * keyid = first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ pubkey).
 */
#ifndef MM_NOTE_H
#define MM_NOTE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "crypto/mm_crypto.h"

typedef struct mm_note_verifier {
	char name[MM_ORIGIN_MAX + 1];
	uint32_t keyid;
	uint8_t pk[MM_ED25519_PK_LEN];
} mm_note_verifier;

/* Holds the secret key; wipe with mm_note_signer_wipe. */
typedef struct mm_note_signer {
	mm_note_verifier v;
	uint8_t sk[MM_ED25519_SK_LEN];
} mm_note_signer;

/* Names: 1..MM_ORIGIN_MAX printable ASCII, no spaces or '+'. */
bool mm_note_name_valid(const char *name);

/* New random key pair for name. */
int mm_note_signer_generate(const char *name, mm_note_signer *s, mm_err *err) MM_MUST_USE;
/* Serialise signer / verifier key lines (with trailing newline) into b. */
int mm_note_signer_format(const mm_note_signer *s, mm_buf *b) MM_MUST_USE;
int mm_note_verifier_format(const mm_note_verifier *v, mm_buf *b) MM_MUST_USE;
/* Parse key lines (surrounding whitespace ignored). */
int mm_note_signer_parse(const char *text, size_t n, mm_note_signer *s, mm_err *err) MM_MUST_USE;
int mm_note_verifier_parse(const char *text, size_t n, mm_note_verifier *v, mm_err *err) MM_MUST_USE;
void mm_note_signer_wipe(mm_note_signer *s);

/*
 * Sign: body must end with '\n' and contain no blank line. Appends
 * body ‖ "\n" ‖ "— name base64(keyid ‖ sig)\n" to out.
 */
int mm_note_sign(const mm_note_signer *s, const char *body, size_t n, mm_buf *out,
		 mm_err *err) MM_MUST_USE;

/*
 * Verify note text against verifier v: the note must carry a valid
 * signature line by v (other signers' lines are ignored). On success
 * *body_len is the length of the signed body (a prefix of text).
 * MM_ECRYPTO if no valid signature by v; MM_EINVAL if malformed.
 */
int mm_note_verify(const mm_note_verifier *v, const char *text, size_t n, size_t *body_len,
		   mm_err *err) MM_MUST_USE;

/* A parsed tlog checkpoint body. */
typedef struct mm_checkpoint {
	char origin[MM_ORIGIN_MAX + 1];
	uint64_t size;
	uint8_t root[MM_SHA256_LEN];
	int64_t time_ns; /* from the "time <ns>" extension line; 0 if absent */
} mm_checkpoint;

/* Format the checkpoint body ("origin\nsize\nroot\ntime N\n") into b. */
int mm_checkpoint_format(const mm_checkpoint *c, mm_buf *b) MM_MUST_USE;
/* Parse a checkpoint body (not the signatures). */
int mm_checkpoint_parse(const char *body, size_t n, mm_checkpoint *c, mm_err *err) MM_MUST_USE;

/* Convenience: verify a signed checkpoint note with v and parse its body. */
int mm_checkpoint_open(const mm_note_verifier *v, const char *text, size_t n, mm_checkpoint *c,
		       mm_err *err) MM_MUST_USE;

#endif
