/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder while the foundation is written */
#include "cli/cli.h"
int cmd_record(int argc, char **argv) { (void)argc; (void)argv; return cli_error("record: coming in this change"); }
