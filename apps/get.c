/* SPDX-License-Identifier: MIT */
/* `ustack get URL`: HTTP/1.1 GET or HEAD (RFC 9112) over the stack's TCP, as curl does
 * it: the body to stdout or a file (-o, -O), the response head with -i and -I, redirects
 * followed with -L up to --max-redirs, a progress bar on a terminal, and curl's exit codes
 * (the GET_EXIT_* below; the usage text and the man page list them). Each request sends
 * Host and Connection: close; the body is read by Content-Length, chunked transfer coding,
 * or until the server closes. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "apps/app.h"
#include "apps/url.h"
#include "ip/ip.h"
#include "net/socket.h"

#define GET_BUF (64 * 1024)         /* receive buffer; also the largest response head */
#define GET_MAX_LINE 8192           /* longest header, chunk-size or trailer line */
#define GET_PROGRESS_US 100000      /* the progress bar is redrawn at most this often */
#define GET_BAR_WIDTH 24

/* curl's exit codes for the failures a fetch can meet (curl(1), "EXIT CODES"). */
enum {
	GET_EXIT_UNSUPPORTED = 1,   /* redirected to a scheme other than http */
	GET_EXIT_RESOLVE = 6,       /* the host name does not resolve */
	GET_EXIT_CONNECT = 7,       /* refused, or no route or neighbour */
	GET_EXIT_WEIRD = 8,         /* not an HTTP response (head over GET_BUF, a bad
	                               Content-Length), or a bad Location */
	GET_EXIT_PARTIAL = 18,      /* the body ended before its length */
	GET_EXIT_HTTP = 22,         /* a status of 400 or above */
	GET_EXIT_WRITE = 23,        /* the output cannot be opened or written */
	GET_EXIT_TIMEOUT = 28,      /* --timeout passed in the connect or without data */
	GET_EXIT_REDIRS = 47,       /* more redirects than --max-redirs */
	GET_EXIT_EMPTY = 52,        /* the server closed without a byte of reply */
	GET_EXIT_RECV = 56,         /* the connection failed (a reset) while receiving */
};

struct get_progress {
	int on;
	uint64_t start_us, last_us;
	long long total, done;      /* total < 0: unknown */
	int drawn;
};

struct get_conn {
	int fd;
	uint8_t buf[GET_BUF];
	size_t start, end;          /* unread bytes: buf[start .. end) */
	int eof;
	int timeout_ms;
	uint64_t got;               /* bytes received on this connection */
	char head[GET_BUF];         /* the response head as received, for -i and -I */
	size_t head_len;
	size_t head_bytes;          /* of this request's heads so far, 1xx ones included */
	char location[URL_MAX];     /* the last response's Location, "" if none */
	int location_long;          /* it had one, too long to be a URL */
	int out_fd;                 /* -1 until the first byte of output */
	int write_err;              /* errno of a failed output write */
	struct get_progress prog;
};

/* ---- output ---- */

static const char *out_name(void)
{
	return app_cfg.get.output ? app_cfg.get.output : "standard output";
}

/* Writes to the output, opening -o's file at the first byte (nothing is created for a
 * fetch that fails before it has a body to keep). 0, or -EIO with write_err set. */
static int out_write(struct get_conn *g, const void *buf, size_t len)
{
	int err;

	if (g->out_fd < 0) {
		g->out_fd = app_cfg.get.output ?
			open(app_cfg.get.output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666) :
			STDOUT_FILENO;
		if (g->out_fd < 0) {
			g->write_err = errno;
			return -EIO;
		}
	}
	err = app_write_all(g->out_fd, buf, len);
	if (err < 0) {
		g->write_err = -err;
		return -EIO;
	}
	return 0;
}

/* ---- progress bar ---- */

static void fmt_size(double v, char *out, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0]))
		v /= 1024, u++;
	if (u == 0)
		snprintf(out, size, "%.0f %s", v, units[u]);
	else
		snprintf(out, size, "%.1f %s", v, units[u]);
}

static void fmt_secs(double s, char *out, size_t size)
{
	long t = s < 0 ? 0 : s > 359999 ? 359999 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(out, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(out, size, "%ld:%02ld", t / 60, t % 60);
}

/* One line, redrawn in place: "ustack: 42% [=====>    ] 21.0 MiB / 50.0 MiB  8.1 MiB/s
 * eta 0:04" (without a length: size, rate and time so far). At most every
 * GET_PROGRESS_US unless final. */
static void progress_draw(struct get_progress *p, int final)
{
	uint64_t now = app_now_us();
	char done[32], total[32], rate[32], t[32], bar[GET_BAR_WIDTH + 1];
	double secs, bps;

	if (!p->on || (!final && p->drawn && now - p->last_us < GET_PROGRESS_US))
		return;
	p->last_us = now;
	secs = (double)(now - p->start_us) / 1e6;
	bps = secs > 0.001 ? (double)p->done / secs : 0;
	fmt_size((double)p->done, done, sizeof(done));
	fmt_size(bps, rate, sizeof(rate));
	if (p->total > 0) {
		int pct = (int)(p->done * 100 / p->total), fill = pct * GET_BAR_WIDTH / 100;

		for (int i = 0; i < GET_BAR_WIDTH; i++)
			bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
		bar[GET_BAR_WIDTH] = '\0';
		fmt_size((double)p->total, total, sizeof(total));
		if (final)
			fmt_secs(secs, t, sizeof(t));
		else if (bps > 0)
			fmt_secs((double)(p->total - p->done) / bps, t, sizeof(t));
		else
			snprintf(t, sizeof(t), "--:--");
		fprintf(stderr, "\r%3d%% [%s] %s / %s  %s/s  %s %s\033[K", pct, bar, done, total,
			rate, final ? "in" : "eta", t);
	} else {
		fmt_secs(secs, t, sizeof(t));
		fprintf(stderr, "\r%s  %s/s  %s\033[K", done, rate, t);
	}
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
	p->drawn = !final;
}

/* Ends a bar cut short, so that an error line starts on a line of its own. */
static void progress_abort(struct get_progress *p)
{
	if (p->on && p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
	p->on = 0;
}

/* ---- reading the response ---- */

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
			g->got += (uint64_t)n;
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

/* Copies up to len body bytes (all of them with len < 0, until EOF) to the output. */
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
		if (out_write(g, g->buf + g->start, avail) < 0)
			return -EIO;
		g->start += avail;
		g->prog.done += (long long)avail;
		progress_draw(&g->prog, 0);
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

/* Keeps a line of the head for -i and -I (a head too long for the buffer is cut). */
static void head_keep(struct get_conn *g, const char *line)
{
	int n = snprintf(g->head + g->head_len, sizeof(g->head) - g->head_len, "%s\r\n", line);

	if (n > 0 && (size_t)n < sizeof(g->head) - g->head_len)
		g->head_len += (size_t)n;
}

/* Counts a line of a head (and its CRLF) against GET_BUF: -E2BIG past it. */
static int head_count(struct get_conn *g, const char *line)
{
	g->head_bytes += strlen(line) + 2;
	return g->head_bytes > GET_BUF ? -E2BIG : 0;
}

/* Reads one response head; fills status, the framing of its body and g->location. A
 * Content-Length that is not a number is -EBADMSG. */
static int get_head(struct get_conn *g, int *status, long long *clen, int *chunked,
		    char *statusline, size_t size)
{
	char line[GET_MAX_LINE];
	int err = get_line(g, statusline, size);

	if (err < 0 || (err = head_count(g, statusline)) < 0)
		return err;
	if (strncmp(statusline, "HTTP/1.", 7) || strlen(statusline) < 12 ||
	    !isdigit((unsigned char)statusline[9]))
		return -EPROTO;
	*status = atoi(statusline + 9);
	*clen = -1;
	*chunked = 0;
	g->head_len = 0;
	g->location[0] = '\0';
	g->location_long = 0;
	head_keep(g, statusline);
	for (;;) {
		char *v;
		size_t vl;

		err = get_line(g, line, sizeof(line));
		if (err < 0 || (err = head_count(g, line)) < 0)
			return err;
		if (!line[0]) {
			head_keep(g, "");
			return 0;
		}
		head_keep(g, line);
		v = strchr(line, ':');
		if (!v)
			continue;
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		vl = strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			v[--vl] = '\0';
		if (!strcasecmp(line, "Content-Length")) {
			char *end;

			errno = 0;
			*clen = strtoll(v, &end, 10);
			if (!isdigit((unsigned char)*v) || *end || errno)
				return -EBADMSG;
		}
		else if (!strcasecmp(line, "Transfer-Encoding") && strcasestr(v, "chunked"))
			*chunked = 1;
		else if (!strcasecmp(line, "Location") && vl < sizeof(g->location))
			memcpy(g->location, v, vl + 1);
		else if (!strcasecmp(line, "Location"))
			g->location_long = 1;
	}
}

/* ---- one request ---- */

static int is_redirect(int code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* The exit code for a failure while reading the response (printed), in_body once the
 * head is in. */
static int read_failed(struct get_conn *g, const char *host, int err, int in_body)
{
	progress_abort(&g->prog);
	if (err == -EINTR)
		return EXIT_FAIL; /* stopped by a signal: nothing to report */
	if (g->write_err) {
		app_error("get: cannot write %s: %s", out_name(), strerror(g->write_err));
		return GET_EXIT_WRITE;
	}
	switch (err) {
	case -ETIMEDOUT:
		app_error("get: %s: no data for %u s (--timeout)", host, app_cfg.lim.timeout_s);
		return GET_EXIT_TIMEOUT;
	case -EPROTO:
		if (in_body) {
			app_error("get: %s: the connection closed before the whole body arrived",
				  host);
			return GET_EXIT_PARTIAL;
		}
		if (!g->got) {
			app_error("get: %s: the server closed the connection without a reply", host);
			return GET_EXIT_EMPTY;
		}
		app_error("get: %s: not an HTTP response", host);
		return GET_EXIT_WEIRD;
	case -EMSGSIZE:
		app_error("get: %s: a response %s line is longer than %d bytes", host,
			  in_body ? "chunk" : "head", GET_MAX_LINE);
		return GET_EXIT_WEIRD;
	case -E2BIG:
		app_error("get: %s: the response head is larger than %d bytes", host, GET_BUF);
		return GET_EXIT_WEIRD;
	case -EBADMSG:
		app_error("get: %s: the response's Content-Length is not a length", host);
		return GET_EXIT_WEIRD;
	default:
		app_error("get: %s: %s while receiving", host, strerror(-err));
		return GET_EXIT_RECV;
	}
}

/* Connects to the URL's host and sends the request. 0, or an exit code (printed). */
static int get_request(struct get_conn *g, const struct url *u)
{
	struct app_sockaddr dst[APP_RESOLVE_MAX];
	char req[URL_MAX + URL_HOST_MAX + 128];
	int n, ndst, used, err;

	ndst = app_resolve_list(u->host, u->port, app_cfg.get.ipv6 ? AF_INET6 : 0, dst,
				APP_RESOLVE_MAX);
	if (ndst < 0)
		return GET_EXIT_RESOLVE;
	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ustack\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n", app_cfg.get.head ? "HEAD" : "GET", u->path,
		     u->hostport);
	if (n < 0 || (size_t)n >= sizeof(req)) { /* cannot happen: URL_MAX bounds the parts */
		app_error("get: the request is too long");
		return EXIT_FAIL;
	}
	/* each address of the name in turn (app_connect_list) */
	err = app_connect_list(dst, ndst, g->timeout_ms, &g->fd, &used);
	if (err == -EMFILE || err == -ENFILE || err == -ENOBUFS || err == -ENOMEM) {
		app_error("get: cannot open a TCP socket: %s", strerror(-err));
		return EXIT_FAIL;
	}
	if (err == -EINTR)
		return EXIT_FAIL;
	if (err == -ETIMEDOUT) {
		app_error("get: %s: no answer to the connect within %u s (--timeout)", u->hostport,
			  app_cfg.lim.timeout_s);
		return GET_EXIT_TIMEOUT;
	}
	if (err < 0) {
		app_error("get: %s: failed to connect: %s%s", u->hostport, strerror(-err),
			  err == -ENETUNREACH ? " (add --gw or --route)" :
			  err == -ECONNREFUSED ? " (is a server listening?)" : "");
		return GET_EXIT_CONNECT;
	}
	err = app_send_all(g->fd, req, (size_t)n);
	if (err < 0)
		return read_failed(g, u->hostport, err, 0);
	return 0;
}

/* Fetches url once. 0 when done, an exit code (printed), or -EAGAIN with g->location
 * set when -L is to follow a redirect. */
static int get_fetch(struct get_conn *g, const char *url)
{
	char statusline[512];
	long long clen;
	int code, chunked, err, rc;
	struct url *u = malloc(sizeof(*u));

	if (!u)
		return EXIT_FAIL;
	err = url_parse(url, u);
	if (err) {
		app_error(err == -EPROTONOSUPPORT ?
			  "get: redirected to '%s': only http:// URLs are supported" :
			  "get: redirected to '%s', which is not a usable URL", url);
		rc = err == -EPROTONOSUPPORT ? GET_EXIT_UNSUPPORTED : GET_EXIT_WEIRD;
		goto out;
	}
	rc = get_request(g, u);
	if (rc)
		goto out;
	g->head_bytes = 0;
	do { /* 1xx responses are interim: the final one follows */
		err = get_head(g, &code, &clen, &chunked, statusline, sizeof(statusline));
	} while (err == 0 && code >= 100 && code < 200);
	if (err < 0) {
		rc = read_failed(g, u->hostport, err, 0);
		goto out;
	}
	if ((app_cfg.get.head || app_cfg.get.include) && out_write(g, g->head, g->head_len)) {
		rc = read_failed(g, u->hostport, -EIO, 0);
		goto out;
	}
	if (app_cfg.get.follow && is_redirect(code) && g->location[0]) {
		rc = -EAGAIN;
		goto out;
	}
	if (app_cfg.get.follow && is_redirect(code) && g->location_long) {
		app_error("get: %s: %s: the Location is longer than a URL may be (%d bytes)",
			  u->hostport, statusline, URL_MAX - 1);
		rc = GET_EXIT_WEIRD;
		goto out;
	}
	if (code >= 400) {
		app_error("get: %s: %s", u->hostport, statusline);
		rc = GET_EXIT_HTTP;
		goto out;
	}
	if (is_redirect(code) && !app_cfg.get.silent && !app_cfg.get.head &&
	    !app_cfg.get.include) {
		if (app_cfg.get.follow) /* here only without a Location */
			app_error("get: %s: no Location to follow; its body is the answer",
				  statusline);
		else
			app_error("get: %s: not followed (Location: %s; -L follows redirects)",
				  statusline, g->location[0] ? g->location :
				  g->location_long ? "too long" : "none");
	}
	if (app_cfg.get.head || code == 204 || code == 304) {
		rc = 0;
		goto out;
	}
	g->prog.total = chunked ? -1 : clen;
	g->prog.start_us = app_now_us();
	err = chunked ? get_chunked(g) : get_copy(g, clen);
	if (err == 0 && g->out_fd < 0)
		err = out_write(g, "", 0); /* an empty body still makes -o's file */
	if (err < 0) {
		rc = read_failed(g, u->hostport, err, 1);
		goto out;
	}
	progress_draw(&g->prog, 1);
	rc = 0;
out:
	free(u);
	return rc;
}

int get_main(void)
{
	struct get_conn *g = calloc(1, sizeof(*g));
	char *cur = malloc(URL_MAX), *next = malloc(URL_MAX);
	int status = EXIT_FAIL;

	if (!g || !cur || !next)
		goto out;
	g->fd = -1;
	g->out_fd = -1;
	g->timeout_ms = (int)app_cfg.lim.timeout_s * 1000;
	/* A bar on a terminal, unless the body goes to that terminal too (as curl). */
	g->prog.on = !app_cfg.get.silent && !app_cfg.get.head && isatty(STDERR_FILENO) &&
		     (app_cfg.get.output || !isatty(STDOUT_FILENO));
	snprintf(cur, URL_MAX, "%s", app_cfg.args[0]);
	for (int redirs = 0;; redirs++) {
		int rc = get_fetch(g, cur);

		if (g->fd >= 0)
			us_close(g->fd);
		g->fd = -1;
		g->start = g->end = 0;
		g->eof = 0;
		g->got = 0;
		if (rc != -EAGAIN) {
			status = rc;
			break;
		}
		if (redirs == app_cfg.get.max_redirs) {
			app_error("get: more than %d redirects (--max-redirs); the last to %s",
				  app_cfg.get.max_redirs, g->location);
			status = GET_EXIT_REDIRS;
			break;
		}
		if (url_resolve(cur, g->location, next, URL_MAX)) {
			app_error("get: %s: the Location '%s' is not a usable URL", cur, g->location);
			status = GET_EXIT_WEIRD;
			break;
		}
		memcpy(cur, next, URL_MAX);
	}
	if (g->out_fd > STDOUT_FILENO && close(g->out_fd) < 0 && status == 0) {
		app_error("get: cannot write %s: %s", out_name(), strerror(errno));
		status = GET_EXIT_WRITE;
	}
out:
	free(next);
	free(cur);
	free(g);
	return status;
}
