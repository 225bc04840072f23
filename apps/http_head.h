/* SPDX-License-Identifier: MIT */
/* http's request head, before it is parsed (apps/svc_http.c): pure functions over the
 * received bytes, no state. */
#ifndef APPS_HTTP_HEAD_H
#define APPS_HTTP_HEAD_H

#include <stddef.h>

/* Strips every CR of the n bytes at r in place, skips the blank lines before the request
 * line (RFC 9112 2.2) and cuts the LFs at the end; returns the length left (0: nothing but
 * blank lines). r[n] is not touched; the caller ends the result. The bytes between two CRs
 * move down with one memmove, so a head costs a few calls per line, not a test per byte. */
size_t http_head_fold(char *r, size_t n);

/* Is strncasecmp(s, lower, n) == 0, for lower in lower case with no NUL in its n bytes?
 * ASCII only (as strncasecmp in the C locale), inline, and it stops at the first
 * difference, so a shorter NUL-terminated s is never read past its end. */
static inline int http_nocase_eq(const char *s, const char *lower, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		if (c != (unsigned char)lower[i])
			return 0;
	}
	return 1;
}

#endif
