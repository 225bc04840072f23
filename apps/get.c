/* SPDX-License-Identifier: MIT */
/* `ustack get URL`: one HTTP/1.1 GET (RFC 9112) over the stack's TCP, body to stdout.
 * Sends Host and Connection: close; reads the status line and headers, then the body by
 * Content-Length, chunked transfer coding, or until the server closes. Exit 0 on a 2xx
 * status with the whole body, 1 otherwise (the status line goes to stderr). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apps/app.h"
#include "ip/ip.h"
#include "net/socket.h"

#define GET_BUF (64 * 1024)         /* receive buffer; also the largest response head */
#define GET_MAX_LINE 8192           /* longest chunk-size or trailer line */

struct get_conn {
	int fd;
	uint8_t buf[GET_BUF];
	size_t start, end;          /* unread bytes: buf[start .. end) */
	int eof;
	int timeout_ms;
};

/* Reads more into the buffer. >0 bytes, 0 at EOF, or -errno (-ETIMEDOUT after a stall). */
static ssize_t get_fill(struct get_conn *g)
{
	if (g->eof)
		return 0;
	if (g->start == g->end)
		g->start = g->end = 0;
	if (g->end == sizeof(g->buf)) {
		memmove(g->buf, g->buf + g->start, g->end - g->start);
		g->end -= g->start;
		g->start = 0;
		if (g->end == sizeof(g->buf))
			return -EMSGSIZE;
	}
	for (;;) {
		ssize_t n = us_recv(g->fd, g->buf + g->end, sizeof(g->buf) - g->end, 0);
		int ev;

		if (n > 0) {
			g->end += (size_t)n;
			return n;
		}
		if (n == 0) {
			g->eof = 1;
			return 0;
		}
		if (n != -EAGAIN)
			return n;
		ev = app_wait(g->fd, US_POLLIN, g->timeout_ms);
		if (ev < 0)
			return ev;
		if (ev == 0)
			return -ETIMEDOUT;
	}
}

/* One line (CRLF or LF stripped) into out. 0, or -errno (-EPROTO at EOF mid-line). */
static int get_line(struct get_conn *g, char *out, size_t size)
{
	for (;;) {
		uint8_t *nl = memchr(g->buf + g->start, '\n', g->end - g->start);
		if (nl) {
			size_t len = (size_t)(nl - (g->buf + g->start));
			if (len && nl[-1] == '\r')
				len--;
			if (len >= size)
				return -EMSGSIZE;
			memcpy(out, g->buf + g->start, len);
			out[len] = '\0';
			g->start = (size_t)(nl - g->buf) + 1;
			return 0;
		}
		ssize_t n = get_fill(g);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EPROTO;
	}
}

/* Copies up to len body bytes (all of them with len < 0, until EOF) to stdout. */
static int get_copy(struct get_conn *g, long long len)
{
	while (len != 0) {
		size_t avail = g->end - g->start;
		if (!avail) {
			ssize_t n = get_fill(g);
			if (n < 0)
				return (int)n;
			if (n == 0)
				return len < 0 ? 0 : -EPROTO;
			continue;
		}
		if (len > 0 && (long long)avail > len)
			avail = (size_t)len;
		if (app_write_all(STDOUT_FILENO, g->buf + g->start, avail) < 0)
			return -EPIPE;
		g->start += avail;
		if (len > 0)
			len -= (long long)avail;
	}
	return 0;
}

/* The chunked transfer coding (RFC 9112 7.1): size lines, data, a last chunk, trailers. */
static int get_chunked(struct get_conn *g)
{
	char line[GET_MAX_LINE];

	for (;;) {
		char *end;
		long long size;
		int err = get_line(g, line, sizeof(line));

		if (err < 0)
			return err;
		errno = 0;
		size = strtoll(line, &end, 16);
		if (errno || end == line || size < 0 || (*end && *end != ';' && *end != ' '))
			return -EPROTO;
		if (size == 0)
			break;
		err = get_copy(g, size);
		if (err < 0)
			return err;
		err = get_line(g, line, sizeof(line)); /* the CRLF after the data */
		if (err < 0)
			return err;
		if (line[0])
			return -EPROTO;
	}
	do { /* trailer fields, up to the empty line */
		int err = get_line(g, line, sizeof(line));
		if (err < 0)
			return err;
	} while (line[0]);
	return 0;
}

/* "http://HOST[:PORT][/PATH]". 0 or -EINVAL (printed). */
static int parse_url(const char *url, char *host, size_t hsize, struct sockaddr_in *dst,
		     const char **path)
{
	const char *h, *slash, *colon;
	uint16_t port = 80;
	char portbuf[8];
	size_t hl;

	if (strncasecmp(url, "http://", 7)) {
		app_error("get: '%s': give an http:// URL (https is not supported)", url);
		return -EINVAL;
	}
	h = url + 7;
	slash = strchr(h, '/');
	*path = slash ? slash : "/";
	hl = slash ? (size_t)(slash - h) : strlen(h);
	if (!hl || hl >= hsize) {
		app_error("get: '%s': the URL has no host", url);
		return -EINVAL;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	colon = strchr(host, ':');
	if (colon) {
		if (strlen(colon + 1) >= sizeof(portbuf)) {
			app_error("get: '%s': bad port", url);
			return -EINVAL;
		}
		strcpy(portbuf, colon + 1);
		if (app_parse_port(portbuf, &port))
			return -EINVAL;
	}
	{
		char addr[64];
		size_t al = colon ? (size_t)(colon - host) : strlen(host);
		if (al >= sizeof(addr))
			al = sizeof(addr) - 1;
		memcpy(addr, host, al);
		addr[al] = '\0';
		if (app_parse_host(addr, &dst->sin_addr.s_addr))
			return -EINVAL;
	}
	dst->sin_family = AF_INET;
	dst->sin_port = htons(port);
	return 0;
}

/* Reads one response head; fills status and the framing of its body. */
static int get_head(struct get_conn *g, int *status, long long *clen, int *chunked,
		    char *statusline, size_t size)
{
	char line[GET_MAX_LINE];
	int err = get_line(g, statusline, size);

	if (err < 0)
		return err;
	if (strncmp(statusline, "HTTP/1.", 7) || strlen(statusline) < 12 ||
	    !isdigit((unsigned char)statusline[9]))
		return -EPROTO;
	*status = atoi(statusline + 9);
	*clen = -1;
	*chunked = 0;
	for (;;) {
		char *v;
		err = get_line(g, line, sizeof(line));
		if (err < 0)
			return err;
		if (!line[0])
			return 0;
		v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		if (!strcasecmp(line, "Content-Length"))
			*clen = strtoll(v, NULL, 10);
		else if (!strcasecmp(line, "Transfer-Encoding") && strcasestr(v, "chunked"))
			*chunked = 1;
	}
}

int get_main(void)
{
	struct get_conn *g = calloc(1, sizeof(*g));
	struct sockaddr_in dst = { 0 };
	char host[256], statusline[512], req[2048];
	const char *path, *url = app_cfg.args[0];
	long long clen;
	int status = EXIT_FAIL, code, chunked, err, n;

	if (!g)
		return EXIT_FAIL;
	g->fd = -1;
	g->timeout_ms = (int)app_cfg.lim.timeout_s * 1000;
	if (parse_url(url, host, sizeof(host), &dst, &path)) {
		status = EXIT_USAGE;
		goto out;
	}
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ustack\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n", path, host);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		app_error("get: the URL is too long");
		status = EXIT_USAGE;
		goto out;
	}
	g->fd = us_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	if (g->fd < 0) {
		app_error("get: cannot open a TCP socket: %s", strerror(-g->fd));
		goto out;
	}
	app_apply_bufs(g->fd);
	err = app_connect(g->fd, &dst, g->timeout_ms);
	if (err == 0)
		err = app_send_all(g->fd, req, (size_t)n);
	if (err < 0) {
		if (err != -EINTR)
			app_error("get: %s: %s%s", host, strerror(-err),
				  err == -ENETUNREACH ? " (add --gw or --route)" :
				  err == -ECONNREFUSED ? " (is a server listening?)" : "");
		goto out;
	}
	do { /* 1xx responses are interim: the final one follows */
		err = get_head(g, &code, &clen, &chunked, statusline, sizeof(statusline));
	} while (err == 0 && code >= 100 && code < 200);
	if (err < 0) {
		if (err != -EINTR)
			app_error("get: %s: %s", host, err == -EPROTO ? "not an HTTP response" :
				  strerror(-err));
		goto out;
	}
	if (code < 200 || code > 299) {
		app_error("get: %s", statusline);
		goto out;
	}
	if (code == 204 || code == 304)
		err = 0;
	else if (chunked)
		err = get_chunked(g);
	else
		err = get_copy(g, clen);
	if (err < 0) {
		if (err != -EINTR)
			app_error("get: %s: %s", host, err == -EPROTO ?
				  "the connection closed before the whole body arrived" : strerror(-err));
		goto out;
	}
	status = EXIT_OK;
out:
	if (g->fd >= 0)
		us_close(g->fd);
	free(g);
	return status;
}
