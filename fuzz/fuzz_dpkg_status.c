/* SPDX-License-Identifier: Apache-2.0 */
/* The dpkg_status fact parser on arbitrary bytes: bounded, no crash, no leak. */
#include "crypto/mm_crypto.h"
#include "facts/mm_facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mm_facts *f;
	static unsigned runs;
	mm_err err;
	if (!f || ++runs % 512 == 0) { /* a fresh database now and then bounds memory */
		mm_facts_close(f);
		f = NULL;
		if (mm_crypto_init() != MM_OK || mm_facts_open(&f, "/", 1763337600, &err) != MM_OK)
			return 0;
	}
	(void)!mm_facts_parse(f, "dpkg_status", data, size, &err);
	return 0;
}
