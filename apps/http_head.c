/* SPDX-License-Identifier: MIT */
/* http's request head before it is parsed: see http_head.h. */
#include <string.h>

#include "apps/http_head.h"

size_t http_head_fold(char *r, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n && (r[i] == '\r' || r[i] == '\n')) /* CRs go, and LFs before any text */
		i++;
	while (i < n) {
		const char *cr = memchr(r + i, '\r', n - i);
		size_t run = (cr ? (size_t)(cr - r) : n) - i;

		if (o != i)
			memmove(r + o, r + i, run);
		o += run;
		i += run + 1; /* past the CR (or past n: done) */
	}
	while (o && r[o - 1] == '\n')
		o--;
	return o;
}
