/* SPDX-License-Identifier: MIT */
/* The control socket of a running stack: `ustack ctl NAME REQUEST` (docs/ctl.md).
 *
 * A UNIX stream socket at CTL_DIR/NAME.sock (the directory 0700, the socket 0600: root's
 * only). One control thread accepts one client at a time, reads one request line, takes the
 * stack lock while it formats the answer into memory (the changes, ustack_addr_add and the
 * route calls, take it themselves), and writes the reply:
 *
 *   request:  WORD [WORD...] '\n'          at most CTL_LINE_MAX bytes, CTL_ARGS_MAX words
 *   reply:    "ok\n" BODY ".\n"            BODY: text lines; one starting with '.' gets
 *             "error MESSAGE\n.\n"         another '.' in front (as SMTP), so "." alone
 *                                          always ends the reply
 *
 * No thread per client and nothing in the packet path: a slow or silent client holds the
 * control thread for at most CTL_IO_TIMEOUT_MS, never the stack. */
#ifndef LIB_CTL_H
#define LIB_CTL_H

#include <stddef.h>
#include <stdio.h>

struct ustack;

#define CTL_DIR "/run/ustack"
#define CTL_NAME_MAX 32        /* letters, digits, '.', '_', '-'; not starting with '.' */
#define CTL_LINE_MAX 512       /* a request line with its newline */
#define CTL_ARGS_MAX 16        /* words in a request */
#define CTL_IO_TIMEOUT_MS 2000 /* a client's request and the reader of its reply */

/* 1 if the n bytes at name are a valid control socket name, else 0. Inline: the preload
 * library, which does not link libustack, checks USTACK_PRELOAD's name by the same rule. */
static inline int ctl_name_valid_n(const char *name, size_t n)
{
	if (!n || n > CTL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}
/* The same for a string. */
int ctl_name_valid(const char *name);
/* CTL_DIR "/NAME.sock" into buf. 0, or -EINVAL for a bad name. */
int ctl_path(const char *name, char *buf, size_t size);
/* Whether a stack serves path: 1 live, 0 no such socket, -ECONNREFUSED a stale socket (its
 * stack died), other -errno (-EACCES: not root). */
int ctl_probe(const char *path);

/* Splits line (modified in place) at spaces and tabs into at most max words. Returns the
 * count, or -E2BIG for too many words. */
int ctl_split(char *line, char **argv, int max);
/* Runs one request: the answer's lines go to out. Returns 0, or a negative errno with one
 * line (no newline) in err: -EINVAL for a bad request, else why the change failed. */
int ctl_request(struct ustack *st, int argc, char **argv, FILE *out, char *err, size_t errlen);
/* Forgets the --delta baseline of `stats` (the next --delta counts from zero). */
void ctl_stats_reset(void);

/* A rate in bits per second as ss prints one: "1.2Mbps", "980Kbps", "12bps". */
void ctl_fmt_rate(char *buf, size_t size, double bits_per_s);

struct ctl_server;
/* Listens on name's socket, replacing a stale one, and starts the control thread.
 * Returns 0, -EADDRINUSE when a live stack serves the name, or -errno; err says why. */
int ctl_server_start(struct ustack *st, const char *name, struct ctl_server **out, char *err,
		     size_t errlen);
/* Stops the thread and removes the socket (if it is still ours). s may be NULL. */
void ctl_server_stop(struct ctl_server *s);

#endif
