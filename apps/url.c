/* SPDX-License-Identifier: MIT */
/* http:// URLs for `ustack get` (see url.h): parse, resolve a Location, name a file. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apps/url.h"

/* "http://" at s, in any case. */
static int is_http(const char *s)
{
	return !strncasecmp(s, "http://", 7);
}

/* The length of s's scheme and its ':' (RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" /
 * "-" / "." ) ":"), or 0 if s has none (a relative reference). */
static size_t scheme_len(const char *s)
{
	size_t i = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] == ':' ? i + 1 : 0;
}

/* The port in p[0..len): 1 to 65535, digits only. 0 or -EINVAL. */
static int parse_port(const char *p, size_t len, uint16_t *out)
{
	char buf[8], *end;
	long v;

	if (len == 0 || len >= sizeof(buf) || !isdigit((unsigned char)p[0]))
		return -EINVAL;
	memcpy(buf, p, len);
	buf[len] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int url_parse(const char *s, struct url *out)
{
	const char *auth, *rest, *colon, *frag;
	size_t alen, plen;

	memset(out, 0, sizeof(*out));
	if (!is_http(s))
		return scheme_len(s) ? -EPROTONOSUPPORT : -EINVAL;
	if (strlen(s) >= URL_MAX)
		return -ENAMETOOLONG;
	/* no spaces or controls (RFC 3986 has none): a CR in a Location would start a line of
	 * its own in the request */
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return -EINVAL;
	auth = s + 7;
	alen = strcspn(auth, "/?#");
	rest = auth + alen;
	if (!alen)
		return -EINVAL;
	if (alen >= sizeof(out->hostport))
		return -ENAMETOOLONG;
	memcpy(out->hostport, auth, alen);
	if (memchr(auth, '@', alen))
		return -EINVAL; /* user:password@ is not supported (and never sent) */
	memcpy(out->host, auth, alen);
	out->port = 80;
	if (out->host[0] == '[') {
		/* an IP literal (RFC 3986 3.2.2): "[2001:db8::2]", its port after the ']' */
		const char *close = memchr(auth, ']', alen);
		size_t hl = close ? (size_t)(close - auth - 1) : 0;

		if (!hl || (close + 1 < auth + alen && close[1] != ':'))
			return -EINVAL;
		for (size_t k = 1; k <= hl; k++)
			if (!isxdigit((unsigned char)auth[k]) && auth[k] != ':' && auth[k] != '.')
				return -EINVAL;
		memcpy(out->host, auth + 1, hl);
		out->host[hl] = '\0';
		if (close + 2 < auth + alen && parse_port(close + 2, (size_t)(auth + alen - close - 2),
							  &out->port) < 0)
			return -EINVAL;
		goto path;
	}
	colon = strchr(out->host, ':');
	if (colon) {
		char *end;
		long port;

		out->host[colon - out->host] = '\0';
		if (colon[1]) { /* "host:" is port 80 (RFC 3986 3.2.3) */
			errno = 0;
			port = strtol(colon + 1, &end, 10);
			if (errno || *end || !isdigit((unsigned char)colon[1]) || port < 1 ||
			    port > 65535)
				return -EINVAL;
			out->port = (uint16_t)port;
		}
	}
	if (!out->host[0])
		return -EINVAL;
path:
	frag = strchr(rest, '#');
	plen = frag ? (size_t)(frag - rest) : strlen(rest);
	/* an empty path is "/" (RFC 9110 4.2.3), also in front of a query */
	snprintf(out->path, sizeof(out->path), "%s%.*s", rest[0] == '/' ? "" : "/", (int)plen,
		 rest);
	return 0;
}

/* RFC 3986 5.2.4, remove_dot_segments: "/a/b/../c/./d" is "/a/c/d". 0 or -ENAMETOOLONG. */
static int remove_dots(const char *in, size_t inlen, char *out, size_t size)
{
	char buf[URL_MAX];
	size_t n = 0;

	if (inlen >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, in, inlen);
	buf[inlen] = '\0';
	in = buf;
	while (*in) {
		if (!strncmp(in, "../", 3)) {
			in += 3;
		} else if (!strncmp(in, "./", 2)) {
			in += 2;
		} else if (!strncmp(in, "/./", 3)) {
			in += 2;
		} else if (!strcmp(in, "/.")) {
			in = "/";
		} else if (!strncmp(in, "/../", 4) || !strcmp(in, "/..")) {
			in = in[3] ? in + 3 : "/";
			while (n > 0 && out[--n] != '/')
				; /* the last segment and the '/' before it */
		} else if (!strcmp(in, ".") || !strcmp(in, "..")) {
			in += strlen(in);
		} else {
			size_t len = in[0] == '/' ? 1 + strcspn(in + 1, "/") : strcspn(in, "/");

			if (n + len >= size)
				return -ENAMETOOLONG;
			memcpy(out + n, in, len);
			n += len;
			in += len;
		}
	}
	if (n >= size)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

/* out = prefix + remove_dots(path) + query. */
static int join(char *out, size_t size, const char *prefix, size_t prefix_len,
	       const char *path, size_t path_len, const char *query)
{
	char p[URL_MAX];
	int n, err = remove_dots(path, path_len, p, sizeof(p));

	if (err)
		return err;
	n = snprintf(out, size, "%.*s%s%s", (int)prefix_len, prefix, p, query);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int url_resolve(const char *base, const char *ref, char *out, size_t size)
{
	char r[URL_MAX], merged[URL_MAX], abs[URL_MAX];
	const char *bauth, *bpath, *rquery;
	size_t rlen = strcspn(ref, "#"), blen, bplen, rplen, prefix;
	int n;

	if (!is_http(base))
		return -EINVAL;
	if (rlen >= sizeof(r))
		return -ENAMETOOLONG;
	memcpy(r, ref, rlen); /* the fragment never goes to the server */
	r[rlen] = '\0';
	if (r[0] == '/' && r[1] == '/') { /* network-path reference: the base's scheme */
		n = snprintf(abs, sizeof(abs), "http:%s", r);
		if (n < 0 || (size_t)n >= sizeof(abs))
			return -ENAMETOOLONG;
		strcpy(r, abs);
	}
	if (scheme_len(r)) {
		if (!is_http(r)) { /* handed on as it is: url_parse names the scheme */
			n = snprintf(out, size, "%s", r);
			return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
		}
		prefix = 7 + strcspn(r + 7, "/?");
		rplen = strcspn(r + prefix, "?");
		return join(out, size, r, prefix, r + prefix, rplen, r + prefix + rplen);
	}
	blen = strcspn(base, "#");
	bauth = base + 7;
	bpath = bauth + strcspn(bauth, "/?#");
	bplen = strcspn(bpath, "?#");
	prefix = (size_t)(bpath - base);
	if (!r[0]) { /* the base itself, without its fragment */
		n = snprintf(out, size, "%.*s", (int)blen, base);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	if (r[0] == '?') /* the base's path with the reference's query */
		return join(out, size, base, prefix, bpath, bplen, r);
	rplen = strcspn(r, "?");
	rquery = r + rplen;
	if (r[0] == '/')
		return join(out, size, base, prefix, r, rplen, rquery);
	/* RFC 3986 5.2.3: the reference replaces the base path's last segment */
	{
		size_t dir = bplen;

		while (dir > 0 && bpath[dir - 1] != '/')
			dir--;
		n = snprintf(merged, sizeof(merged), "%s%.*s%.*s", dir ? "" : "/", (int)dir,
			     bpath, (int)rplen, r);
		if (n < 0 || (size_t)n >= sizeof(merged))
			return -ENAMETOOLONG;
	}
	return join(out, size, base, prefix, merged, strlen(merged), rquery);
}

int url_remote_name(const char *s, char *out, size_t size)
{
	struct url u;
	const char *name;
	size_t len;
	int err = url_parse(s, &u);

	if (err)
		return err;
	u.path[strcspn(u.path, "?")] = '\0';
	name = strrchr(u.path, '/') + 1; /* url_parse's path starts with '/' */
	len = strlen(name);
	if (!len || !strcmp(name, ".") || !strcmp(name, ".."))
		return -ENOENT;
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(out, name, len + 1);
	return 0;
}
