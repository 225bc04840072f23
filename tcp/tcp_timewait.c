/* SPDX-License-Identifier: MIT */
/* TIME_WAIT as a small record (RFC 9293 3.6.1), as BSD's tcptw and Linux's
 * inet_timewait_sock: once a connection reaches TIME_WAIT nothing of its control block is
 * needed but the 4-tuple, the sequence numbers, the window, the last timestamp and the
 * IP options its segments carried (bound device, TOS, TTL), so a record of about a
 * hundred bytes replaces the control block (about 2 KiB, timers and scoreboard included). The records live in their own hash table, and in one list in
 * expiry order: 2 MSL is the same for all, so the order is the order of entry (a repeated
 * FIN moves its record to the end), and one timer for the stack serves the list's head.
 *
 * A socket still open when its connection enters TIME_WAIT keeps its pcb as a stub:
 * unhashed, no timers, its rings freed (tcp_mem_time_wait), state TIME_WAIT for recv, send,
 * poll and getsockopt to read as before, until the record ends (the stub goes to CLOSED
 * then, as a dropped connection does) or the application closes it (the stub is freed, the
 * record stays). */
#include <stdlib.h>
#include <string.h>

#include "net/perstack.h"
#include "net/log.h"
#include "net/mem.h"
#include "net/pool.h"
#include "tcp/tcp_var.h"

/* The counters live beside TCP_COUNTERS under the same "tcp." prefix. */
STATS_DEFINE_AS(tcp_tw, "tcp", TCP_TW_COUNTERS)

#define TW_BUCKETS 16384   /* as the connection table; chains stay short past it */

LIST_HEAD(tw_bucket, tcp_tw);
PERSTACK_STATIC(struct tw_bucket[TW_BUCKETS], tw_hash) /* all-zero is empty: untouched until used */
#define tw_hash PERSTACK_REF(struct tw_bucket[TW_BUCKETS], tw_hash)
/* Records come from two pools (net/pool.h), one per family's size: no malloc per
 * connection while TIME_WAIT grows (a record lives 2 MSL, so at a steady rate of new
 * connections every one is new), and the reclaim pass gives back the slabs it leaves free. */
static void tw_pools_init(void);
PERSTACK_STATIC_FN(struct net_pool[2], tw_pools, tw_pools_init)
#define tw_pools PERSTACK_REF(struct net_pool[2], tw_pools)
static size_t tw_size_for(int v6);

static void tw_pools_init(void)
{
	net_pool_init(&tw_pools[0], "tcp_tw", tw_size_for(0), 0);
	net_pool_init(&tw_pools[1], "tcp_tw6", tw_size_for(1), 0);
	tw_pools[0].reclaim = tw_pools[1].reclaim = 1;
}
TAILQ_HEAD(tcp_tw_q, tcp_tw);
static void tw_queue_init(void);
PERSTACK_STATIC_FN(struct tcp_tw_q, tw_queue, tw_queue_init)
#define tw_queue PERSTACK_REF(struct tcp_tw_q, tw_queue)

static void tw_queue_init(void)
{
	TAILQ_INIT(&tw_queue);
}
PERSTACK_STATIC(size_t, tw_count)
#define tw_count PERSTACK_REF(size_t, tw_count)
PERSTACK_STATIC(struct net_timer, tw_timer)
#define tw_timer PERSTACK_REF(struct net_timer, tw_timer)
PERSTACK_STATIC(int, tw_timer_ready)
#define tw_timer_ready PERSTACK_REF(int, tw_timer_ready)

size_t tcp_tw_count(void) { return tw_count; }

const struct net_pool *tcp_tw_pool(int v6)
{
	return &tw_pools[!!v6];
}

/* Bytes of a record for the family (its pool's object size). */
static size_t tw_size_for(int v6)
{
	return offsetof(struct tcp_tw, addr) + (v6 ? 32 : 8);
}

static struct net_addr tw_addr(const struct tcp_tw *tw, int remote)
{
	struct net_addr a;

	if (tw->flags & TW_F_V6) {
		a = net_addr_any(AF_INET6);
		memcpy(a.v6, &tw->addr[remote ? 4 : 0], 16);
		return a;
	}
	return net_addr_v4(tw->addr[remote]);
}

struct net_addr tcp_tw_laddr(const struct tcp_tw *tw) { return tw_addr(tw, 0); }
struct net_addr tcp_tw_raddr(const struct tcp_tw *tw) { return tw_addr(tw, 1); }

/* The record's addresses are these (the v4 case two word compares, as before). */
static int tw_addr_eq(const struct tcp_tw *tw, const struct net_addr *laddr,
		      const struct net_addr *raddr)
{
	struct net_addr l, r;

	if (laddr->family == AF_INET)
		return !(tw->flags & TW_F_V6) && raddr->family == AF_INET &&
		       tw->addr[0] == laddr->v4 && tw->addr[1] == raddr->v4;
	if (!(tw->flags & TW_F_V6))
		return 0;
	l = tw_addr(tw, 0);
	r = tw_addr(tw, 1);
	return net_addr_eq(&l, laddr) && net_addr_eq(&r, raddr);
}

void tcp_tw_foreach(void (*fn)(const struct tcp_tw *tw, void *arg), void *arg)
{
	const struct tcp_tw *tw;

	TAILQ_FOREACH(tw, &tw_queue, qlink)
		fn(tw, arg);
}

static void tw_timer_fn(struct net_timer *t, void *arg, uint64_t now);

/* Arms the stack's timer for the head of the list (or stops it). */
static void tw_timer_update(void)
{
	struct tcp_tw *head = TAILQ_FIRST(&tw_queue);

	if (!tw_timer_ready) {
		net_timer_init(&tw_timer, tw_timer_fn, NULL);
		tw_timer_ready = 1;
	}
	if (!head)
		net_timer_cancel(&tw_timer);
	else if (!net_timer_pending(&tw_timer) || tw_timer.deadline != head->expire)
		net_timer_arm(&tw_timer, head->expire);
}

/* Puts tw in expiry order: at the end, unless msl_ms was lowered since later records
 * entered (then it walks back past those that expire after it). */
static void tw_queue_insert(struct tcp_tw *tw)
{
	struct tcp_tw *p = TAILQ_LAST(&tw_queue, tcp_tw_q);

	while (p && p->expire > tw->expire)
		p = TAILQ_PREV(p, tcp_tw_q, qlink);
	if (p)
		TAILQ_INSERT_AFTER(&tw_queue, p, tw, qlink);
	else
		TAILQ_INSERT_HEAD(&tw_queue, tw, qlink);
}

static void tw_restart(struct tcp_tw *tw, uint64_t now)
{
	tw->expire = now + 2ull * tcp_config.msl_ms;
	TAILQ_REMOVE(&tw_queue, tw, qlink);
	tw_queue_insert(tw);
	tw_timer_update();
}

static void tw_release(struct tcp_tw *tw)
{
	net_pool_free(&tw_pools[!!(tw->flags & TW_F_V6)], tw);
}

void tcp_tw_end(struct tcp_tw *tw)
{
	struct tcp_pcb *stub = tw->pcb;

	LIST_REMOVE(tw, hlink);
	TAILQ_REMOVE(&tw_queue, tw, qlink);
	tw_count--;
	tw_release(tw);
	tcp_gauges_update();
	tw_timer_update();
	if (stub) {
		stub->tw = NULL;
		tcp_pcb_drop(stub, 0); /* as TIME_WAIT's end always did: CLOSED for the socket */
	}
}

void tcp_tw_detach(struct tcp_pcb *pcb)
{
	if (pcb->tw) {
		pcb->tw->pcb = NULL;
		pcb->tw = NULL;
	}
}

static void tw_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct tcp_tw *tw;

	(void)t;
	(void)arg;
	while ((tw = TAILQ_FIRST(&tw_queue)) != NULL && tw->expire <= now) {
		STAT_INC(tcp_tw, tw_expired);
		tcp_tw_end(tw);
	}
	tw_timer_update();
}

int tcp_tw_enter(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_tw *tw = NULL;
	int v6 = pcb->local_addr.family == AF_INET6;
	uint32_t h;

	tcp_timers_cancel_all(pcb);
	if (tw_count >= tcp_config.max_tw_buckets) {
		/* as Linux past tcp_max_tw_buckets: the connection closes without TIME_WAIT */
		STAT_INC(tcp_tw, tw_overflow);
		debugf("%u->%u: TIME_WAIT records at their limit, closed", pcb->local_port,
		       pcb->remote_port);
		return tcp_pcb_drop(pcb, 0);
	}
	if ((tw = net_pool_alloc(&tw_pools[v6])) == NULL) { /* zeroed */
		STAT_INC(tcp_tw, tw_nomem);
		return tcp_pcb_drop(pcb, 0);
	}
	if (v6) {
		tw->flags |= TW_F_V6;
		memcpy(&tw->addr[0], pcb->local_addr.v6, 16);
		memcpy(&tw->addr[4], pcb->remote_addr.v6, 16);
	} else {
		tw->addr[0] = pcb->local_addr.v4;
		tw->addr[1] = pcb->remote_addr.v4;
	}
	tw->lport = pcb->local_port;
	tw->rport = pcb->remote_port;
	tw->snd_nxt = pcb->snd_max;
	tw->rcv_nxt = pcb->rcv_nxt;
	tw->rcv_wnd = SEQ_GT(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	tw->rcv_wscale = pcb->rcv_wscale;
	tw->max_sndwnd = pcb->max_sndwnd;
	if (pcb->flags & TF_TS_OK)
		tw->flags |= TW_F_TS;
	tw->ts_recent = pcb->ts_recent;
	tw->ts_offset = pcb->ts_offset;
	tw->rto = pcb->rto;
	tw->last_recv = pcb->last_recv;
	/* its ACKs leave as the connection's did (as Linux's tw_bound_dev_if, tw_tos) */
	tw->ifindex = pcb->ipo.ifindex;
	tw->tos = pcb->ipo.tos;
	tw->ttl = pcb->ipo.ttl;
	if (pcb->ipo.df)
		tw->flags |= TW_F_DF;
	tw->expire = now + 2ull * tcp_config.msl_ms;
	/* the connection's own hash (the same function of the same 4-tuple), computed once:
	 * LIST_INSERT_HEAD names its list three times */
	h = pcb->hashed ? pcb->hash :
			  tcp_pcb_hash4(&pcb->local_addr, tw->lport, &pcb->remote_addr, tw->rport);
	LIST_INSERT_HEAD(&tw_hash[h & (TW_BUCKETS - 1)], tw, hlink);
	tw_queue_insert(tw);
	tw_count++;
	STAT_INC(tcp_tw, tw_created);
	tcp_pcb_unhash(pcb);
	tw_timer_update();
	if (pcb->flags & TF_ORPHAN) {
		tcp_pcb_free(pcb);
		tcp_gauges_update();
		return 1;
	}
	tw->pcb = pcb;
	pcb->tw = tw;
	tcp_gauges_update();
	return 0;
}

struct tcp_tw *tcp_tw_lookup(const struct net_addr *laddr, uint16_t lport,
			     const struct net_addr *raddr, uint16_t rport)
{
	if (tw_count == 0)
		return NULL;
	return tcp_tw_lookup_hash(tcp_pcb_hash4(laddr, lport, raddr, rport), laddr, lport, raddr,
				  rport);
}

struct tcp_tw *tcp_tw_lookup_hash(uint32_t h, const struct net_addr *laddr, uint16_t lport,
				  const struct net_addr *raddr, uint16_t rport)
{
	struct tcp_tw *tw;

	if (tw_count == 0)
		return NULL;
	LIST_FOREACH(tw, &tw_hash[h & (TW_BUCKETS - 1)], hlink)
		if (tw->lport == lport && tw->rport == rport && tw_addr_eq(tw, laddr, raddr))
			return tw;
	return NULL;
}

int tcp_tw_port_in_use(const struct net_addr *addr, uint16_t port)
{
	const struct tcp_tw *tw;

	TAILQ_FOREACH(tw, &tw_queue, qlink) {
		struct net_addr l;

		if (tw->lport != port)
			continue;
		l = tw_addr(tw, 0);
		if (l.family == addr->family && (net_addr_is_any(addr) || net_addr_eq(&l, addr)))
			return 1;
	}
	return 0;
}

size_t tcp_tw_count_closing(uint64_t now)
{
	const struct tcp_tw *tw;
	size_t n = 0;

	/* the rule of tcp_pcb_count_closing: the peer heard within two RTOs, at least
	 * tw_drain_ms */
	TAILQ_FOREACH(tw, &tw_queue, qlink)
		if (now - tw->last_recv < (tcp_config.tw_drain_ms > 2ull * tw->rto ?
					   tcp_config.tw_drain_ms : 2ull * tw->rto))
			n++;
	return n;
}

/* The ACK of RFC 9293 3.10.7.4 (<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>) with the window last
 * announced and, with timestamps, TSecr = TS.Recent (RFC 7323 4.3). */
static void tw_send_ack(const struct tcp_tw *tw, uint64_t now)
{
	struct net_out_opts o = { .ttl = tw->ttl, .tos = tw->tos, .df = !!(tw->flags & TW_F_DF),
				 .ifindex = tw->ifindex };
	struct tcp_hdr h;
	uint32_t w = tw->rcv_wnd >> tw->rcv_wscale;

	memset(&h, 0, sizeof(h));
	h.sport = tw->lport;
	h.dport = tw->rport;
	h.seq = tw->snd_nxt;
	h.ack = tw->rcv_nxt;
	h.flags = TCP_ACK;
	h.wnd = w > 65535 ? 65535 : (uint16_t)w;
	if (tw->flags & TW_F_TS) {
		h.opt.has_ts = 1;
		h.opt.tsval = (uint32_t)now + tw->ts_offset;
		h.opt.tsecr = tw->ts_recent;
	}
	struct net_addr l = tw_addr(tw, 0), r = tw_addr(tw, 1);

	tcp_send_bare(&h, &l, &r, &o, NULL, now);
}

static void tw_challenge_ack(const struct tcp_tw *tw, uint64_t now)
{
	if (!tcp_challenge_allowed(now))
		return;
	STAT_INC(tcp, snd_acks);
	tw_send_ack(tw, now);
}

/* RFC 9293 3.10.7.4 first: the acceptability test with RCV.WND as last announced. */
static int tw_acceptable(const struct tcp_tw *tw, uint32_t seq, uint32_t len)
{
	uint32_t wnd = tw->rcv_wnd;

	if (len == 0)
		return wnd == 0 ? seq == tw->rcv_nxt :
			SEQ_LEQ(tw->rcv_nxt, seq) && SEQ_LT(seq, tw->rcv_nxt + wnd);
	if (wnd == 0)
		return 0;
	return (SEQ_LEQ(tw->rcv_nxt, seq) && SEQ_LT(seq, tw->rcv_nxt + wnd)) ||
	       (SEQ_LEQ(tw->rcv_nxt, seq + len - 1) && SEQ_LT(seq + len - 1, tw->rcv_nxt + wnd));
}

/* RFC 9293 3.6.1 (RFC 1122 4.2.2.13) with RFC 6191 2: a SYN reopens the connection when
 * it is provably newer than the old incarnation (a higher TSval, or an equal TSval and a
 * higher SEQ, when both used timestamps; else a higher SEQ, or timestamps on a new
 * incarnation of a connection without) and a listener takes it. The ISS then lies above
 * all the old one sent (as Linux: SND.MAX + 65535 + 2).
 * NOTE: RFC 6191 2 drops the other SYNs silently; the challenge ACK (as Linux sends) lets a
 * peer retrying from SYN_SENT answer with the RST that ends TIME_WAIT. RFC 9293 3.6.1's
 * return to TIME_WAIT if the SYN proves an old duplicate is not kept (nor by Linux). */
static struct tcp_pcb *tw_reopen(const struct tcp_tw *tw, const struct tcp_hdr *th)
{
	int syn_ts = th->opt.has_ts && tcp_config.timestamps, ok;

	if ((th->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return NULL;
	if (tw->flags & TW_F_TS && syn_ts)
		ok = SEQ_GT(th->opt.tsval, tw->ts_recent) ||
		     (th->opt.tsval == tw->ts_recent && SEQ_GT(th->seq, tw->rcv_nxt));
	else
		ok = (!(tw->flags & TW_F_TS) && syn_ts) || SEQ_GT(th->seq, tw->rcv_nxt);
	struct net_addr l = tw_addr(tw, 0);

	return ok ? tcp_pcb_lookup_listener(&l, tw->lport) : NULL;
}

/* RFC 9293 3.10.7.4 for TIME_WAIT, step by step as tcp_input.c does for the other
 * synchronized states: only ACKs (and challenge ACKs) go out, and the record either stays,
 * is restarted by a repeated FIN, or ends (an exact RST, a newer SYN). */
int tcp_tw_input(struct tcp_tw *tw, const struct tcp_hdr *th, uint32_t len, uint64_t now,
		 struct tcp_pcb **l, uint32_t *iss)
{
	uint32_t seq = th->seq, seqlen = len + !!(th->flags & TCP_SYN) + !!(th->flags & TCP_FIN);
	int fin = !!(th->flags & TCP_FIN), acknow = 0;

	if ((*l = tw_reopen(tw, th)) != NULL) {
		*iss = tw->snd_nxt + 65535 + 2;
		STAT_INC(tcp, rcv_tw_reopened);
		STAT_INC(tcp_tw, tw_reused);
		debugf("TIME_WAIT %u->%u reopened by seq=%u", th->sport, th->dport, th->seq);
		tcp_tw_end(tw);
		return 1;
	}
	/* the peer still talks (a repeated FIN is old, not acceptable): a closing command
	 * waits for it a while longer (tcp_pcb_count_closing) */
	tw->last_recv = now;
	/* RFC 7323 5.3: PAWS. NOTE: its 24-day idle rule is left out: a record lives 2 MSL
	 * from the last FIN, and TS.Recent moves only with acceptable segments. */
	if (tw->flags & TW_F_TS && th->opt.has_ts && !(th->flags & TCP_RST) &&
	    SEQ_LT(th->opt.tsval, tw->ts_recent)) {
		STAT_INC(tcp, rcv_paws_drop);
		goto ack;
	}
	/* first: sequence number */
	if (!tw_acceptable(tw, seq, seqlen)) {
		if (th->flags & TCP_RST) {
			STAT_INC(tcp, rcv_rst_out_of_window);
			return 0;
		}
		if (th->flags & TCP_SYN)
			goto challenge_syn;
		STAT_INC(tcp, rcv_not_acceptable);
		if (fin) { /* our ACK of it was lost: again, and 2 MSL from now */
			STAT_INC(tcp_tw, tw_fin_reacked);
			tw_restart(tw, now);
		}
		goto ack;
	}
	/* second: RST (RFC 5961 3.2: only an exact match ends it, else a challenge ACK) */
	if (th->flags & TCP_RST) {
		if (seq != tw->rcv_nxt) {
			STAT_INC(tcp, rcv_rst_challenged);
			tw_challenge_ack(tw, now);
			return 0;
		}
		/* NOTE: RFC 1337 would ignore it; RFC 9293 3.10.7.4 and Linux close */
		STAT_INC(tcp, rcv_rst);
		STAT_INC(tcp_tw, tw_reset);
		tcp_tw_end(tw);
		return 0;
	}
	/* fourth: SYN (RFC 5961 4.2) */
	if (th->flags & TCP_SYN) {
challenge_syn:
		STAT_INC(tcp, rcv_syn_challenged);
		tw_challenge_ack(tw, now);
		return 0;
	}
	/* trim to the window */
	if (SEQ_LT(seq, tw->rcv_nxt)) {
		uint32_t todrop = tw->rcv_nxt - seq;
		if (todrop > len) {
			if (fin && todrop == len + 1) {
				STAT_INC(tcp_tw, tw_fin_reacked);
				tw_restart(tw, now);
			}
			fin = 0;
			todrop = len;
		}
		STAT_INC(tcp, rcv_dup_data);
		len -= todrop;
		seq += todrop;
		acknow = 1;
	}
	if (SEQ_GT(seq + len, tw->rcv_nxt + tw->rcv_wnd)) {
		STAT_INC(tcp, rcv_after_window);
		len = tw->rcv_nxt + tw->rcv_wnd - seq;
		fin = 0;
		acknow = 1;
	}
	/* fifth: ACK (RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT) */
	if (!(th->flags & TCP_ACK)) {
		STAT_INC(tcp, rcv_no_ack);
		return 0;
	}
	if (SEQ_GT(th->ack, tw->snd_nxt)) {
		STAT_INC(tcp, rcv_ack_too_new);
		tw_challenge_ack(tw, now);
		return 0;
	}
	if (SEQ_LT(th->ack, tw->snd_nxt - tw->max_sndwnd)) {
		STAT_INC(tcp, rcv_ack_too_old);
		tw_challenge_ack(tw, now);
		return 0;
	}
	/* RFC 7323 4.3: the newest timestamp of an in-order segment */
	if (tw->flags & TW_F_TS && th->opt.has_ts && SEQ_LEQ(seq, tw->rcv_nxt) &&
	    SEQ_GEQ(th->opt.tsval, tw->ts_recent))
		tw->ts_recent = th->opt.tsval;
	/* seventh: text after the peer's FIN is ignored */
	if (len > 0) {
		STAT_INC(tcp, rcv_data_after_close);
		fin = 0;
	}
	/* eighth: FIN (already received: only ACKed again) */
	if (fin) {
		if (seq + len == tw->rcv_nxt) {
			STAT_INC(tcp_tw, tw_fin_reacked);
			tw_restart(tw, now);
			acknow = 1;
		} else if (len == 0 && SEQ_GT(seq, tw->rcv_nxt)) {
			acknow = 1;
		}
	}
	if (!acknow)
		return 0;
ack:
	tw_send_ack(tw, now);
	return 0;
}

void tcp_tw_shutdown(void)
{
	struct tcp_tw *tw;

	while ((tw = TAILQ_FIRST(&tw_queue)) != NULL) {
		if (tw->pcb)
			tcp_tw_detach(tw->pcb);
		LIST_REMOVE(tw, hlink);
		TAILQ_REMOVE(&tw_queue, tw, qlink);
		net_pool_free(&tw_pools[!!(tw->flags & TW_F_V6)], tw);
	}
	tw_count = 0;
	for (int i = 0; i < 2; i++)
		if (net_pool_destroy(&tw_pools[i]))
			debugf("%u TIME_WAIT records still live", tw_pools[i].live);
	if (tw_timer_ready)
		net_timer_cancel(&tw_timer);
}
