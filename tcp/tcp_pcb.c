/* SPDX-License-Identifier: MIT */
/* TCP control blocks: allocation, the 4-tuple hash, listeners, binding, ISNs (RFC 6528),
 * ephemeral ports (RFC 6056), byte rings, and protocol registration. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "net/perstack.h"
#include "net/log.h"
#include "net/socket.h"
#include "net/mem.h"
#include "net/pool.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

STATS_DEFINE(tcp, TCP_COUNTERS);

static void tcp_config_init(void);
PERSTACK_VAR_FN(struct tcp_config_s, tcp_config, tcp_config_init)

void tcp_config_defaults(struct tcp_config_s *c)
{
	memset(c, 0, sizeof(*c));
	c->max_conns = 65536;
	c->sndbuf = 256 * 1024;
	c->rcvbuf = 4 * 1024 * 1024;
	c->rcvbuf_init = 64 * 1024;
	c->wmem_max = 4 * 1024 * 1024;
	c->mem_pressure = 256 * 1024 * 1024;
	c->rcvbuf_autotune = 1;
	c->buf_idle_ms = 1000;
	c->syn_backlog_max = 1024;
	c->syncache_max = 16384;
	c->synack_rexmits = 5;
	c->syncookies = 1;
	c->abort_on_overflow = 0;
	c->rst_per_s = 200;
	c->rst_burst = 200;
	c->ooo_max_segs = 512;
	c->rto_initial_ms = 1000;
	c->rto_min_ms = 200;
	c->rto_max_ms = 60000;
	c->max_rexmits = 12;
	c->syn_rexmits = 6;
	c->delack_ms = 40;
	c->msl_ms = 30000;
	c->fin_wait_2_ms = 60000;
	c->tw_drain_ms = 1000;
	c->max_tw_buckets = 65536;
	c->keep_idle_ms = 7200000;
	c->keep_intvl_ms = 75000;
	c->keep_probes = 9;
	c->persist_min_ms = 500;
	c->persist_max_ms = 60000;
	c->initial_window_segs = 10;
	c->challenge_ack_per_s = 1000;
	c->timestamps = 1;
	c->window_scaling = 1;
	c->sack = 1;
	c->ack_per_batch = 1;
	c->tso = 1;
	c->cc_name = "cubic";
	c->hystart = 1;
	c->rack = 1;
	c->frto = 1;
	c->dsack_undo = 1;
	c->quickacks = 16;
	c->sent_max_segs = 4096;
	c->ephemeral_min = 49152;
	c->ephemeral_max = 65535;
}

/* A new stack's settings start at the defaults. */
static void tcp_config_init(void)
{
	tcp_config_defaults(&tcp_config);
}

#define TCP_HASH_BUCKETS 16384 /* chains grow past this; the limit is tcp_config.max_conns */

LIST_HEAD(tcp_hlist, tcp_pcb);
PERSTACK_STATIC(struct tcp_hlist[TCP_HASH_BUCKETS], tcp_hash)
#define tcp_hash PERSTACK_REF(struct tcp_hlist[TCP_HASH_BUCKETS], tcp_hash)
PERSTACK_STATIC(struct tcp_hlist, tcp_listeners)
#define tcp_listeners PERSTACK_REF(struct tcp_hlist, tcp_listeners)
static void tcp_all_init(void);
PERSTACK_STATIC_FN(struct tcp_pcb_list, tcp_all, tcp_all_init)
#define tcp_all PERSTACK_REF(struct tcp_pcb_list, tcp_all)

static void tcp_all_init(void)
{
	TAILQ_INIT(&tcp_all);
}
/* Control blocks come from a pool (net/pool.h): no malloc per connection once its slabs
 * hold the peak; its limit is tcp_config.max_conns, set at each allocation (settable at
 * run time). */
static void tcp_pcb_pool_init(void);
PERSTACK_STATIC_FN(struct net_pool, tcp_pcb_pool, tcp_pcb_pool_init)
#define tcp_pcb_pool PERSTACK_REF(struct net_pool, tcp_pcb_pool)

static void tcp_pcb_pool_init(void)
{
	net_pool_init(&tcp_pcb_pool, "tcp_pcb", sizeof(struct tcp_pcb), 0);
	tcp_pcb_pool.reclaim = 1;
}

PERSTACK_STATIC(size_t, tcp_npcbs)
#define tcp_npcbs PERSTACK_REF(size_t, tcp_npcbs)
PERSTACK_STATIC(size_t, tcp_nlisten)
#define tcp_nlisten PERSTACK_REF(size_t, tcp_nlisten)
PERSTACK_STATIC(size_t, tcp_ntimewait)
#define tcp_ntimewait PERSTACK_REF(size_t, tcp_ntimewait)
PERSTACK_STATIC(int, tcp_shutting_down) /* gauges keep their values while shutdown frees everything */
#define tcp_shutting_down PERSTACK_REF(int, tcp_shutting_down)
PERSTACK_STATIC(uint64_t[2], isn_key)
#define isn_key PERSTACK_REF(uint64_t[2], isn_key)
PERSTACK_STATIC(uint64_t[2], port_key)
#define port_key PERSTACK_REF(uint64_t[2], port_key)
PERSTACK_STATIC(uint64_t[2], hash_key)
#define hash_key PERSTACK_REF(uint64_t[2], hash_key)
PERSTACK_STATIC(uint16_t, port_next)
#define port_next PERSTACK_REF(uint16_t, port_next)
PERSTACK_STATIC(int, test_isn_on)
#define test_isn_on PERSTACK_REF(int, test_isn_on)
PERSTACK_STATIC(uint32_t, test_isn)
#define test_isn PERSTACK_REF(uint32_t, test_isn)

/* SipHash-c-d (Aumasson and Bernstein) over a few 32-bit words: c rounds per 8-byte block,
 * d to finish. SipHash-2-4 is the keyed pseudo-random function RFC 6528 and RFC 6056 ask
 * for (ISNs, ephemeral ports, SYN cookies); the control block table's hash, which only has
 * to keep a peer from choosing colliding tuples, is SipHash-1-3 (as Linux's hsiphash on
 * 64-bit, Python's and Rust's hash tables): some 40 instructions less per segment. */
#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                     \
	do {                                                                         \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);            \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                               \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                               \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);            \
	} while (0)

static inline __attribute__((always_inline)) uint64_t
siphash_cd(const uint64_t key[2], const uint32_t *w, size_t n, int c, int d)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0], v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0], v3 = 0x7465646279746573ull ^ key[1];
	uint64_t m, b = (uint64_t)(n * 4) << 56;
	size_t i = 0;

	for (; i + 2 <= n; i += 2) {
		m = (uint64_t)w[i] | (uint64_t)w[i + 1] << 32;
		v3 ^= m;
		for (int r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m;
	}
	if (i < n)
		b |= w[i];
	v3 ^= b;
	for (int r = 0; r < c; r++)
		SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t siphash(const uint64_t key[2], const uint32_t *w, size_t n)
{
	return siphash_cd(key, w, n, 2, 4);
}

uint64_t tcp_siphash(const uint64_t key[2], const uint32_t *w, size_t n)
{
	return siphash(key, w, n);
}

static void tcp_keys_init(void)
{
	uint64_t k[6];

	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
		/* NOTE: RFC 6528 3 wants an unpredictable secret; without getrandom the
		 * clock is the best we have, and we say so. */
		warnf("getrandom failed, ISN secret from the clock");
		for (int i = 0; i < 6; i++)
			k[i] = net_clock_ms() * 0x9e3779b97f4a7c15ull + (uint64_t)i;
	}
	isn_key[0] = k[0]; isn_key[1] = k[1];
	port_key[0] = k[2]; port_key[1] = k[3];
	hash_key[0] = k[4]; hash_key[1] = k[5];
	port_next = (uint16_t)k[0];
}

void tcp_test_set_isn(int on, uint32_t isn)
{
	test_isn_on = on;
	test_isn = isn;
}

/* RFC 6528 3: ISN = M + F(4-tuple, secret), M a clock ticking every 4 us. `now` is in ms,
 * so M = now * 250. */
uint32_t tcp_isn(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
		 uint16_t rport, uint64_t now)
{
	uint32_t w[9];
	size_t n = tcp_tuple_words(laddr, lport, raddr, rport, w);

	if (test_isn_on)
		return test_isn;
	return (uint32_t)(now * 250) + (uint32_t)siphash(isn_key, w, n);
}

uint32_t tcp_ts_offset(uint32_t iss)
{
	return (uint32_t)siphash(isn_key, &iss, 1);
}

uint32_t tcp_pcb_hash4(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
		       uint16_t rport)
{
	uint32_t w[9];
	size_t n = tcp_tuple_words(laddr, lport, raddr, rport, w);

	return (uint32_t)siphash_cd(hash_key, w, n, 1, 3);
}

/* ---- control blocks ---- */

const char *tcp_state_name(enum tcp_state s)
{
	static const char *const names[] = { "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED",
		"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK",
		"TIME_WAIT" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

size_t tcp_pcb_count(void) { return tcp_npcbs; }

void tcp_pcb_foreach(void (*fn)(struct tcp_pcb *pcb, void *arg), void *arg)
{
	struct tcp_pcb *p;

	TAILQ_FOREACH(p, &tcp_all, all)
		fn(p, arg);
}

size_t tcp_pcb_count_closing(uint64_t now)
{
	const struct tcp_pcb *p;
	size_t n = 0;

	/* States in which our own data or FIN still waits for the peer's ACK (FIN_WAIT_2 has
	 * nothing of ours left), and TIME_WAIT while the peer may still need it: if our last
	 * ACK was lost, the peer in LAST_ACK sends its FIN again one of its RTOs later (RFC
	 * 9293 3.6.1), and a process that has exited answers nothing. The whole 2*MSL would
	 * hold every one-shot command a minute; instead TIME_WAIT counts until the peer has
	 * been quiet (last_recv: entering TIME_WAIT, or any later segment, a repeated FIN
	 * first of all) for two of our RTOs (the peer's timer on the same path is about as
	 * long, backoff aside) and at least tw_drain_ms (1 s: Linux's 200 ms minimum RTO
	 * with room). So the usual close, our ACK arrived, costs about a second more. NOTE:
	 * peers on a 500 ms tick (lwIP, slirp: 1.5 s and more) or with RFC 6298's 1 s
	 * minimum resend later than that: raise tw_drain_ms for them. TIME_WAIT is a record
	 * (tcp_timewait.c), which keeps last_recv and the RTO for this. */
	TAILQ_FOREACH(p, &tcp_all, all)
		if (p->state == TCP_FIN_WAIT_1 || p->state == TCP_CLOSING || p->state == TCP_LAST_ACK)
			n++;
	return n + tcp_tw_count_closing(now);
}

/* TIME_WAIT is counted by its records; pcbs in TIME_WAIT are their sockets' stubs. */
void tcp_gauges_update(void)
{
	if (tcp_shutting_down)
		return;
	size_t tw = tcp_tw_count();

	tcp_stats.conns_live = tcp_npcbs - tcp_nlisten - tcp_ntimewait + tw;
	tcp_stats.conns_time_wait = tw;
}

static void tcp_gauges_leave(enum tcp_state st)
{
	if (st == TCP_LISTEN)
		tcp_nlisten--;
	else if (st == TCP_TIME_WAIT)
		tcp_ntimewait--;
}

struct tcp_pcb *tcp_pcb_alloc(void)
{
	struct tcp_pcb *pcb;

	if (tcp_npcbs >= tcp_config.max_conns)
		return NULL;
	tcp_pcb_pool.limit = tcp_config.max_conns;
	pcb = net_pool_alloc(&tcp_pcb_pool);
	if (!pcb)
		return NULL;
	pcb->state = TCP_CLOSED;
	/* IPv4 unless its socket says otherwise (tcp_sock_create) */
	pcb->local_addr = pcb->remote_addr = net_addr_any(AF_INET);
	TAILQ_INIT(&pcb->rcv_held);
	TAILQ_INIT(&pcb->ooo);
	TAILQ_INIT(&pcb->synq);
	TAILQ_INIT(&pcb->acceptq);
	TAILQ_INIT(&pcb->sc_list);
	pcb->rto = tcp_config.rto_initial_ms;
	pcb->cc = tcp_cc_default();
	pcb->mss = 536;
	pcb->rack.reo_wnd_mult = 1;
	pcb->undo_retrans = -1;
	tcp_timers_init(pcb);
	tcp_pcb_set_bufs(pcb, tcp_config.sndbuf, tcp_config.rcvbuf); /* limits only */
	TAILQ_INSERT_TAIL(&tcp_all, pcb, all);
	tcp_npcbs++;
	tcp_gauges_update();
	return pcb;
}

int tcp_pcb_set_bufs(struct tcp_pcb *pcb, size_t sndbuf, size_t rcvbuf)
{
	if (pcb->snd_buf.len || tcp_rcv_queued(pcb))
		return -EBUSY;
	tcp_ring_init(&pcb->snd_buf, sndbuf);
	tcp_ring_init(&pcb->rcv_buf, rcvbuf);
	/* send-buffer auto-tuning (tcp_mem.c) may grow the send space, unless SO_SNDBUF set it */
	if (!(pcb->flags & TF_SNDBUF_LOCK) && tcp_config.wmem_max > sndbuf)
		pcb->snd_buf.max = tcp_config.wmem_max;
	/* the largest window we can announce with our scale (RFC 7323 2.2): the scale is
	 * fixed by the SYN, so it is chosen for the most auto-tuning may grow the window to */
	pcb->rcv_wscale = 0;
	while (pcb->rcv_wscale < 14 && (rcvbuf >> pcb->rcv_wscale) > 65535)
		pcb->rcv_wscale++;
	return 0;
}

void tcp_pcb_free(struct tcp_pcb *pcb)
{
	struct tcp_pcb *c;

	tcp_timers_cancel_all(pcb);
	tcp_pcb_unhash(pcb);
	/* a listener's pending children go with it */
	while ((c = TAILQ_FIRST(&pcb->synq)) != NULL) {
		TAILQ_REMOVE(&pcb->synq, c, qlink);
		c->parent = NULL;
		tcp_pcb_free(c);
	}
	while ((c = TAILQ_FIRST(&pcb->acceptq)) != NULL) {
		TAILQ_REMOVE(&pcb->acceptq, c, qlink);
		c->parent = NULL;
		if (c->state != TCP_CLOSED)
			tcp_send_rst_pcb(c, net_clock_ms());
		tcp_pcb_free(c);
	}
	if (pcb->parent) {
		struct tcp_pcb *l = pcb->parent;
		if (pcb->on_acceptq) {
			TAILQ_REMOVE(&l->acceptq, pcb, qlink);
			l->acceptq_len--;
		} else {
			TAILQ_REMOVE(&l->synq, pcb, qlink);
			l->synq_len--;
		}
	}
	tcp_tw_detach(pcb); /* a stub's record stays */
	tcp_ack_undefer(pcb);
	pkb_queue_purge(&pcb->ooo);
	tcp_rcv_held_purge(pcb);
	tcp_sent_free(pcb);
	tcp_mem_untrack(pcb);
	TAILQ_REMOVE(&tcp_all, pcb, all);
	tcp_npcbs--;
	tcp_gauges_leave(pcb->state);
	tcp_gauges_update();
	net_pool_free(&tcp_pcb_pool, pcb);
}

void tcp_pcb_notify(struct tcp_pcb *pcb)
{
	if (pcb->upcall)
		pcb->upcall(pcb);
	else if (pcb->parent && pcb->parent->upcall)
		pcb->parent->upcall(pcb->parent);
}

void tcp_pcb_set_state(struct tcp_pcb *pcb, enum tcp_state st)
{
	debugf("%u->%u %s -> %s", pcb->local_port, pcb->remote_port, tcp_state_name(pcb->state),
	       tcp_state_name(st));
	/* the gauges count control blocks in LISTEN and TIME_WAIT apart: no other change of
	 * state moves them */
	int moves = pcb->state == TCP_LISTEN || pcb->state == TCP_TIME_WAIT ||
		    st == TCP_LISTEN || st == TCP_TIME_WAIT;

	tcp_gauges_leave(pcb->state);
	if (st == TCP_LISTEN)
		tcp_nlisten++;
	else if (st == TCP_TIME_WAIT)
		tcp_ntimewait++;
	/* TIME_WAIT needs no buffers (RFC 9293 3.6: the 4-tuple, the sequence numbers, the
	 * last timestamp and the 2MSL timer), and everything we sent is acknowledged there:
	 * the sent-segment records go too */
	if (st == TCP_TIME_WAIT && pcb->state != TCP_TIME_WAIT) {
		tcp_mem_time_wait(pcb);
		tcp_sent_free(pcb);
	}
	pcb->state = st;
	if (moves)
		tcp_gauges_update();
	TCP_LOG(pcb, TCP_LOG_STATE, pcb->snd_una, 0);
}

int tcp_pcb_drop(struct tcp_pcb *pcb, int err)
{
	if (pcb->tw) { /* a stub: the connection's TIME_WAIT record ends with it */
		struct tcp_tw *tw = pcb->tw;
		tcp_tw_detach(pcb);
		tcp_tw_end(tw);
	}
	tcp_timers_cancel_all(pcb);
	tcp_pcb_unhash(pcb);
	/* a drop ends a connection early: closing a listener or TIME_WAIT's end is not one */
	if (pcb->state != TCP_CLOSED && pcb->state != TCP_LISTEN && pcb->state != TCP_TIME_WAIT)
		STAT_INC(tcp, conn_drops);
	tcp_pcb_set_state(pcb, TCP_CLOSED);
	if (err)
		pcb->error = err;
	if (pcb->upcall) { /* a socket still refers to it; it frees the pcb on close */
		pcb->upcall(pcb);
		return 0;
	}
	tcp_pcb_free(pcb);
	return 1;
}

size_t tcp_pcb_abort_addr(const struct net_addr *addr, uint64_t now)
{
	struct tcp_pcb *pcb, *next;
	size_t n = 0;

	/* tcp_pcb_drop frees at most the pcb itself (a listener, which would free its
	 * children, is never dropped here), so the next one stays valid. */
	for (pcb = TAILQ_FIRST(&tcp_all); pcb; pcb = next) {
		next = TAILQ_NEXT(pcb, all);
		if (pcb->state == TCP_LISTEN)
			tcp_syncache_addr_gone(pcb, addr); /* a wildcard one's too */
		if (!net_addr_eq(&pcb->local_addr, addr) || pcb->state == TCP_CLOSED ||
		    pcb->state == TCP_LISTEN || pcb->state == TCP_TIME_WAIT)
			continue;
		/* the states Linux's tcp_abort resets in (a SYN_SENT has nothing to reset) */
		if (TCP_SYNCHRONIZED(pcb->state) && pcb->state != TCP_CLOSING &&
		    pcb->state != TCP_LAST_ACK)
			tcp_send_rst_pcb(pcb, now);
		tcp_pcb_drop(pcb, -ECONNABORTED);
		n++;
	}
	return n;
}

int tcp_pcb_hash_insert(struct tcp_pcb *pcb)
{
	if (pcb->hashed)
		return 0;
	return tcp_pcb_hash_insert_h(pcb, tcp_pcb_hash4(&pcb->local_addr, pcb->local_port,
							&pcb->remote_addr, pcb->remote_port));
}

int tcp_pcb_hash_insert_h(struct tcp_pcb *pcb, uint32_t h)
{
	if (pcb->hashed)
		return 0;
	pcb->hash = h;
	LIST_INSERT_HEAD(&tcp_hash[pcb->hash & (TCP_HASH_BUCKETS - 1)], pcb, hlink);
	pcb->hashed = 1;
	return 0;
}

void tcp_pcb_unhash(struct tcp_pcb *pcb)
{
	if (pcb->listed)
		tcp_syncache_listener_gone(pcb); /* its half-open connections go with it */
	if (pcb->hashed || pcb->listed)
		LIST_REMOVE(pcb, hlink);
	pcb->hashed = pcb->listed = 0;
}

struct tcp_pcb *tcp_pcb_lookup_conn(const struct net_addr *laddr, uint16_t lport,
				    const struct net_addr *raddr, uint16_t rport)
{
	return tcp_pcb_lookup_conn_hash(tcp_pcb_hash4(laddr, lport, raddr, rport), laddr, lport,
					raddr, rport);
}

struct tcp_pcb *tcp_pcb_lookup_conn_hash(uint32_t h, const struct net_addr *laddr,
					 uint16_t lport, const struct net_addr *raddr,
					 uint16_t rport)
{
	struct tcp_pcb *pcb;

	LIST_FOREACH(pcb, &tcp_hash[h & (TCP_HASH_BUCKETS - 1)], hlink)
		if (pcb->hash == h && pcb->local_port == lport && pcb->remote_port == rport &&
		    net_addr_eq(&pcb->local_addr, laddr) && net_addr_eq(&pcb->remote_addr, raddr))
			return pcb;
	return NULL;
}

struct tcp_pcb *tcp_pcb_lookup(const struct net_addr *laddr, uint16_t lport,
			       const struct net_addr *raddr, uint16_t rport)
{
	struct tcp_pcb *pcb = tcp_pcb_lookup_conn(laddr, lport, raddr, rport);

	return pcb ? pcb : tcp_pcb_lookup_listener(laddr, lport);
}

struct tcp_pcb *tcp_pcb_lookup_listener(const struct net_addr *laddr, uint16_t lport)
{
	struct tcp_pcb *pcb, *wild = NULL, *dual = NULL;

	LIST_FOREACH(pcb, &tcp_listeners, hlink) {
		if (pcb->local_port != lport)
			continue;
		if (pcb->local_addr.family != laddr->family) {
			/* an AF_INET6 listener on :: takes IPv4 too, after IPv4's own */
			if (sock_dual(pcb->sk, &pcb->local_addr))
				dual = pcb;
			continue;
		}
		if (net_addr_eq(&pcb->local_addr, laddr))
			return pcb;
		if (net_addr_is_any(&pcb->local_addr))
			wild = pcb;
	}
	return wild ? wild : dual;
}

/* A port is taken if another pcb is bound to it on the same or a wildcard address
 * (SO_REUSEADDR lets a new one share it with connections that are not listening). */
static int tcp_port_in_use(const struct tcp_pcb *self, const struct net_addr *addr, uint16_t port,
			   int reuse)
{
	const struct tcp_pcb *p;

	TAILQ_FOREACH(p, &tcp_all, all) {
		if (p == self || p->local_port != port || p->parent)
			continue;
		/* families apart unless one side is an AF_INET6 socket on :: taking IPv4 */
		if (p->local_addr.family != addr->family && !sock_dual(p->sk, &p->local_addr) &&
		    !sock_dual(self->sk, addr))
			continue;
		if (!net_addr_eq(&p->local_addr, addr) && !net_addr_is_any(&p->local_addr) &&
		    !net_addr_is_any(addr))
			continue;
		if (reuse && p->state != TCP_LISTEN)
			continue;
		return 1;
	}
	/* a TIME_WAIT record holds its port as the connection did */
	return !reuse && tcp_tw_port_in_use(addr, port);
}

int tcp_pcb_bind(struct tcp_pcb *pcb, const struct net_addr *addr, uint16_t port, int reuse)
{
	const struct net_family_ops *f = net_family(addr->family);

	if (pcb->local_port)
		return -EINVAL;
	if (!f)
		return -EAFNOSUPPORT;
	if (!net_addr_is_any(addr) && !f->is_local(addr))
		return -EADDRNOTAVAIL;
	if (port == 0) {
		unsigned n = (unsigned)tcp_config.ephemeral_max - tcp_config.ephemeral_min + 1;
		for (unsigned i = 0; i < n; i++) {
			uint16_t cand = (uint16_t)(tcp_config.ephemeral_min + (port_next++ % n));
			if (!tcp_port_in_use(pcb, addr, cand, 0)) {
				port = cand;
				break;
			}
		}
		if (port == 0)
			return -EADDRINUSE;
	} else if (tcp_port_in_use(pcb, addr, port, reuse)) {
		return -EADDRINUSE;
	}
	pcb->local_addr = *addr;
	pcb->remote_addr = net_addr_any(addr->family);
	pcb->local_port = port;
	return 0;
}

int tcp_pcb_listen(struct tcp_pcb *pcb, unsigned backlog)
{
	if (pcb->state == TCP_LISTEN) {
		pcb->backlog = backlog;
		return 0;
	}
	if (pcb->state != TCP_CLOSED)
		return -EINVAL;
	if (pcb->local_port == 0) {
		struct net_addr any = net_addr_any(pcb->local_addr.family);
		int err = tcp_pcb_bind(pcb, &any, 0, 0);
		if (err < 0)
			return err;
	}
	pcb->backlog = backlog ? backlog : 1;
	tcp_pcb_set_state(pcb, TCP_LISTEN);
	LIST_INSERT_HEAD(&tcp_listeners, pcb, hlink);
	pcb->listed = 1;
	return 0;
}

/* RFC 6056 3.3.3 (Algorithm 3): offset = F(laddr, raddr, rport, secret); try successive
 * ports from offset + a global counter until the 4-tuple is unused. */
int tcp_pick_ephemeral(struct tcp_pcb *pcb)
{
	uint32_t w[9];
	/* the words of the tuple with lport 0: the remote port in the low half, as before */
	size_t nw = tcp_tuple_words(&pcb->local_addr, 0, &pcb->remote_addr, pcb->remote_port, w);
	uint32_t offset = (uint32_t)siphash(port_key, w, nw);
	unsigned n = (unsigned)tcp_config.ephemeral_max - tcp_config.ephemeral_min + 1;

	for (unsigned i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(tcp_config.ephemeral_min + (offset + port_next++) % n);
		if (!tcp_pcb_lookup_conn(&pcb->local_addr, port, &pcb->remote_addr,
					 pcb->remote_port) &&
		    !tcp_tw_lookup(&pcb->local_addr, port, &pcb->remote_addr, pcb->remote_port) &&
		    !tcp_port_in_use(pcb, &pcb->local_addr, port, 1)) {
			pcb->local_port = port;
			return 0;
		}
	}
	return -EADDRNOTAVAIL;
}

void tcp_pcb_set_mss(struct tcp_pcb *pcb, unsigned peer_mss)
{
	const struct net_family_ops *f = net_family(pcb->remote_addr.family);
	/* SO_BINDTODEVICE: the bound device's MTU. The connection's own route: the one its
	 * segments will take (a passive open's child has it from the syncache already). */
	unsigned mtu = tcp_route_mtu(tcp_route_lookup(&pcb->route, &pcb->remote_addr,
						      pcb->ipo.ifindex));
	unsigned hdrs = (f ? f->hdr_len : 20) + 20; /* the network and TCP headers */
	unsigned mss = mtu > hdrs ? mtu - hdrs : 536;

	if (pcb->user_mss && mss > pcb->user_mss)
		mss = pcb->user_mss;

	/* What our SYN or SYN,ACK announces (RFC 9293 3.7.1 / RFC 6691: the route MTU less
	 * the fixed IP and TCP headers). Set here, on the active open too: a SYN once went
	 * out with "mss 0" because only the passive path set it, and a peer taking that at
	 * its word sends us segments of its minimum size. */
	pcb->rcv_mss = (uint16_t)mss;
	/* RFC 9293 3.7.1: without the option the peer takes 536 (an option of 0 is no
	 * better than none) */
	if (peer_mss == 0)
		peer_mss = f && f->default_mss ? f->default_mss : 536;
	if (peer_mss < mss)
		mss = peer_mss;
	if (pcb->user_mss && mss > pcb->user_mss)
		mss = pcb->user_mss; /* TCP_MAXSEG (the announced one is clamped too, above) */
	if (mss < 64)
		mss = 64; /* NOTE: RFC 9293 3.7.1 floor; avoids tiny-segment floods */
	pcb->mss = (uint16_t)mss;
	/* both opens pass here once the MSS is known: the receive window starts small */
	tcp_rcv_space_init(pcb, net_clock_ms());
}

static const struct net_transport tcp_transport = {
	.name = "TCP",
	.proto = IP_PROTO_TCP,
	.input = tcp_input,
	.err = tcp_icmp_error,
};

int tcp_proto_init(void)
{
	int err;

	for (int i = 0; i < TCP_HASH_BUCKETS; i++)
		LIST_INIT(&tcp_hash[i]);
	LIST_INIT(&tcp_listeners);
	tcp_keys_init();
	tcp_syncache_init();
	tcp_rst_limit_reset();
	tcp_ack_reset();
	err = net_loop_add_hook(tcp_ack_flush);
	if (err < 0)
		return err;
	return net_transport_register(&tcp_transport);
}

void tcp_proto_shutdown(void)
{
	struct tcp_pcb *pcb;

	tcp_shutting_down = 1;
	tcp_mem_shutdown(1);
	/* children are freed with their listener; free top-level pcbs first */
	while ((pcb = TAILQ_FIRST(&tcp_all)) != NULL) {
		while (pcb->parent)
			pcb = pcb->parent;
		tcp_pcb_free(pcb);
	}
	tcp_tw_shutdown();
	tcp_syncache_shutdown();
	test_isn_on = 0;
	tcp_ack_reset();
	tcp_mem_shutdown(0);
	tcp_log_close(); /* after the last connection's events */
	if (net_pool_destroy(&tcp_pcb_pool))
		errorf("%u TCP control blocks still allocated at shutdown", tcp_pcb_pool.live);
	tcp_shutting_down = 0;
	tcp_nlisten = tcp_ntimewait = 0;
}
