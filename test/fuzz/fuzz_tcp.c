/* SPDX-License-Identifier: MIT */
/* libFuzzer target for TCP's state machine: each input first opens a connection with a
 * scripted handshake on a fake clock (passive: a SYN to our listener, our SYN,ACK, the
 * peer's ACK and us_accept; or active: us_connect, the peer's SYN,ACK), then plays the
 * rest of the input against it as a sequence of operations: peer segments whose flags,
 * sequence and acknowledgment numbers (relative to what the connection expects, so most
 * land near the window), window, raw options and payload length come from the input, with
 * checksums computed so that they reach the state machine; clock advances that run the
 * timers; application reads, writes, shutdown, close and TCP_NODELAY; and ICMP errors
 * quoting the connection. After every operation the invariants must hold:
 *   snd_una <= snd_nxt <= snd_max, each ring within its capacity, the out-of-order queue
 *   and the SACK scoreboard within their limits; a pcb in TIME_WAIT is only its socket's
 *   stub (unhashed, its TIME_WAIT record beside it);
 * and after the input (socket closed, clock run three hours) no control block but the
 * listener, no TIME_WAIT record and no packet buffer may be left. A violation aborts (a crash for libFuzzer);
 * ASan and UBSan catch the rest.
 *
 * Input format:
 *   byte 0      bit 0 active open; bits 1-3 the peer offers timestamps, window scale,
 *               SACK-permitted; bits 4-7 the peer's window scale
 *   bytes 1-2   the peer's MSS option (big-endian; 0: none)
 *   then ops    one byte each: kind = low 3 bits, arg = high 5 bits, and its operands:
 *     0, 1, 2   segment: flags(1) seq-delta(2, signed, from our rcv_nxt) ack-delta(2,
 *               signed, from our snd_max) window(2) optlen(1, up to 40) options(optlen)
 *               paylen(2, up to 4096; the payload is a pattern); with timestamps agreed
 *               and no options given, a timestamp option is added (arg bit 0 leaves it out)
 *     3         clock: ms(2) times 1000 when arg bit 0 is set; timers run
 *     4         recv up to (arg + 1) * 512 bytes
 *     5         send (arg + 1) * 700 bytes
 *     6         arg % 4: 0 shutdown(SHUT_WR), 1 close, 2 toggle TCP_NODELAY, 3 shutdown(SHUT_RD)
 *     7         ICMP error quoting the connection: code(1) (type 3 unreachable; code 4 is
 *               fragmentation needed with mtu(2)) seq-delta(2, signed, from snd_una)
 * test/fuzz/seed_tcp.py writes seeds from the TCP frames of the captures in test/data.
 * FUZZ_TCP_VERBOSE=1 prints, per input, the state it left the connection in; 2 also the
 * state after every operation. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/icmp.h"
#include "ip/ip.h"
#include "net/cksum.h"
#include "net/log.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/socket.h"
#include "lib/stack.h"
#include "tcp/tcp_var.h"

#define FZ_MAX_OPS 256
#define FZ_SETTLE_MS (3ull * 3600 * 1000) /* past every TCP timer */
#define FZ_ISN 1000000u
#define FZ_PEER_ISN 7000000u
#define FZ_PORT 80
#define FZ_PEER_PORT 40000

static struct net_device *tun;
static uint64_t now = 1000000;
static uint32_t us_addr, peer_addr;
static int lfd;

static int fz_transmit(struct net_device *dev, struct pkb *p)
{
	(void)dev;
	pkb_free(p); /* the peer is the input: what we send only moves our state */
	return 0;
}

static int fz_recv(struct net_device *dev, struct pkb **out, int max)
{
	(void)dev, (void)out, (void)max;
	return 0;
}

static const struct net_device_ops fz_ops = {
	.transmit = fz_transmit,
	.recv_batch = fz_recv,
};

static void fz_init(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(FZ_PORT) };

	log_level = LOG_ERROR;
	net_clock_set_fake(1, now);
	if (stack_init() < 0)
		abort();
	tun = net_device_alloc();
	if (!tun)
		abort();
	snprintf(tun->name, sizeof(tun->name), "fz-tcp");
	tun->type = NET_DEV_IP;
	tun->mtu = 1500;
	tun->ops = &fz_ops;
	tun->flags |= NET_DEV_F_NOARP | NET_DEV_F_P2P;
	if (net_device_register(tun) < 0)
		abort();
	us_addr = inet_addr("198.51.100.2");
	peer_addr = inet_addr("198.51.100.1");
	net_lock();
	if (ip_iface_add(tun, us_addr, inet_addr("255.255.255.0"), peer_addr) < 0)
		abort();
	tcp_test_set_isn(1, FZ_ISN);
	net_unlock();
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, IPPROTO_TCP);
	if (lfd < 0 || us_bind(lfd, (const struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    us_listen(lfd, 16) < 0)
		abort();
}

static void fz_advance(uint64_t ms)
{
	now += ms;
	net_clock_set_fake(1, now);
	net_lock();
	net_timers_run(now);
	net_unlock();
	net_loop_once(0);
}

/* ---- the input, read front to back; reads past the end give zeros ---- */

struct reader {
	const uint8_t *p;
	size_t len, off;
};

static uint8_t rd8(struct reader *r)
{
	return r->off < r->len ? r->p[r->off++] : 0;
}

static uint16_t rd16(struct reader *r)
{
	uint16_t hi = rd8(r);

	return (uint16_t)(hi << 8 | rd8(r));
}

/* ---- the connection under test ---- */

struct conn {
	int fd;                 /* -1 once closed */
	uint16_t lport, pport;  /* ours and the peer's */
	int ts;                 /* the peer sends timestamps */
	uint32_t peer_ts;       /* its TSval clock */
	uint32_t last_rcv_nxt, last_snd_max, last_snd_una; /* while the pcb existed */
	int nodelay;
};

static struct tcp_pcb *conn_pcb(const struct conn *c)
{
	struct net_addr us = net_addr_v4(us_addr), peer = net_addr_v4(peer_addr);

	return tcp_pcb_lookup_conn(&us, c->lport, &peer, c->pport);
}

/* Reads the numbers the peer's next segment is relative to (lock held). */
static void conn_sync(struct conn *c)
{
	struct tcp_pcb *pcb = conn_pcb(c);

	if (pcb && pcb->state != TCP_LISTEN) {
		c->last_rcv_nxt = pcb->rcv_nxt;
		c->last_snd_max = pcb->snd_max;
		c->last_snd_una = pcb->snd_una;
	}
}

static void fz_fail(const char *what, const struct tcp_pcb *pcb)
{
	fprintf(stderr, "fuzz_tcp: invariant broken: %s (state %s, snd_una %u snd_nxt %u "
		"snd_max %u, snd_buf %zu/%zu, rcv_buf %zu/%zu, ooo %u, sent records %u, sacked %u)\n",
		what,
		tcp_state_name(pcb->state), pcb->snd_una, pcb->snd_nxt, pcb->snd_max,
		pcb->snd_buf.len, pcb->snd_buf.cap, tcp_rcv_queued(pcb), pcb->rcv_buf.cap,
		pcb->ooo_count, pcb->sentq.len, pcb->sacked_out);
	abort();
}

/* The sent-segment records (tcp_rack.c): within their ring, in sequence order without
 * overlap, inside [snd_una, snd_max], and the byte counts of the scoreboard within the
 * flight. */
static void check_sent_records(const struct tcp_pcb *pcb)
{
	const struct tcp_sentq *q = &pcb->sentq;
	uint32_t flight = pcb->snd_max - pcb->snd_una, prev = pcb->snd_una;

	if (q->len > q->cap)
		fz_fail("more sent records than their ring holds", pcb);
	for (unsigned i = 0; i < q->len; i++) {
		const struct tcp_sent *e = tcp_sent_at(pcb, i);

		if (!SEQ_LT(e->seq, e->end) || SEQ_LT(e->seq, prev) || SEQ_GT(e->end, pcb->snd_max))
			fz_fail("sent records out of order or outside [snd_una, snd_max]", pcb);
		prev = e->end;
	}
	if (pcb->sacked_out > flight || pcb->lost_out > flight || pcb->retrans_out > flight)
		fz_fail("SACKed, lost or retransmitted bytes beyond the flight", pcb);
}

static void check_invariants(struct conn *c)
{
	struct tcp_pcb *pcb;

	net_lock();
	pcb = conn_pcb(c);
	if (pcb && pcb->state != TCP_LISTEN && pcb->state != TCP_CLOSED) {
		if (SEQ_GT(pcb->snd_una, pcb->snd_nxt))
			fz_fail("snd_una > snd_nxt", pcb);
		if (SEQ_GT(pcb->snd_nxt, pcb->snd_max))
			fz_fail("snd_nxt > snd_max", pcb);
		if (pcb->snd_buf.len > pcb->snd_buf.cap)
			fz_fail("send ring over its capacity", pcb);
		if (tcp_rcv_queued(pcb) > pcb->rcv_buf.cap)
			fz_fail("receive ring over its capacity", pcb);
		if (pcb->ooo_count > tcp_config.ooo_max_segs)
			fz_fail("out-of-order queue over ooo_max_segs", pcb);
		check_sent_records(pcb);
		if (pcb->state == TCP_TIME_WAIT && (!pcb->tw || pcb->hashed || pcb->tw->pcb != pcb))
			fz_fail("TIME_WAIT pcb is not a stub of its record", pcb);
	}
	conn_sync(c);
	net_unlock();
}

/* Injects one segment from the peer with a correct checksum; opts are raw option bytes. */
static void peer_segment(struct conn *c, uint8_t flags, uint32_t seq, uint32_t ack,
			 uint16_t wnd, const uint8_t *opts, size_t optlen, size_t paylen)
{
	static uint8_t b[20 + 60 + 4096];
	size_t ol = (optlen + 3) & ~(size_t)3, hl = 20 + ol, tot = 20 + hl + paylen;
	uint8_t *t = b + 20;
	struct ip_hdr ih = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
			     .src = peer_addr, .dst = us_addr, .total_len = (uint16_t)tot };
	uint32_t sum;
	uint16_t ck;

	memset(t, 0, hl);
	t[0] = (uint8_t)(c->pport >> 8);
	t[1] = (uint8_t)c->pport;
	t[2] = (uint8_t)(c->lport >> 8);
	t[3] = (uint8_t)c->lport;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	t[14] = (uint8_t)(wnd >> 8);
	t[15] = (uint8_t)wnd;
	memcpy(t + 20, opts, optlen); /* the padding stays EOL (0) */
	for (size_t i = 0; i < paylen; i++)
		t[hl + i] = (uint8_t)('a' + (seq + i) % 26);
	sum = cksum_pseudo(peer_addr, us_addr, IP_PROTO_TCP, (uint16_t)(hl + paylen));
	ck = cksum_finish(cksum_add(sum, t, hl + paylen));
	t[16] = (uint8_t)(ck >> 8);
	t[17] = (uint8_t)ck;
	if (ip_emit(&ih, b, sizeof(b)) != 20)
		abort();
	net_lock();
	net_device_input(tun, pkb_from_bytes(b, tot), now);
	net_unlock();
}

/* The options of the peer's SYN or SYN,ACK from the setup byte. */
static size_t syn_options(uint8_t setup, uint16_t mss, uint8_t *o)
{
	size_t n = 0;

	if (mss) {
		o[n++] = TCP_OPT_MSS, o[n++] = 4;
		o[n++] = (uint8_t)(mss >> 8), o[n++] = (uint8_t)mss;
	}
	if (setup & 0x04) {
		o[n++] = TCP_OPT_NOP;
		o[n++] = TCP_OPT_WSCALE, o[n++] = 3, o[n++] = setup >> 4;
	}
	if (setup & 0x08)
		o[n++] = TCP_OPT_SACK_PERM, o[n++] = 2;
	if (setup & 0x02) {
		o[n++] = TCP_OPT_TS, o[n++] = 10;
		memset(o + n, 0, 8);
		o[n + 3] = 1; /* TSval 1, TSecr 0 */
		n += 8;
	}
	return n;
}

/* A timestamp option echoing our clock (what a live peer would echo). */
static size_t ts_option(struct conn *c, uint8_t *o)
{
	struct tcp_pcb *pcb;
	uint32_t ecr = 0;

	net_lock();
	pcb = conn_pcb(c);
	if (pcb)
		ecr = tcp_ts_now(pcb, now);
	net_unlock();
	c->peer_ts += 7;
	o[0] = TCP_OPT_NOP, o[1] = TCP_OPT_NOP, o[2] = TCP_OPT_TS, o[3] = 10;
	for (int i = 0; i < 4; i++) {
		o[4 + i] = (uint8_t)(c->peer_ts >> (24 - 8 * i));
		o[8 + i] = (uint8_t)(ecr >> (24 - 8 * i));
	}
	return 12;
}

/* Opens the connection; 0 with c->fd set, or -1 (the input is still played, against
 * whatever the stack made of it). */
static int conn_open(struct conn *c, uint8_t setup, uint16_t mss)
{
	uint8_t o[40], t[12];
	size_t n = syn_options(setup, mss, o);
	struct sockaddr_in a;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->ts = (setup & 0x02) != 0;
	c->peer_ts = 1;
	c->pport = FZ_PEER_PORT;
	if (setup & 0x01) {
		struct sockaddr_in pa = { .sin_family = AF_INET, .sin_addr.s_addr = peer_addr,
					  .sin_port = htons(FZ_PEER_PORT) };

		c->fd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, IPPROTO_TCP);
		if (c->fd < 0)
			abort();
		if (us_connect(c->fd, (const struct sockaddr *)&pa, sizeof(pa)) != -EINPROGRESS ||
		    us_getsockname(c->fd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) }) < 0)
			abort();
		c->lport = ntohs(a.sin_port);
		peer_segment(c, TCP_SYN | TCP_ACK, FZ_PEER_ISN, FZ_ISN + 1, 65535, o, n, 0);
	} else {
		c->lport = FZ_PORT;
		peer_segment(c, TCP_SYN, FZ_PEER_ISN, 0, 65535, o, n, 0);
		n = c->ts ? ts_option(c, t) : 0;
		peer_segment(c, TCP_ACK, FZ_PEER_ISN + 1, FZ_ISN + 1, 65535, t, n, 0);
		c->fd = us_accept(lfd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) });
		if (c->fd >= 0)
			us_set_nonblock(c->fd, 1);
	}
	net_lock();
	conn_sync(c);
	net_unlock();
	return c->fd >= 0 ? 0 : -1;
}

static void op_segment(struct conn *c, struct reader *r, unsigned arg)
{
	uint8_t flags = rd8(r), opts[40];
	int16_t sd = (int16_t)rd16(r), ad = (int16_t)rd16(r);
	uint16_t wnd = rd16(r);
	size_t optlen = rd8(r) % 41, paylen;

	for (size_t i = 0; i < optlen; i++)
		opts[i] = rd8(r);
	paylen = rd16(r) % 4097;
	if (optlen == 0 && c->ts && !(arg & 1))
		optlen = ts_option(c, opts);
	peer_segment(c, flags, c->last_rcv_nxt + (uint32_t)(int32_t)sd,
		     c->last_snd_max + (uint32_t)(int32_t)ad, wnd, opts, optlen, paylen);
}

static void op_icmp(struct conn *c, struct reader *r)
{
	uint8_t code = rd8(r) % 16;
	uint16_t mtu = code == ICMP_FRAG_NEEDED ? rd16(r) : 0;
	uint32_t seq = c->last_snd_una + (uint32_t)(int32_t)(int16_t)rd16(r);
	uint8_t b[20 + 8 + 20 + 8];
	struct ip_hdr outer = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_ICMP,
				.src = peer_addr, .dst = us_addr, .total_len = sizeof(b) };
	struct ip_hdr quoted = { .version = 4, .ihl = 20, .ttl = 64, .proto = IP_PROTO_TCP,
				 .src = us_addr, .dst = peer_addr, .total_len = 40 };
	struct icmp_hdr ic = { .type = ICMP_DEST_UNREACH, .code = code, .rest = mtu };
	uint8_t *q = b + 28;

	if (ip_emit(&quoted, q, 20) != 20)
		abort();
	q[20] = (uint8_t)(c->lport >> 8), q[21] = (uint8_t)c->lport;
	q[22] = (uint8_t)(c->pport >> 8), q[23] = (uint8_t)c->pport;
	for (int i = 0; i < 4; i++)
		q[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
	if (icmp_emit(&ic, b + 20, sizeof(b) - 20, 28) != ICMP_HDR_LEN ||
	    ip_emit(&outer, b, 20) != 20)
		abort();
	net_lock();
	net_device_input(tun, pkb_from_bytes(b, sizeof(b)), now);
	net_unlock();
}

static void op_app(struct conn *c, unsigned kind, unsigned arg)
{
	static uint8_t buf[32 * 700];
	int on;

	if (c->fd < 0)
		return;
	switch (kind) {
	case 4:
		us_recv(c->fd, buf, (arg + 1) * 512, 0);
		break;
	case 5:
		for (unsigned i = 0; i < (arg + 1) * 700; i++)
			buf[i] = (uint8_t)('A' + i % 26);
		us_send(c->fd, buf, (arg + 1) * 700, 0);
		break;
	case 6:
		switch (arg % 4) {
		case 0:
			us_shutdown(c->fd, SHUT_WR);
			break;
		case 1:
			us_close(c->fd);
			c->fd = -1;
			break;
		case 2:
			on = c->nodelay = !c->nodelay;
			us_setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
			break;
		default:
			us_shutdown(c->fd, SHUT_RD);
			break;
		}
		break;
	}
}

/* After the input: the application closes, every timer runs out, and nothing may remain. */
static void fz_settle(struct conn *c)
{
	struct sockaddr_in a;
	uint64_t end;
	int fd;

	if (c->fd >= 0)
		us_close(c->fd);
	/* a second connection the input made */
	while ((fd = us_accept(lfd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) })) >= 0)
		us_close(fd);
	end = now + FZ_SETTLE_MS;
	for (int steps = 0; steps < 100000; steps++) {
		uint64_t next = net_timer_next();

		if (next > end)
			break;
		fz_advance(next > now ? next - now : 0);
	}
	net_lock();
	if (tcp_pcb_count() != 1) { /* the listener */
		struct tcp_pcb *pcb = conn_pcb(c);

		fprintf(stderr, "fuzz_tcp: %zu control blocks left 3 hours after the input\n",
			tcp_pcb_count() - 1);
		if (pcb)
			fprintf(stderr, "fuzz_tcp: ours is %s, snd_una %u snd_nxt %u snd_max %u "
				"snd_wnd %u, %zu bytes to send, rxtshift %u, persist_shift %u, "
				"timers %d%d%d%d%d\n", tcp_state_name(pcb->state), pcb->snd_una,
				pcb->snd_nxt, pcb->snd_max, pcb->snd_wnd, pcb->snd_buf.len,
				pcb->rxtshift, pcb->persist_shift,
				net_timer_pending(&pcb->timers[0]), net_timer_pending(&pcb->timers[1]),
				net_timer_pending(&pcb->timers[2]), net_timer_pending(&pcb->timers[3]),
				net_timer_pending(&pcb->timers[4]));
		abort();
	}
	if (tcp_tw_count() != 0) {
		fprintf(stderr, "fuzz_tcp: %zu TIME_WAIT records left 3 hours after the input\n",
			tcp_tw_count());
		abort();
	}
	net_unlock();
	if (pkb_outstanding() != 0) {
		fprintf(stderr, "fuzz_tcp: %zu packet buffers live after the input\n",
			pkb_outstanding());
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int initialised, verbose;
	struct reader r = { data, size, 0 };
	struct conn c;
	uint8_t setup;
	uint16_t mss;
	uint64_t in0, out0;

	if (!initialised) {
		fz_init();
		initialised = 1;
		verbose = getenv("FUZZ_TCP_VERBOSE") ? atoi(getenv("FUZZ_TCP_VERBOSE")) : 0;
	}
	if (size < 3)
		return 0;
	in0 = tcp_stats.rcv_in_order_bytes;
	out0 = tcp_stats.snd_data_bytes;
	setup = rd8(&r);
	mss = rd16(&r);
	conn_open(&c, setup, mss);
	check_invariants(&c);
	for (int n = 0; n < FZ_MAX_OPS && r.off < r.len; n++) {
		uint8_t op = rd8(&r);
		unsigned kind = op & 7, arg = op >> 3;

		switch (kind) {
		case 0: case 1: case 2:
			op_segment(&c, &r, arg);
			break;
		case 3: {
			uint64_t ms = rd16(&r);
			fz_advance(arg & 1 ? ms * 1000 : ms);
			break;
		}
		case 7:
			op_icmp(&c, &r);
			break;
		default:
			op_app(&c, kind, arg);
			break;
		}
		fz_advance(0); /* a zero step: what is due now runs (delayed work, loopback) */
		check_invariants(&c);
		if (verbose > 1) {
			struct tcp_pcb *pcb;
			net_lock();
			pcb = conn_pcb(&c);
			if (pcb)
				fprintf(stderr, "fuzz_tcp: op %u/%u: %s una %u nxt %u max %u wnd %u "
					"snd_buf %zu rcv_nxt %u rcv_buf %zu\n", kind, arg,
					tcp_state_name(pcb->state), pcb->snd_una, pcb->snd_nxt,
					pcb->snd_max, pcb->snd_wnd, pcb->snd_buf.len, pcb->rcv_nxt,
					tcp_rcv_queued(pcb));
			else
				fprintf(stderr, "fuzz_tcp: op %u/%u: no connection\n", kind, arg);
			net_unlock();
		}
	}
	if (verbose) { /* what the input reached, before the settling */
		struct tcp_pcb *pcb;
		net_lock();
		pcb = conn_pcb(&c);
		fprintf(stderr, "fuzz_tcp: %s open, fd %d, state %s, %llu bytes in order, %llu "
			"data bytes sent\n", setup & 1 ? "active" : "passive", c.fd,
			pcb ? tcp_state_name(pcb->state) : "gone",
			(unsigned long long)(tcp_stats.rcv_in_order_bytes - in0),
			(unsigned long long)(tcp_stats.snd_data_bytes - out0));
		net_unlock();
	}
	fz_settle(&c);
	return 0;
}
