/* SPDX-License-Identifier: Apache-2.0 */
/* Signed notes, checkpoints and verifier keys on arbitrary text. */
#include "crypto/mm_crypto.h"
#include "note/mm_note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static mm_note_verifier v;
	mm_err err;
	if (!init++) {
		mm_note_signer s;
		if (mm_crypto_init() != MM_OK || mm_note_signer_generate("fuzz.example/log", &s, &err) != MM_OK)
			return 0;
		v = s.v;
		mm_note_signer_wipe(&s);
	}
	mm_checkpoint c;
	mm_note_verifier pv;
	mm_note_signer ps;
	(void)mm_checkpoint_open(&v, (const char *)data, size, &c, &err);
	(void)mm_checkpoint_parse((const char *)data, size, &c, &err);
	(void)mm_note_verifier_parse((const char *)data, size, &pv, &err);
	(void)mm_note_signer_parse((const char *)data, size, &ps, &err);
	mm_note_signer_wipe(&ps);
	return 0;
}
