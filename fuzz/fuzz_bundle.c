/* SPDX-License-Identifier: Apache-2.0 */
/* Ledger bundle parser and offline verifier on arbitrary bytes. */
#include "crypto/mm_crypto.h"
#include "ledger/mm_ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init++ && mm_crypto_init() != MM_OK)
		return 0;
	mm_verify_report rep;
	mm_err err;
	(void)mm_ledger_verify_bundle_mem(data, size, NULL, &rep, &err);
	return 0;
}
