/* SPDX-License-Identifier: MIT */
/* Two TCP endpoints of the one stack, A = 10.1.0.1 on simA and B = 10.2.0.1 on simB, move
 * megabytes to each other through the socket API over a simulated link with seeded loss,
 * duplication, reordering and delay. A fake clock jumps from event to event (a frame's
 * arrival or the next timer), so minutes of simulated time cost no real waiting.
 *
 * Routing: ip_route_output sends every datagram for one of the stack's own addresses to the
 * loopback device (NET_DEV_F_LOOPBACK, route.c), so A->B and B->A both leave through it
 * whatever routes exist. Instead of changing that rule, "lo" here is the wire itself: a
 * NET_DEV_IP device flagged NET_DEV_F_LOOPBACK whose transmit reads the destination
 * address and schedules the frame's arrival on the device that owns it (simA or simB).
 * ip_input accepts a datagram on a non-loopback device only for that device's own
 * addresses, so a frame delivered to the wrong end would be dropped and the transfer would
 * fail: the test also checks the wiring. simA and simB transmit onto the same wire, should
 * anything ever route through them directly.
 *
 * Every case ends with both sockets closed, the simulation run until nothing is in flight
 * and no timer is armed, every control block freed and no packet buffer left. */
#include "test/unit/testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/loop.h"
#include "net/socket.h"
#include "tcp/tcp_var.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define T0 1000000ull
#define PORT_B 5001
#define PORT_A 40001           /* bound before connect, so runs are reproducible */
#define SIM_MTU 1500
#define CHUNK (64 * 1024)      /* bytes per us_send / us_recv call */
#define TRACE_LEN 24           /* link events kept for a failure report */
#define SIM_TIME_MAX_MS (3600ull * 1000) /* an hour of simulated time is "stuck" */
#define SIM_ITER_MAX 4000000u

/* ---- the simulated link ---- */

struct link_params {
	unsigned loss_pct, dup_pct, reorder_pct;
	unsigned delay_ms;      /* one-way base delay */
	unsigned reorder_ms;    /* a reordered frame is held up to this much longer */
	uint64_t seed;
};

/* What the link did with one frame, for the failure report. */
struct trace_ev {
	uint64_t at;
	char fate;              /* 'L' lost, 'D' duplicated, 'R' reordered, '-' delivered */
	uint32_t src, dst;
	struct tcp_hdr th;
	size_t plen;
	int tcp;
};

struct link {
	struct link_params par;
	uint64_t rng;
	struct pkb_queue q;     /* in arrival order (sorted by the time in cb) */
	size_t queued;
	uint64_t sent, lost, duped, reordered, delivered;
	struct trace_ev trace[TRACE_LEN];
	unsigned ntrace;
};

static struct link wire;
static struct net_device *lo_dev, *dev_a, *dev_b;
static uint64_t now;
static uint32_t addr_a, addr_b;

/* xorshift64*: small, seeded, the same on every machine */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static unsigned rng_pct(void)
{
	return (unsigned)(rng_next(&wire.rng) >> 33) % 100;
}

static uint64_t cb_time(const struct pkb *p)
{
	uint64_t t;

	memcpy(&t, p->cb, sizeof(t));
	return t;
}

static void trace_add(const struct pkb *p, char fate)
{
	struct trace_ev *e = &wire.trace[wire.ntrace++ % TRACE_LEN];
	struct ip_hdr ih;

	memset(e, 0, sizeof(*e));
	e->at = now;
	e->fate = fate;
	if (ip_parse(p->data, p->len, &ih) != 0)
		return;
	e->src = ih.src;
	e->dst = ih.dst;
	if (ih.proto == IP_PROTO_TCP &&
	    tcp_parse(p->data + ih.ihl, ih.total_len - ih.ihl, NA4(ih.src), NA4(ih.dst), &e->th) == 0) {
		e->tcp = 1;
		e->plen = ih.total_len - ih.ihl - e->th.hlen;
	}
}

/* Inserts p to arrive at `at`, after every frame already due at or before that time (a
 * FIFO link unless the frame was picked to be reordered). */
static void link_schedule(struct pkb *p, uint64_t at)
{
	struct pkb *q;

	memcpy(p->cb, &at, sizeof(at));
	TAILQ_FOREACH_REVERSE(q, &wire.q, pkb_queue, link)
		if (cb_time(q) <= at)
			break;
	if (q)
		TAILQ_INSERT_AFTER(&wire.q, q, p, link);
	else
		TAILQ_INSERT_HEAD(&wire.q, p, link);
	wire.queued++;
}

/* The wire's transmit for all three devices: drop, delay, duplicate or reorder the frame,
 * never deliver it from here (that would re-enter TCP from inside its own output). */
static int sim_transmit(struct net_device *dev, struct pkb *p)
{
	struct ip_hdr ih;
	struct net_iface *to;
	struct pkb *c;
	uint64_t at = now + wire.par.delay_ms;
	char fate = '-';

	(void)dev;
	wire.sent++;
	if (ip_parse(p->data, p->len, &ih) != 0 || !(to = ip_iface_by_addr(ih.dst))) {
		/* everything the endpoints send is addressed to one of them */
		fail_msg("link: frame of %zu bytes to an address nobody has", p->len);
	}
	if (rng_pct() < wire.par.loss_pct) {
		wire.lost++;
		trace_add(p, 'L');
		pkb_free(p);
		return 0;
	}
	/* The link owns what it queues; a layer above may still hold a reference. */
	c = pkb_copy(p);
	assert_non_null(c);
	pkb_free(p);
	c->dev = to->dev;
	if (wire.par.reorder_pct && rng_pct() < wire.par.reorder_pct) {
		at += 1 + rng_next(&wire.rng) % wire.par.reorder_ms;
		wire.reordered++;
		fate = 'R';
	}
	if (wire.par.dup_pct && rng_pct() < wire.par.dup_pct) {
		struct pkb *d = pkb_copy(c);

		assert_non_null(d);
		d->dev = to->dev;
		link_schedule(d, at + rng_next(&wire.rng) % 4);
		wire.duped++;
		fate = 'D';
	}
	trace_add(c, fate);
	link_schedule(c, at);
	return 0;
}

static int sim_recv(struct net_device *dev, struct pkb **out, int max)
{
	(void)dev, (void)out, (void)max;
	return 0;
}

static const struct net_device_ops sim_ops = {
	.transmit = sim_transmit,
	.recv_batch = sim_recv,
};

static struct net_device *sim_dev(const char *name)
{
	struct net_device *dev = net_device_alloc();

	assert_non_null(dev);
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->type = NET_DEV_IP;
	dev->mtu = SIM_MTU;
	dev->flags = NET_DEV_F_NOARP | NET_DEV_F_P2P;
	if (!strcmp(name, "lo"))
		dev->flags |= NET_DEV_F_LOOPBACK; /* the wire: see the top */
	dev->ops = &sim_ops;
	assert_int_equal(net_device_register(dev), 0);
	return dev;
}

static uint64_t link_next(void)
{
	struct pkb *p = TAILQ_FIRST(&wire.q);

	return p ? cb_time(p) : UINT64_MAX;
}

/* Hands every frame due by `now` to its device, in arrival order. A frame sent while
 * delivering arrives at least delay_ms later, so this ends. */
static void link_deliver(void)
{
	struct pkb *p;

	while ((p = TAILQ_FIRST(&wire.q)) && cb_time(p) <= now) {
		TAILQ_REMOVE(&wire.q, p, link);
		wire.queued--;
		wire.delivered++;
		net_device_input(p->dev, p, now);
	}
}

struct endpoint;
static struct endpoint ep_a, ep_b;
static void check_fin_states(const struct endpoint *e);

/* Advances the clock to the next event and runs it. Returns 0 when nothing is scheduled. */
static int sim_step(void)
{
	uint64_t next = link_next(), t = net_timer_next();

	if (t < next)
		next = t;
	if (next == UINT64_MAX)
		return 0;
	if (next > now) {
		now = next;
		net_clock_set_fake(1, now);
	}
	net_timers_run(now);
	link_deliver();
	check_fin_states(&ep_a);
	check_fin_states(&ep_b);
	return 1;
}

/* ---- endpoints ---- */

struct endpoint {
	const char *name;
	int fd;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	const uint8_t *out;     /* what it sends */
	size_t out_len, sent;
	int shut;               /* SHUT_WR done */
	const uint8_t *expect;  /* what it must receive */
	size_t expect_len, rcvd;
	int eof;
	int may_send;           /* sequential mode: B answers only after A's EOF */
};

static int lfd;
static uint8_t rbuf[CHUNK];

static const char *ntop(uint32_t a, char *buf)
{
	return ip_addr_ntop(a, buf, IP_ADDR_STRLEN);
}

static void dump_pcb(const struct endpoint *e)
{
	struct tcp_pcb *pcb;

	if (!e->lport) {
		fprintf(stderr, "  %s: not connected\n", e->name);
		return;
	}
	pcb = tcp_pcb_lookup_conn(NA4(e->laddr), e->lport, NA4(e->raddr), e->rport);
	fprintf(stderr, "  %s: sent %zu/%zu shut=%d rcvd %zu/%zu eof=%d\n", e->name, e->sent,
		e->out_len, e->shut, e->rcvd, e->expect_len, e->eof);
	if (!pcb || pcb->state == TCP_LISTEN) {
		fprintf(stderr, "  %s: no control block\n", e->name);
		return;
	}
	fprintf(stderr,
		"  %s: %s iss=%u snd_una=%u snd_nxt=%u snd_max=%u snd_wnd=%u irs=%u rcv_nxt=%u "
		"rcv_wnd=%u mss=%u cwnd=%u ssthresh=%u rto=%u rxtshift=%u dupacks=%u flags=%#x "
		"snd_buf=%zu rcv_buf=%zu ooo=%u error=%d\n",
		e->name, tcp_state_name(pcb->state), pcb->iss, pcb->snd_una, pcb->snd_nxt,
		pcb->snd_max, pcb->snd_wnd, pcb->irs, pcb->rcv_nxt, pcb->rcv_wnd, pcb->mss, pcb->cwnd,
		pcb->ssthresh, pcb->rto, pcb->rxtshift, pcb->dupacks, pcb->flags,
		pcb->snd_buf.len, tcp_rcv_queued(pcb), pcb->ooo_count, pcb->error);
	for (int i = 0; i < TCPT_NTIMERS; i++)
		if (tcp_timer_pending(pcb, (enum tcp_timer_id)i))
			fprintf(stderr, "  %s: timer %d at +%lld ms\n", e->name, i,
				(long long)(tcp_timer_due(pcb, (enum tcp_timer_id)i) - now));
}

/* Prints the state of both ends and the link's last events, then fails the test. */
#define sim_fail(...)                                                                      \
	do {                                                                               \
		sim_report();                                                              \
		fail_msg(__VA_ARGS__);                                                     \
	} while (0)

static void sim_report(void)
{
	unsigned n = wire.ntrace < TRACE_LEN ? wire.ntrace : TRACE_LEN;
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN], f[9];

	fprintf(stderr,
		"sim: seed=%llu loss=%u%% dup=%u%% reorder=%u%% t=+%llu ms link sent=%llu "
		"lost=%llu duped=%llu reordered=%llu delivered=%llu in flight=%zu\n",
		(unsigned long long)wire.par.seed, wire.par.loss_pct, wire.par.dup_pct,
		wire.par.reorder_pct, (unsigned long long)(now - T0),
		(unsigned long long)wire.sent, (unsigned long long)wire.lost,
		(unsigned long long)wire.duped, (unsigned long long)wire.reordered,
		(unsigned long long)wire.delivered, wire.queued);
	dump_pcb(&ep_a);
	dump_pcb(&ep_b);
	fprintf(stderr, "  last %u frames on the link (L lost, D duplicated, R reordered):\n", n);
	for (unsigned i = wire.ntrace - n; i < wire.ntrace; i++) {
		const struct trace_ev *e = &wire.trace[i % TRACE_LEN];

		if (!e->tcp) {
			fprintf(stderr, "    +%llu %c not TCP\n", (unsigned long long)(e->at - T0),
				e->fate);
			continue;
		}
		fprintf(stderr, "    +%llu %c %s:%u > %s:%u %s seq=%u ack=%u win=%u len=%zu\n",
			(unsigned long long)(e->at - T0), e->fate, ntop(e->src, s), e->th.sport,
			ntop(e->dst, d), e->th.dport, tcp_flags_str(e->th.flags, f), e->th.seq,
			e->th.ack, e->th.wnd, e->plen);
	}
	fprintf(stderr, "  counters:\n");
	stats_print(stderr, 0);
}

/* RFC 9293 3.10.7.4: once our FIN is acknowledged, FIN_WAIT_1 becomes FIN_WAIT_2, CLOSING
 * becomes TIME_WAIT and LAST_ACK ends. A control block still in one of those states with
 * its FIN acknowledged waits for nothing and would never be freed; caught when it happens,
 * with the segments that led there. */
static void check_fin_states(const struct endpoint *e)
{
	struct tcp_pcb *pcb;

	if (!e->lport || !e->rport)
		return;
	pcb = tcp_pcb_lookup_conn(NA4(e->laddr), e->lport, NA4(e->raddr), e->rport);
	if (!pcb || pcb->state == TCP_LISTEN || !(pcb->flags & TF_FIN_QUEUED))
		return;
	if ((pcb->state == TCP_FIN_WAIT_1 || pcb->state == TCP_CLOSING ||
	     pcb->state == TCP_LAST_ACK) && SEQ_GT(pcb->snd_una, pcb->fin_seq))
		sim_fail("%s: our FIN (seq %u) is acknowledged but the state is still %s",
			 e->name, pcb->fin_seq, tcp_state_name(pcb->state));
}

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };

	s.sin_addr.s_addr = addr;
	return s;
}

/* Moves what the socket API lets an endpoint move now; returns nonzero if it did anything. */
static int ep_io(struct endpoint *e)
{
	int progress = 0;
	ssize_t r;

	while (e->may_send && e->sent < e->out_len) {
		size_t n = e->out_len - e->sent;

		r = us_send(e->fd, e->out + e->sent, n < CHUNK ? n : CHUNK, 0);
		if (r == -EAGAIN)
			break;
		if (r <= 0)
			sim_fail("%s: send at %zu: %s", e->name, e->sent, strerror((int)-r));
		e->sent += (size_t)r;
		progress = 1;
	}
	if (e->may_send && e->sent == e->out_len && !e->shut) {
		/* the sending side is done: the FIN follows the data */
		r = us_shutdown(e->fd, SHUT_WR);
		if (r < 0)
			sim_fail("%s: shutdown: %s", e->name, strerror((int)-r));
		e->shut = 1;
		progress = 1;
	}
	while (!e->eof) {
		r = us_recv(e->fd, rbuf, sizeof(rbuf), 0);
		if (r == -EAGAIN)
			break;
		if (r < 0)
			sim_fail("%s: recv at %zu: %s", e->name, e->rcvd, strerror((int)-r));
		progress = 1;
		if (r == 0) {
			e->eof = 1;
			if (e->rcvd != e->expect_len)
				sim_fail("%s: end of stream after %zu of %zu bytes", e->name, e->rcvd,
					 e->expect_len);
			break;
		}
		if (e->rcvd + (size_t)r > e->expect_len)
			sim_fail("%s: %zu bytes past the %zu sent", e->name,
				 e->rcvd + (size_t)r - e->expect_len, e->expect_len);
		if (memcmp(rbuf, e->expect + e->rcvd, (size_t)r) != 0) {
			size_t i = 0;

			while (rbuf[i] == e->expect[e->rcvd + i])
				i++;
			sim_fail("%s: byte %zu of the stream differs (got %#x, want %#x)", e->name,
				 e->rcvd + i, rbuf[i], e->expect[e->rcvd + i]);
		}
		e->rcvd += (size_t)r;
	}
	return progress;
}

static uint8_t *random_bytes(size_t n, uint64_t seed)
{
	uint8_t *b = malloc(n);
	uint64_t s = seed | 1;

	assert_non_null(b);
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = rng_next(&s);
		memcpy(b + i, &v, n - i < 8 ? n - i : 8);
	}
	return b;
}

/* ---- cases ---- */

struct sim_case {
	struct link_params link;
	size_t a_to_b, b_to_a;  /* bytes each way */
	int sequential;         /* B sends only after it has read A's whole stream and EOF */
};

static int setup(void **state)
{
	(void)state;
	stats_reset();
	now = T0;
	net_clock_set_fake(1, now);
	memset(&wire, 0, sizeof(wire));
	TAILQ_INIT(&wire.q);
	addr_a = inet_addr("10.1.0.1");
	addr_b = inet_addr("10.2.0.1");
	assert_int_equal(ip_init(), 0);
	assert_int_equal(icmp_init(), 0);
	assert_int_equal(tcp_init(), 0);
	tcp_config_defaults(&tcp_config);
	/* each end's address is this stack's own, arriving on the other end's device */
	ip_config.accept_local = 1;
	lo_dev = sim_dev("lo");
	dev_a = sim_dev("simA");
	dev_b = sim_dev("simB");
	/* Each end on its own device and subnet, with the other end as its point-to-point
	 * peer (a host route through its own device), as two hosts joined by a link would be
	 * configured; the "lo" rule above takes precedence for our own addresses. */
	assert_int_equal(ip_iface_add(dev_a, addr_a, inet_addr("255.255.255.0"), addr_b), 0);
	assert_int_equal(ip_iface_add(dev_b, addr_b, inet_addr("255.255.255.0"), addr_a), 0);
	/* ISNs just below 2^32, so every transfer's sequence numbers wrap around */
	tcp_test_set_isn(1, 0xfffc0000u);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sock_close_all();
	pkb_queue_purge(&wire.q);
	tcp_proto_shutdown();
	ip_shutdown();
	net_device_unregister_all();
	net_protocol_reset();
	net_clock_set_fake(0, 0);
	tcp_config_defaults(&tcp_config);
	ip_config.accept_local = 0;
	test_assert_no_leaks();
	return 0;
}

static void run_case(const struct sim_case *c)
{
	struct sockaddr_in sa;
	uint8_t *ab = random_bytes(c->a_to_b, c->link.seed * 3 + 1);
	uint8_t *ba = random_bytes(c->b_to_a, c->link.seed * 5 + 2);
	uint64_t sock_open;
	unsigned iter = 0;
	int one = 1, fd;

	wire.par = c->link;
	wire.rng = c->link.seed * 0x9e3779b97f4a7c15ull + 1;
	ep_a = (struct endpoint){ .name = "A", .fd = -1, .laddr = addr_a, .raddr = addr_b,
				  .rport = PORT_B, .out = ab, .out_len = c->a_to_b,
				  .expect = ba, .expect_len = c->b_to_a, .may_send = 1 };
	ep_b = (struct endpoint){ .name = "B", .fd = -1, .laddr = addr_b, .raddr = addr_a,
				  .lport = PORT_B, .out = ba, .out_len = c->b_to_a,
				  .expect = ab, .expect_len = c->a_to_b, .may_send = !c->sequential };

	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, IPPROTO_TCP);
	assert_true(lfd >= 0);
	assert_int_equal(us_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	sa = sin_of(addr_b, PORT_B);
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);

	ep_a.fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, IPPROTO_TCP);
	assert_true(ep_a.fd >= 0);
	sa = sin_of(addr_a, PORT_A);
	assert_int_equal(us_bind(ep_a.fd, (const struct sockaddr *)&sa, sizeof(sa)), 0);
	ep_a.lport = PORT_A;
	sa = sin_of(addr_b, PORT_B);
	assert_int_equal(us_connect(ep_a.fd,
				    (const struct sockaddr *)&sa, sizeof(sa)), -EINPROGRESS);
	/* exactly the SYN went out, onto the wire: the "lo" rule routed it there */
	assert_int_equal(wire.sent, 1);

	while (!(ep_a.eof && ep_b.eof && ep_a.shut && ep_b.shut)) {
		if (++iter > SIM_ITER_MAX)
			sim_fail("no end after %u iterations", iter);
		if (now - T0 > SIM_TIME_MAX_MS)
			sim_fail("no end after %llu ms of simulated time",
				 (unsigned long long)(now - T0));
		if (ep_b.fd < 0) {
			struct sockaddr_in peer;

			fd = us_accept(lfd, (struct sockaddr *)&peer, &(socklen_t){ sizeof(peer) });
			if (fd >= 0) {
				ep_b.fd = fd;
				ep_b.rport = PORT_A;
				assert_int_equal(peer.sin_addr.s_addr, addr_a);
				assert_int_equal(ntohs(peer.sin_port), PORT_A);
				assert_int_equal(us_set_nonblock(fd, 1), 0);
			} else if (fd != -EAGAIN) {
				sim_fail("accept: %s", strerror(-fd));
			}
		}
		ep_io(&ep_a);
		if (ep_b.fd >= 0) {
			if (c->sequential && ep_b.eof)
				ep_b.may_send = 1;
			if (ep_io(&ep_b))
				continue; /* B's output may have made room for more of its own */
		}
		if (!sim_step())
			sim_fail("nothing in flight and no timer armed, transfer unfinished");
	}

	/* Both streams arrived whole. Close everything and let the FINs, ACKs and TIME_WAIT
	 * play out over the same lossy link. */
	sock_open = sock_stats.opened - sock_stats.closed;
	assert_int_equal(sock_open, 3);
	assert_int_equal(us_close(ep_a.fd), 0);
	assert_int_equal(us_close(ep_b.fd), 0);
	assert_int_equal(us_close(lfd), 0);
	assert_int_equal(sock_stats.opened, sock_stats.closed);
	while (sim_step()) {
		if (++iter > SIM_ITER_MAX)
			sim_fail("closing: no end after %u iterations", iter);
		if (now - T0 > SIM_TIME_MAX_MS)
			sim_fail("closing: not quiet after %llu ms", (unsigned long long)(now - T0));
	}
	if (tcp_pcb_count() != 0)
		sim_fail("%zu control blocks left after the close", tcp_pcb_count());
	assert_int_equal(tcp_stats.conn_established, 2);
	assert_int_equal(wire.queued, 0);
	if (c->link.loss_pct)
		assert_true(wire.lost > 0);
	else
		assert_int_equal(wire.lost, 0);
	if (c->link.dup_pct)
		assert_true(wire.duped > 0);
	printf("sim: loss=%u%% dup=%u%% reorder=%u%% %zu+%zu bytes %s: %llu ms simulated, "
	       "%llu frames (%llu lost, %llu duplicated, %llu reordered), %llu timeouts, "
	       "%llu fast retransmits\n",
	       c->link.loss_pct, c->link.dup_pct, c->link.reorder_pct, c->a_to_b, c->b_to_a,
	       c->sequential ? "in turn" : "at once", (unsigned long long)(now - T0),
	       (unsigned long long)wire.sent, (unsigned long long)wire.lost,
	       (unsigned long long)wire.duped, (unsigned long long)wire.reordered,
	       (unsigned long long)tcp_stats.rexmt_timeouts,
	       (unsigned long long)tcp_stats.snd_fast_rexmt);
	free(ab);
	free(ba);
}

#define MB (1024 * 1024)

/* A clean link: the reference every lossy case is compared with. */
static void test_clean_in_turn(void **state)
{
	const struct sim_case c = { .link = { .delay_ms = 5, .seed = 1 },
				    .a_to_b = 4 * MB, .b_to_a = 4 * MB, .sequential = 1 };
	(void)state;
	run_case(&c);
	/* nothing lost, so nothing may have timed out */
	assert_int_equal(tcp_stats.rexmt_timeouts, 0);
}

static void test_clean_dup_reorder_at_once(void **state)
{
	const struct sim_case c = {
		.link = { .dup_pct = 5, .reorder_pct = 5, .delay_ms = 5, .reorder_ms = 20, .seed = 2 },
		.a_to_b = 4 * MB, .b_to_a = 4 * MB };
	(void)state;
	run_case(&c);
}

static void test_loss5_in_turn(void **state)
{
	const struct sim_case c = { .link = { .loss_pct = 5, .delay_ms = 5, .seed = 3 },
				    .a_to_b = 3 * MB, .b_to_a = 3 * MB, .sequential = 1 };
	(void)state;
	run_case(&c);
}

static void test_loss5_dup_reorder_at_once(void **state)
{
	const struct sim_case c = {
		.link = { .loss_pct = 5, .dup_pct = 5, .reorder_pct = 5, .delay_ms = 5,
			  .reorder_ms = 20, .seed = 4 },
		.a_to_b = 3 * MB, .b_to_a = 3 * MB };
	(void)state;
	run_case(&c);
}

static void test_loss20_in_turn(void **state)
{
	const struct sim_case c = { .link = { .loss_pct = 20, .delay_ms = 5, .seed = 5 },
				    .a_to_b = 1 * MB, .b_to_a = 1 * MB, .sequential = 1 };
	(void)state;
	run_case(&c);
}

static void test_loss20_dup_reorder_at_once(void **state)
{
	const struct sim_case c = {
		.link = { .loss_pct = 20, .dup_pct = 10, .reorder_pct = 10, .delay_ms = 5,
			  .reorder_ms = 20, .seed = 6 },
		.a_to_b = 1 * MB, .b_to_a = 1 * MB };
	(void)state;
	run_case(&c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_clean_in_turn),
		T(test_clean_dup_reorder_at_once),
		T(test_loss5_in_turn),
		T(test_loss5_dup_reorder_at_once),
		T(test_loss20_in_turn),
		T(test_loss20_dup_reorder_at_once),
	};
	/* SIM_FILTER=test_loss20* runs one case, for chasing a failure */
	if (getenv("SIM_FILTER"))
		cmocka_set_test_filter(getenv("SIM_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
