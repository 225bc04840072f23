/* SPDX-License-Identifier: MIT */
/* `ustack serve`: services on the socket API, driven by one thread.
 *
 * One thread waits in us_epoll_wait() on a readiness set holding every listening,
 * datagram and connected socket, all non-blocking, and calls the service's handlers for
 * the ready ones only; it drives the stack's loop itself while it waits (run to
 * completion: no loop thread, no hand-off, serve.c's serve_loop_driving), so a service
 * must never block. No thread per connection, and a round costs the sockets that are
 * ready, not the sockets held. The framework reads
 * (pausing a connection whose output queue is half full, which is what pushes back on a
 * fast sender), queues output per connection up to --conn-buf, and closes connections.
 *
 * A service is a struct svc_ops in its own file (svc_*.c) listed in serve.c's table. */
#ifndef APPS_SERVE_H
#define APPS_SERVE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "net/pool.h"
#include "net/stats.h"

struct svc;

struct svc_conn {
	int fd;
	struct sockaddr_in6 peer; /* an IPv4 peer mapped (the listener is on :: for both) */
	char name[56];            /* svc_conn_name's, made on first use ("" until then) */
	struct svc *svc;
	uint8_t *out;             /* queued output: out[out_off .. out_off + out_len) */
	size_t out_off, out_len, out_cap;
	int want_drained;         /* call ops->conn_drained when the queue empties */
	int close_when_flushed;   /* close once the queue is empty */
	int eof;                  /* the peer finished sending */
	int pause_read;           /* the service takes no more input for now */
	int dead;                 /* closing; freed at the end of the round */
	uint64_t start_us, last_active_us;
	uint64_t deadline_us;     /* set by the service (http's request head): the connection
	                           * is closed once svc_now_us() passes it; 0 = none */
	uint64_t wait_since_us;   /* set by the service while it waits for the peer (http's
	                           * request head): when the wait began, 0 = not waiting. At
	                           * --max-conn the connection waiting longest (--reclaim-after)
	                           * makes room for a new one, as nginx reuses idle ones */
	uint64_t bytes_in, bytes_out;
	void *priv;               /* the service's per-connection state (with conn_priv_size:
	                           * serve's, in the same pool object, zeroed) */
	TAILQ_ENTRY(svc_conn) link;
	/* serve's own: the events registered in its readiness set, and whether the
	 * connection is on this round's list of those to look at again (serve.c) */
	uint32_t ev_set;
	int touched;
	TAILQ_ENTRY(svc_conn) touch_link;
};
TAILQ_HEAD(svc_conn_list, svc_conn);

struct svc_ops {
	const char *name;
	int type;                 /* SOCK_STREAM or SOCK_DGRAM */
	uint16_t default_port;
	/* ",key=value" in --serve; NULL if the service takes none. 0 or -EINVAL with err. */
	int (*option)(struct svc *s, const char *key, const char *val, char *err, size_t errlen);
	/* After the options, while the command line is checked (e.g. that a directory
	 * exists). 0 or -errno with err. */
	int (*start)(struct svc *s, char *err, size_t errlen);
	void (*stop)(struct svc *s);

	/* Datagram services: the socket is readable. */
	void (*dgram_ready)(struct svc *s);

	/* Stream services: bytes of per-connection state serve allocates with each
	 * connection, zeroed, c->priv pointing at them before conn_open (0: none; the
	 * service may then set priv itself). */
	size_t conn_priv_size;
	/* Stream services. conn_open may send a greeting; <0 refuses the connection. */
	int (*conn_open)(struct svc_conn *c);
	/* Bytes from the peer; <0 closes the connection. NULL: the service discards what
	 * comes, which is then taken out of the stream uncopied (MSG_TRUNC). */
	int (*conn_data)(struct svc_conn *c, const uint8_t *buf, size_t len);
	/* The peer finished sending; NULL: close once the output is flushed. */
	void (*conn_eof)(struct svc_conn *c);
	/* The output queue emptied and want_drained is set: produce more. <0 closes. */
	int (*conn_drained)(struct svc_conn *c);
	/* deadline_us passed: a last word (http's 408) before the connection is closed. */
	void (*conn_timeout)(struct svc_conn *c);
	/* The connection is closing (any reason); free priv here. */
	void (*conn_close)(struct svc_conn *c);
	/* The service's own idle limit in seconds (an app_cfg.lim field, 0 = none); the
	 * shorter of it and --idle-timeout applies. NULL: only --idle-timeout. */
	const unsigned *idle_limit_s;
};

struct svc {
	const struct svc_ops *ops;
	uint16_t port;
	int fd;                   /* listening or datagram socket, -1 before serving */
	void *priv;               /* the service's own state */
	char root[4096];          /* http root=DIR */
	struct svc_conn_list conns;
	int nconns;
	/* Its connections, each a struct svc_conn followed by the service's conn_priv_size
	 * bytes: taken from a pool of 64 KiB slabs that grows as connections come (at most
	 * --max-conn live) and keeps its slabs for the next ones; slabs left wholly free
	 * once a sweep finds no allocation since the last go back but one (serve.c). Used
	 * by the serving thread alone. */
	struct net_pool conn_pool;
	uint64_t conn_pool_allocs; /* conn_pool.allocs at the last sweep */
	int accept_ready;         /* the listener polled readable this round */
	uint32_t ev_set;          /* the events registered for fd in serve's readiness set */
};

/* The peer as "A.B.C.D:PORT" or "[2001:db8::1]:PORT", for messages: formatted on first
 * use, so a connection nobody names costs no formatting. */
const char *svc_conn_name(struct svc_conn *c);

/* Parses every --serve spec into the calling thread's services; called by the
 * command-line parser (and by each serving thread of serve_mq.c). 0 or -EINVAL (printed). */
int serve_parse_specs(void);
/* NULL, or called by serve_main in each serving thread once its services listen (rc 0) or
 * one failed to (rc < 0): returns 1 to print the "serving" lines, 0 not to, < 0 to stop
 * (serve_mq.c waits there until every queue's stack listens). */
extern int (*serve_listening)(int rc);

/* queues=N on the tap device (serve_mq.c): whether serve runs several stacks, and a usage
 * check of the command line for it. serve_mq_check: 0 or -EINVAL (printed). */
int serve_mq_queues(void);
int serve_mq_check(void);
/* Serves with N stacks, one per queue, st (queue 0's, already running) one of them; each
 * in its own thread, all with the same services. Returns the exit code. */
struct ustack;
int serve_mq_main(struct ustack *st);

/* Queues len bytes for the peer (sending at once what the socket takes). 0, -ENOBUFS if
 * the queue would pass --conn-buf (nothing is queued then), or -EPIPE on a dead one. */
int svc_send(struct svc_conn *c, const void *buf, size_t len);
/* Sends up to len bytes of the file fd from *off (which moves on) straight from the file
 * into the socket's send buffer (us_sendfile: no copy through the service, nothing kept in
 * the connection's queue). Returns the bytes sent, 0 when the socket takes nothing now (or
 * the queue still holds output: wait for conn_drained), -ENODATA when the file ended
 * first, or another -errno (the socket's error, or the file's read). */
ssize_t svc_send_file(struct svc_conn *c, int fd, off_t *off, size_t len);
/* The time of this round of the loop (app_now_us() read once after each wait): what a
 * service uses for its deadlines, at no clock read of its own. */
uint64_t svc_now_us(void);
/* Bytes svc_send would still accept. */
size_t svc_out_room(const struct svc_conn *c);
/* Bytes the connection's socket would take now, were they sent: its send buffer's size
 * (SO_SNDBUF, which the stack's auto-tuning grows) less what it holds (SIOCOUTQ); 0 while
 * the connection's own queue holds output, which must leave first. A producer that reads
 * no more than this (http's file) has each byte copied once, into the socket, and none
 * kept in the queue. */
size_t svc_send_space(const struct svc_conn *c);
/* Closes the connection after its queue drains (c->close_when_flushed). */
void svc_close_when_flushed(struct svc_conn *c);
/* Closes the connection at the end of this round, dropping queued output. */
void svc_kill(struct svc_conn *c);

/* What serve did to connections, printed with --stats like the stack's counters;
 * out_queued: bytes svc_send copied into connections' queues because the socket had no
 * room for them (each copied a second time when it leaves); pool_slabs: slabs serve's
 * pools of connections and output queues took from malloc. */
#define SERVE_COUNTERS(X)                                                                  \
	X(conns_accepted) X(refused_per_source) X(closed_deadline) X(closed_idle)         \
	X(reclaimed) X(accept_deferred) X(out_queued) X(pool_slabs)
STATS_DECLARE(serve, SERVE_COUNTERS);
#define serve_stats STATS_REF(serve)

extern const struct svc_ops svc_udp_echo_ops, svc_echo_ops, svc_discard_ops, svc_sink_ops,
	svc_chat_ops, svc_http_ops;

#endif
