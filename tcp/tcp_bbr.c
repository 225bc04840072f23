/* SPDX-License-Identifier: MIT */
/* BBR congestion control, version 1 (draft-cardwell-iccrg-bbr-congestion-control-00, as
 * Linux's tcp_bbr.c behaves).
 *
 * BBR models the path by two numbers: the bottleneck bandwidth (BtlBw, the windowed maximum
 * of the delivery rate samples of tcp_rate.c over the last 10 round trips) and the round-trip
 * propagation time (RTprop, the minimum RTT over the last 10 s). It paces at pacing_gain *
 * BtlBw and keeps cwnd at cwnd_gain * BtlBw * RTprop (the BDP) plus a few segments for
 * sends that go out in bursts. Loss is not a congestion signal here: a random loss costs a
 * retransmission, not half the window. The modes:
 *
 *   STARTUP    pacing and cwnd gain 2/ln2 (the smallest that doubles the delivery rate each
 *              round trip); ends when three round trips in a row raise the bandwidth by less
 *              than 25% (the pipe is full).
 *   DRAIN      pacing gain ln2/2 until what is in flight fits one BDP (STARTUP's queue gone).
 *   PROBE_BW   an 8-phase cycle of pacing gains, one RTprop each: 1.25 (probe for more
 *              bandwidth), 0.75 (drain what that queued), then 1.0 six times; cwnd gain 2.
 *   PROBE_RTT  once RTprop is 10 s old: cwnd 4 segments for 200 ms and a round trip, so the
 *              queue drains and a fresh minimum RTT can be seen.
 *
 * In loss recovery (tcp_sack.c decides when it starts and ends) cwnd follows packet
 * conservation for the first round trip (never more in flight than was just delivered),
 * drops by what each ACK newly marks lost, and is restored to its value before recovery at
 * the end; after a retransmission timeout cwnd starts at one segment and likewise gets its
 * old value back once the timeout's recovery ends.
 *
 * Units: windows in bytes, bandwidth in bytes per second, times in microseconds, gains in
 * 1/256 (BBR_UNIT). NOTE: left out of Linux's BBR: the long-term bandwidth (policer)
 * detection (lt_bw), the ACK aggregation allowance (extra_acked), the pacing rate's restart
 * after idle; the TSO budget is one pacing quantum (tcp_pace_quantum) instead of Linux's
 * tso_segs_goal. */
#include <string.h>

#include "net/log.h"
#include "tcp/tcp_var.h"

#define BBR_UNIT 256
#define BBR_HIGH_GAIN (BBR_UNIT * 2885 / 1000 + 1) /* 2/ln(2) */
#define BBR_DRAIN_GAIN (BBR_UNIT * 1000 / 2885)    /* its inverse */
#define BBR_CWND_GAIN (BBR_UNIT * 2)
#define BBR_CYCLE_LEN 8
#define BBR_BW_RTTS 10                  /* the bandwidth filter's window, in round trips */
#define BBR_MIN_RTT_WIN_US 10000000ull  /* the min RTT filter's window */
#define BBR_PROBE_RTT_US 200000ull      /* time spent in PROBE_RTT */
#define BBR_MIN_CWND_SEGS 4
#define BBR_FULL_BW_THRESH (BBR_UNIT * 5 / 4) /* growth that means "not full yet" */
#define BBR_FULL_BW_CNT 3
#define BBR_PACING_MARGIN_PCT 1         /* pace 1% under the estimate, as Linux */
#define BBR_INIT_RTT_US 1000            /* before any RTT sample */

static const uint16_t bbr_cycle_gain[BBR_CYCLE_LEN] = {
	BBR_UNIT * 5 / 4, BBR_UNIT * 3 / 4, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT,
	BBR_UNIT,
};

/* ca states as Linux's (TCP_CA_Open, TCP_CA_Recovery, TCP_CA_Loss) from pcb->flags */
enum { BBR_CA_OPEN = 0, BBR_CA_RECOVERY, BBR_CA_LOSS };

static struct tcp_bbr *bbr_of(struct tcp_pcb *pcb)
{
	return &pcb->ccv.bbr;
}

static uint8_t ca_state(const struct tcp_pcb *pcb)
{
	if (pcb->flags & TF_LOSS)
		return BBR_CA_LOSS;
	return pcb->flags & TF_INRECOVERY ? BBR_CA_RECOVERY : BBR_CA_OPEN;
}

/* ---- windowed maximum (Kathleen Nichols' algorithm: the best, second and third best
 * samples of the window, each younger than the one before) ---- */

static uint64_t maxfilt_reset(struct tcp_bbr_sample *s, uint32_t t, uint64_t v)
{
	s[0].t = s[1].t = s[2].t = t;
	s[0].v = s[1].v = s[2].v = v;
	return v;
}

static uint64_t maxfilt_update(struct tcp_bbr_sample *s, uint32_t win, uint32_t t, uint64_t v)
{
	struct tcp_bbr_sample n = { .t = t, .v = v };
	uint32_t dt;

	if (v >= s[0].v || t - s[2].t > win)
		return maxfilt_reset(s, t, v); /* a new best, or the whole window is stale */
	if (v >= s[1].v)
		s[2] = s[1] = n;
	else if (v >= s[2].v)
		s[2] = n;
	dt = t - s[0].t;
	if (dt > win) {
		/* the best aged out: the others move up */
		s[0] = s[1];
		s[1] = s[2];
		s[2] = n;
		if (t - s[0].t > win) {
			s[0] = s[1];
			s[1] = s[2];
			s[2] = n;
		}
	} else if (s[1].t == s[0].t && dt > win / 4) {
		/* a quarter of the window without a second best: take this one */
		s[2] = s[1] = n;
	} else if (s[2].t == s[1].t && dt > win / 2) {
		s[2] = n;
	}
	return s[0].v;
}

/* ---- the model ---- */

static uint64_t bbr_bw(struct tcp_pcb *pcb)
{
	return bbr_of(pcb)->bw[0].v;
}

/* gain * BDP in bytes, plus the quanta that leave in bursts; IW before any RTT sample */
static uint32_t bbr_inflight(struct tcp_pcb *pcb, uint64_t bw, uint32_t gain)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint64_t bdp, w;
	uint32_t q = tcp_pace_quantum(pcb);

	if (b->min_rtt_us == UINT32_MAX)
		return tcp_config.initial_window_segs * pcb->mss;
	bdp = bw * b->min_rtt_us / 1000000u;
	w = bdp * gain / BBR_UNIT;
	/* Linux's quantization budget: three send quanta for the pieces in the sender, the
	 * receiver's delayed ACK and the NIC; two more segments in the probing phase */
	w += 3ull * (q > 2u * pcb->mss ? q : 2u * pcb->mss);
	if (b->mode == BBR_PROBE_BW && b->cycle_idx == 0)
		w += 2u * pcb->mss;
	return w > 0x3fffffff ? 0x3fffffff : (uint32_t)w;
}

static void bbr_init_pacing_rate(struct tcp_pcb *pcb)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint64_t rtt_us = pcb->rack.min_rtt_us;

	if (!rtt_us && pcb->srtt)
		rtt_us = (uint64_t)(pcb->srtt >> 3) * 1000;
	if (rtt_us)
		b->has_seen_rtt = 1;
	else
		rtt_us = BBR_INIT_RTT_US;
	pcb->pacing_rate = (uint64_t)pcb->cwnd * 1000000u / rtt_us * BBR_HIGH_GAIN / BBR_UNIT;
	if (!pcb->pacing_rate)
		pcb->pacing_rate = 1;
}

static void bbr_set_pacing_rate(struct tcp_pcb *pcb, uint64_t bw, uint32_t gain)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint64_t rate = bw * gain / BBR_UNIT * (100 - BBR_PACING_MARGIN_PCT) / 100;

	if (!b->has_seen_rtt && (pcb->rack.min_rtt_us || pcb->srtt))
		bbr_init_pacing_rate(pcb);
	/* in STARTUP the rate only grows: a sample from before the pipe filled is low */
	if (rate && (b->full_bw_reached || rate > pcb->pacing_rate))
		pcb->pacing_rate = rate;
}

static void bbr_enter(struct tcp_pcb *pcb, uint8_t mode)
{
	struct tcp_bbr *b = bbr_of(pcb);

	b->mode = mode;
	switch (mode) {
	case BBR_STARTUP:
		STAT_INC(tcp, cc_bbr_startup);
		b->pacing_gain = b->cwnd_gain = BBR_HIGH_GAIN;
		break;
	case BBR_DRAIN:
		STAT_INC(tcp, cc_bbr_drain);
		b->pacing_gain = BBR_DRAIN_GAIN;
		b->cwnd_gain = BBR_HIGH_GAIN;
		break;
	case BBR_PROBE_BW:
		STAT_INC(tcp, cc_bbr_probe_bw);
		b->pacing_gain = BBR_UNIT;
		b->cwnd_gain = BBR_CWND_GAIN;
		break;
	case BBR_PROBE_RTT:
		STAT_INC(tcp, cc_bbr_probe_rtt);
		b->pacing_gain = b->cwnd_gain = BBR_UNIT;
		break;
	}
	debugf("%u->%u bbr: mode %u bw=%llu min_rtt=%u cwnd=%u", pcb->local_port,
	       pcb->remote_port, mode, (unsigned long long)bbr_bw(pcb), b->min_rtt_us, pcb->cwnd);
}

static void bbr_advance_cycle(struct tcp_pcb *pcb, uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);

	b->cycle_idx = (uint8_t)((b->cycle_idx + 1) % BBR_CYCLE_LEN);
	b->cycle_stamp_us = now_us;
	b->pacing_gain = bbr_cycle_gain[b->cycle_idx];
}

/* PROBE_BW starts at a phase picked at random, never the 0.75 one (as Linux), so that
 * flows that start together do not probe together. The "random" is a hash of the
 * connection: reproducible in the tests. */
static void bbr_enter_probe_bw(struct tcp_pcb *pcb, uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint32_t r = (pcb->iss ^ pcb->remote_port ^ b->round_count) * 2654435761u;

	bbr_enter(pcb, BBR_PROBE_BW);
	b->cycle_idx = (uint8_t)(BBR_CYCLE_LEN - 1 - (r >> 16) % (BBR_CYCLE_LEN - 1));
	bbr_advance_cycle(pcb, now_us);
}

static void bbr_save_cwnd(struct tcp_pcb *pcb)
{
	struct tcp_bbr *b = bbr_of(pcb);

	if (b->prev_ca_state < BBR_CA_RECOVERY && b->mode != BBR_PROBE_RTT)
		b->prior_cwnd = pcb->cwnd;
	else if (pcb->cwnd > b->prior_cwnd)
		b->prior_cwnd = pcb->cwnd;
}

static void bbr_start(struct tcp_pcb *pcb, uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);

	memset(b, 0, sizeof(*b));
	b->started = 1;
	b->min_rtt_us = pcb->rack.min_rtt_us ? pcb->rack.min_rtt_us : UINT32_MAX;
	b->min_rtt_stamp_us = now_us;
	b->next_rtt_delivered = pcb->rate.delivered;
	b->prev_ca_state = ca_state(pcb);
	bbr_enter(pcb, BBR_STARTUP);
	bbr_init_pacing_rate(pcb);
	pcb->pace_credit = 0;
	pcb->pace_stamp_us = 0;
}

static void bbr_init(struct tcp_pcb *pcb)
{
	tcp_cc_newreno.init(pcb); /* the initial window (RFC 6928), ssthresh "infinite" */
	pcb->hystart.state = HYSTART_OFF;
	bbr_start(pcb, tcp_now_us());
}

static void bbr_update_bw(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint64_t bw;

	b->round_start = 0;
	if (rs->delivered < 0 || rs->interval_us <= 0)
		return;
	/* a round trip ends when a record sent after the last round began is delivered */
	if (rs->prior_delivered >= b->next_rtt_delivered) {
		b->next_rtt_delivered = pcb->rate.delivered;
		b->round_count++;
		b->round_start = 1;
		b->packet_conservation = 0;
	}
	bw = (uint64_t)rs->delivered * 1000000u / (uint64_t)rs->interval_us;
	/* an app-limited sample only counts if it shows more than we knew */
	if (!rs->is_app_limited || bw >= bbr_bw(pcb))
		maxfilt_update(b->bw, BBR_BW_RTTS, b->round_count, bw);
}

static int bbr_next_phase(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs,
			  uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);
	int full_length = now_us - b->cycle_stamp_us > b->min_rtt_us;

	if (b->pacing_gain == BBR_UNIT)
		return full_length;
	/* probing: until in flight reaches 1.25 BDP, or a loss says the pipe is full */
	if (b->pacing_gain > BBR_UNIT)
		return full_length &&
		       (rs->losses || rs->prior_in_flight >= bbr_inflight(pcb, bbr_bw(pcb),
									      b->pacing_gain));
	/* draining: a min RTT, or sooner once in flight is down to one BDP */
	return full_length || rs->prior_in_flight <= bbr_inflight(pcb, bbr_bw(pcb), BBR_UNIT);
}

static void bbr_check_full_pipe(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = bbr_of(pcb);

	if (b->full_bw_reached || !b->round_start || rs->is_app_limited)
		return;
	if (bbr_bw(pcb) * BBR_UNIT >= b->full_bw * BBR_FULL_BW_THRESH) {
		b->full_bw = bbr_bw(pcb);
		b->full_bw_cnt = 0;
		return;
	}
	if (++b->full_bw_cnt >= BBR_FULL_BW_CNT) {
		b->full_bw_reached = 1;
		STAT_INC(tcp, cc_bbr_full_pipe);
	}
}

static void bbr_check_drain(struct tcp_pcb *pcb, uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);

	if (b->mode == BBR_STARTUP && b->full_bw_reached) {
		bbr_enter(pcb, BBR_DRAIN);
		pcb->ssthresh = bbr_inflight(pcb, bbr_bw(pcb), BBR_UNIT);
	}
	if (b->mode == BBR_DRAIN && tcp_pipe(pcb) <= bbr_inflight(pcb, bbr_bw(pcb), BBR_UNIT))
		bbr_enter_probe_bw(pcb, now_us);
}

static void bbr_update_min_rtt(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs,
			       uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);
	int expired = now_us > b->min_rtt_stamp_us + BBR_MIN_RTT_WIN_US;

	if (rs->rtt_us >= 0 && ((uint64_t)rs->rtt_us <= b->min_rtt_us || expired)) {
		b->min_rtt_us = rs->rtt_us ? (uint32_t)rs->rtt_us : 1;
		b->min_rtt_stamp_us = now_us;
	}
	if (expired && b->mode != BBR_PROBE_RTT) {
		bbr_enter(pcb, BBR_PROBE_RTT);
		bbr_save_cwnd(pcb);
		b->probe_rtt_done_us = 0;
	}
	if (b->mode != BBR_PROBE_RTT)
		return;
	/* the application is held back on purpose: no sample now measures the path */
	pcb->rate.app_limited = pcb->rate.delivered + tcp_pipe(pcb) ?
		pcb->rate.delivered + tcp_pipe(pcb) : 1;
	if (!b->probe_rtt_done_us && tcp_pipe(pcb) <= BBR_MIN_CWND_SEGS * (uint32_t)pcb->mss) {
		b->probe_rtt_done_us = now_us + BBR_PROBE_RTT_US;
		b->probe_rtt_round_done = 0;
		b->next_rtt_delivered = pcb->rate.delivered;
	} else if (b->probe_rtt_done_us) {
		if (b->round_start)
			b->probe_rtt_round_done = 1;
		if (b->probe_rtt_round_done && now_us > b->probe_rtt_done_us) {
			b->min_rtt_stamp_us = now_us;
			if (pcb->cwnd < b->prior_cwnd)
				pcb->cwnd = b->prior_cwnd;
			if (b->full_bw_reached)
				bbr_enter_probe_bw(pcb, now_us);
			else
				bbr_enter(pcb, BBR_STARTUP);
		}
	}
}

/* Recovery's part of cwnd: losses come off it; the first round of recovery sends only what
 * is delivered; leaving recovery (or the timeout's loss state) restores the old cwnd.
 * Returns 1 while packet conservation holds (cwnd must not grow past it). */
static int bbr_recover_or_restore(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs,
				  uint32_t *cwnd)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint8_t state = ca_state(pcb), prev = b->prev_ca_state;
	uint32_t w = *cwnd, inflight = tcp_pipe(pcb);

	if (rs->losses)
		w = w > rs->losses + pcb->mss ? w - rs->losses : pcb->mss;
	if (state == BBR_CA_RECOVERY && prev != BBR_CA_RECOVERY) {
		b->packet_conservation = 1;
		b->next_rtt_delivered = pcb->rate.delivered; /* the round starts now */
		w = inflight + rs->acked_sacked;
	} else if (prev >= BBR_CA_RECOVERY && state < BBR_CA_RECOVERY) {
		if (w < b->prior_cwnd)
			w = b->prior_cwnd;
		b->packet_conservation = 0;
	}
	b->prev_ca_state = state;
	if (b->packet_conservation) {
		if (w < inflight + rs->acked_sacked)
			w = inflight + rs->acked_sacked;
		*cwnd = w;
		return 1;
	}
	*cwnd = w;
	return 0;
}

static void bbr_set_cwnd(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs, uint64_t bw)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint32_t cwnd = pcb->cwnd, acked = rs->acked_sacked, target;

	if (!acked)
		goto done;
	if (bbr_recover_or_restore(pcb, rs, &cwnd))
		goto done;
	target = bbr_inflight(pcb, bw, b->cwnd_gain);
	if (b->full_bw_reached) {
		/* grow toward the target, never jump: the ACK clock paces the growth */
		if (cwnd + acked < target)
			cwnd += acked;
		else if (cwnd < target)
			cwnd = target;
		else if (cwnd > target)
			cwnd = target;
	} else if (cwnd < target ||
		   pcb->rate.delivered < (uint64_t)tcp_config.initial_window_segs * pcb->mss) {
		cwnd += acked; /* STARTUP: slow start, up to the target */
	}
	if (cwnd < BBR_MIN_CWND_SEGS * (uint32_t)pcb->mss)
		cwnd = BBR_MIN_CWND_SEGS * (uint32_t)pcb->mss;
done:
	if (b->mode == BBR_PROBE_RTT && cwnd > BBR_MIN_CWND_SEGS * (uint32_t)pcb->mss)
		cwnd = BBR_MIN_CWND_SEGS * (uint32_t)pcb->mss;
	pcb->cwnd = cwnd;
}

static void bbr_cong_control(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs,
			     uint64_t now_us)
{
	struct tcp_bbr *b = bbr_of(pcb);
	uint64_t bw;

	if (!b->started) /* switched to on a running connection (TCP_CONGESTION) */
		bbr_start(pcb, now_us);
	bbr_update_bw(pcb, rs);
	if (b->mode == BBR_PROBE_BW && bbr_next_phase(pcb, rs, now_us))
		bbr_advance_cycle(pcb, now_us);
	bbr_check_full_pipe(pcb, rs);
	bbr_check_drain(pcb, now_us);
	bbr_update_min_rtt(pcb, rs, now_us);
	bw = bbr_bw(pcb);
	bbr_set_pacing_rate(pcb, bw, b->pacing_gain);
	bbr_set_cwnd(pcb, rs, bw);
}

/* A loss response begins: ssthresh stays (BBR does not reduce on loss); cwnd is saved for
 * the end of recovery. */
static uint32_t bbr_ssthresh(struct tcp_pcb *pcb, uint64_t now)
{
	(void)now;
	if (!bbr_of(pcb)->started)
		bbr_start(pcb, tcp_now_us());
	bbr_save_cwnd(pcb);
	return pcb->ssthresh;
}

/* The RTO: one segment in flight (Linux's tcp_enter_loss: what is in flight, nothing once
 * all is marked lost, plus one), and the timeout ends a round as Linux's set_state(Loss). */
static void bbr_timeout(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_bbr *b = bbr_of(pcb);

	(void)now;
	if (!b->started)
		bbr_start(pcb, tcp_now_us());
	bbr_save_cwnd(pcb);
	b->prev_ca_state = BBR_CA_LOSS;
	b->full_bw = 0;
	b->round_start = 1;
	pcb->cwnd = pcb->mss;
}

/* The reduction was spurious: the full-pipe check starts over (as Linux's undo_cwnd) */
static void bbr_undo(struct tcp_pcb *pcb)
{
	struct tcp_bbr *b = bbr_of(pcb);

	b->full_bw = 0;
	b->full_bw_cnt = 0;
}

const struct tcp_cc_ops tcp_cc_bbr = {
	.name = "bbr",
	.init = bbr_init,
	.ack = NULL, /* cong_control does it all */
	.ssthresh = bbr_ssthresh,
	.recovery_exit = NULL,
	.timeout = bbr_timeout,
	.undo = bbr_undo,
	.rtt_sample = NULL,
	.cong_control = bbr_cong_control,
	.sndbuf_cwnds = 3, /* pacing and cwnd_gain 2 keep more queued (Linux's bbr_sndbuf_expand) */
};
