/* SPDX-License-Identifier: MIT */
/* `ustack serve`: the service table, --serve parsing, and the one loop that drives every
 * service's sockets through a readiness set (see serve.h). */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>

#include "apps/app.h"
#include "apps/serve.h"
#include "ip/ip.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/socket.h"

#define SERVE_READ_CHUNK (64 * 1024) /* bytes read per recv call */
#define SERVE_READS_PER_ROUND 4      /* recv calls per connection per round, for fairness */
#define SERVE_ACCEPTS_PER_ROUND 64
#define SERVE_OUT_IDLE_US 1000000    /* an empty output queue idle this long is freed */
#define SERVE_OUT_FIRST 4096         /* an output queue's first size (from out_pool) */
#define SERVE_POOL_KEEP 1            /* wholly free slabs an idle pool keeps */

static const struct svc_ops *const svc_table[] = {
	&svc_echo_ops, &svc_discard_ops, &svc_chat_ops, &svc_http_ops, &svc_udp_echo_ops,
	&svc_sink_ops,
};

/* Per thread: with queues=N (serve_mq.c) each of N threads serves its own stack, with its
 * own services, connections and counts. */
static __thread struct svc services[APP_MAX_SERVICES];
static __thread int nservices;
static __thread int total_conns;
/* Output queues of SERVE_OUT_FIRST bytes, a connection's first (most never grow): from a
 * pool, as the connections are, at most --max-conn live; a queue that outgrows it moves
 * to malloc. Trimmed as the connection pools are (conns_sweep). */
static __thread struct net_pool out_pool;
static __thread uint64_t out_pool_allocs;

int (*serve_listening)(int rc);

STATS_DEFINE(serve, SERVE_COUNTERS)

/* An object from one of serve's pools, the slabs it took from malloc counted. */
static void *pool_take(struct net_pool *p)
{
	uint64_t slabs = p->slab_allocs;
	void *o = net_pool_alloc(p);

	STAT_ADD(serve, pool_slabs, p->slab_allocs - slabs);
	return o;
}

/* ---- connections held per source address (--max-conn-per-source) ---- */

#define SRC_BUCKETS 1024 /* a power of two */

struct src_count {
	uint32_t addr;
	int n;
	struct src_count *next;
};

static __thread struct src_count *src_tab[SRC_BUCKETS];
/* The entries come from a pool, as connections do (no malloc per new source), at most
 * one per connection: --max-conn live. Trimmed with the others (conns_sweep). */
static __thread struct net_pool src_pool;
static __thread uint64_t src_pool_allocs;

static struct src_count **src_slot(uint32_t addr)
{
	struct src_count **pp = &src_tab[(addr * 2654435761u) >> 22 & (SRC_BUCKETS - 1)];

	while (*pp && (*pp)->addr != addr)
		pp = &(*pp)->next;
	return pp;
}

/* The key of a peer: an IPv4 address itself (mapped), an IPv6 one folded to 32 bits.
 * NOTE: two IPv6 peers may share a key and so a --max-conn-per-source count. */
static uint32_t src_key(const struct sockaddr_in6 *peer)
{
	uint32_t w[4];

	memcpy(w, peer->sin6_addr.s6_addr, 16);
	if (IN6_IS_ADDR_V4MAPPED(&peer->sin6_addr))
		return w[3];
	return w[0] ^ w[1] * 0x9e3779b1u ^ w[2] * 0x85ebca6bu ^ w[3] * 0xc2b2ae35u;
}

static int src_held(uint32_t addr)
{
	struct src_count *e = *src_slot(addr);

	return e ? e->n : 0;
}

/* Counts one more (delta 1) or one fewer (-1) connection from addr; 0 or -ENOMEM. */
static int src_add(uint32_t addr, int delta)
{
	struct src_count **pp = src_slot(addr), *e = *pp;

	if (!e) {
		if (delta < 0)
			return 0;
		e = pool_take(&src_pool); /* zeroed */
		if (!e)
			return -ENOMEM;
		e->addr = addr;
		*pp = e;
	}
	e->n += delta;
	if (e->n <= 0) {
		*pp = e->next;
		net_pool_free(&src_pool, e);
	}
	return 0;
}

/* Where a connection's service state begins in its pool object: after the struct, at
 * malloc's alignment. */
static size_t conn_priv_off(void)
{
	return (sizeof(struct svc_conn) + 15) & ~(size_t)15;
}

/* ---- --serve NAME[:PORT][,key=value]... ---- */

static int parse_one(const char *spec, struct svc *s)
{
	char buf[4200], err[200] = "";
	char *name, *opts, *colon;
	const struct svc_ops *ops = NULL;

	if (strlen(spec) >= sizeof(buf)) {
		app_error("--serve: the spec is too long");
		return -EINVAL;
	}
	strcpy(buf, spec);
	name = buf;
	opts = strchr(buf, ',');
	if (opts)
		*opts++ = '\0';
	colon = strchr(name, ':');
	if (colon)
		*colon++ = '\0';
	for (size_t i = 0; i < sizeof(svc_table) / sizeof(svc_table[0]); i++)
		if (!strcmp(svc_table[i]->name, name))
			ops = svc_table[i];
	if (!ops) {
		app_error("--serve '%s': unknown service '%s': use echo, discard, chat, http, "
			  "udp-echo or sink", spec, name);
		return -EINVAL;
	}
	*s = (struct svc){ .ops = ops, .port = ops->default_port, .fd = -1 };
	TAILQ_INIT(&s->conns);
	net_pool_init(&s->conn_pool, "serve_conn", conn_priv_off() + ops->conn_priv_size, 0);
	if (colon && app_parse_port(colon, &s->port))
		return -EINVAL;
	while (opts && *opts) {
		char *next = strchr(opts, ','), *eq;
		if (next)
			*next++ = '\0';
		eq = strchr(opts, '=');
		if (!eq || !ops->option) {
			app_error("--serve '%s': unexpected '%s'%s", spec, opts,
				  ops->option ? ": give key=value" : ": this service takes no options");
			return -EINVAL;
		}
		*eq = '\0';
		if (ops->option(s, opts, eq + 1, err, sizeof(err))) {
			app_error("--serve '%s': %s", spec, err);
			return -EINVAL;
		}
		opts = next;
	}
	/* Checked now, so that a bad root= is a usage error before any device is touched. */
	if (ops->start && ops->start(s, err, sizeof(err)) < 0) {
		app_error("--serve '%s': %s", spec, err);
		return -EINVAL;
	}
	return 0;
}

int serve_parse_specs(void)
{
	nservices = 0;
	for (int i = 0; i < app_cfg.nservices; i++) {
		struct svc *s = &services[i];

		if (parse_one(app_cfg.services[i].spec, s))
			return -EINVAL;
		for (int j = 0; j < i; j++) {
			if (services[j].port == s->port && services[j].ops->type == s->ops->type) {
				app_error("--serve: %s and %s both want %s port %u: give one another "
					  "port (like %s:%u)", services[j].ops->name, s->ops->name,
					  s->ops->type == SOCK_STREAM ? "TCP" : "UDP", s->port,
					  s->ops->name, s->port + 1000u);
				return -EINVAL;
			}
		}
		nservices++;
	}
	return 0;
}

/* ---- the readiness set ---- */

/* Every socket serve holds is a member of one readiness set (us_epoll_*), level-triggered,
 * registered once with the events it wants, changed (MOD) only when that changes: a round
 * handles the sockets that are ready, not every socket held. A connection whose state may
 * have changed in a round (it was ready, a service sent to it or killed it, it was just
 * accepted) is "touched": at the end of the round serve looks at the touched ones only,
 * frees the dead and sets the interest of the rest. Timeouts are looked for by a sweep
 * over all connections every SERVE_SWEEP_US. */
/* Per serving thread, as the services are (serve_mq.c runs one per queue's stack); the
 * list is initialised by serve_loop, a thread-local's address being no constant. */
static __thread int serve_epfd = -1;
static __thread uint64_t round_us; /* svc_now_us: read once per round, after the wait */
static __thread TAILQ_HEAD(, svc_conn) touched_conns;

static void conn_touch(struct svc_conn *c)
{
	if (!c->touched) {
		c->touched = 1;
		TAILQ_INSERT_TAIL(&touched_conns, c, touch_link);
	}
}

/* The events a connection waits for in its state. */
static uint32_t conn_interest(const struct svc_conn *c)
{
	uint32_t ev = 0;

	if (!c->eof && !c->pause_read && c->out_len < app_cfg.lim.conn_buf / 2)
		ev |= US_EPOLLIN;
	if (c->out_len || c->want_drained)
		ev |= US_EPOLLOUT;
	return ev;
}

/* Registers (add) or changes fd's interest in the set; data is the svc or svc_conn. */
static int ready_set(int fd, int add, uint32_t ev, void *data)
{
	struct us_epoll_event e = { .events = ev, .data.ptr = data };

	return us_epoll_ctl(serve_epfd, add ? US_EPOLL_CTL_ADD : US_EPOLL_CTL_MOD, fd, &e);
}

const char *svc_conn_name(struct svc_conn *c)
{
	if (!c->name[0])
		app_endpoint_ntop((const struct sockaddr *)&c->peer, c->name, sizeof(c->name));
	return c->name;
}

uint64_t svc_now_us(void)
{
	return round_us ? round_us : app_now_us();
}

/* Is the ready set's data pointer a service (its own socket), not a connection? */
static struct svc *data_service(void *p)
{
	uintptr_t a = (uintptr_t)p;

	if (a >= (uintptr_t)services && a < (uintptr_t)(services + nservices))
		return p;
	return NULL;
}

/* ---- connection output ---- */

size_t svc_out_room(const struct svc_conn *c)
{
	return c->out_len >= app_cfg.lim.conn_buf ? 0 : app_cfg.lim.conn_buf - c->out_len;
}

ssize_t svc_send_file(struct svc_conn *c, int fd, off_t *off, size_t len)
{
	ssize_t n;

	if (c->dead)
		return -EPIPE;
	if (c->out_len || len == 0)
		return 0; /* the queue leaves first */
	n = us_sendfile(c->fd, fd, off, len);
	if (n == -EAGAIN)
		return 0;
	if (n == 0)
		return -ENODATA;
	if (n > 0)
		c->bytes_out += (uint64_t)n;
	return n;
}

size_t svc_send_space(const struct svc_conn *c)
{
	int size = 0, held = 0;
	socklen_t len = sizeof(size);

	if (c->out_len || c->dead)
		return 0;
	if (us_getsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, &len) < 0 ||
	    us_ioctl(c->fd, SIOCOUTQ, &held) < 0 || held >= size)
		return 0;
	return (size_t)(size - held);
}

/* Sends queued bytes until the socket would block. 0 or -errno. */
static int conn_flush(struct svc_conn *c)
{
	while (c->out_len) {
		ssize_t n = us_send(c->fd, c->out + c->out_off, c->out_len, 0);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return (int)n;
		c->out_off += (size_t)n;
		c->out_len -= (size_t)n;
		c->bytes_out += (uint64_t)n;
	}
	c->out_off = 0;
	return 0;
}

int svc_send(struct svc_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (c->dead)
		return -EPIPE;
	if (len > svc_out_room(c))
		return -ENOBUFS;
	if (!c->out_len) {
		/* Nothing queued: let the socket take what it can without a copy. */
		while (len) {
			ssize_t n = us_send(c->fd, p, len, 0);
			if (n == -EAGAIN)
				break;
			if (n < 0) {
				svc_kill(c);
				return (int)n;
			}
			p += n;
			len -= (size_t)n;
			c->bytes_out += (uint64_t)n;
		}
		if (!len)
			return 0;
	}
	if (c->out_off + c->out_len + len > c->out_cap) {
		size_t need = c->out_len + len, cap = c->out_cap ? c->out_cap : SERVE_OUT_FIRST;
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len);
			c->out_off = 0;
		}
		while (cap < need)
			cap *= 2;
		if (cap != c->out_cap) {
			uint8_t *nb;

			if (cap == SERVE_OUT_FIRST) /* the first: there was none */
				nb = pool_take(&out_pool);
			else if (c->out_cap == SERVE_OUT_FIRST) /* from the pool to malloc */
				nb = malloc(cap);
			else
				nb = realloc(c->out, cap);
			if (!nb)
				return -ENOMEM;
			if (c->out_cap == SERVE_OUT_FIRST && cap != SERVE_OUT_FIRST) {
				memcpy(nb, c->out, c->out_len);
				net_pool_free(&out_pool, c->out);
			}
			c->out = nb;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_off + c->out_len, p, len);
	c->out_len += len;
	STAT_ADD(serve, out_queued, len);
	conn_touch(c); /* it now waits for room to send */
	return 0;
}

/* Gives a connection's output queue back (to out_pool or to malloc). */
static void out_release(struct svc_conn *c)
{
	if (c->out_cap == SERVE_OUT_FIRST)
		net_pool_free(&out_pool, c->out);
	else
		free(c->out);
	c->out = NULL;
	c->out_cap = c->out_off = 0;
}

void svc_close_when_flushed(struct svc_conn *c)
{
	c->close_when_flushed = 1;
	c->want_drained = 0;
	conn_touch(c);
}

void svc_kill(struct svc_conn *c)
{
	c->dead = 1;
	conn_touch(c);
}

/* ---- sockets ---- */

static int service_open(struct svc *s)
{
	/* on :: with IPV6_V6ONLY off: IPv4 and IPv6 through one socket, IPv4 peers mapped */
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(s->port) };
	const char *proto = s->ops->type == SOCK_STREAM ? "TCP" : "UDP";
	int one = 1, zero = 0, rc;

	s->fd = us_socket(AF_INET6, s->ops->type | US_SOCK_NONBLOCK,
			  s->ops->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
	if (s->fd < 0) {
		rc = s->fd;
		app_error("serve %s: cannot open a %s socket: %s%s", s->ops->name, proto,
			  strerror(-rc), rc == -EPROTONOSUPPORT || rc == -EAFNOSUPPORT ?
			  " (this build has no such protocol)" : "");
		return rc;
	}
	us_setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	us_setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	app_apply_bufs(s->fd);
	rc = us_bind(s->fd, (const struct sockaddr *)&a, sizeof(a));
	if (rc == -EADDRINUSE) {
		app_error("serve %s: %s port %u is already in use: pick another with --serve %s:PORT",
			  s->ops->name, proto, s->port, s->ops->name);
		return rc;
	}
	if (rc < 0) {
		app_error("serve %s: cannot bind %s port %u: %s", s->ops->name, proto, s->port,
			  strerror(-rc));
		return rc;
	}
	if (s->ops->type == SOCK_STREAM && (rc = us_listen(s->fd, app_cfg.lim.backlog)) < 0) {
		app_error("serve %s: cannot listen on TCP port %u: %s", s->ops->name, s->port,
			  strerror(-rc));
		return rc;
	}
	return 0;
}

static void conn_free(struct svc_conn *c)
{
	struct svc *s = c->svc;

	if (s->ops->conn_close)
		s->ops->conn_close(c);
	us_close(c->fd); /* which takes it out of the readiness set */
	if (c->touched)
		TAILQ_REMOVE(&touched_conns, c, touch_link);
	TAILQ_REMOVE(&s->conns, c, link);
	s->nconns--;
	total_conns--;
	src_add(src_key(&c->peer), -1);
	debugf("svc=%s peer=%s closed in=%llu out=%llu", s->ops->name, svc_conn_name(c),
	       (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out);
	out_release(c);
	net_pool_free(&s->conn_pool, c);
}

static void conn_readable(struct svc_conn *c);

/* At --max-conn: the connection that has waited longest for its peer's next word (an HTTP
 * request head, with or without a head timeout), if that wait began before `before` and
 * is --reclaim-after old, or NULL. A real client's head comes within a round trip, and the
 * longest wait of all is a slow client's (slowloris). No minimum age by default: were a
 * new connection to wait for an old one to age, an attacker holding more connections than
 * --max-conn plus the backlog would keep the accept queue full, and others' SYNs would
 * find no room. */
static struct svc_conn *reclaim_victim(uint64_t before)
{
	uint64_t age = app_cfg.lim.reclaim_after_ms * 1000ull, now = svc_now_us();
	struct svc_conn *c, *best = NULL;

	for (int i = 0; i < nservices; i++)
		TAILQ_FOREACH(c, &services[i].conns, link)
			if (!c->dead && c->wait_since_us && c->wait_since_us < before &&
			    c->wait_since_us + age <= now &&
			    (!best || c->wait_since_us < best->wait_since_us))
				best = c;
	return best;
}

/* Accepts what waits (called where no event of the round refers to a connection any
 * more: it may free one). At
 * --max-conn each new connection takes the slot of the slowest waiter, if there is one;
 * never of one accepted in this same call, which has not been read yet. */
static void service_accept(struct svc *s)
{
	uint64_t round = svc_now_us();

	for (int i = 0; i < SERVE_ACCEPTS_PER_ROUND; i++) {
		struct sockaddr_in6 peer;
		socklen_t peerlen = sizeof(peer);
		struct svc_conn *c, *victim = NULL;
		char a[APP_ADDR_STRLEN];
		int fd;

		if (total_conns >= app_cfg.lim.max_conn && !(victim = reclaim_victim(round)))
			return;
		fd = us_accept4(s->fd, (struct sockaddr *)&peer, &peerlen, US_SOCK_NONBLOCK);

		if (fd == -EAGAIN)
			return;
		if (fd < 0) {
			warnf("svc=%s accept: %s", s->ops->name, strerror(-fd));
			return;
		}
		if (app_cfg.lim.max_conn_per_source > 0 &&
		    src_held(src_key(&peer)) >= app_cfg.lim.max_conn_per_source) {
			/* A reset, not a FIN: the client learns at once, and nothing lingers. */
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			STAT_INC(serve, refused_per_source);
			debugf("svc=%s peer=%s refused: it holds %d connections already",
			       s->ops->name, app_addr_ntop((struct sockaddr *)&peer, a, sizeof(a)),
			       app_cfg.lim.max_conn_per_source);
			us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			us_close(fd);
			continue;
		}
		/* Only now that a connection is here to take it does the slot change hands. */
		if (victim) {
			debugf("svc=%s peer=%s closed to make room (--max-conn %d)",
			       victim->svc->ops->name, svc_conn_name(victim), app_cfg.lim.max_conn);
			STAT_INC(serve, reclaimed);
			conn_free(victim);
		}
		c = pool_take(&s->conn_pool); /* zeroed */
		if (!c || src_add(src_key(&peer), 1) < 0) {
			net_pool_free(&s->conn_pool, c);
			us_close(fd);
			return;
		}
		if (s->ops->conn_priv_size)
			c->priv = (uint8_t *)c + conn_priv_off();
		STAT_INC(serve, conns_accepted);
		c->fd = fd;
		c->peer = peer;
		c->svc = s;
		c->start_us = c->last_active_us = svc_now_us();
		TAILQ_INSERT_TAIL(&s->conns, c, link);
		s->nconns++;
		total_conns++;
		debugf("svc=%s peer=%s accepted conns=%d", s->ops->name, svc_conn_name(c), total_conns);
		if (s->ops->conn_open && s->ops->conn_open(c) < 0)
			svc_kill(c);
		c->ev_set = conn_interest(c);
		if (ready_set(c->fd, 1, c->ev_set, c) < 0)
			svc_kill(c);
		conn_touch(c);
		/* A client's first request often comes with the ACK that completed the
		 * handshake: read it in this round, so that the answer carries its ACK (TCP
		 * defers both to the round's end). Left to the next wait, the round's end
		 * would send a bare ACK first. */
		if (!c->dead)
			conn_readable(c);
	}
}

/* Input for one connection: a few reads, paused while the output queue is half full. */
static void conn_readable(struct svc_conn *c)
{
	uint8_t buf[SERVE_READ_CHUNK]; /* on the stack: one per serving thread */

	for (int i = 0; i < SERVE_READS_PER_ROUND && !c->dead && !c->eof && !c->pause_read; i++) {
		size_t room = app_cfg.lim.conn_buf / 2, want = sizeof(buf) < room ? sizeof(buf) : room;
		ssize_t n;

		if (c->out_len >= room)
			return;
		n = us_recv(c->fd, buf, want, c->svc->ops->conn_data ? 0 : MSG_TRUNC);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			debugf("svc=%s peer=%s recv: %s", c->svc->ops->name, svc_conn_name(c), strerror((int)-n));
			svc_kill(c);
			return;
		}
		c->last_active_us = svc_now_us();
		if (n == 0) {
			c->eof = 1;
			if (c->svc->ops->conn_eof)
				c->svc->ops->conn_eof(c);
			else
				svc_close_when_flushed(c);
			return;
		}
		c->bytes_in += (uint64_t)n;
		if (c->svc->ops->conn_data && c->svc->ops->conn_data(c, buf, (size_t)n) < 0)
			svc_kill(c);
		/* A short read took all there was: the next is -EAGAIN, or data that came
		 * since, which the level-triggered set reports next round (and an end of file
		 * the same way). */
		if ((size_t)n < want)
			return;
	}
}

static void conn_writable(struct svc_conn *c)
{
	if (conn_flush(c) < 0) {
		svc_kill(c);
		return;
	}
	if (!c->out_len && c->want_drained && !c->dead && c->svc->ops->conn_drained &&
	    c->svc->ops->conn_drained(c) < 0)
		svc_kill(c);
}

#define SERVE_EVENTS_PER_WAIT 128
#define SERVE_SWEEP_US 100000 /* how often every connection's timeouts are looked at */

/* The end of a round for the touched connections: the dead are freed, the others wait
 * for what their state now asks. */
static void conns_settle(void)
{
	struct svc_conn *c;

	while ((c = TAILQ_FIRST(&touched_conns))) {
		uint32_t ev;

		TAILQ_REMOVE(&touched_conns, c, touch_link);
		c->touched = 0;
		if (!c->dead && c->close_when_flushed && !c->out_len)
			c->dead = 1;
		if (c->dead) {
			conn_free(c);
			continue;
		}
		ev = conn_interest(c);
		if (ev != c->ev_set) {
			if (ready_set(c->fd, 0, ev, c) < 0) {
				conn_free(c);
				continue;
			}
			c->ev_set = ev;
		}
	}
}

/* A pool that took nothing since the last sweep gives back its wholly free slabs but
 * SERVE_POOL_KEEP: after a load, an idle server holds slabs for the connections it holds,
 * while under load the slabs stay for the next connections. */
static void pool_trim_idle(struct net_pool *p, uint64_t *allocs_seen)
{
	if (p->allocs == *allocs_seen)
		net_pool_trim(p, SERVE_POOL_KEEP);
	*allocs_seen = p->allocs;
}

/* Deadlines, idle limits and idle output queues of every connection; the pools. */
static void conns_sweep(uint64_t now)
{
	for (int i = 0; i < nservices; i++) {
		unsigned idle = app_cfg.lim.idle_timeout_s; /* seconds, 0: none */
		unsigned own = services[i].ops->idle_limit_s ? *services[i].ops->idle_limit_s : 0;
		struct svc_conn *c;

		if (own && (!idle || own < idle))
			idle = own;
		TAILQ_FOREACH(c, &services[i].conns, link) {
			if (c->dead)
				continue;
			if (c->deadline_us && now >= c->deadline_us) {
				debugf("svc=%s peer=%s deadline passed", services[i].ops->name, svc_conn_name(c));
				STAT_INC(serve, closed_deadline);
				if (services[i].ops->conn_timeout)
					services[i].ops->conn_timeout(c);
				svc_kill(c);
			} else if (idle && now - c->last_active_us > idle * 1000000ull) {
				debugf("svc=%s peer=%s idle timeout", services[i].ops->name, svc_conn_name(c));
				STAT_INC(serve, closed_idle);
				svc_kill(c);
			} else if (!c->out_len && c->out &&
				   now - c->last_active_us > SERVE_OUT_IDLE_US) {
				/* An idle connection's empty output queue goes back; svc_send
				 * grows a new one when needed. */
				out_release(c);
			}
		}
		pool_trim_idle(&services[i].conn_pool, &services[i].conn_pool_allocs);
	}
	pool_trim_idle(&out_pool, &out_pool_allocs);
	pool_trim_idle(&src_pool, &src_pool_allocs);
}

static int serve_loop(void)
{
	struct us_epoll_event evs[SERVE_EVENTS_PER_WAIT];
	uint64_t next_sweep = 0;
	int rc = 0;

	TAILQ_INIT(&touched_conns);
	/* service_accept keeps total_conns within --max-conn; the pools' limits say so too */
	net_pool_init(&out_pool, "serve_out", SERVE_OUT_FIRST, 0);
	out_pool.limit = (unsigned)app_cfg.lim.max_conn;
	net_pool_init(&src_pool, "serve_src", sizeof(struct src_count), 0);
	src_pool.limit = (unsigned)app_cfg.lim.max_conn;
	for (int i = 0; i < nservices; i++)
		services[i].conn_pool.limit = (unsigned)app_cfg.lim.max_conn;
	serve_epfd = us_epoll_create();
	if (serve_epfd < 0) {
		app_error("serve: cannot create a readiness set: %s", strerror(-serve_epfd));
		return serve_epfd;
	}
	for (int i = 0; i < nservices; i++) {
		services[i].ev_set = US_EPOLLIN;
		rc = ready_set(services[i].fd, 1, US_EPOLLIN, &services[i]);
		if (rc < 0) {
			app_error("serve: cannot watch %s's socket: %s", services[i].ops->name,
				  strerror(-rc));
			goto out;
		}
	}
	while (!app_stopping()) {
		uint64_t now;
		int ready, room;

		/* At --max-conn, new connections wait in the listener's backlog, unless a slow
		 * connection can make room for one. */
		room = total_conns < app_cfg.lim.max_conn || reclaim_victim(UINT64_MAX);
		if (!room)
			STAT_INC(serve, accept_deferred);
		for (int i = 0; i < nservices; i++) {
			struct svc *s = &services[i];
			uint32_t lev = (s->ops->type == SOCK_DGRAM || room) ? US_EPOLLIN : 0;

			if (lev != s->ev_set && ready_set(s->fd, 0, lev, s) == 0)
				s->ev_set = lev;
		}

		ready = us_epoll_wait(serve_epfd, evs, SERVE_EVENTS_PER_WAIT, APP_TICK_MS);
		if (ready < 0 && ready != -EINTR) {
			app_error("serve: waiting for sockets failed: %s", strerror(-ready));
			rc = ready;
			break;
		}
		round_us = app_now_us();
		for (int i = 0; i < ready; i++) {
			struct svc *s = data_service(evs[i].data.ptr);
			struct svc_conn *c = s ? NULL : evs[i].data.ptr;
			uint32_t rev = evs[i].events;

			if (s) {
				if (s->ops->type == SOCK_STREAM)
					s->accept_ready = 1; /* below, once no event refers to a conn */
				else
					s->ops->dgram_ready(s);
				continue;
			}
			if (c->dead)
				continue;
			conn_touch(c);
			/* Read first on HUP/ERR too: the data before a FIN or reset counts. */
			if (rev & (US_EPOLLIN | US_EPOLLHUP | US_EPOLLERR))
				conn_readable(c);
			if (!c->dead && (rev & US_EPOLLOUT))
				conn_writable(c);
			if (!c->dead && c->eof && (rev & US_EPOLLERR))
				svc_kill(c);
		}
		/* Accepted connections are touched, and so settled with the rest. */
		for (int i = 0; i < nservices; i++) {
			if (services[i].accept_ready) {
				services[i].accept_ready = 0;
				service_accept(&services[i]);
			}
		}
		now = round_us;
		if (now >= next_sweep) {
			conns_sweep(now);
			next_sweep = now + SERVE_SWEEP_US;
		}
		conns_settle();
	}
out:
	us_close(serve_epfd);
	serve_epfd = -1;
	round_us = 0;
	return rc;
}

/* Run to completion: this thread drives the stack's loop itself while it waits in
 * us_epoll_wait (socket_config.drive_loop, with this thread named the driver), and the
 * loop thread rests. Device reads, timers and TCP's processing run here, between the rounds that
 * handle the ready sockets, so an event costs no condition-variable wake-up and no hand-off
 * of the lock between two threads - on this VM a futex wake across vCPUs is a halt and an
 * interrupt (docs/architecture.md). The services never block (every socket is
 * non-blocking and each round's work is bounded), so timers wait at most one round. Other
 * threads (the DHCP client, `ustack ctl`'s) keep their blocking calls: they sleep on
 * condition variables and this thread's iterations wake them. The loop thread comes back
 * for the drain after serving. */
static int serve_loop_driving(void)
{
	int drive = net_loop_thread_join(), rc; /* 0: no loop thread to stand in for */

	if (drive) {
		net_loop_set_driver(1);
		socket_config.drive_loop = 1;
	}
	rc = serve_loop();
	if (drive) {
		int err;
		socket_config.drive_loop = 0;
		net_loop_set_driver(0);
		err = net_loop_thread_start();
		if (err < 0) {
			app_error("serve: cannot restart the loop thread: %s", strerror(-err));
			if (rc >= 0)
				rc = err;
		}
	}
	return rc;
}

/* Once every service listens: one line per address and service it answers on, as
 * "serving http on 10.0.0.2:80/tcp (ustap0)" (the sockets are bound to every address). */
static void serve_announce(void)
{
	struct app_addr addrs[APP_MAX_DEVS * NET_IFACE_MAX];
	int n = app_addrs(addrs, APP_MAX_DEVS * NET_IFACE_MAX);

	for (int j = 0; j < n; j++) {
		char a[IP_ADDR_STRLEN] = "*";

		if (addrs[j].addr)
			ip_addr_ntop(addrs[j].addr, a, sizeof(a));
		for (int i = 0; i < nservices; i++)
			fprintf(stderr, APP_NAME ": serving %s on %s:%u/%s (%s%s)\n",
				services[i].ops->name, a, services[i].port,
				services[i].ops->type == SOCK_STREAM ? "tcp" : "udp", addrs[j].dev,
				addrs[j].addr ? "" : ", no address yet");
		/* With no --serve the stack still answers ARP and ping, and routes with
		 * --forward. */
		if (!nservices)
			fprintf(stderr, APP_NAME ": serving no service on %s (%s): ARP, ICMP%s only\n",
				a, addrs[j].dev, ip_config.forwarding ? " and forwarding" : "");
	}
}

int serve_main(void)
{
	int rc = 0, opened = 0, announce = 1;

	for (opened = 0; opened < nservices; opened++) {
		rc = service_open(&services[opened]);
		if (rc < 0) {
			opened++;
			break;
		}
	}
	if (serve_listening)
		announce = serve_listening(rc < 0 ? rc : 0);
	if (rc < 0 || announce < 0) {
		rc = rc < 0 ? rc : announce;
		goto out;
	}
	if (announce)
		serve_announce();
	fflush(stderr);
	rc = serve_loop_driving();
out:
	for (int i = 0; i < opened; i++) {
		struct svc *s = &services[i];
		struct svc_conn *c;

		while ((c = TAILQ_FIRST(&s->conns)))
			conn_free(c);
		net_pool_trim(&s->conn_pool, 0); /* every object is back: all its slabs */
		if (s->fd >= 0)
			us_close(s->fd);
		s->fd = -1;
		if (s->ops->stop)
			s->ops->stop(s);
	}
	net_pool_trim(&out_pool, 0);
	net_pool_trim(&src_pool, 0); /* the connections' counts went with them */
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
