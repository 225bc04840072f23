/* SPDX-License-Identifier: MIT */
/* The passive open's first half: a SYN costs a small fixed record in a hash table (a
 * syncache, as BSD's), not a control block with its rings; the SYN,ACK is sent and resent
 * from the record, and the control block is made only when the handshake's ACK comes.
 * When a listener's queue (syn_backlog_max) or the whole cache (syncache_max) is full,
 * SYN cookies (RFC 4987 3.6) answer instead, keeping no state at all.
 *
 * Cookies, laid out as Linux's: ISS = H0 + IRS + (count << 24) + field, where H0 is a keyed
 * hash of the 4-tuple, count ticks every 64 s, and the 24-bit field holds the MSS index in
 * its 2 low bits under a 22-bit keyed hash of the 4-tuple, IRS, count and index. (Linux adds
 * the index to a hash that covers neither it nor the IRS, so an ACK one off in SEQ or ACK
 * decodes to a neighbouring MSS; here it decodes to nothing.) An ACK carries ISS + 1 and
 * IRS + 1; subtracting H0 and IRS gives the count (an ACK more than one tick old is
 * refused: cookies live at most ~2 minutes) and the field, whose hash must match (a forged
 * cookie passes with odds of 1 in 2^22). Window scale and SACK-permitted have no room there: with
 * timestamps on they ride in the low 6 bits of our TSval, which the ACK echoes (bits 0-3
 * the peer's shift, 15 for none, bit 4 SACK; bit 5, Linux's ECN bit, stays 0 as we do
 * not negotiate ECN). Without timestamps a cookie connection has neither, as on Linux. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "net/perstack.h"
#include "net/log.h"
#include "tcp/tcp_var.h"

/* The counters live beside TCP_COUNTERS under the same "tcp." prefix. */
STATS_DEFINE_AS(tcp_sc, "tcp", TCP_SC_COUNTERS)

#define SC_BUCKETS 4096          /* chains stay short: the hash is keyed */
#define SC_FREE_KEEP 1024        /* freed entries kept for reuse (248 bytes each) */
#define SC_F_TS 0x01             /* peer offered timestamps (and we do them) */
#define SC_F_WS 0x02             /* window scale */
#define SC_F_SACK 0x04           /* SACK-permitted */

#define COOKIE_BITS 24
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1)
#define COOKIE_PERIOD_MS 64000   /* the counter's tick */
#define COOKIE_MAX_AGE 2         /* ticks: an ACK from the tick before is still good */
#define COOKIE_TS_BITS 6
#define COOKIE_TS_MASK ((1u << COOKIE_TS_BITS) - 1)
#define COOKIE_WS_NONE 0xf
#define COOKIE_TS_SACK 0x10

/* One SYN-queue entry: what the SYN negotiated and what the SYN,ACK said. */
struct tcp_sc {
	LIST_ENTRY(tcp_sc) hlink;  /* hash bucket */
	TAILQ_ENTRY(tcp_sc) llink; /* listener's list, oldest first */
	struct tcp_pcb *l;
	struct net_timer timer;    /* SYN,ACK retransmission */
	uint64_t sent;             /* first SYN,ACK (ms), for the RTT sample */
	struct net_addr laddr, raddr;
	uint16_t lport, rport;
	uint32_t iss, irs, ts_recent, hash;
	uint16_t peer_mss;         /* 0: the SYN had none */
	uint16_t wnd;              /* peer's window in the SYN (never scaled) */
	uint8_t snd_wscale, flags, rxtshift;
	struct tcp_route route;    /* to raddr: the SYN,ACKs' and then the child's */
};

/* What a SYN asked for, taken from an entry or from a cookie. */
struct sc_syn {
	struct net_addr laddr, raddr;
	uint16_t lport, rport;
	uint32_t iss, irs, ts_recent;
	uint16_t peer_mss, wnd;
	uint8_t snd_wscale, flags;
};

LIST_HEAD(sc_bucket, tcp_sc);
PERSTACK_STATIC(struct sc_bucket[SC_BUCKETS], sc_hash)
#define sc_hash PERSTACK_REF(struct sc_bucket[SC_BUCKETS], sc_hash)
PERSTACK_STATIC(struct sc_bucket, sc_free)  /* recycled entries: no malloc per SYN once warm */
#define sc_free PERSTACK_REF(struct sc_bucket, sc_free)
PERSTACK_STATIC(size_t, sc_nentries)
#define sc_nentries PERSTACK_REF(size_t, sc_nentries)
PERSTACK_STATIC(size_t, sc_nfree)
#define sc_nfree PERSTACK_REF(size_t, sc_nfree)
PERSTACK_STATIC(uint64_t[2], cookie_key)
#define cookie_key PERSTACK_REF(uint64_t[2], cookie_key)

const uint16_t tcp_cookie_mss[] = { 536, 1300, 1440, 1460 };
const unsigned tcp_cookie_nmss = sizeof(tcp_cookie_mss) / sizeof(tcp_cookie_mss[0]);

static void sc_gauge(void)
{
	tcp_sc_stats.syncache_live = sc_nentries;
}

void tcp_syncache_init(void)
{
	uint64_t k[2];

	for (int i = 0; i < SC_BUCKETS; i++)
		LIST_INIT(&sc_hash[i]);
	if (sc_nentries == 0 && sc_nfree == 0)
		LIST_INIT(&sc_free);
	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
		/* NOTE: RFC 4987 3.6 needs a secret the attacker cannot guess; without
		 * getrandom the clock is the best there is, and we say so. */
		warnf("getrandom failed, SYN cookie secret from the clock");
		for (int i = 0; i < 2; i++)
			k[i] = net_clock_ms() * 0x9e3779b97f4a7c15ull + (uint64_t)i * 0x632be59bd9b4e019ull;
	}
	cookie_key[0] = k[0]; cookie_key[1] = k[1];
	sc_gauge();
}

/* The entry of a 4-tuple, or NULL. The table is keyed by the connection table's keyed
 * hash (tcp_pcb_hash4, h), which tcp_input computed once for the segment: a passive open
 * hashes its 4-tuple once per segment, not again here nor for the child's insertion. */
static struct tcp_sc *sc_lookup(uint32_t h, const struct net_addr *laddr, uint16_t lport,
				const struct net_addr *raddr, uint16_t rport)
{
	struct tcp_sc *e;

	LIST_FOREACH(e, &sc_hash[h % SC_BUCKETS], hlink)
		if (e->hash == h && e->lport == lport && e->rport == rport &&
		    net_addr_eq(&e->laddr, laddr) && net_addr_eq(&e->raddr, raddr))
			return e;
	return NULL;
}

static void sc_free_entry(struct tcp_sc *e)
{
	net_timer_cancel(&e->timer);
	LIST_REMOVE(e, hlink);
	TAILQ_REMOVE(&e->l->sc_list, e, llink);
	e->l->sc_count--;
	sc_nentries--;
	sc_gauge();
	if (sc_nfree >= SC_FREE_KEEP) {
		free(e); /* after a flood, memory goes back to what the load needs */
		return;
	}
	LIST_INSERT_HEAD(&sc_free, e, hlink);
	sc_nfree++;
}

void tcp_syncache_listener_gone(struct tcp_pcb *l)
{
	struct tcp_sc *e;

	while ((e = TAILQ_FIRST(&l->sc_list)) != NULL) {
		STAT_INC(tcp_sc, syncache_dropped);
		sc_free_entry(e);
	}
}

void tcp_syncache_addr_gone(struct tcp_pcb *l, const struct net_addr *addr)
{
	struct tcp_sc *e, *next;

	for (e = TAILQ_FIRST(&l->sc_list); e; e = next) {
		next = TAILQ_NEXT(e, llink);
		if (!net_addr_eq(&e->laddr, addr))
			continue;
		STAT_INC(tcp_sc, syncache_dropped);
		sc_free_entry(e);
	}
}

void tcp_syncache_shutdown(void)
{
	struct tcp_sc *e;

	/* listeners free their own entries; anything left is a bug, but free it anyway */
	for (int i = 0; i < SC_BUCKETS; i++)
		while ((e = LIST_FIRST(&sc_hash[i])) != NULL)
			sc_free_entry(e);
	while ((e = LIST_FIRST(&sc_free)) != NULL) {
		LIST_REMOVE(e, hlink);
		free(e);
	}
	sc_nfree = 0;
	sc_gauge();
}

size_t tcp_syncache_count(void)
{
	return sc_nentries;
}

void tcp_syncache_foreach(const struct tcp_pcb *l,
			  void (*fn)(const struct net_endpoint *local,
				     const struct net_endpoint *remote, void *arg),
			  void *arg)
{
	const struct tcp_sc *e;

	TAILQ_FOREACH(e, &l->sc_list, llink) {
		struct net_endpoint lo = { .addr = e->laddr, .port = e->lport };
		struct net_endpoint re = { .addr = e->raddr, .port = e->rport };

		fn(&lo, &re, arg);
	}
}

/* ---- cookies ---- */

static uint32_t cookie_hash(const struct net_addr *laddr, uint16_t lport,
			    const struct net_addr *raddr, uint16_t rport, uint32_t irs,
			    uint32_t count, uint32_t which)
{
	uint32_t w[12];
	size_t n = tcp_tuple_words(laddr, lport, raddr, rport, w);

	w[n++] = irs;
	w[n++] = count;
	w[n++] = which;
	return (uint32_t)tcp_siphash(cookie_key, w, n);
}

static uint32_t cookie_count(uint64_t now)
{
	return (uint32_t)(now / COOKIE_PERIOD_MS);
}

/* The 24-bit field: the MSS index in the low COOKIE_IDX_BITS, above it a MAC that covers the
 * index too, so a cookie one off decodes to nothing rather than to a neighbouring MSS. */
#define COOKIE_IDX_BITS 2
#define COOKIE_IDX_MASK ((1u << COOKIE_IDX_BITS) - 1)

static uint32_t cookie_field(const struct net_addr *laddr, uint16_t lport,
			     const struct net_addr *raddr, uint16_t rport, uint32_t irs,
			     uint32_t count, unsigned idx)
{
	return (cookie_hash(laddr, lport, raddr, rport, irs, count, 1 + idx) & COOKIE_MASK &
		~COOKIE_IDX_MASK) | idx;
}

uint32_t tcp_cookie_make(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
			 uint16_t rport, uint32_t irs, unsigned mss_idx, uint64_t now)
{
	uint32_t count = cookie_count(now);

	return cookie_hash(laddr, lport, raddr, rport, 0, 0, 0) + irs + (count << COOKIE_BITS) +
	       cookie_field(laddr, lport, raddr, rport, irs, count, mss_idx & COOKIE_IDX_MASK);
}

int tcp_cookie_check(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
		     uint16_t rport, uint32_t irs, uint32_t cookie, uint64_t now)
{
	uint32_t count = cookie_count(now), diff, idx;

	cookie -= cookie_hash(laddr, lport, raddr, rport, 0, 0, 0) + irs;
	diff = (count - (cookie >> COOKIE_BITS)) & (0xffffffffu >> COOKIE_BITS);
	if (diff >= COOKIE_MAX_AGE)
		return -1;
	idx = cookie & COOKIE_IDX_MASK;
	if (idx >= tcp_cookie_nmss ||
	    (cookie & COOKIE_MASK) != cookie_field(laddr, lport, raddr, rport, irs, count - diff, idx))
		return -1;
	return (int)idx;
}

/* The largest table MSS not above the peer's (the smallest if the peer's is below all). */
static unsigned cookie_mss_index(uint16_t peer_mss)
{
	unsigned i = tcp_cookie_nmss - 1;

	if (peer_mss == 0)
		return 0; /* no option: RFC 9293 3.7.1's 536 */
	while (i > 0 && peer_mss < tcp_cookie_mss[i])
		i--;
	return i;
}

/* A passive connection's timestamp clock: an offset derived from the ISS, so a cookie's
 * connection finds the same one from the ACK alone. */
static uint32_t sc_ts_offset(uint32_t iss)
{
	return iss * 2654435761u;
}

/* Our TSval for a cookie SYN,ACK: the clock rounded down to carry the options. */
static uint32_t cookie_tsval(uint32_t ts_now, const struct sc_syn *s)
{
	uint32_t opt = s->flags & SC_F_WS ? s->snd_wscale : COOKIE_WS_NONE, ts;

	if (s->flags & SC_F_SACK)
		opt |= COOKIE_TS_SACK;
	ts = (ts_now & ~COOKIE_TS_MASK) | opt;
	if (SEQ_GT(ts, ts_now))
		ts -= 1u << COOKIE_TS_BITS;
	return ts;
}

/* ---- SYN,ACK ---- */

/* The MSS a SYN,ACK announces: the MTU of the route it leaves by (rt, resolved for the
 * listener's SO_BINDTODEVICE) less the headers. */
static uint16_t sc_our_mss(const struct net_addr *raddr, const struct tcp_route *rt)
{
	const struct net_family_ops *f = net_family(raddr->family);
	unsigned mtu = tcp_route_mtu(rt), hdrs = (f ? f->hdr_len : 20) + 20;

	return (uint16_t)(mtu > hdrs ? mtu - hdrs : 536);
}

/* The route to a SYN's peer: rt (an entry's, or the caller's) as it stands if it was
 * resolved for that peer under the current generation, else the listener's, kept for its
 * last SYN's peer (a client that opens many connections costs no lookup per connection),
 * else looked up once into the listener's. Either way rt then holds it. */
static const struct tcp_route *sc_route(struct tcp_pcb *l, struct tcp_route *rt,
					const struct net_addr *raddr)
{
	const struct net_family_ops *f = net_family(raddr->family);

	if (f && net_route_fresh(&rt->rc, f, raddr, l->ipo.ifindex))
		return rt;
	*rt = *tcp_route_lookup(&l->route, raddr, l->ipo.ifindex);
	return rt;
}

/* The window a child of l would announce in its SYN,ACK (never scaled, RFC 7323 2.2). */
static uint16_t sc_our_wnd(const struct tcp_pcb *l)
{
	return l->rcv_buf.cap > 65535 ? 65535 : (uint16_t)l->rcv_buf.cap;
}

/* rt: the route to s->raddr (sc_route). */
static void sc_send_synack(const struct tcp_pcb *l, const struct sc_syn *s,
			   const struct tcp_route *rt, int cookie, uint64_t now)
{
	struct tcp_hdr h;

	memset(&h, 0, sizeof(h));
	h.sport = s->lport;
	h.dport = s->rport;
	h.seq = s->iss;
	h.ack = s->irs + 1;
	h.flags = TCP_SYN | TCP_ACK;
	h.wnd = sc_our_wnd(l);
	h.opt.has_mss = 1;
	h.opt.mss = sc_our_mss(&s->raddr, rt);
	if (l->user_mss && h.opt.mss > l->user_mss)
		h.opt.mss = l->user_mss; /* TCP_MAXSEG on the listener */
	if (s->flags & SC_F_WS) {
		h.opt.has_wscale = 1;
		h.opt.wscale = l->rcv_wscale;
	}
	h.opt.sack_permitted = !!(s->flags & SC_F_SACK);
	if (s->flags & SC_F_TS) {
		uint32_t ts = (uint32_t)now + sc_ts_offset(s->iss);
		h.opt.has_ts = 1;
		h.opt.tsval = cookie ? cookie_tsval(ts, s) : ts;
		h.opt.tsecr = s->ts_recent;
	}
	/* without a route the family routes, counts and refuses it */
	tcp_send_bare(&h, &s->laddr, &s->raddr, &l->ipo, rt->rc.err == 0 ? &rt->rc.nh : NULL, now);
}

static void sc_to_syn(const struct tcp_sc *e, struct sc_syn *s)
{
	s->laddr = e->laddr;
	s->raddr = e->raddr;
	s->lport = e->lport;
	s->rport = e->rport;
	s->iss = e->iss;
	s->irs = e->irs;
	s->ts_recent = e->ts_recent;
	s->peer_mss = e->peer_mss;
	s->wnd = e->wnd;
	s->snd_wscale = e->snd_wscale;
	s->flags = e->flags;
}

static uint64_t sc_rto(unsigned shift)
{
	uint64_t rto = (uint64_t)tcp_config.rto_initial_ms << (shift < 16 ? shift : 16);

	return rto > tcp_config.rto_max_ms ? tcp_config.rto_max_ms : rto;
}

/* RFC 6298 5.5 backoff from the record; after synack_rexmits the entry goes (as Linux's
 * tcp_synack_retries). */
static void sc_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct tcp_sc *e = arg;
	struct sc_syn s;

	(void)t;
	if (e->rxtshift >= tcp_config.synack_rexmits) {
		STAT_INC(tcp_sc, syncache_expired);
		sc_free_entry(e);
		return;
	}
	e->rxtshift++;
	STAT_INC(tcp_sc, syncache_retransmitted);
	STAT_INC(tcp, snd_rexmt_segs);
	sc_to_syn(e, &s);
	sc_send_synack(e->l, &s, sc_route(e->l, &e->route, &s.raddr), 0, now);
	net_timer_arm(&e->timer, now + sc_rto(e->rxtshift));
}

static struct tcp_sc *sc_alloc(void)
{
	struct tcp_sc *e = LIST_FIRST(&sc_free);

	if (e) {
		LIST_REMOVE(e, hlink);
		sc_nfree--;
		memset(e, 0, sizeof(*e));
		return e;
	}
	return calloc(1, sizeof(*e));
}

/* ---- the listener's segments ---- */

/* What the SYN negotiates, with the switches of tcp_config (as tcp_syn_options). */
static void sc_syn_from_seg(struct sc_syn *s, const struct tcp_hdr *th, const struct net_addr *src,
			    const struct net_addr *dst)
{
	const struct tcp_opts *o = &th->opt;

	memset(s, 0, sizeof(*s));
	s->laddr = *dst;
	s->raddr = *src;
	s->lport = th->dport;
	s->rport = th->sport;
	s->irs = th->seq;
	s->wnd = th->wnd;
	s->peer_mss = o->has_mss ? o->mss : 0;
	if (o->has_wscale && tcp_config.window_scaling) {
		s->flags |= SC_F_WS;
		s->snd_wscale = o->wscale > 14 ? 14 : o->wscale; /* RFC 7323 2.3 */
	}
	if (o->has_ts && tcp_config.timestamps) {
		s->flags |= SC_F_TS;
		s->ts_recent = o->tsval;
	}
	if (o->sack_permitted && tcp_config.sack)
		s->flags |= SC_F_SACK;
}

static void sc_send_cookie(struct tcp_pcb *l, struct sc_syn *s, uint64_t now)
{
	unsigned idx = cookie_mss_index(s->peer_mss);
	struct tcp_route rt = { .offloads = 0 };

	s->iss = tcp_cookie_make(&s->laddr, s->lport, &s->raddr, s->rport, s->irs, idx, now);
	/* the peer uses the table's MSS: the one the ACK will bring back */
	s->peer_mss = tcp_cookie_mss[idx];
	l->sc_cookie_at = now + 1;
	STAT_INC(tcp_sc, cookies_sent);
	sc_send_synack(l, s, sc_route(l, &rt, &s->raddr), 1, now);
}

void tcp_syncache_syn(struct tcp_pcb *l, const struct tcp_hdr *th, const struct net_addr *src,
		      const struct net_addr *dst, uint32_t h,
		      int iss_set, uint32_t iss, uint64_t now)
{
	struct tcp_sc *e = sc_lookup(h, dst, th->dport, src, th->sport);
	struct sc_syn s;

	/* Full queues drop the SYN silently: the peer retries, and by then accept() may have
	 * made room (a RST would make it give up). No SYN,ACK is sent for a connection that
	 * could not be held either: a handshake that completes must be served. */
	if (l->acceptq_len >= l->backlog) {
		STAT_INC(tcp, rcv_accept_queue_full);
		return;
	}
	if (tcp_pcb_count() >= tcp_config.max_conns) {
		STAT_INC(tcp, rcv_conn_limit);
		return;
	}
	if (e) {
		if (e->irs == th->seq) {
			/* the peer's SYN again: our SYN,ACK was lost (RFC 9293 3.10.7.4) */
			STAT_INC(tcp_sc, syncache_dup_syn);
			sc_to_syn(e, &s);
			sc_send_synack(l, &s, sc_route(l, &e->route, &s.raddr), 0, now);
			return;
		}
		/* a new attempt from the same port: the old one is over */
		STAT_INC(tcp_sc, syncache_dropped);
		sc_free_entry(e);
	}
	sc_syn_from_seg(&s, th, src, dst);
	if (tcp_config.syncookies == 2) {
		sc_send_cookie(l, &s, now);
		return;
	}
	if (l->sc_count >= tcp_config.syn_backlog_max || sc_nentries >= tcp_config.syncache_max) {
		STAT_INC(tcp_sc, syncache_overflow);
		if (tcp_config.syncookies) {
			sc_send_cookie(l, &s, now);
			return;
		}
		/* No cookies: the oldest half-open connection of this listener makes room (as
		 * BSD does). A flood then churns the queue, but an honest peer, whose ACK
		 * comes one round trip later, still finds its entry. */
		if (!TAILQ_EMPTY(&l->sc_list)) {
			STAT_INC(tcp_sc, syncache_dropped);
			sc_free_entry(TAILQ_FIRST(&l->sc_list));
		}
		if (sc_nentries >= tcp_config.syncache_max || l->sc_count >= tcp_config.syn_backlog_max) {
			STAT_INC(tcp, rcv_syn_queue_full);
			return;
		}
	}
	e = sc_alloc();
	if (!e) {
		STAT_INC(tcp_sc, syncache_nomem);
		if (tcp_config.syncookies)
			sc_send_cookie(l, &s, now);
		return;
	}
	s.iss = iss_set ? iss : tcp_isn(&s.laddr, s.lport, &s.raddr, s.rport, now);
	e->l = l;
	e->laddr = s.laddr;
	e->raddr = s.raddr;
	e->lport = s.lport;
	e->rport = s.rport;
	e->iss = s.iss;
	e->irs = s.irs;
	e->ts_recent = s.ts_recent;
	e->peer_mss = s.peer_mss;
	e->wnd = s.wnd;
	e->snd_wscale = s.snd_wscale;
	e->flags = s.flags;
	e->sent = now;
	e->hash = h; /* s's tuple is the one looked up (sc_syn_from_seg) */
	LIST_INSERT_HEAD(&sc_hash[e->hash % SC_BUCKETS], e, hlink);
	TAILQ_INSERT_TAIL(&l->sc_list, e, llink);
	l->sc_count++;
	sc_nentries++;
	sc_gauge();
	net_timer_init(&e->timer, sc_timer_fn, e);
	net_timer_arm(&e->timer, now + sc_rto(0));
	STAT_INC(tcp_sc, syncache_added);
	sc_send_synack(l, &s, sc_route(l, &e->route, &s.raddr), 0, now);
}

void tcp_syncache_rst(struct tcp_pcb *l, const struct tcp_hdr *th, const struct net_addr *src,
		      const struct net_addr *dst, uint32_t h)
{
	struct tcp_sc *e = sc_lookup(h, dst, th->dport, src, th->sport);

	(void)l;
	if (!e || th->seq != e->irs + 1) {
		STAT_INC(tcp, rcv_listen_rst);
		return;
	}
	STAT_INC(tcp_sc, syncache_reset);
	sc_free_entry(e);
}

/* The child in SYN_RECEIVED, as if it had sent the SYN,ACK itself, hashed with h (its
 * 4-tuple's tcp_pcb_hash4), with the route its SYN,ACKs took (rt; NULL: a cookie's,
 * looked up as for any connection); the caller feeds it the ACK, which takes it to
 * ESTABLISHED and the accept queue. */
static struct tcp_pcb *sc_make_pcb(struct tcp_pcb *l, const struct sc_syn *s,
				   const struct tcp_route *rt, uint32_t h, int exact,
				   uint64_t sent, uint64_t now)
{
	struct tcp_pcb *c = tcp_pcb_alloc();
	struct tcp_opts o;

	if (!c)
		return NULL;
	c->flags |= l->flags & (TF_NODELAY | TF_KEEPALIVE | TF_SNDBUF_LOCK);
	if ((l->rcv_buf.cap != c->rcv_buf.cap || l->snd_buf.cap != c->snd_buf.cap ||
	     l->snd_buf.max != c->snd_buf.max) &&
	    tcp_pcb_set_bufs(c, l->snd_buf.cap, l->rcv_buf.cap) < 0) {
		tcp_pcb_free(c);
		return NULL;
	}
	c->cc = l->cc; /* TCP_CONGESTION on the listener */
	c->ipo = l->ipo; /* and its other options */
	c->user_mss = l->user_mss;
	c->keep_idle_ms = l->keep_idle_ms;
	c->keep_intvl_ms = l->keep_intvl_ms;
	c->keep_cnt = l->keep_cnt;
	c->local_addr = s->laddr;
	c->local_port = s->lport;
	c->remote_addr = s->raddr;
	c->remote_port = s->rport;
	if (rt)
		c->route = *rt; /* tcp_route_lookup looks again if the generation moved since */
	c->parent = l;
	TAILQ_INSERT_TAIL(&l->synq, c, qlink);
	l->synq_len++;
	c->irs = s->irs;
	c->rcv_nxt = s->irs + 1;
	c->rcv_acked = c->rcv_nxt;
	c->rcv_adv = c->rcv_nxt + sc_our_wnd(l); /* what the SYN,ACK offered */
	c->iss = s->iss;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_buf_seq = c->iss + 1;
	c->ts_offset = sc_ts_offset(c->iss);
	memset(&o, 0, sizeof(o));
	o.has_mss = s->peer_mss != 0;
	o.mss = s->peer_mss;
	o.has_wscale = !!(s->flags & SC_F_WS);
	o.wscale = s->snd_wscale;
	o.has_ts = !!(s->flags & SC_F_TS);
	o.tsval = s->ts_recent;
	o.sack_permitted = !!(s->flags & SC_F_SACK);
	tcp_syn_options(c, &o, now);
	c->snd_wnd = s->wnd;
	c->max_sndwnd = c->snd_wnd;
	c->snd_wl1 = s->irs;
	c->snd_wl2 = c->iss;
	/* RTT: the SYN,ACK times the path (through the echoed TSval, or from when it was
	 * sent) unless it was resent or its TSval was rounded down for a cookie: Karn, as
	 * for any retransmission */
	if (!exact)
		tcp_ts_rexmt_mark(c, now);
	else if (!(c->flags & TF_TS_OK)) {
		c->rtt_seq = c->iss;
		c->rtt_start = sent;
	}
	tcp_pcb_hash_insert_h(c, h);
	tcp_pcb_set_state(c, TCP_SYN_RECEIVED);
	/* should the ACK not complete it after all, the child times out like any other */
	tcp_rexmt_arm(c, now);
	return c;
}

/* Decodes a cookie ACK into s; 0 if it is ours and fresh. */
static int sc_cookie_syn(const struct tcp_hdr *th, const struct net_addr *src,
			 const struct net_addr *dst, uint64_t now,
			 struct sc_syn *s)
{
	int idx = tcp_cookie_check(dst, th->dport, src, th->sport, th->seq - 1, th->ack - 1, now);

	if (idx < 0)
		return -1;
	memset(s, 0, sizeof(*s));
	s->laddr = *dst;
	s->raddr = *src;
	s->lport = th->dport;
	s->rport = th->sport;
	s->irs = th->seq - 1;
	s->iss = th->ack - 1;
	s->peer_mss = tcp_cookie_mss[idx];
	/* RFC 7323 2.2: the window of a non-SYN segment is scaled; the ACK's own window
	 * replaces this once the child processes it */
	s->wnd = th->wnd;
	if (th->opt.has_ts && th->opt.tsecr && tcp_config.timestamps) {
		uint32_t opt = th->opt.tsecr & COOKIE_TS_MASK;
		unsigned ws = opt & 0xf;
		s->flags |= SC_F_TS;
		s->ts_recent = th->opt.tsval;
		if (ws != COOKIE_WS_NONE) {
			if (ws > 14 || !tcp_config.window_scaling)
				return -1; /* we never encode such a thing */
			s->flags |= SC_F_WS;
			s->snd_wscale = (uint8_t)ws;
		}
		if (opt & COOKIE_TS_SACK) {
			if (!tcp_config.sack)
				return -1;
			s->flags |= SC_F_SACK;
		}
	}
	return 0;
}

struct tcp_pcb *tcp_syncache_ack(struct tcp_pcb *l, const struct tcp_hdr *th,
				 const struct net_addr *src, const struct net_addr *dst, uint32_t h,
				 uint64_t now, enum tcp_sc_verdict *v)
{
	struct tcp_sc *e = sc_lookup(h, dst, th->dport, src, th->sport);
	struct tcp_pcb *c;
	struct sc_syn s;

	*v = TCP_SC_RESET;
	if (e) {
		/* FreeBSD's syncache_expand test: SEG.ACK = ISS + 1 and IRS < SEG.SEQ <= IRS +
		 * the window we offered */
		if (th->ack != e->iss + 1 || SEQ_LEQ(th->seq, e->irs) ||
		    SEQ_GT(th->seq, e->irs + 1 + sc_our_wnd(l))) {
			STAT_INC(tcp_sc, syncache_bad_ack);
			return NULL;
		}
		sc_to_syn(e, &s);
	} else {
		/* cookies are looked at only where they were sent lately (as Linux): anywhere
		 * else a guessed ACK would have the 2^-22 chance for free */
		int recent = l->sc_cookie_at && now + 1 - l->sc_cookie_at <
			     (uint64_t)COOKIE_MAX_AGE * COOKIE_PERIOD_MS;
		if (!tcp_config.syncookies || (tcp_config.syncookies != 2 && !recent)) {
			STAT_INC(tcp, rcv_listen_bad_ack);
			return NULL;
		}
		if (sc_cookie_syn(th, src, dst, now, &s) < 0) {
			STAT_INC(tcp_sc, cookies_invalid);
			return NULL;
		}
	}
	/* The accept queue is full: keep the entry and let the peer's next segment try
	 * again (as Linux), or reset (tcp_abort_on_overflow). A cookie's peer retries with
	 * its data, and the cookie is good for that long. */
	if (l->acceptq_len >= l->backlog) {
		if (tcp_config.abort_on_overflow) {
			STAT_INC(tcp_sc, listen_overflow_rst);
			if (e)
				sc_free_entry(e);
			return NULL;
		}
		STAT_INC(tcp_sc, listen_overflow);
		*v = TCP_SC_DROP;
		return NULL;
	}
	c = sc_make_pcb(l, &s, e ? &e->route : NULL, h, e && e->rxtshift == 0, e ? e->sent : 0, now);
	if (!c) {
		/* the connection limit: no control block to be had. Keep the entry (or the
		 * cookie) for a retry, as for a full accept queue. */
		STAT_INC(tcp_sc, listen_conn_limit);
		*v = TCP_SC_DROP;
		return NULL;
	}
	if (e) {
		STAT_INC(tcp_sc, syncache_completed);
		sc_free_entry(e);
	} else {
		STAT_INC(tcp_sc, cookies_valid);
	}
	return c;
}
