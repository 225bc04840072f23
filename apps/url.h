/* SPDX-License-Identifier: MIT */
/* http:// URLs for `ustack get`: splitting one into host, port and path, resolving a
 * redirect's Location against the URL it came from (RFC 3986 section 5), and the file name
 * -O saves to. Pure functions over strings: no socket, no output, no global state. */
#ifndef APPS_URL_H
#define APPS_URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_MAX 2048          /* longest URL, Location included */
#define URL_HOST_MAX 256

struct url {
	char hostport[URL_HOST_MAX]; /* the authority as written ("10.0.0.1:8080"): Host */
	char host[URL_HOST_MAX];     /* without the port */
	uint16_t port;               /* 80 unless given */
	char path[URL_MAX];          /* from the first '/' ("/" if none), query kept,
	                              * fragment dropped */
};

/* Splits "http://HOST[:PORT][/PATH][?QUERY][#FRAGMENT]" (scheme case-insensitive; HOST
 * may be an IPv6 literal in brackets, "[2001:db8::2]", kept in host without them).
 * 0; -EPROTONOSUPPORT for another scheme (https://, ftp://); -EINVAL for no host, a user
 * part, a bad port, or a space or control character (unencoded); -ENAMETOOLONG past
 * URL_MAX or URL_HOST_MAX. */
int url_parse(const char *s, struct url *out);

/* The reference ref (a Location value: absolute, "//host/..", "/path", "rel/path", "?q",
 * "" ...) resolved against the absolute http:// URL base, as RFC 3986 section 5.2 does it
 * (dot segments removed, fragment dropped). 0, -EINVAL (base is not an http URL), or
 * -ENAMETOOLONG when the result does not fit in size. */
int url_resolve(const char *base, const char *ref, char *out, size_t size);

/* The last segment of the URL's path, without query or fragment, as curl -O and wget
 * name their files. 0; -ENOENT when there is none (the path ends in '/', or is "." or
 * ".."); -ENAMETOOLONG when it does not fit. */
int url_remote_name(const char *s, char *out, size_t size);

#endif
