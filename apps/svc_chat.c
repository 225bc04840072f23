/* SPDX-License-Identifier: MIT */
/* chat: a multi-user line service. Every line a user sends goes to every other user,
 * prefixed with the sender's address; joins and leaves are announced.
 *
 * Plain telnet works because every option it offers or asks for is refused (RFC 854,
 * RFC 1143): WILL gets DONT, DO gets WONT, subnegotiations are skipped. The client then
 * stays in its default NVT line mode with local echo, which is what a line chat wants.
 * A user whose output queue fills (it stopped reading) is disconnected rather than
 * letting it hold memory or stall everyone else, and so is one who typed nothing for
 * --chat-idle-timeout (600 s: what others say does not keep a silent user's slot). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "apps/serve.h"
#include "net/log.h"

#define TELNET_IAC 255
#define TELNET_DONT 254
#define TELNET_DO 253
#define TELNET_WONT 252
#define TELNET_WILL 251
#define TELNET_SB 250
#define TELNET_SE 240

enum telnet_state { TS_DATA, TS_IAC, TS_WILL, TS_WONT, TS_DO, TS_DONT, TS_SB, TS_SB_IAC };

struct chat_user {
	enum telnet_state ts;
	size_t len;
	char line[]; /* chat_max_line bytes */
};

static void chat_broadcast(struct svc_conn *from, const char *msg, size_t len)
{
	struct svc_conn *c;

	TAILQ_FOREACH(c, &from->svc->conns, link) {
		if (c == from || c->dead)
			continue;
		if (svc_send(c, msg, len) == -ENOBUFS) {
			warnf("chat: user=%s is not reading; disconnecting", svc_conn_name(c));
			svc_kill(c);
		}
	}
}

static int chat_count(const struct svc *s)
{
	const struct svc_conn *c;
	int n = 0;

	TAILQ_FOREACH(c, &s->conns, link)
		n += !c->dead;
	return n;
}

static int chat_open(struct svc_conn *c)
{
	struct chat_user *u = calloc(1, sizeof(*u) + app_cfg.lim.chat_max_line);
	char msg[160];
	int others = chat_count(c->svc) - 1, n;

	if (!u)
		return -ENOMEM;
	c->priv = u;
	n = snprintf(msg, sizeof(msg),
		     "* welcome to ustack chat: %d other user%s here; lines you type go to all\r\n",
		     others, others == 1 ? "" : "s");
	if (svc_send(c, msg, (size_t)n) < 0)
		return -EPIPE;
	n = snprintf(msg, sizeof(msg), "* %s joined (%d users)\r\n", svc_conn_name(c), others + 1);
	chat_broadcast(c, msg, (size_t)n);
	return 0;
}

static void chat_line(struct svc_conn *c, struct chat_user *u)
{
	size_t prefix = strlen(svc_conn_name(c)) + 3, len = u->len;
	char *msg;

	while (len && u->line[len - 1] == '\r')
		len--;
	if (!len)
		return;
	msg = malloc(prefix + len + 2);
	if (!msg)
		return;
	snprintf(msg, prefix + 1, "[%s] ", svc_conn_name(c));
	memcpy(msg + prefix, u->line, len);
	memcpy(msg + prefix + len, "\r\n", 2);
	chat_broadcast(c, msg, prefix + len + 2);
	free(msg);
}

/* Refuses an option: DO x -> WONT x, WILL x -> DONT x. */
static void telnet_refuse(struct svc_conn *c, uint8_t verb, uint8_t opt)
{
	uint8_t r[3] = { TELNET_IAC, verb, opt };

	svc_send(c, r, sizeof(r));
}

static int chat_data(struct svc_conn *c, const uint8_t *buf, size_t len)
{
	struct chat_user *u = c->priv;

	for (size_t i = 0; i < len && !c->dead; i++) {
		uint8_t b = buf[i];

		switch (u->ts) {
		case TS_DATA:
			if (b == TELNET_IAC) {
				u->ts = TS_IAC;
				continue;
			}
			break;
		case TS_IAC:
			u->ts = b == TELNET_WILL ? TS_WILL : b == TELNET_WONT ? TS_WONT :
				b == TELNET_DO ? TS_DO : b == TELNET_DONT ? TS_DONT :
				b == TELNET_SB ? TS_SB : TS_DATA;
			if (b != TELNET_IAC)
				continue; /* IAC IAC is a literal 255; other commands carry no data */
			break;
		case TS_WILL:
			telnet_refuse(c, TELNET_DONT, b);
			u->ts = TS_DATA;
			continue;
		case TS_DO:
			telnet_refuse(c, TELNET_WONT, b);
			u->ts = TS_DATA;
			continue;
		case TS_WONT:
		case TS_DONT:
			/* Already our state: answering would start a negotiation loop. */
			u->ts = TS_DATA;
			continue;
		case TS_SB:
			if (b == TELNET_IAC)
				u->ts = TS_SB_IAC;
			continue;
		case TS_SB_IAC:
			u->ts = b == TELNET_SE ? TS_DATA : TS_SB;
			continue;
		}
		if (b == '\n') {
			chat_line(c, u);
			u->len = 0;
		} else if (b != '\0') { /* telnet sends CR NUL for a bare CR */
			u->line[u->len++] = (char)b;
			if (u->len == app_cfg.lim.chat_max_line) {
				chat_line(c, u); /* an overlong line goes out in pieces */
				u->len = 0;
			}
		}
	}
	return 0;
}

static void chat_close(struct svc_conn *c)
{
	struct chat_user *u = c->priv;
	char msg[96];
	int n;

	if (u && u->len && !c->dead)
		chat_line(c, u);
	n = snprintf(msg, sizeof(msg), "* %s left\r\n", svc_conn_name(c));
	chat_broadcast(c, msg, (size_t)n);
	free(u);
	c->priv = NULL;
}

static void chat_eof(struct svc_conn *c)
{
	struct chat_user *u = c->priv;

	/* A last line without a newline still counts. */
	if (u->len) {
		chat_line(c, u);
		u->len = 0;
	}
	svc_close_when_flushed(c);
}

const struct svc_ops svc_chat_ops = {
	.name = "chat",
	.type = SOCK_STREAM,
	.default_port = 23,
	.conn_open = chat_open,
	.conn_data = chat_data,
	.conn_eof = chat_eof,
	.conn_close = chat_close,
	.idle_limit_s = &app_cfg.lim.chat_idle_s,
};
