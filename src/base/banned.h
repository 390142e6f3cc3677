/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Functions mamori code must not call: unbounded copies, non-reentrant time
 * and tokenising, and unchecked conversions. Include this after all system
 * headers in every .c file; a call to any of these then fails to compile.
 */
#ifndef MM_BANNED_H
#define MM_BANNED_H
#pragma GCC poison strcpy strcat sprintf vsprintf gets strtok atoi atol atoll
#pragma GCC poison gmtime localtime mktemp tmpnam asctime ctime
#endif
