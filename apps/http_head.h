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

#endif
