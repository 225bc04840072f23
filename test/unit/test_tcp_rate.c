/* SPDX-License-Identifier: MIT */
/* Delivery rate estimation (tcp_rate.c, draft-cheng-iccrg-delivery-rate-estimation) on the
 * fake clock, through segments: a recording congestion control (its cong_control keeps each
 * ACK's rate sample) on a SACK connection with a fixed window of ten 1000-byte segments.
 * Checked: the sample comes from the newest record delivered, cumulatively or by SACK, and a
 * record gives at most one; its interval is the longer of the send and the ACK interval;
 * writes that leave the pipe short mark the records app-limited until that data is
 * delivered. */
#include "test/unit/tcp_script.h"

#define MSS 1000u

static struct tcp_rate_sample last;
static unsigned nsamples;

static void rec_init(struct tcp_pcb *pcb)
{
	pcb->cwnd = 10 * MSS;
	pcb->ssthresh = 0x7fffffff;
}

static uint32_t rec_ssthresh(struct tcp_pcb *pcb, uint64_t now)
{
	(void)now;
	return pcb->ssthresh;
}

static void rec_timeout(struct tcp_pcb *pcb, uint64_t now)
{
	(void)pcb;
	(void)now;
}

static void rec_cong_control(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs,
			     uint64_t now_us)
{
	(void)pcb;
	(void)now_us;
	last = *rs;
	nsamples++;
}

static const struct tcp_cc_ops rec_ops = {
	.name = "rec", .init = rec_init, .ssthresh = rec_ssthresh, .timeout = rec_timeout,
	.cong_control = rec_cong_control,
};

/* An established SACK connection (MSS 1000) with the recording algorithm. */
static struct tcp_pcb *open_sack(struct tcp_pcb *l)
{
	struct tcp_opts o;
	struct tcp_pcb *c;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	o.sack_permitted = 1;
	inject(PEER, PORT, TCP_SYN, PEER_ISN, 0, 65535, &o, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	c = tcp_pcb_accept(l);
	assert_non_null(c);
	assert_int_equal(c->mss, MSS);
	tcp_cc_set(c, &rec_ops);
	c->cwnd = 10 * MSS;
	return c;
}

/* Writes n segments (0: none) and returns how many segments left since the last call. */
static unsigned send_segs(struct tcp_pcb *c, unsigned n)
{
	static uint8_t buf[64 * MSS];
	unsigned got = 0;

	if (n)
		assert_int_equal(tcp_pcb_send(c, buf, n * MSS, now), (ssize_t)(n * MSS));
	while (test_dev_pending(tun)) {
		struct tcp_hdr h;
		assert_int_equal(pop(&h, NULL), MSS);
		got++;
	}
	return got;
}

#define SEQ(i) (ISN + 1 + (i) * MSS) /* start of data segment i */

static void test_rate_cumulative_and_sack(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	tcp_config.sack = 1;
	tcp_config.rack = 0; /* no probe or reordering timer between the scripted ACKs */
	tcp_config.sndbuf = 256 * 1024;
	l = listener();
	c = open_sack(l);
	assert_int_equal(send_segs(c, 10), 10); /* all at T0: flight empty before */

	/* 10 ms later five segments arrive: 5000 bytes since the newest (sent at T0, when
	 * delivered_us was T0) over max(send 0, ACK 10 ms) */
	advance(10);
	SEG(TCP_ACK, PEER_ISN + 1, SEQ(5), 65535, NULL, 0);
	assert_int_equal(nsamples, 1);
	assert_int_equal(last.delivered, 5 * MSS);
	assert_int_equal(last.interval_us, 10000);
	assert_int_equal(last.acked_sacked, 5 * MSS);
	assert_int_equal(last.rtt_us, 10000);
	assert_int_equal(last.is_app_limited, 1); /* written into an empty pipe */
	assert_int_equal(c->rate.delivered, 5 * MSS);

	/* the window refilled at T0 + 10; 2 ms later the other five: the newest of them was
	 * sent at T0 with delivered 0, so 10000 bytes over 12 ms */
	while (test_dev_pending(tun))
		pop(&(struct tcp_hdr){ 0 }, NULL);
	advance(2);
	SEG(TCP_ACK, PEER_ISN + 1, SEQ(10), 65535, NULL, 0);
	assert_int_equal(last.delivered, 10 * MSS);
	assert_int_equal(last.interval_us, 12000);

	/* records sent at T0 + 12 (segments 10..): SACK of 16..17 at T0 + 22 gives the
	 * newest, 17: sent when delivered was 10000, so 2000 bytes over 10 ms (two SACKed
	 * segments do not make 10..15 lost by RFC 6675's rule) */
	send_segs(c, 10);
	advance(10);
	sack_ack(c, SEQ(10), (uint32_t[]){ SEQ(16), SEQ(18) }, 1);
	assert_int_equal(last.acked_sacked, 2 * MSS);
	assert_int_equal(last.delivered, 2 * MSS);
	assert_int_equal(last.interval_us, 10000);
	assert_int_equal(c->lost_out, 0);
	/* the cumulative ACK of 10..17 at T0 + 23: 17 gave its sample; the newest of the
	 * rest (15) was sent with delivered 10000: 18000 - 10000 over 11 ms */
	advance(1);
	sack_ack(c, SEQ(18), NULL, 0);
	assert_int_equal(last.acked_sacked, 6 * MSS);
	assert_int_equal(last.delivered, 8 * MSS);
	assert_int_equal(last.interval_us, 11000);
	assert_int_equal(c->rate.delivered, 18 * MSS);

	tcp_pcb_close(c, 1, now);
	tcp_pcb_close(l, 0, now);
	test_dev_flush(tun);
}

/* Data written while the pipe has room and nothing waits is app-limited; the mark ends
 * once everything in flight at the write is delivered, and a write into a full send
 * queue does not set it. */
static void test_rate_app_limited(void **state)
{
	struct tcp_pcb *l, *c;

	(void)state;
	tcp_config.sack = 1;
	tcp_config.rack = 0; /* no tail loss probe between the scripted ACKs */
	tcp_config.sndbuf = 256 * 1024;
	l = listener();
	c = open_sack(l);
	send_segs(c, 2); /* 2 of 10 segments: the application is the limit */
	assert_true(c->rate.app_limited != 0);
	assert_true(tcp_sent_at(c, 0)->flags & TSENT_APP_LIMITED);
	advance(10);
	SEG(TCP_ACK, PEER_ISN + 1, SEQ(2), 65535, NULL, 0);
	assert_int_equal(last.is_app_limited, 1);
	assert_int_equal(c->rate.app_limited, 0); /* the bubble is delivered */
	/* more than the window is written, but into an empty pipe: the first flight is
	 * app-limited too (as Linux marks it at the write), until it is delivered */
	assert_int_equal(send_segs(c, 30), 10);
	assert_int_equal(c->rate.app_limited, 2 * MSS);
	assert_true(tcp_sent_at(c, 0)->flags & TSENT_APP_LIMITED);
	/* a write that finds data waiting leaves the mark alone */
	c->rate.app_limited = 0;
	send_segs(c, 1);
	assert_int_equal(c->rate.app_limited, 0);
	c->rate.app_limited = 2 * MSS;
	advance(10);
	SEG(TCP_ACK, PEER_ISN + 1, SEQ(12), 65535, NULL, 0);
	assert_int_equal(last.is_app_limited, 1);
	assert_int_equal(c->rate.app_limited, 0);
	/* the next flight left with the pipe full: its samples measure the path */
	assert_int_equal(send_segs(c, 0), 10);
	assert_false(tcp_sent_at(c, 0)->flags & TSENT_APP_LIMITED);
	advance(10);
	SEG(TCP_ACK, PEER_ISN + 1, SEQ(22), 65535, NULL, 0);
	assert_int_equal(last.is_app_limited, 0);
	assert_int_equal(last.delivered, 10 * MSS);
	tcp_pcb_close(c, 1, now);
	tcp_pcb_close(l, 0, now);
	test_dev_flush(tun);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rate_cumulative_and_sack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_app_limited, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
