/* SPDX-License-Identifier: MIT */
/* CUBIC congestion control (RFC 9438) and HyStart++ (RFC 9406), the slow start of both
 * CUBIC and NewReno.
 *
 * CUBIC grows cwnd along W_cubic(t) = C*(t-K)^3 + W_max (C = 0.4 segments/s^3), t counted
 * from the first ACK of a congestion avoidance stage (the epoch), K the time the curve takes
 * back to W_max; it never grows slower than Reno would (W_est), and cuts by beta = 0.7.
 * Windows are bytes here (RFC 9438 counts segments: one segment = pcb->mss bytes) and times
 * milliseconds (net_clock_ms); everything is integer arithmetic. */
#include <string.h>

#include "net/log.h"
#include "tcp/tcp_var.h"

/* RFC 9438 4.1: C = 0.4, beta_cubic = 0.7, alpha_cubic = 3 * (1 - beta) / (1 + beta) = 9/17 */
#define CUBIC_BETA_NUM 7
#define CUBIC_BETA_DEN 10
#define CUBIC_ALPHA_NUM 9
#define CUBIC_ALPHA_DEN 17
/* 1/C in ms^3 per segment: (t/1000)^3 * 0.4 segments = t^3 / 2.5e9 */
#define CUBIC_INV_C_MS3 2500000000ull
/* |t - K| above this gives a window far past any clamp; capping it keeps t^3 * MSS in 64 bits */
#define CUBIC_T_MAX_MS 60000

/* RFC 9406 4.3 constants (L: we do not pace) */
#define HYSTART_MIN_RTT_THRESH_US 4000
#define HYSTART_MAX_RTT_THRESH_US 16000
#define HYSTART_MIN_RTT_DIVISOR 8
#define HYSTART_N_RTT_SAMPLE 8
#define HYSTART_CSS_GROWTH_DIVISOR 4
#define HYSTART_CSS_ROUNDS 5
#define HYSTART_L 8
#define RTT_INF UINT32_MAX

/* ---- HyStart++ (RFC 9406) ---- */

/* RFC 9406 4.2: used only in the first slow start, while ssthresh is still "infinite". */
void tcp_hystart_init(struct tcp_pcb *pcb)
{
	struct tcp_hystart *hs = &pcb->hystart;

	memset(hs, 0, sizeof(*hs));
	hs->state = tcp_config.hystart ? HYSTART_SS : HYSTART_OFF;
	hs->cur_min_rtt = hs->last_min_rtt = hs->css_baseline_min_rtt = RTT_INF;
}

void tcp_hystart_loss(struct tcp_pcb *pcb)
{
	pcb->hystart.state = HYSTART_OFF; /* 4.2: a loss ends slow start and CSS for good */
}

void tcp_hystart_rtt(struct tcp_pcb *pcb, uint32_t rtt_us, uint64_t now)
{
	struct tcp_hystart *hs = &pcb->hystart;

	(void)now;
	if (hs->state == HYSTART_OFF)
		return;
	if (rtt_us < hs->cur_min_rtt)
		hs->cur_min_rtt = rtt_us;
	hs->samples++;
}

/* A round ends when snd_una reaches the highest sequence sent when it began; the next begins.
 * The ACK that ends a round acknowledges that round's data: its RTT sample (taken before
 * ack()) counts there. */
static void hystart_round(struct tcp_pcb *pcb, uint32_t una)
{
	struct tcp_hystart *hs = &pcb->hystart;

	if (!hs->round_open) {
		/* the first round: the samples so far (the handshake's) are its own */
		hs->round_open = 1;
		hs->window_end = pcb->snd_max;
		return;
	}
	if (SEQ_LT(una, hs->window_end))
		return;
	if (hs->state == HYSTART_CSS) {
		STAT_INC(tcp, cc_hystart_css_rounds);
		if (++hs->css_rounds >= HYSTART_CSS_ROUNDS) {
			/* 4.2: CSS_ROUNDS rounds in CSS: congestion avoidance from here */
			STAT_INC(tcp, cc_hystart_css_done);
			debugf("%u->%u hystart++: CSS done, ssthresh = cwnd = %u", pcb->local_port,
			       pcb->remote_port, pcb->cwnd);
			pcb->ssthresh = pcb->cwnd;
			hs->state = HYSTART_OFF;
			return;
		}
	}
	hs->round_open = 1;
	hs->window_end = pcb->snd_max;
	hs->last_min_rtt = hs->cur_min_rtt;
	hs->cur_min_rtt = RTT_INF;
	hs->samples = 0;
}

/* RFC 9406 4.2, for an ACK of `acked` new bytes in slow start: the cwnd increase it earns
 * (min(N, L*SMSS), divided by CSS_GROWTH_DIVISOR in CSS), then the delay checks: the
 * round's minimum RTT rising by RttThresh over the last round's enters CSS, and in CSS a
 * minimum below the baseline resumes slow start. Ending CSS sets ssthresh = cwnd. */
uint32_t tcp_hystart_slow_start(struct tcp_pcb *pcb, uint32_t acked)
{
	struct tcp_hystart *hs = &pcb->hystart;
	uint32_t inc;

	if (hs->state == HYSTART_OFF)
		return acked;
	hystart_round(pcb, pcb->snd_una + acked);
	if (hs->state == HYSTART_OFF)
		return 0;
	inc = acked < HYSTART_L * (uint32_t)pcb->mss ? acked : HYSTART_L * (uint32_t)pcb->mss;
	if (hs->state == HYSTART_CSS)
		inc /= HYSTART_CSS_GROWTH_DIVISOR;
	if (hs->samples < HYSTART_N_RTT_SAMPLE || hs->cur_min_rtt == RTT_INF)
		return inc;
	if (hs->state == HYSTART_SS && hs->last_min_rtt != RTT_INF) {
		uint32_t thresh = hs->last_min_rtt / HYSTART_MIN_RTT_DIVISOR;

		if (thresh > HYSTART_MAX_RTT_THRESH_US)
			thresh = HYSTART_MAX_RTT_THRESH_US;
		if (thresh < HYSTART_MIN_RTT_THRESH_US)
			thresh = HYSTART_MIN_RTT_THRESH_US;
		if (hs->cur_min_rtt >= hs->last_min_rtt + thresh) {
			STAT_INC(tcp, cc_hystart_css);
			debugf("%u->%u hystart++: rtt %u -> %u us, CSS at cwnd %u", pcb->local_port,
			       pcb->remote_port, hs->last_min_rtt, hs->cur_min_rtt, pcb->cwnd);
			hs->css_baseline_min_rtt = hs->cur_min_rtt;
			hs->css_rounds = 0;
			hs->state = HYSTART_CSS;
		}
	} else if (hs->state == HYSTART_CSS && hs->cur_min_rtt < hs->css_baseline_min_rtt) {
		/* the rise was a fluctuation: back to slow start */
		STAT_INC(tcp, cc_hystart_ss_resumed);
		hs->css_baseline_min_rtt = RTT_INF;
		hs->state = HYSTART_SS;
	}
	return inc;
}

/* ---- CUBIC (RFC 9438) ---- */

/* floor(cbrt(a)), one bit of the root at a time from the top: the remainder keeps
 * a - y^3, and setting the next bit of y (y -> 2y+1 at that scale) costs 3y(y+1)+1 there. */
uint32_t tcp_cubic_root(uint64_t a)
{
	uint64_t y = 0;

	for (int s = 63; s >= 0; s -= 3) {
		uint64_t b;

		y <<= 1;
		b = 3 * y * (y + 1) + 1;
		if ((a >> s) >= b) {
			a -= b << s;
			y++;
		}
	}
	return (uint32_t)y;
}

/* W_cubic(t) in bytes for t ms from the epoch start (RFC 9438 4.2, figure 1), negative where
 * the curve lies below zero (tcp_cubic_window() gives 0 there). */
static int64_t w_cubic(const struct tcp_cubic_vars *v, uint32_t mss, int64_t t_ms)
{
	int64_t dt = t_ms - v->k;
	uint64_t a = (uint64_t)(dt < 0 ? -dt : dt), d;

	if (a > CUBIC_T_MAX_MS)
		a = CUBIC_T_MAX_MS;
	d = a * a * a * mss / CUBIC_INV_C_MS3;
	return dt < 0 ? (int64_t)v->w_max - (int64_t)d : (int64_t)v->w_max + (int64_t)d;
}

uint32_t tcp_cubic_window(const struct tcp_pcb *pcb, int64_t t_ms)
{
	int64_t w = w_cubic(&pcb->ccv.cubic.v, pcb->mss, t_ms);

	return w < 0 ? 0 : w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

/* RFC 9438 4.2: a new congestion avoidance stage begins with this ACK. K is the time the curve
 * needs from cwnd back to W_max: cbrt((W_max - cwnd_epoch) / C), negative when cwnd already
 * lies above W_max. W_max unknown (after a timeout, 4.8, or a slow start HyStart++ ended
 * without loss, 4.10): K = 0 and W_max = cwnd. */
static void cubic_epoch_start(struct tcp_pcb *pcb, struct tcp_cubic *c, uint64_t now)
{
	struct tcp_cubic_vars *v = &c->v;
	uint32_t cwnd = pcb->cwnd;

	STAT_INC(tcp, cc_cubic_epochs);
	v->epoch_start = now ? now : 1;
	v->cwnd_epoch = cwnd;
	v->w_est = cwnd;
	c->cnt_acc = c->est_acc = 0;
	if (!v->w_max_valid) {
		v->w_max = cwnd;
		if (!v->cwnd_prior)
			v->cwnd_prior = cwnd; /* 4.10: no loss yet */
		v->w_max_valid = 1;
		v->k = 0;
	} else {
		uint32_t diff = v->w_max > cwnd ? v->w_max - cwnd : cwnd - v->w_max;
		int32_t k = (int32_t)tcp_cubic_root((uint64_t)diff * CUBIC_INV_C_MS3 / pcb->mss);

		v->k = v->w_max >= cwnd ? k : -k;
	}
	debugf("%u->%u cubic epoch: cwnd %u w_max %u K %d ms", pcb->local_port, pcb->remote_port,
	       cwnd, v->w_max, v->k);
}

/* RFC 9438 4.2-4.4 for an ACK of `acked` bytes in congestion avoidance. */
static void cubic_avoid(struct tcp_pcb *pcb, struct tcp_cubic *c, uint32_t acked, uint64_t now)
{
	struct tcp_cubic_vars *v = &c->v;
	uint32_t cwnd = pcb->cwnd, mss = pcb->mss;
	int64_t t, target, wc, cap = (int64_t)cwnd + cwnd / 2;
	uint32_t alpha = v->w_est >= v->cwnd_prior ? CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
	uint64_t inc;

	if (!v->epoch_start)
		cubic_epoch_start(pcb, c, now);
	t = (int64_t)(now - v->epoch_start);
	/* 4.2: the target is where the curve will be one RTT on, within [cwnd, 1.5 cwnd] */
	target = w_cubic(v, mss, t + (pcb->srtt >> 3));
	if (target < cwnd)
		target = cwnd;
	if (target > cap)
		target = cap;
	/* 4.3: W_est grows as Reno would, alpha_cubic segments per cwnd acknowledged, and
	 * alpha_cubic turns 1 once W_est reaches the window before the reduction */
	c->est_acc += (uint64_t)alpha * acked * mss;
	inc = c->est_acc / ((uint64_t)CUBIC_ALPHA_DEN * cwnd);
	c->est_acc -= inc * CUBIC_ALPHA_DEN * cwnd;
	v->w_est = v->w_est + inc > UINT32_MAX / 2 ? UINT32_MAX / 2 : v->w_est + (uint32_t)inc;
	wc = w_cubic(v, mss, t);
	if (wc < v->w_est) {
		/* 4.3 Reno-friendly region: the window Reno would have */
		if (v->w_est > pcb->cwnd)
			pcb->cwnd = v->w_est;
		return;
	}
	/* 4.4-4.5 concave and convex regions: (target - cwnd) / cwnd per segment acknowledged */
	c->cnt_acc += (uint64_t)(target - cwnd) * acked;
	inc = c->cnt_acc / cwnd;
	c->cnt_acc -= inc * cwnd;
	pcb->cwnd = cwnd + inc > UINT32_MAX / 2 ? UINT32_MAX / 2 : cwnd + (uint32_t)inc;
}

static void cubic_init(struct tcp_pcb *pcb)
{
	tcp_cc_newreno.init(pcb); /* the same initial window, ssthresh and HyStart++ */
}

static void cubic_ack(struct tcp_pcb *pcb, uint32_t acked, uint64_t now)
{
	struct tcp_cubic *c = &pcb->ccv.cubic;

	/* After an idle period the curve resumes where it stood, as Linux does: the idle time
	 * (from the ACK that emptied the flight, less the round trip of the data that ended
	 * it) does not count in t, or the first ACK would find W_cubic far above cwnd. */
	if (c->idle_since && c->v.epoch_start) {
		uint64_t idle = now - c->idle_since, rtt = (uint64_t)(pcb->srtt >> 3);

		if (idle > rtt)
			c->v.epoch_start += idle - rtt;
		if (c->v.epoch_start > now)
			c->v.epoch_start = now;
	}
	c->idle_since = pcb->snd_una + acked == pcb->snd_max ? (now ? now : 1) : 0;
	if (pcb->cwnd < pcb->ssthresh) {
		acked = tcp_cc_slow_start(pcb, acked);
		if (!acked)
			return;
	}
	cubic_avoid(pcb, c, acked, now);
}

/* RFC 9438 4.6-4.7: W_max is the window the loss happened at, less with fast convergence
 * (a second loss below the last W_max: another flow needs room, so release it sooner);
 * ssthresh = beta_cubic * cwnd (4.6 allows cwnd for flight_size, as Linux uses). */
static uint32_t cubic_ssthresh(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_cubic *c = &pcb->ccv.cubic;
	uint32_t cwnd = pcb->cwnd;
	uint64_t ss = (uint64_t)cwnd * CUBIC_BETA_NUM / CUBIC_BETA_DEN;

	(void)now;
	c->saved = c->v;
	tcp_hystart_loss(pcb);
	if (c->v.w_max_valid && cwnd < c->v.w_max) {
		STAT_INC(tcp, cc_cubic_fast_convergence);
		c->v.w_max = (uint32_t)((uint64_t)cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
					(2 * CUBIC_BETA_DEN));
	} else {
		c->v.w_max = cwnd;
	}
	c->v.w_max_valid = 1;
	c->v.cwnd_prior = cwnd;
	c->v.epoch_start = 0;
	c->idle_since = 0;
	return ss > 2u * pcb->mss ? (uint32_t)ss : 2u * pcb->mss;
}

/* The stage after recovery starts with the next ACK. */
static void cubic_recovery_exit(struct tcp_pcb *pcb, uint64_t now)
{
	(void)now;
	pcb->ccv.cubic.v.epoch_start = 0;
}

/* RFC 9438 4.8: cwnd = 1 MSS (as Reno), and the first congestion avoidance stage after the
 * timeout takes K = 0 and W_max = the window it starts with. */
static void cubic_timeout(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_cubic *c = &pcb->ccv.cubic;

	(void)now;
	pcb->cwnd = pcb->mss;
	pcb->bytes_acked = 0;
	c->v.epoch_start = 0;
	c->v.w_max_valid = 0;
	c->idle_since = 0;
}

static void cubic_undo(struct tcp_pcb *pcb)
{
	struct tcp_cubic *c = &pcb->ccv.cubic;

	c->v = c->saved;
	c->cnt_acc = c->est_acc = 0;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.ack = cubic_ack,
	.ssthresh = cubic_ssthresh,
	.recovery_exit = cubic_recovery_exit,
	.timeout = cubic_timeout,
	.undo = cubic_undo,
	.rtt_sample = tcp_hystart_rtt,
};
