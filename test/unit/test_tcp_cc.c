/* SPDX-License-Identifier: MIT */
/* Congestion control (tcp_cc.c, tcp_cubic.c) on the fake clock: CUBIC's window after a loss
 * against RFC 9438's formulas (K, W_cubic(t)), fast convergence, the Reno-friendly region,
 * the [cwnd, 1.5 cwnd] clamp, beta = 0.7, undo, the timeout and idle rules; HyStart++
 * (RFC 9406) leaving slow start when the RTT rises and returning when it drops, its L limit
 * and CSS rounds; NewReno's numbers; the registry, TCP_CONGESTION and the algorithm's part in
 * a real recovery. The algorithm's members are driven directly with an ACK clock made here
 * (a window sent at once, acknowledged one MSS at a time across a round trip), the rest with
 * segments. Each test ends with every connection freed and no leak (teardown). */
#include <math.h>
#include <sys/socket.h>

#include "test/unit/tcp_script.h"
#include "test/unit/test_app.h" /* last: it wraps the calls that take the lock */

#define MSS 1000u

static int sock_setup(void **state)
{
	script_sockets = 1;
	return setup(state);
}

/* A control block for algorithm `name` with MSS 1000, as if just connected. */
static struct tcp_pcb *cc_pcb(const char *name)
{
	struct tcp_pcb *p = tcp_pcb_alloc();

	assert_non_null(p);
	p->mss = MSS;
	p->iss = 1000;
	p->snd_una = p->snd_max = 1001;
	p->cc = tcp_cc_find(name);
	assert_non_null(p->cc);
	p->cc->init(p);
	return p;
}

/* One ACK of `acked` new bytes carrying an RTT sample (rtt_us, 0: none). */
static void ack_one(struct tcp_pcb *p, uint32_t acked, uint32_t rtt_us)
{
	if (rtt_us && p->cc->rtt_sample)
		p->cc->rtt_sample(p, rtt_us, now);
	p->cc->ack(p, acked, now); /* before snd_una moves, as tcp_sack.c calls it */
	p->snd_una += acked;
}

/* One round trip of rtt_ms: a window of whole segments leaves at once and its ACKs, one MSS
 * each, arrive spread over the round trip, each with the RTT sample rtt_us. */
static void round_trip(struct tcp_pcb *p, unsigned rtt_ms, uint32_t rtt_us)
{
	uint32_t n = p->cwnd / MSS;
	uint64_t start = now;

	p->snd_max = p->snd_una + n * MSS;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t at = start + (uint64_t)rtt_ms * (i + 1) / n;
		if (at > now)
			advance(at - now);
		ack_one(p, MSS, rtt_us);
	}
}

/* RFC 9438 figure 1 in segments, t and K in seconds. */
static double w_cubic_segs(double t, double k, double w_max)
{
	return 0.4 * pow(t - k, 3) + w_max;
}

static void test_registry(void **state)
{
	(void)state;
	assert_ptr_equal(tcp_cc_find("cubic"), &tcp_cc_cubic);
	assert_ptr_equal(tcp_cc_find("newreno"), &tcp_cc_newreno);
	assert_null(tcp_cc_find("reno"));
	assert_null(tcp_cc_find(""));
	assert_null(tcp_cc_find(NULL));
	assert_ptr_equal(tcp_cc_list(0), &tcp_cc_cubic);
	assert_ptr_equal(tcp_cc_list(1), &tcp_cc_newreno);
	assert_ptr_equal(tcp_cc_list(2), &tcp_cc_bbr);
	assert_ptr_equal(tcp_cc_find("bbr"), &tcp_cc_bbr);
	assert_null(tcp_cc_list(3));
	/* the default is CUBIC; tcp_config.cc_name picks another for new connections */
	assert_string_equal(tcp_config.cc_name, "cubic");
	struct tcp_pcb *p = tcp_pcb_alloc();
	assert_ptr_equal(p->cc, &tcp_cc_cubic);
	tcp_pcb_free(p);
	tcp_config.cc_name = "newreno";
	p = tcp_pcb_alloc();
	assert_ptr_equal(p->cc, &tcp_cc_newreno);
	tcp_pcb_free(p);
	tcp_config.cc_name = "bogus"; /* never set so by the CLI, which checks the name */
	assert_ptr_equal(tcp_cc_default(), &tcp_cc_cubic);
}

/* The integer cube root CUBIC's K needs, exact (floor) over the whole 64-bit range. */
static void test_cubic_root(void **state)
{
	static const uint64_t cases[][2] = {
		{ 0, 0 }, { 1, 1 }, { 7, 1 }, { 8, 2 }, { 26, 2 }, { 27, 3 }, { 999, 9 },
		{ 1000, 10 }, { 75000000000ull, 4217 }, { 1ull << 63, 2097152 },
		{ 2097152ull * 2097152 * 2097152 - 1, 2097151 },
		{ UINT64_MAX, 2642245 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(tcp_cubic_root(cases[i][0]), cases[i][1]);
	for (uint64_t a = 1; a < (1ull << 62); a = a * 3 + 1) {
		uint64_t y = tcp_cubic_root(a);
		assert_true(y * y * y <= a && (y + 1) * (y + 1) * (y + 1) > a);
	}
}

/* RFC 9438 4.6-4.2: a loss at cwnd 100 segments: ssthresh = 70 (beta 0.7), W_max = 100,
 * K = cbrt((100 - 70) / 0.4) s = 4.217 s; then the window follows W_cubic(t) = 0.4 (t - K)^3
 * + 100 segments, t from the first ACK after the loss response: concave up to W_max at K,
 * flat around it, convex after. */
static void test_cubic_curve_after_loss(void **state)
{
	struct tcp_pcb *p;
	double k = cbrt(30 / 0.4);
	uint64_t epoch;
	uint32_t last;

	(void)state;
	p = cc_pcb("cubic");
	p->srtt = 200 << 3; /* 200 ms: Reno's estimate stays below the curve for 8 s */
	p->cwnd = 100 * MSS;
	p->snd_max = p->snd_una + 100 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	assert_int_equal(p->ssthresh, 70 * MSS);
	assert_int_equal(p->ccv.cubic.v.w_max, 100 * MSS);
	p->cwnd = p->ssthresh; /* the recovery's end (RFC 6937: cwnd = ssthresh) */
	p->cc->recovery_exit(p, now);
	p->snd_max = p->snd_una;

	round_trip(p, 200, 0);
	epoch = p->ccv.cubic.v.epoch_start;
	assert_int_equal(epoch, T0 + 200 / 70); /* the first ACK's time */
	assert_int_equal(p->ccv.cubic.v.k, (int32_t)floor(k * 1000));
	assert_int_equal(p->ccv.cubic.v.cwnd_epoch, 70 * MSS);
	/* W_cubic itself, to the byte against the formula (K in whole ms) */
	for (int64_t t = 0; t <= 8000; t += 500) {
		double w = w_cubic_segs(t / 1000.0, p->ccv.cubic.v.k / 1000.0, 100) * MSS;
		assert_true(fabs(tcp_cubic_window(p, t) - w) <= 1.0);
	}
	/* at t = 0 the window the stage began with (K in whole ms: a few bytes above) */
	assert_true(tcp_cubic_window(p, 0) >= 70 * MSS && tcp_cubic_window(p, 0) < 70 * MSS + 10);
	assert_int_equal(tcp_cubic_window(p, p->ccv.cubic.v.k), 100 * MSS);

	/* the window over 8 s of 200 ms round trips: each ends near W_cubic(t), and it never
	 * falls (the target is at least cwnd) */
	last = p->cwnd;
	for (int r = 1; r < 40; r++) {
		double t, w;

		round_trip(p, 200, 0);
		t = (double)(now - epoch) / 1000.0;
		w = w_cubic_segs(t, k, 100) * MSS;
		if (fabs(p->cwnd - w) > 0.01 * w + MSS)
			fail_msg("t=%.2f s: cwnd %u, W_cubic %.0f", t, p->cwnd, w);
		assert_true(p->cwnd >= last);
		last = p->cwnd;
		/* the cubic region throughout: Reno's estimate stays below */
		assert_true(p->ccv.cubic.v.w_est < tcp_cubic_window(p, (int64_t)(now - epoch)));
		if (r == 20) /* t = K: back at W_max */
			assert_true(p->cwnd >= 99 * MSS && p->cwnd <= 101 * MSS);
	}
	/* t = 8 s: 0.4 * (8 - 4.217)^3 + 100 = 121.7 segments */
	assert_true(p->cwnd >= 120 * MSS && p->cwnd <= 123 * MSS);
	tcp_pcb_free(p);
}

/* RFC 9438 4.7: a loss below the last W_max means another flow took bandwidth: W_max =
 * cwnd * (1 + beta) / 2 instead of cwnd, so the curve plateaus lower and sooner. */
static void test_cubic_fast_convergence(void **state)
{
	struct tcp_pcb *p;

	(void)state;
	p = cc_pcb("cubic");
	p->srtt = 100 << 3;
	p->cwnd = 100 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	assert_int_equal(p->ccv.cubic.v.w_max, 100 * MSS);
	assert_int_equal(tcp_stats.cc_cubic_fast_convergence, 0);
	p->cwnd = 80 * MSS; /* the next loss comes at 80 < W_max */
	p->ssthresh = p->cc->ssthresh(p, now);
	assert_int_equal(p->ssthresh, 56 * MSS);
	assert_int_equal(p->ccv.cubic.v.w_max, 68 * MSS); /* 80 * 0.85 */
	assert_int_equal(tcp_stats.cc_cubic_fast_convergence, 1);
	/* K from the new W_max: cbrt((68 - 56) / 0.4) = cbrt(30) s */
	p->cwnd = p->ssthresh;
	p->snd_max = p->snd_una;
	round_trip(p, 100, 0);
	assert_int_equal(p->ccv.cubic.v.k, (int32_t)floor(cbrt(30.0) * 1000));
	/* a loss above W_max: W_max = cwnd, no fast convergence */
	p->cwnd = 90 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	assert_int_equal(p->ccv.cubic.v.w_max, 90 * MSS);
	assert_int_equal(p->ssthresh, 63 * MSS);
	assert_int_equal(tcp_stats.cc_cubic_fast_convergence, 1);
	/* beta 0.7 never goes below two segments */
	p->cwnd = 2 * MSS;
	assert_int_equal(p->cc->ssthresh(p, now), 2 * MSS);
	tcp_pcb_free(p);
}

/* RFC 9438 4.3: on a short round trip (small BDP) Reno would grow faster than the cubic
 * curve: W_est = cwnd_epoch + alpha_cubic per round (9/17, then 1 once W_est reaches
 * cwnd_prior) and cwnd follows W_est. */
static void test_cubic_reno_friendly(void **state)
{
	struct tcp_pcb *p;
	double west = 7, prior = 10;

	(void)state;
	p = cc_pcb("cubic");
	p->srtt = 2 << 3; /* 2 ms */
	p->cwnd = 10 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	assert_int_equal(p->ssthresh, 7 * MSS);
	p->cwnd = p->ssthresh;
	p->snd_max = p->snd_una;
	for (int r = 0; r < 100; r++) {
		uint32_t n = p->cwnd / MSS;
		/* the RFC's W_est, segment by segment */
		for (uint32_t i = 0; i < n; i++)
			west += (west >= prior ? 1.0 : 9.0 / 17) / (p->cwnd / (double)MSS);
		round_trip(p, 2, 0);
	}
	/* 200 ms in: the curve is still below cwnd_epoch-ish, far under Reno's estimate */
	assert_true(tcp_cubic_window(p, (int64_t)(now - p->ccv.cubic.v.epoch_start)) < 8 * MSS);
	assert_int_equal(p->cwnd, p->ccv.cubic.v.w_est);
	if (fabs(p->cwnd - west * MSS) > 2.0 * MSS)
		fail_msg("cwnd %u, Reno-friendly W_est %.0f", p->cwnd, west * MSS);
	assert_true(p->cwnd > 90 * MSS); /* about one segment per round trip */
	tcp_pcb_free(p);
}

/* RFC 9438 4.2: the target is clamped to [cwnd, 1.5 cwnd]: a window's worth of ACKs never
 * grows cwnd by more than half, however far the curve lies above (here K = 0 after a
 * timeout, RFC 9438 4.8, and a 3 s round trip: 2 s into the stage W_cubic(t + RTT) is 60
 * segments for a cwnd of 10). */
static void test_cubic_clamp(void **state)
{
	struct tcp_pcb *p;
	uint32_t cwnd;

	(void)state;
	p = cc_pcb("cubic");
	p->srtt = 3000 << 3;
	p->cwnd = 20 * MSS;
	p->snd_max = p->snd_una + 20 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	p->cc->timeout(p, now);
	assert_int_equal(p->cwnd, MSS);
	p->cwnd = p->ssthresh = 10 * MSS; /* slow start done */
	p->snd_max = p->snd_una + 20 * MSS;
	ack_one(p, MSS, 0); /* the stage begins */
	assert_int_equal(p->ccv.cubic.v.k, 0);
	assert_int_equal(p->ccv.cubic.v.w_max, 10 * MSS);
	advance(2000);
	assert_int_equal(tcp_cubic_window(p, 5000), 60 * MSS);
	cwnd = p->cwnd;
	for (int i = 0; i < 10; i++)
		ack_one(p, MSS, 0);
	/* half a segment per segment acknowledged: 1.5 times the window, no more */
	assert_true(p->cwnd >= cwnd + 5 * MSS - 10 && p->cwnd <= cwnd + 5 * MSS + 10);
	tcp_pcb_free(p);
}

/* undo() after a spurious loss response restores W_max, K and the epoch ssthresh() saved. */
static void test_cubic_undo(void **state)
{
	struct tcp_pcb *p;
	struct tcp_cubic_vars before;

	(void)state;
	p = cc_pcb("cubic");
	p->srtt = 50 << 3;
	p->cwnd = 100 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	p->cwnd = p->ssthresh;
	p->snd_max = p->snd_una;
	for (int r = 0; r < 10; r++)
		round_trip(p, 50, 0);
	before = p->ccv.cubic.v;
	assert_int_not_equal(before.epoch_start, 0);
	p->ssthresh = p->cc->ssthresh(p, now); /* a loss response that turns out spurious */
	assert_int_equal(p->ccv.cubic.v.epoch_start, 0);
	assert_int_not_equal(p->ccv.cubic.v.w_max, before.w_max);
	p->cc->undo(p);
	assert_memory_equal(&p->ccv.cubic.v, &before, sizeof(before));
	/* the same after a timeout (ssthresh() then timeout()) */
	p->ssthresh = p->cc->ssthresh(p, now);
	p->cc->timeout(p, now);
	assert_int_equal(p->ccv.cubic.v.w_max_valid, 0);
	p->cc->undo(p);
	assert_memory_equal(&p->ccv.cubic.v, &before, sizeof(before));
	tcp_pcb_free(p);
}

/* After an idle period (the flight emptied, nothing sent for a while) the curve resumes
 * where it was: the idle time less one round trip is added to the epoch start. */
static void test_cubic_idle_restart(void **state)
{
	struct tcp_pcb *p;
	uint64_t epoch;
	uint32_t cwnd;

	(void)state;
	p = cc_pcb("cubic");
	p->srtt = 100 << 3;
	p->cwnd = 100 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	p->cwnd = p->ssthresh;
	p->snd_max = p->snd_una;
	for (int r = 0; r < 5; r++)
		round_trip(p, 100, 0);
	epoch = p->ccv.cubic.v.epoch_start;
	cwnd = p->cwnd;
	assert_int_equal(p->snd_una, p->snd_max); /* the last ACK emptied the flight */
	advance(10000);
	p->snd_max = p->snd_una + 2 * MSS;
	advance(100);
	ack_one(p, MSS, 0);
	assert_int_equal(p->ccv.cubic.v.epoch_start, epoch + 10000);
	assert_true(p->cwnd - cwnd < MSS); /* not a jump along 10 s of curve */
	/* an ACK that leaves data in flight does not count as idle */
	advance(3000);
	ack_one(p, MSS, 0);
	assert_int_equal(p->ccv.cubic.v.epoch_start, epoch + 10000);
	tcp_pcb_free(p);
}

/* What tcp_output does after an ACK: fill the window with whole segments. */
static void send_window(struct tcp_pcb *p)
{
	uint32_t edge = p->snd_una + p->cwnd / MSS * MSS;

	if (SEQ_GT(edge, p->snd_max))
		p->snd_max = edge;
}

/* One HyStart++ round on an ACK clock: ACKs of one MSS, each with the sample rtt_us and
 * followed by what the window lets go, until snd_una reaches the sequence that was the
 * highest sent when the round began. Returns the ACKs it took. */
static uint32_t hs_round(struct tcp_pcb *p, uint32_t rtt_us)
{
	uint32_t end, n = 0;

	send_window(p);
	if (!p->hystart.round_open) {
		ack_one(p, MSS, rtt_us);
		send_window(p);
		n++;
	}
	end = p->hystart.window_end;
	while (SEQ_LT(p->snd_una, end)) {
		ack_one(p, MSS, rtt_us);
		send_window(p);
		n++;
	}
	return n;
}

/* RFC 9406 4.2 with both algorithms: slow start doubles per round while the RTT holds; a
 * round whose minimum RTT rises by RttThresh (max(4 ms, min(last / 8, 16 ms))) enters CSS
 * at its N_RTT_SAMPLE = 8th sample, where growth is a quarter; a round whose minimum falls
 * below the CSS baseline resumes slow start; CSS_ROUNDS = 5 rounds in CSS end slow start
 * with ssthresh = cwnd. */
static void hystart_rise_and_drop(const char *name)
{
	struct tcp_pcb *p = cc_pcb(name);
	uint32_t n, cwnd;

	stats_reset();
	p->srtt = 10 << 3;
	assert_int_equal(p->cwnd, 10 * MSS);
	assert_int_equal(p->hystart.state, HYSTART_SS);
	for (int r = 0; r < 2; r++) {
		cwnd = p->cwnd;
		n = hs_round(p, 10000);
		assert_int_equal(p->cwnd, cwnd + n * MSS);
	}
	/* 13 ms < 10 + 4: still slow start, one segment per segment acknowledged */
	cwnd = p->cwnd;
	n = hs_round(p, 13000);
	assert_int_equal(p->cwnd, cwnd + n * MSS);
	assert_int_equal(p->hystart.state, HYSTART_SS);
	assert_int_equal(p->hystart.last_min_rtt, 13000);
	/* 18 ms >= 13 + 4: CSS at the eighth sample, a quarter segment per segment after */
	cwnd = p->cwnd;
	n = hs_round(p, 18000);
	assert_true(n > 8);
	assert_int_equal(p->hystart.state, HYSTART_CSS);
	assert_int_equal(tcp_stats.cc_hystart_css, 1);
	assert_int_equal(tcp_stats.cc_hystart_css_rounds, 1);
	assert_int_equal(p->cwnd, cwnd + 8 * MSS + (n - 8) * MSS / 4);
	/* the RTT falls below the CSS baseline (18 ms): slow start again at the eighth sample */
	cwnd = p->cwnd;
	n = hs_round(p, 12000);
	assert_int_equal(p->hystart.state, HYSTART_SS);
	assert_int_equal(tcp_stats.cc_hystart_ss_resumed, 1);
	assert_int_equal(p->cwnd, cwnd + 8 * MSS / 4 + (n - 8) * MSS);
	/* a rise again (12 -> 20 ms), then CSS at that RTT: the fifth round in CSS ends slow
	 * start with ssthresh = cwnd, at the ACK that ends it (which adds nothing) */
	n = hs_round(p, 20000);
	assert_int_equal(p->hystart.state, HYSTART_CSS);
	assert_int_equal(tcp_stats.cc_hystart_css, 2);
	for (int r = 0; r < 3; r++) {
		cwnd = p->cwnd;
		n = hs_round(p, 20000);
		assert_int_equal(p->hystart.state, HYSTART_CSS);
		assert_int_equal(p->cwnd, cwnd + n * MSS / 4);
		assert_true(p->cwnd < p->ssthresh);
	}
	cwnd = p->cwnd;
	n = hs_round(p, 20000);
	assert_int_equal(p->hystart.state, HYSTART_OFF);
	assert_int_equal(p->cwnd, cwnd + (n - 1) * MSS / 4);
	assert_int_equal(p->ssthresh, p->cwnd);
	assert_int_equal(tcp_stats.cc_hystart_css_done, 1);
	assert_int_equal(tcp_stats.cc_hystart_css_rounds, 6);
	/* from here congestion avoidance: about a segment per window */
	cwnd = p->cwnd;
	for (uint32_t i = 0; i < cwnd / MSS; i++) {
		ack_one(p, MSS, 20000);
		send_window(p);
	}
	assert_true(p->cwnd >= cwnd && p->cwnd <= cwnd + 2 * MSS);
	tcp_pcb_free(p);
}

static void test_hystart_cubic(void **state)
{
	(void)state;
	hystart_rise_and_drop("cubic");
}

static void test_hystart_newreno(void **state)
{
	(void)state;
	hystart_rise_and_drop("newreno");
}

/* RFC 9406 4.2: at most L = 8 segments per ACK (unpaced) in the first slow start; without
 * HyStart++ (or after a loss) byte counting takes the whole ACK; and a loss ends HyStart++
 * for good (a later slow start is plain). */
static void test_hystart_l_limit_and_loss(void **state)
{
	struct tcp_pcb *p;

	(void)state;
	p = cc_pcb("cubic");
	p->snd_max = p->snd_una + 10 * MSS;
	ack_one(p, 10 * MSS, 1000);
	assert_int_equal(p->cwnd, 18 * MSS);
	p->snd_max = p->snd_una + 18 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	p->cc->timeout(p, now);
	assert_int_equal(p->hystart.state, HYSTART_OFF);
	ack_one(p, 10 * MSS, 1000);
	assert_int_equal(p->cwnd, 11 * MSS);
	tcp_pcb_free(p);

	tcp_config.hystart = 0;
	p = cc_pcb("newreno");
	assert_int_equal(p->hystart.state, HYSTART_OFF);
	p->snd_max = p->snd_una + 10 * MSS;
	ack_one(p, 10 * MSS, 1000);
	assert_int_equal(p->cwnd, 20 * MSS);
	tcp_pcb_free(p);
}

/* NewReno keeps its numbers: IW 10 (RFC 6928), slow start and congestion avoidance by bytes
 * (RFC 3465), ssthresh = max(flight / 2, 2 MSS) (RFC 5681 (4)), cwnd = 1 MSS after a
 * timeout, fast recovery cwnd = ssthresh + 3, +1 per duplicate, partial and full ACKs
 * (RFC 6582). */
static void test_newreno_unchanged(void **state)
{
	struct tcp_pcb *p;

	(void)state;
	p = cc_pcb("newreno");
	assert_int_equal(p->cwnd, 10 * MSS);
	assert_int_equal(p->ssthresh, 0x7fffffff);
	p->snd_max = p->snd_una + 10 * MSS;
	for (int i = 0; i < 10; i++)
		ack_one(p, MSS, 0);
	assert_int_equal(p->cwnd, 20 * MSS);
	/* a timeout with 20 in flight: ssthresh 10, cwnd 1 */
	p->snd_max = p->snd_una + 20 * MSS;
	p->ssthresh = p->cc->ssthresh(p, now);
	p->cc->timeout(p, now);
	assert_int_equal(p->ssthresh, 10 * MSS);
	assert_int_equal(p->cwnd, MSS);
	/* slow start to ssthresh, the rest of the ACK to congestion avoidance */
	p->cwnd = 9 * MSS;
	ack_one(p, 2 * MSS, 0);
	assert_int_equal(p->cwnd, 10 * MSS);
	assert_int_equal(p->bytes_acked, MSS);
	for (int i = 0; i < 8; i++)
		ack_one(p, MSS, 0);
	assert_int_equal(p->cwnd, 10 * MSS);
	ack_one(p, MSS, 0);
	assert_int_equal(p->cwnd, 11 * MSS);
	/* a loss with 12 in flight: half of it (the window during recovery is PRR's,
	 * tcp_sack.c, test_tcp_rack) */
	p->snd_max = p->snd_una + 12 * MSS;
	assert_int_equal(p->cc->ssthresh(p, now), 6 * MSS);
	/* at least two segments */
	p->snd_max = p->snd_una + 2 * MSS;
	assert_int_equal(p->cc->ssthresh(p, now), 2 * MSS);
	tcp_pcb_free(p);
}

/* Through segments: the third duplicate ACK on a flight of 10 enters fast recovery with
 * CUBIC's ssthresh = 0.7 * cwnd (7) where NewReno takes half the flight (5). */
static void recovery_through_segments(const char *name, uint32_t ssthresh)
{
	static uint8_t buf[10 * MSS];
	struct tcp_opts o;
	struct tcp_pcb *c;
	struct tcp_hdr h;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	tcp_config.cc_name = name;
	c = tcp_pcb_alloc();
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_string_equal(c->cc->name, name);
	assert_int_equal(tcp_pcb_send(c, buf, sizeof(buf), now), (ssize_t)sizeof(buf));
	for (int i = 0; i < 10; i++)
		expect(i == 9 ? TCP_ACK | TCP_PSH : TCP_ACK, ISN + 1 + i * MSS, PEER_ISN + 1);
	for (int i = 0; i < 3; i++)
		inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, NULL, 0);
	expect(TCP_ACK, ISN + 1, PEER_ISN + 1); /* fast retransmit */
	assert_true(c->flags & TF_INRECOVERY);
	assert_int_equal(c->ssthresh, ssthresh);
	/* PRR (RFC 6937, tcp_sack.c): sndcnt = ceil(prr_delivered * ssthresh / RecoverFS), one
	 * segment for either algorithm on the first duplicate ACK of recovery, and the fast
	 * retransmit has taken it: cwnd = pipe */
	assert_int_equal(c->cwnd, tcp_pipe(c));
	assert_int_equal(c->cwnd, 7 * MSS);
	test_dev_flush(tun);
	tcp_pcb_close(c, 1, now);
	test_dev_flush(tun);
}

static void test_recovery_cubic(void **state)
{
	(void)state;
	recovery_through_segments("cubic", 7 * MSS);
}

static void test_recovery_newreno(void **state)
{
	(void)state;
	recovery_through_segments("newreno", 5 * MSS);
}

/* Through segments: an echoed timestamp reaches HyStart++ as an RTT sample in microseconds
 * (tcp_rtt_update), and the retransmission timer takes CUBIC's ssthresh (0.7 cwnd) with a
 * loss window of one segment, W_max the window at the timeout and K = 0 for the next stage
 * (RFC 9438 4.8), HyStart++ ended. */
static void test_segments_rtt_and_rto(void **state)
{
	static uint8_t buf[12 * MSS];
	struct tcp_opts o;
	struct tcp_pcb *c;
	struct tcp_hdr h;
	uint32_t ts, cwnd;

	(void)state;
	tcp_config.timestamps = 1;
	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	o.has_ts = 1;
	o.tsval = 7;
	c = tcp_pcb_alloc();
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	assert_ptr_equal(c->cc, &tcp_cc_cubic);
	assert_int_equal(c->hystart.state, HYSTART_SS);
	assert_int_equal(tcp_pcb_send(c, buf, 10 * c->mss, now), (ssize_t)(10 * c->mss));
	ts = tcp_ts_now(c, now);
	test_dev_flush(tun);
	advance(20);
	o.tsval = 8;
	o.tsecr = ts;
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, ISN + 1 + c->mss, 65535, &o, NULL, 0);
	assert_int_equal(c->hystart.cur_min_rtt, 20000);
	assert_int_equal(c->hystart.samples, 1);
	assert_int_equal(c->cwnd, 11u * c->mss);
	cwnd = c->cwnd;
	test_dev_flush(tun);
	advance(tcp_rto_current(c));
	assert_int_equal(tcp_stats.rexmt_timeouts, 1);
	assert_int_equal(c->ssthresh, cwnd * 7 / 10);
	assert_int_equal(c->cwnd, c->mss);
	assert_int_equal(c->ccv.cubic.v.w_max, cwnd);
	assert_int_equal(c->ccv.cubic.v.w_max_valid, 0);
	assert_int_equal(c->hystart.state, HYSTART_OFF);
	test_dev_flush(tun);
	tcp_pcb_close(c, 1, now);
	test_dev_flush(tun);
}

/* TCP_CONGESTION as Linux: get the name (NUL-padded, truncated to the length given), set by
 * name with or without the NUL, ENOENT for an unknown one, EINVAL for none; a listener's
 * choice goes to the connections it accepts. */
static void test_sockopt(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	char name[32];
	socklen_t len;
	int lfd, fd;

	(void)state;
	lfd = us_socket(AF_INET, SOCK_STREAM | US_SOCK_NONBLOCK, 0);
	assert_true(lfd >= 0);
	len = sizeof(name);
	memset(name, 'x', sizeof(name));
	assert_int_equal(us_getsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_int_equal(len, TCP_CA_NAME_MAX);
	assert_string_equal(name, "cubic");
	assert_int_equal(name[TCP_CA_NAME_MAX - 1], 0);
	assert_int_equal(name[TCP_CA_NAME_MAX], 'x');
	assert_int_equal(us_setsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, "reno", 4), -ENOENT);
	assert_int_equal(us_setsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, "newreno", 0), -EINVAL);
	assert_int_equal(us_setsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, NULL, 8), -EFAULT);
	assert_int_equal(us_setsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, "newreno", 7), 0);
	len = 4;
	assert_int_equal(us_getsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(name, "newr", 4);
	assert_int_equal(us_getsockopt(lfd, IPPROTO_TCP, TCP_CONGESTION, name, NULL), -EFAULT);
	/* the listener's choice goes to what it accepts */
	assert_int_equal(us_bind(lfd, (const struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(us_listen(lfd, 4), 0);
	SEG(TCP_SYN, PEER_ISN, 0, 65535, NULL, 0);
	expect(TCP_SYN | TCP_ACK, ISN, PEER_ISN + 1);
	SEG(TCP_ACK, PEER_ISN + 1, ISN + 1, 65535, NULL, 0);
	fd = us_accept(lfd, (struct sockaddr *)&a, &(socklen_t){ sizeof(a) });
	assert_true(fd >= 0);
	len = sizeof(name);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_string_equal(name, "newreno");
	/* switched on a running connection: the window stays */
	assert_int_equal(us_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, "cubic\0junk", 10), 0);
	len = sizeof(name);
	assert_int_equal(us_getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &len), 0);
	assert_string_equal(name, "cubic");
	{
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		assert_int_equal(us_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	}
	assert_int_equal(us_close(fd), 0);
	test_dev_flush(tun);
	assert_int_equal(us_close(lfd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_curve_after_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_fast_convergence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_reno_friendly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_clamp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cubic_idle_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hystart_cubic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hystart_newreno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hystart_l_limit_and_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newreno_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_cubic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_newreno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segments_rtt_and_rto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sockopt, sock_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
