/* SPDX-License-Identifier: Apache-2.0 */
/* The enrollment JSON (src/link): the server's request parser and the agent's reply parser on arbitrary bytes. */
#include <string.h>

#include "link/mm_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mm_link_enroll_req q;
	mm_link_enroll_reply r;
	mm_err err;
	if (mm_link_enroll_req_parse(data, size, &q, &err) == MM_OK &&
	    (strlen(q.token) >= sizeof q.token || strlen(q.hostname) > MM_LINK_HOSTNAME_MAX))
		__builtin_trap();
	if (mm_link_enroll_reply_parse(data, size, &r, &err) == MM_OK &&
	    (!mm_link_id_valid(r.agent, MM_ID_MAX) || !mm_link_id_valid(r.asset, MM_ID_MAX)))
		__builtin_trap();
	return 0;
}
