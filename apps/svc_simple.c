/* SPDX-License-Identifier: MIT */
/* The small TCP services: echo (RFC 862), discard (RFC 863), and sink, which discards
 * like discard but reports each connection's byte count and throughput when it ends, so
 * an iperf (version 2) client can be pointed at it. An echo client that sends nothing for
 * --echo-idle-timeout (300 s) is closed: an idle connection must not hold a slot for ever. */
#include <stdio.h>

#include "apps/app.h"
#include "apps/serve.h"

static int echo_data(struct svc_conn *c, const uint8_t *buf, size_t len)
{
	/* The framework reads at most half of --conn-buf while less than half is queued, so
	 * the echo always fits; a failure here means the peer is gone. */
	return svc_send(c, buf, len);
}

const struct svc_ops svc_echo_ops = {
	.name = "echo",
	.type = SOCK_STREAM,
	.default_port = 7,
	.conn_data = echo_data,
	.idle_limit_s = &app_cfg.lim.echo_idle_s,
};

const struct svc_ops svc_discard_ops = {
	.name = "discard",
	.type = SOCK_STREAM,
	.default_port = 9,
	.conn_data = NULL, /* what comes is dropped uncopied (serve.c reads with MSG_TRUNC) */
};

static void sink_close(struct svc_conn *c)
{
	double secs = (double)(app_now_us() - c->start_us) / 1e6;
	double mbit = secs > 0 ? (double)c->bytes_in * 8 / secs / 1e6 : 0;

	fprintf(stderr, APP_NAME ": sink: %s sent %llu bytes in %.3f s (%.2f Mbit/s)\n", svc_conn_name(c),
		(unsigned long long)c->bytes_in, secs, mbit);
}

const struct svc_ops svc_sink_ops = {
	.name = "sink",
	.type = SOCK_STREAM,
	.default_port = 5001,
	.conn_data = NULL, /* as discard */
	.conn_close = sink_close,
};
