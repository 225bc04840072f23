/* SPDX-License-Identifier: MIT */
/* TCP (RFC 9293) with RFC 5961 hardening, RFC 7323 timestamps and window scale, RFC 6298
 * retransmission timing, RFC 5681 congestion control with CUBIC (RFC 9438, the default) or
 * NewReno and HyStart++ (RFC 9406), RFC 6528 ISNs, RFC 6056 ports, and loss recovery: SACK
 * (RFC 2018) with D-SACK (RFC 2883), RACK-TLP (RFC 8985) loss detection (RFC 6675 as written
 * when tcp_config.rack is off, RFC 6582 NewReno without SACK), Proportional Rate Reduction
 * (RFC 6937) during recovery, F-RTO (RFC 5682) and undo of spurious reductions (RFC 3708,
 * RFC 3522), quick ACKs at the start and after idle; BBR (v1) congestion control on delivery
 * rate samples (draft-cheng-iccrg-delivery-rate-estimation) with pacing.
 *
 * This is TCP's internal header (as BSD's tcp_var.h): the control block and every
 * prototype shared between the files of tcp/, included only by them and the unit tests;
 * the rest of the stack includes tcp/tcp.h.
 *
 * Files: tcp_wire.c (parse/emit), tcp_pcb.c (control blocks, lookup, ISN, ports),
 * tcp_input.c (segment arrival), tcp_output.c (segment departure), tcp_usrreq.c (the
 * application's requests: connect, send, receive, shutdown, close, accept), tcp_timer.c (timers),
 * tcp_cc.c (congestion control registry, NewReno, the loss-response events: PRR, undo),
 * tcp_cubic.c (CUBIC, HyStart++),
 * tcp_bbr.c (BBR), tcp_rate.c (delivery rate samples, pacing),
 * tcp_rack.c (the sent-segment records, RACK, the tail loss probe), tcp_sack.c (SACK
 * processing and the recovery state: recovery, undo, F-RTO, RFC 6675, NewReno), tcp_reass.c
 * (out-of-order queue and the SACK blocks we send), tcp_mem.c (ring storage that follows
 * the load, receive- and send-buffer auto-tuning), tcp_sock.c (SOCK_STREAM sock_ops),
 * tcp_syncache.c (the SYN queue as small records, SYN cookies, RFC 4987), tcp_timewait.c
 * (TIME_WAIT as small records), tcp_rstlim.c (the RST rate limit), tcp_sysctl.c
 * (tcp_config by name), tcp_log.c (the event log, tcp_log.h).
 *
 * Memory: a connection's rings hold storage only while they hold data (or were used in the
 * last second or two); an idle established connection costs its control block (about
 * 1 KiB), a TIME_WAIT one a record of about 100 bytes (a socket still open keeps its
 * control block as a stub, without buffers or sent-segment records).
 *
 * Ownership: tcp_input owns the pkb it is given; segments queued out of order are owned by
 * the pcb until delivered or freed; tcp_output hands each segment it builds to ip_output.
 * The sent-segment records (pcb->sentq) are the pcb's, freed with it. */
#ifndef TCP_TCP_VAR_H
#define TCP_TCP_VAR_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "ip/ip.h"
#include "net/loop.h"
#include "net/pkb.h"
#include "net/stats.h"
#include "tcp/tcp.h"
#include "tcp/tcp_wire.h"

#define TCP_HAVE_RCVD_SYN(s) ((s) >= TCP_SYN_RECEIVED)
#define TCP_SYNCHRONIZED(s) ((s) >= TCP_ESTABLISHED || (s) == TCP_SYN_RECEIVED)

/* TCPT_RACK: RACK's reordering timer (RFC 8985 6.3); TCPT_PTO: the tail loss probe (7.2);
 * TCPT_PACE: the next paced send (tcp_rate.c). The loss timers (TCPT_REXMT, TCPT_RACK,
 * TCPT_PTO, from TCPT_NHEAP on) share one heap entry per connection, timers[TCPT_NHEAP],
 * each with a due time of its own (loss_due; tcp_timer.c); the others have an entry each.
 * Ask tcp_timer_pending, not the heap entries, whether one is armed. */
enum tcp_timer_id { TCPT_PERSIST = 0, TCPT_KEEP, TCPT_2MSL, TCPT_DELACK, TCPT_PACE, TCPT_NHEAP,
		    TCPT_REXMT = TCPT_NHEAP, TCPT_RACK, TCPT_PTO, TCPT_NTIMERS };
#define TCPT_NLOSS (TCPT_NTIMERS - TCPT_NHEAP)

/* A byte ring: the send buffer (first byte = sequence snd_buf_seq) or receive buffer.
 * cap is the limit its free space counts against (the window, the send buffer size), max
 * the most cap may grow to (receive and send auto-tuning); the storage behind it (size
 * bytes) is allocated when data comes, doubles as it fills, and goes back when unused
 * (tcp_mem.c). */
struct tcp_ring {
	uint8_t *buf;
	size_t size;          /* bytes of storage at buf (0: none) */
	size_t cap, max;
	size_t head, len;
	int used;             /* touched since the last sweep (tcp_mem.c) */
};
#define TCP_RING_MIN 4096 /* the first allocation */

/* pcb flags */
#define TF_ACKNOW     0x0001 /* send an ACK at the next tcp_output */
#define TF_DELACK     0x0002 /* an ACK is being delayed */
#define TF_NODELAY    0x0004 /* TCP_NODELAY: no Nagle */
#define TF_FIN_QUEUED 0x0008 /* the application closed the sending side */
#define TF_SENT_FIN   0x0010
#define TF_TS_OK      0x0020 /* both sides do timestamps */
#define TF_WS_OK      0x0040 /* both sides do window scale */
#define TF_SACK_OK    0x0080 /* peer sent SACK-permitted */
#define TF_RCVD_FIN   0x0100
#define TF_ORPHAN     0x0200 /* closed by the application, finishing alone */
#define TF_INRECOVERY 0x0400 /* fast recovery (RFC 6675 / RFC 6582), PRR sizes it */
#define TF_KEEPALIVE  0x0800
#define TF_FORCE_ONE  0x1000 /* persist probe: send one byte past the window */
#define TF_RCV_SHUT   0x2000 /* the application will not read any more */
#define TF_LOSS       0x4000 /* recovering after a retransmission timeout (all marked lost) */
#define TF_FRTO       0x8000 /* F-RTO (RFC 5682) may still find that timeout spurious */
#define TF_FRTO_NEW   0x10000 /* F-RTO step 2b: send new data, not retransmissions */
#define TF_TLP_ONE    0x20000 /* the loss probe: one new segment from tcp_output */
#define TF_SNDBUF_LOCK 0x40000 /* SO_SNDBUF set: no send-buffer auto-tuning (Linux's
                                * SOCK_SNDBUF_LOCK); accepted children inherit it */
#define TF_SND_NOSPACE 0x80000 /* a write found the send buffer full (SOCK_NOSPACE):
                                * the next ACK that frees space may grow it */

/* One transmission not yet cumulatively acknowledged: the sender's scoreboard (tcp_rack.c).
 * A TSO super-segment gets one record per MSS, so SACK, RACK and retransmission reason
 * about ordinary segments. */
struct tcp_sent {
	uint32_t seq, end;  /* [seq, end); a FIN counts as the byte after the data */
	uint64_t xmit_us;   /* the last (re)transmission (RACK's Segment.xmit_ts) */
	uint16_t flags;     /* TSENT_* */
	uint16_t xmits;     /* times sent (more than 1: retransmitted) */
	/* the connection's delivery state when it last left (tcp_rate.c): pcb->rate.delivered,
	 * delivered_us and first_tx_us then (delivered_us 0: already used for a sample) */
	uint64_t delivered, delivered_us, first_tx_us;
};
#define TSENT_SACKED  0x01 /* the receiver holds it (SACK) */
#define TSENT_LOST    0x02 /* deemed lost (RACK, IsLost, NewReno, the RTO) */
#define TSENT_RETRANS 0x04 /* retransmitted since marked lost; that copy is in flight */
#define TSENT_PRE_RTO 0x08 /* sent before the last RTO and not since (F-RTO) */
#define TSENT_APP_LIMITED 0x10 /* sent while the application left the pipe short (tcp_rate.c) */

/* The records in sequence order: a ring of `cap` entries (a power of two, doubled when
 * full up to tcp_config.sent_max_segs), first at `head`. */
/* The first records live in the queue itself (v = inl): a short connection (a request,
 * its answer and a FIN) keeps its few records without a malloc and a free. */
#define TCP_SENTQ_INLINE 4
struct tcp_sentq {
	struct tcp_sent *v;
	unsigned cap, head, len;
	unsigned lost_hint; /* no record below this index is lost and not retransmitted */
	struct tcp_sent inl[TCP_SENTQ_INLINE];
};

/* RACK (RFC 8985 6.1), times in microseconds. */
struct tcp_rack {
	uint64_t xmit_us;     /* RACK.xmit_ts: latest transmission delivered */
	uint32_t end_seq;     /* RACK.end_seq: its end */
	uint32_t rtt_us;      /* RACK.rtt: its round trip */
	uint32_t min_rtt_us;  /* RACK.min_RTT (0: none yet) */
	uint32_t fack;        /* RACK.fack: highest end acknowledged or SACKed */
	uint32_t dsack_round; /* RACK.dsack_round (valid when dsack_round_on) */
	uint8_t dsack_round_on, reordering_seen, dsack_seen;
	uint8_t reo_wnd_mult, reo_wnd_persist;
};

struct tcp_pcb;
struct sock;

/* Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation, tcp_rate.c), per
 * connection: bytes delivered (cumulatively ACKed or SACKed) and marked lost so far, when
 * the last delivery happened, when the first segment of the current sampling flight left,
 * and the delivered count past which samples stop being application-limited (0: not). */
struct tcp_rate {
	uint64_t delivered, lost;
	uint64_t delivered_us, first_tx_us;
	uint64_t app_limited;
	/* the last sample worth reporting (TCP_INFO's delivery_rate, as Linux: an
	 * application-limited sample only if it is faster than the one it replaces) */
	uint64_t rate_delivered, rate_interval_us;
	uint8_t rate_app_limited;
};
/* One ACK's rate sample. delivered and interval_us are -1 when the ACK gave none. */
struct tcp_rate_sample {
	int64_t delivered;        /* bytes delivered between the newest delivered record's
	                           * send and this ACK */
	int64_t interval_us;      /* max(send interval, ACK interval) over them */
	uint64_t prior_delivered; /* pcb->rate.delivered when that record left */
	uint64_t prior_us;        /* pcb->rate.delivered_us then */
	uint64_t prior_xmit_us;   /* its send time (the newest is chosen among several) */
	int64_t send_us;          /* its send interval (xmit - first_tx) */
	int64_t rtt_us;           /* the smallest RTT of a record never retransmitted, -1 none */
	uint32_t acked_sacked;    /* bytes this ACK newly delivered */
	uint32_t losses;          /* bytes this ACK newly marked lost */
	uint32_t prior_in_flight; /* pipe before the ACK */
	uint32_t prior_end;
	uint8_t prior_set, is_app_limited, is_retrans;
};

extern const struct tcp_cc_ops tcp_cc_newreno, tcp_cc_cubic, tcp_cc_bbr;

/* HyStart++ (RFC 9406, tcp_cubic.c): per-round minimum RTTs in the first slow start, and
 * Conservative Slow Start (CSS) once the RTT rises. All zero: off. */
enum tcp_hystart_state { HYSTART_OFF = 0, HYSTART_SS, HYSTART_CSS };
struct tcp_hystart {
	uint8_t state;          /* enum tcp_hystart_state */
	uint8_t round_open;     /* window_end is set */
	uint8_t css_rounds;     /* rounds ended in CSS */
	uint32_t window_end;    /* the round ends when snd_una reaches it (snd_max at its start) */
	uint32_t samples;       /* rttSampleCount */
	uint32_t cur_min_rtt, last_min_rtt, css_baseline_min_rtt; /* us, UINT32_MAX = infinity */
};

/* CUBIC (RFC 9438, tcp_cubic.c) per connection. Windows in bytes, times in ms. All zero is
 * a fresh state (no epoch, W_max unknown). */
struct tcp_cubic_vars {
	uint64_t epoch_start;   /* first ACK of the congestion avoidance stage, 0: none yet */
	uint32_t w_max;         /* W_max: cwnd when the last congestion event began */
	uint32_t cwnd_epoch;    /* cwnd at epoch_start */
	uint32_t cwnd_prior;    /* cwnd when ssthresh was last set (alpha_cubic turns 1 there) */
	uint32_t w_est;         /* W_est, the Reno-friendly estimate */
	int32_t k;              /* K: ms from epoch_start to W_max, negative above W_max */
	uint8_t w_max_valid;    /* 0: the next epoch takes K = 0, W_max = cwnd (RFC 9438 4.8, 4.10) */
};
struct tcp_cubic {
	struct tcp_cubic_vars v, saved; /* saved: before the last ssthresh(), for undo() */
	uint64_t cnt_acc;       /* (target - cwnd) * bytes acked not yet turned into cwnd */
	uint64_t est_acc;       /* the same for W_est */
	uint64_t idle_since;    /* when an ACK emptied the flight (0: not idle) */
};

/* BBR v1 (tcp_bbr.c) per connection; all zero: not started (cong_control starts it). */
enum tcp_bbr_mode { BBR_STARTUP = 0, BBR_DRAIN, BBR_PROBE_BW, BBR_PROBE_RTT };
struct tcp_bbr_sample {
	uint32_t t;             /* round trip count */
	uint64_t v;             /* bytes per second */
};
struct tcp_bbr {
	struct tcp_bbr_sample bw[3]; /* windowed max of the delivery rate (best, 2nd, 3rd) */
	uint64_t next_rtt_delivered; /* a round ends when a record sent past this is delivered */
	uint64_t full_bw;       /* the bandwidth the full-pipe check compares against */
	uint64_t min_rtt_stamp_us, probe_rtt_done_us, cycle_stamp_us;
	uint32_t min_rtt_us;    /* min RTT over the last 10 s (UINT32_MAX: none yet) */
	uint32_t round_count;
	uint32_t prior_cwnd;    /* cwnd before recovery or PROBE_RTT, restored after */
	uint16_t pacing_gain, cwnd_gain; /* BBR_UNIT = 256 is 1.0 */
	uint8_t started, mode, cycle_idx, full_bw_cnt, full_bw_reached, round_start;
	uint8_t packet_conservation, prev_ca_state, probe_rtt_round_done, has_seen_rtt;
};
TAILQ_HEAD(tcp_pcb_list, tcp_pcb);

/* Where a connection's segments leave, resolved once per routing-table generation (the
 * family's route_generation) instead of once per segment (tcp_route_get, tcp_output.c). */
struct tcp_route {
	struct net_route_cache rc; /* the family's route to the remote address for the
	                            * socket's SO_BINDTODEVICE device (0: any), its error,
	                            * and the generation it was resolved under (family.h) */
	unsigned offloads;      /* the device's NET_DEV_F_CSUM_TX | NET_DEV_F_TSO (TSO: it
	                         * cuts this family's TCP, NET_DEV_F_TSO6 for IPv6) */
	unsigned gso_max;       /* NET_DEV_F_TSO: the largest IP packet it cuts up */
};

/* rt resolved for dst from a socket bound to device ifindex (0: any): rt as it is when
 * it was resolved for them under the current generation, else looked up again into rt.
 * A listener keeps one for its last SYN's peer, a syncache entry one for its child. */
const struct tcp_route *tcp_route_lookup(struct tcp_route *rt, const struct net_addr *dst,
					 int ifindex);
/* The path MTU over a resolved route (0: no route). */
unsigned tcp_route_mtu(const struct tcp_route *rt);

struct tcp_pcb {
	enum tcp_state state;
	struct net_addr local_addr, remote_addr; /* one family; local any: unbound */
	uint16_t local_port, remote_port; /* host order */
	struct tcp_route route;           /* cached route to remote_addr (a listener: to its
	                                   * last SYN's peer) */

	/* send sequence variables (RFC 9293 3.3.1) */
	uint32_t snd_una, snd_nxt, snd_wnd, snd_up, snd_wl1, snd_wl2, iss;
	uint32_t snd_max;     /* highest sequence sent (snd_nxt rewinds on retransmission) */
	uint32_t snd_buf_seq; /* sequence number of the first byte in snd_buf */
	uint32_t fin_seq;     /* sequence number of our FIN once queued */
	uint32_t max_sndwnd;
	/* receive sequence variables */
	uint32_t rcv_nxt, rcv_wnd, rcv_up, irs;
	uint32_t rcv_adv;     /* right edge of the window we advertised */
	uint32_t rcv_acked;   /* rcv_nxt in the last ACK we sent (delayed-ACK accounting) */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss;         /* effective send MSS (data bytes, options excluded) */
	uint16_t rcv_mss;     /* what we announced */
	unsigned flags;

	/* RFC 7323 */
	uint32_t ts_recent, ts_offset;
	uint64_t ts_recent_age;
	uint32_t ts_rexmt;    /* our TSval at the last retransmission (0: none yet;
	                         tcp_ts_rexmt_mark) */
	/* RFC 6298 (ms, srtt and rttvar scaled by 8 and 4) */
	int32_t srtt, rttvar;
	uint32_t rto;
	uint32_t rtt_seq;     /* segment being timed when there are no timestamps */
	uint64_t rtt_start;   /* 0: nothing timed */
	unsigned rxtshift;
	unsigned persist_shift;
	unsigned keep_probes;
	/* congestion control */
	uint32_t cwnd, ssthresh, recover;
	uint32_t bytes_acked; /* RFC 3465 byte counting in congestion avoidance (tcp_cc.c) */
	unsigned dupacks;
	/* the scoreboard (tcp_rack.c): every transmission above snd_una, and the bytes of it
	 * SACKed, marked lost, and retransmitted and in flight (RFC 6675 pipe from these) */
	struct tcp_sentq sentq;
	uint32_t sacked_out, lost_out, retrans_out;
	uint32_t high_sacked;  /* HighACK+: the highest SACKed end (snd_una if none) */
	uint32_t rescue_rxt;   /* RFC 6675 RescueRxt (valid when rescue_on) */
	uint8_t rescue_on;
	struct tcp_rack rack;
	/* tail loss probe (RFC 8985 7): TLP.end_seq while a probe is unanswered */
	uint32_t tlp_end_seq;
	uint8_t tlp_on, tlp_is_retrans;
	/* PRR (RFC 6937) during fast recovery */
	uint32_t prr_delivered, prr_out, recover_fs;
	/* undo (RFC 3708, RFC 5682): the values before the reduction, the retransmissions
	 * of this episode not yet shown spurious by D-SACK, and when it started */
	uint32_t prior_cwnd, prior_ssthresh;
	uint32_t undo_marker;  /* snd_una when the episode began */
	int32_t undo_retrans;  /* retransmitted segments not yet D-SACKed (-1: no undo) */
	uint32_t undo_tsval;   /* our TSval at the first retransmission of the episode */
	uint8_t undo_ts_on;    /* undo_tsval is set */
	unsigned quickack;     /* segments still to ACK at once (quick ACK mode) */
	uint64_t last_data_rcv;/* when data last arrived (idle detection for quick ACKs) */
	uint64_t delack_due;   /* TF_DELACK: when the delayed ACK is due (its timer may be older) */
	const struct tcp_cc_ops *cc;
	union {
		struct tcp_cubic cubic;
		struct tcp_bbr bbr;
	} ccv;                 /* the algorithm's own state (no malloc) */
	/* delivery rate (tcp_rate.c) and pacing: pacing_rate in bytes/s (0: unpaced; only an
	 * algorithm with cong_control sets it), pace_credit the bytes that may leave now */
	struct tcp_rate rate;
	uint64_t pacing_rate;
	int64_t pace_credit;
	uint64_t pace_stamp_us;
	struct tcp_hystart hystart;
	/* RFC 5961 challenge-ACK rate limit */
	uint64_t chack_window_start;
	unsigned chack_count;

	struct net_timer timers[TCPT_NHEAP + 1]; /* [TCPT_NHEAP]: the loss timers' entry */
	uint64_t loss_due[TCPT_NLOSS]; /* a loss timer's due time, 0 when not armed */
	struct tcp_ring snd_buf, rcv_buf;
	TAILQ_ENTRY(tcp_pcb) acklink; /* on the list of ACKs owed at the end of the batch */
	int ack_pending;
	int out_owed;              /* a driver's send left its output to the end of the round */
	/* In-order data received but not yet read is the segments held here (their pkbs,
	 * taken whole, uncopied) and the receive ring's bytes, interleaved: each held
	 * segment records the ring bytes that come before it (tcp_reass.c) */
	struct pkb_queue rcv_held;
	size_t rcv_held_len;       /* payload bytes in rcv_held */
	size_t rcv_ring_tail;      /* ring bytes after the last held segment (all of the
	                            * ring's when none is held) */
	struct pkb_queue ooo;      /* out-of-order segments, sorted, non-overlapping */
	unsigned ooo_count;
	/* RFC 2018 4: the blocks our ACKs report, most recent first (tcp_reass.c) */
	struct tcp_sack_block rcv_sacks[TCP_SACK_MAX];
	unsigned rcv_nsacks;
	uint64_t last_recv;        /* for keepalive */
	/* receive-buffer auto-tuning (tcp_mem.c): what the application read during the
	 * current measurement (from rcvq_seq, since rcvq_time), rcvq_space the most it read
	 * in one RTT so far */
	uint32_t rcvq_seq, rcvq_space;
	uint64_t rcvq_time;
	TAILQ_ENTRY(tcp_pcb) memlink; /* on the list of pcbs whose rings hold storage */
	int on_memlist;
	int error;                 /* pending error (negative errno) for the socket */

	/* listener: SYN queue (a child made from a syncache entry, SYN_RECEIVED while its ACK
	 * is processed) and accept queue (established) */
	struct tcp_pcb *parent;
	struct tcp_pcb_list synq, acceptq;
	unsigned synq_len, acceptq_len, backlog;
	TAILQ_ENTRY(tcp_pcb) qlink;   /* on parent's synq or acceptq */
	/* listener: its syncache entries, oldest first (tcp_syncache.c) */
	TAILQ_HEAD(tcp_sc_list, tcp_sc) sc_list;
	unsigned sc_count;
	uint64_t sc_cookie_at;        /* when it last sent a cookie (1 + ms; 0: never) */

	/* socket options (tcp_sock.c), inherited by accepted children (tcp_syncache.c) */
	struct net_out_opts ipo;     /* IP_TTL, IP_TOS, IP_MTU_DISCOVER, SO_BINDTODEVICE */
	uint16_t user_mss;          /* TCP_MAXSEG set before the connection (0: none) */
	unsigned keep_idle_ms, keep_intvl_ms, keep_cnt; /* TCP_KEEP* (0: tcp_config's) */
	uint32_t total_retrans;     /* segments retransmitted (TCP_INFO) */
	uint64_t info_acked, info_rcvd; /* bytes acked / received, sampled (tcp_sock.c) */

	struct sock *sk;            /* NULL for children not yet accepted and orphans */
	void (*upcall)(struct tcp_pcb *pcb); /* readiness changed (tcp_sock.c sets it) */
	uint32_t hash;
	int hashed, listed;
	int on_acceptq;             /* else on the parent's synq */
	struct tcp_tw *tw;          /* TIME_WAIT: the record that took over (tcp_timewait.c);
	                             * this pcb is only the socket's view of it */
	LIST_ENTRY(tcp_pcb) hlink;  /* connection hash bucket or listener list */
	TAILQ_ENTRY(tcp_pcb) all;   /* every pcb (for shutdown) */
};

/* The keepalive settings of a connection: its TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT, or
 * tcp_config's. */
static inline unsigned tcp_keep_idle(const struct tcp_pcb *pcb)
{
	return pcb->keep_idle_ms ? pcb->keep_idle_ms : tcp_config.keep_idle_ms;
}
static inline unsigned tcp_keep_intvl(const struct tcp_pcb *pcb)
{
	return pcb->keep_intvl_ms ? pcb->keep_intvl_ms : tcp_config.keep_intvl_ms;
}
static inline unsigned tcp_keep_cnt(const struct tcp_pcb *pcb)
{
	return pcb->keep_cnt ? pcb->keep_cnt : tcp_config.keep_probes;
}
/* Whether a segment that came in through dev may reach pcb: one bound to a device
 * (SO_BINDTODEVICE) hears only that device, and the loopback, which carries what the
 * stack sends to itself. */
static inline int tcp_pcb_dev_ok(const struct tcp_pcb *pcb, const struct net_device *dev)
{
	return !pcb->ipo.ifindex || !dev || dev->type == NET_DEV_LOOPBACK ||
	       dev->index == pcb->ipo.ifindex;
}

#define TCP_COUNTERS(X)                                                                    \
	X(rcv_total) X(rcv_short) X(rcv_bad_doff) X(rcv_bad_sum) X(rcv_bad_opt)            \
	X(rcv_bcast) X(rcv_no_conn) X(rcv_listen_bad_ack) X(rcv_listen_rst)               \
	X(rcv_listen_no_syn) X(rcv_syn_queue_full) X(rcv_accept_queue_full)                \
	X(rcv_conn_limit) X(rcv_synsent_bad_ack) X(rcv_synsent_no_syn) X(rcv_not_acceptable) \
	X(rcv_paws_drop) X(rcv_rst_out_of_window) X(rcv_rst_challenged) X(rcv_syn_challenged) \
	X(rcv_no_ack) X(rcv_ack_too_old) X(rcv_ack_too_new) X(rcv_data_after_close)        \
	X(rcv_dup_data) X(rcv_ooo_segs) X(rcv_ooo_dropped) X(rcv_in_order_bytes) X(rcv_held_segs) \
	X(rcv_fin_inside_data)                                                             \
	X(rcv_dup_acks) X(rcv_after_window) X(rcv_rst) X(rcv_syn_dropped_state)           \
	X(snd_total) X(snd_data_bytes) X(snd_rexmt_segs) X(snd_rexmt_bytes) X(snd_acks)     \
	X(snd_delacks) X(snd_rst) X(snd_probe) X(snd_challenge_ack) X(snd_challenge_limited) \
	X(snd_fast_rexmt) X(snd_nomem) X(snd_ip_err) X(rexmt_timeouts) X(persist_timeouts) \
	X(keep_timeouts) X(keep_probes) X(conn_timeouts) X(conn_attempts) X(conn_accepts)   \
	X(conn_established) X(conn_drops) X(conn_closed) X(rtt_updates) X(icmp_errors)     \
	X(pmtu_lowered) X(fin_wait_2_timeouts) X(rcv_ring_full) X(rcv_rtt_bogus) \
	X(rcv_sack_ignored) X(snd_rexmt_lost) X(rcv_tw_reopened)         \
	X(rcv_synsent_rst_no_ack) X(snd_tso_segs)                                         \
	X(snd_tlp_probes) X(snd_tlp_new_data) X(tlp_recoveries) X(tlp_unneeded)            \
	X(rack_lost_segs) X(rack_reo_timeouts) X(rfc6675_lost_segs) X(rto_lost_segs)         \
	X(rcv_dsack) X(rcv_dsack_undo_segs) X(undo_dsack) X(undo_eifel) X(undo_frto)         \
	X(frto_spurious) X(frto_real) X(prr_recoveries) X(prr_sent_bytes) X(recovery_exits)  \
	X(sent_seg_merged) X(snd_quickacks) X(snd_deferred) X(snd_file_bytes)             \
	X(cc_hystart_css) X(cc_hystart_css_rounds) X(cc_hystart_ss_resumed)              \
	X(cc_hystart_css_done) X(cc_cubic_fast_convergence) X(cc_cubic_epochs)              \
	X(cc_bbr_startup) X(cc_bbr_drain) X(cc_bbr_probe_bw) X(cc_bbr_probe_rtt)          \
	X(cc_bbr_full_pipe) X(snd_paced)                                                   \
	X(conns_live) X(conns_time_wait)                                                 \
	X(mem_ring_bytes) X(mem_rings) X(mem_ring_grows) X(mem_ring_shrinks)              \
	X(mem_ring_frees) X(mem_ring_nomem) X(mem_rcvbuf_grows) X(mem_tw_released)      \
	X(mem_ring_reused) X(sndbuf_expanded) X(sndbuf_pressure) X(mem_held_bytes)        \
	X(rcvbuf_pressure)
/* conns_live (connections: control blocks other than listeners and TIME_WAIT stubs, plus
 * TIME_WAIT records), conns_time_wait (TIME_WAIT records),
 * mem_ring_bytes (ring storage allocated), mem_rings (rings holding storage) and
 * mem_held_bytes (packet buffers held as received data, their whole size) are gauges,
 * not counters: they are set, not incremented, and keep the values they had when
 * tcp_proto_shutdown began, so the --stats print at exit tells what was still open. */
STATS_DECLARE(tcp, TCP_COUNTERS);
#define tcp_stats STATS_REF(tcp)

/* ---- tcp_pcb.c ---- */
int tcp_proto_init(void);     /* registers IP protocol 6 (tcp_init adds the socket ops) */
void tcp_proto_shutdown(void); /* frees every connection and timer */
struct tcp_pcb *tcp_pcb_alloc(void);
/* Unhashes, cancels timers, frees buffers and queues, and frees the pcb. */
void tcp_pcb_free(struct tcp_pcb *pcb);
/* Moves pcb to CLOSED with err (0, or a negative errno for the socket), notifies the
 * socket, and frees it if no socket holds it. Returns 1 if freed. */
int tcp_pcb_drop(struct tcp_pcb *pcb, int err);
void tcp_pcb_set_state(struct tcp_pcb *pcb, enum tcp_state st);
int tcp_pcb_hash_insert(struct tcp_pcb *pcb);
/* The same with the 4-tuple's tcp_pcb_hash4 at hand (a passive open: tcp_input's). */
int tcp_pcb_hash_insert_h(struct tcp_pcb *pcb, uint32_t h);
void tcp_pcb_unhash(struct tcp_pcb *pcb);
/* The connection for this 4-tuple, else the best listener (exact address before
 * wildcard), else NULL. */
struct tcp_pcb *tcp_pcb_lookup(const struct net_addr *laddr, uint16_t lport,
			       const struct net_addr *raddr, uint16_t rport);
struct tcp_pcb *tcp_pcb_lookup_conn(const struct net_addr *laddr, uint16_t lport,
				    const struct net_addr *raddr, uint16_t rport);
/* The same with the 4-tuple's tcp_pcb_hash4 already at hand (tcp_input hashes a segment
 * once for this table and TIME_WAIT's). */
struct tcp_pcb *tcp_pcb_lookup_conn_hash(uint32_t h, const struct net_addr *laddr,
					 uint16_t lport, const struct net_addr *raddr,
					 uint16_t rport);
/* The listener for this local address and port (exact address before wildcard), or NULL. */
struct tcp_pcb *tcp_pcb_lookup_listener(const struct net_addr *laddr, uint16_t lport);
/* Claims a local address/port (port 0 picks one); -EADDRINUSE if taken. */
int tcp_pcb_bind(struct tcp_pcb *pcb, const struct net_addr *addr, uint16_t port, int reuse);
int tcp_pcb_listen(struct tcp_pcb *pcb, unsigned backlog);
/* RFC 6056 3.3.3: an ephemeral port for a connecting pcb whose 4-tuple is then unused;
 * -EADDRNOTAVAIL when none is. */
int tcp_pick_ephemeral(struct tcp_pcb *pcb);
/* SipHash-2-4 of n 32-bit words under a 128-bit key (tcp_pcb.c). */
uint64_t tcp_siphash(const uint64_t key[2], const uint32_t *w, size_t n);
uint32_t tcp_isn(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
		 uint16_t rport, uint64_t now);
/* The timestamp offset of a connection whose ISS is iss (a keyed hash of it). */
uint32_t tcp_ts_offset(uint32_t iss);
/* Test hook: the next ISNs are `isn` (when set) instead of RFC 6528 values. */
void tcp_test_set_isn(int on, uint32_t isn);
size_t tcp_pcb_count(void);
/* Calls fn for every control block (listeners, connections, TIME_WAIT stubs) in creation
 * order (`ustack ctl ss`); fn must not free any. */
void tcp_pcb_foreach(void (*fn)(struct tcp_pcb *pcb, void *arg), void *arg);
/* The keyed hash of a 4-tuple the lookup tables use. */
uint32_t tcp_pcb_hash4(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
		       uint16_t rport);
/* The words the keyed hashes take of a 4-tuple: both addresses (one word each for IPv4,
 * four for IPv6) and the ports; returns how many (at most 9). IPv4 gives the three words
 * the hashes took before addresses had a family: the same values, and no more work. */
static inline size_t tcp_tuple_words(const struct net_addr *laddr, uint16_t lport,
				     const struct net_addr *raddr, uint16_t rport, uint32_t w[9])
{
	size_t n;

	if (laddr->family == AF_INET && raddr->family == AF_INET) {
		w[0] = laddr->v4;
		w[1] = raddr->v4;
		w[2] = (uint32_t)lport << 16 | rport;
		return 3;
	}
	n = net_addr_words(laddr, w);
	n += net_addr_words(raddr, w + n);
	w[n++] = (uint32_t)lport << 16 | rport;
	return n;
}
/* Sets the gauges conns_live and conns_time_wait (TIME_WAIT records included). */
void tcp_gauges_update(void);
/* Sets the effective MSS from the route MTU and the peer's MSS option (0 = none). */
void tcp_pcb_set_mss(struct tcp_pcb *pcb, unsigned peer_mss);
void tcp_pcb_notify(struct tcp_pcb *pcb);
/* Sets the rings' limits (no storage is allocated); only before data flows. The receive
 * window scale is chosen for rcvbuf, the most auto-tuning may grow the window to. */
int tcp_pcb_set_bufs(struct tcp_pcb *pcb, size_t sndbuf, size_t rcvbuf);

/* ---- tcp_mem.c: ring storage that follows the load, receive auto-tuning ---- */
/* Sets the limit (cap = max = the argument) and frees the storage; only when empty. */
int tcp_ring_init(struct tcp_ring *r, size_t cap);
void tcp_ring_free(struct tcp_ring *r);
/* Copies in what fits under cap, growing the storage (doubling) as needed; returns the
 * bytes taken (fewer if memory ran out: counted in mem_ring_nomem). */
size_t tcp_ring_write(struct tcp_ring *r, const void *src, size_t n);
/* As tcp_ring_write, but the bytes are read from fd straight into the ring (at *off, which
 * moves on; off NULL: at fd's file position): up to n, fewer at the end of the file or
 * where the read stops. *offered gets the room the read was given (n cut to the room under
 * cap and to the storage that could be had). Returns the bytes read, 0 at the end of the
 * file, -EAGAIN when the ring takes nothing (full, or no memory: mem_ring_nomem), or
 * -errno of the read (-EIO for a read that would block: the file, not the ring, is not
 * ready, which -EAGAIN would misreport). */
ssize_t tcp_ring_fill(struct tcp_ring *r, int fd, off_t *off, size_t n, size_t *offered);
size_t tcp_ring_read(struct tcp_ring *r, void *dst, size_t n);
void tcp_ring_peek(const struct tcp_ring *r, size_t off, void *dst, size_t n);
void tcp_ring_drop(struct tcp_ring *r, size_t n);
static inline size_t tcp_ring_free_space(const struct tcp_ring *r) { return r->cap - r->len; }
/* The pcb's rings hold storage: put it on the sweep's list (tcp_ring_write does). */
void tcp_mem_track(struct tcp_pcb *pcb);
/* Takes the pcb off the sweep's list and frees its ring storage (tcp_pcb_free). */
void tcp_mem_untrack(struct tcp_pcb *pcb);
/* Gives unused storage back: rings untouched for a whole sweep are freed if empty, else
 * shrunk to fit. Runs every buf_idle_ms while some pcb holds storage. */
void tcp_mem_sweep(uint64_t now);
/* TIME_WAIT keeps no data: frees the send ring, the out-of-order queue, the SACK
 * scoreboard and the receive ring unless the application has yet to read it. */
void tcp_mem_time_wait(struct tcp_pcb *pcb);
/* Receive auto-tuning start: the window starts at rcvbuf_init (or the limit, if smaller)
 * once the MSS is known (tcp_pcb_set_mss). */
void tcp_rcv_space_init(struct tcp_pcb *pcb, uint64_t now);
/* After the application read: if it read more in the last RTT than ever before, the
 * window may grow to twice that (Dynamic Right-Sizing, as Linux's tcp_rcv_space_adjust),
 * up to rcv_buf.max, unless the buffers of all connections have reached mem_pressure. */
void tcp_rcv_space_adjust(struct tcp_pcb *pcb, uint64_t now);
/* Send-buffer auto-tuning (as Linux's tcp_sndbuf_expand), after an ACK moved snd_una and
 * cwnd: if the application found the buffer full and the buffer, not cwnd, limits what is
 * sent, the send space grows to hold a few cwnds (see tcp_mem.c), up to snd_buf.max, while
 * the buffers of all connections (rings, held segments) stay under mem_pressure. */
void tcp_snd_space_expand(struct tcp_pcb *pcb);
/* tcp_proto_shutdown calls it with 1 first (the gauges keep their values), then with 0
 * (frees what is left, stops the sweep). */
void tcp_mem_shutdown(int begin);
/* Frees the ring cache now, and stops the sweep if no connection holds storage (the
 * cache and the sweep outlive the last connection by up to two intervals otherwise). */
void tcp_mem_cache_drop(void);
/* Ring storage allocated now, in bytes (the gauge mem_ring_bytes, also during shutdown). */
size_t tcp_mem_ring_bytes(void);
/* A packet buffer of `bytes` began (> 0) or ended (< 0) being held as received data
 * (tcp_reass.c): the gauge mem_held_bytes, which counts against mem_pressure. */
void tcp_mem_held(long bytes);

/* ---- tcp_input.c ---- */
/* RFC 5961 7: 1 if a challenge ACK may go now (counted), 0 if over challenge_ack_per_s. */
int tcp_challenge_allowed(uint64_t now);
/* TCP's net_transport (tcp_proto_init registers it): a segment from any family, and an
 * ICMP error quoting one of ours. */
void tcp_input(struct pkb *p, const struct net_rx *rx, uint64_t now);
void tcp_icmp_error(const struct net_err *e, uint64_t now);

/* ACK coalescing (tcp_output.c): within one loop batch the ACK that every second full
 * segment asks for is owed, not sent, and goes out once when the batch ends. */
void tcp_ack_defer(struct tcp_pcb *pcb);
void tcp_ack_undefer(struct tcp_pcb *pcb);
int tcp_ack_batching(void);
void tcp_ack_flush(uint64_t now);
void tcp_ack_reset(void);
/* An application's send: in the round of the thread that drives the loop (run to
 * completion), its output waits for the end of the round (tcp_ack_flush), so that a close
 * or a second send in the same round leaves in the same segment (data and FIN together);
 * from any other thread, or without a loop, tcp_output at once. */
void tcp_output_soon(struct tcp_pcb *pcb, uint64_t now);

/* ---- tcp_output.c ---- */
/* Sends what the state, windows, Nagle and SWS rules allow, plus any pending ACK. */
int tcp_output(struct tcp_pcb *pcb, uint64_t now);
/* One segment with no data (ACK, RST, challenge ACK) from pcb's state. */
int tcp_send_ack(struct tcp_pcb *pcb, uint64_t now);
/* A RST answering a segment that has no connection (RFC 9293 3.10.7.1). */
void tcp_send_reset(const struct net_addr *src, const struct net_addr *dst,
		    const struct tcp_hdr *th, size_t seglen, uint64_t now);
/* A segment without data and without a control block (a RST, the syncache's SYN,ACK,
 * TIME_WAIT's ACK): h emitted from src to dst with IP options o (NULL: none), by next
 * hop nh (one the current generation resolved for dst and o's device; NULL: the family
 * routes it). 0, or -ENOMEM (counted). */
int tcp_send_bare(const struct tcp_hdr *h, const struct net_addr *src,
		  const struct net_addr *dst, const struct net_out_opts *o,
		  const struct net_nexthop *nh, uint64_t now);
/* A keepalive probe (seq = snd_una - 1). */
int tcp_send_keepalive(struct tcp_pcb *pcb, uint64_t now);
/* A RST for a pcb being aborted (seq = snd_max, or snd_una to a shut window: tcp_bare_seq). */
void tcp_send_rst_pcb(struct tcp_pcb *pcb, uint64_t now);
uint32_t tcp_rcv_window(const struct tcp_pcb *pcb);
uint32_t tcp_ts_now(const struct tcp_pcb *pcb, uint64_t now);
/* Karn's rule for timestamps: ts_rexmt becomes the TSval a retransmission leaving now
 * carries, so an echo of at least that value times the retransmission itself (a valid
 * sample, which ends the backoff) and an older one is not taken. 0 means none yet, so a
 * TSval of 0 is marked as 1 (an echo of 0 is never a sample). */
static inline void tcp_ts_rexmt_mark(struct tcp_pcb *pcb, uint64_t now)
{
	uint32_t v = tcp_ts_now(pcb, now);

	pcb->ts_rexmt = v ? v : 1;
}
/* 1 while a peer without SACK waits for us to fill a hole (tcp_rcv_window holds the edge). */
int tcp_rcv_edge_held(const struct tcp_pcb *pcb);

/* ---- tcp_usrreq.c: the application's requests, used by tcp_sock.c and the tests ---- */
/* Starts an active open (sends the SYN). */
int tcp_pcb_connect(struct tcp_pcb *pcb, const struct net_addr *addr, uint16_t port,
		    uint64_t now);
ssize_t tcp_pcb_send(struct tcp_pcb *pcb, const void *buf, size_t len, uint64_t now);
/* tcp_pcb_send of up to len bytes read from fd straight into the send buffer
 * (tcp_ring_fill: at *off, or fd's position if off is NULL). Returns the bytes queued, 0
 * at the file's end (or len 0), -EAGAIN when the buffer takes nothing now, the error a
 * send returns, or -errno of the read. The read happens here, under the stack lock. */
ssize_t tcp_pcb_send_file(struct tcp_pcb *pcb, int fd, off_t *off, size_t len, uint64_t now);
/* Takes up to len bytes out of the receive buffer into buf; a NULL buf drops them uncopied
 * (MSG_TRUNC). Returns the count, 0 at the end, or -EAGAIN, -ENOTCONN, the pcb's error. */
ssize_t tcp_pcb_recv(struct tcp_pcb *pcb, void *buf, size_t len, uint64_t now);
/* Closes the sending side (FIN after queued data). */
int tcp_pcb_shutdown_send(struct tcp_pcb *pcb, uint64_t now);
/* close(): FIN, or RST when unread data is left or linger 0 (abort set). The pcb becomes an
 * orphan and frees itself when done. */
void tcp_pcb_close(struct tcp_pcb *pcb, int abort, uint64_t now);
/* Takes an established child off a listener's accept queue, NULL if none. */
struct tcp_pcb *tcp_pcb_accept(struct tcp_pcb *listener);

/* Retransmits [seq, seq + len) (len capped by the MSS and the data held). */
void tcp_rexmt_range(struct tcp_pcb *pcb, uint32_t seq, uint32_t len, uint64_t now);

/* ---- tcp_reass.c: in-order delivery, the out-of-order queue, SACK blocks we send ---- */
/* In-order data the application has yet to read: held segments and ring. */
static inline size_t tcp_rcv_queued(const struct tcp_pcb *pcb)
{
	return pcb->rcv_held_len + pcb->rcv_buf.len;
}
/* What the receive buffer still takes (the window before its rounding and SWS rules). */
static inline size_t tcp_rcv_space(const struct tcp_pcb *pcb)
{
	size_t q = tcp_rcv_queued(pcb);
	return pcb->rcv_buf.cap > q ? pcb->rcv_buf.cap - q : 0;
}
/* Delivers [data, data + len), in order at rcv_nxt, which lies inside p (NULL: bytes
 * only). A segment that fills at least half of its buffer is held whole instead of copied
 * into the ring: returns 1 when it took p, else 0 (p stays the caller's). */
int tcp_reass_deliver(struct tcp_pcb *pcb, struct pkb *p, const uint8_t *data, uint32_t len);
/* Takes up to n bytes from the front of the received data into dst, or drops them (dst
 * NULL); returns the count. */
size_t tcp_rcv_take(struct tcp_pcb *pcb, void *dst, size_t n);
/* A position in the received data, for MSG_PEEK's copies (one per iovec piece), each going
 * on from where the last one ended: a copy costs its own length, not a walk from the
 * front. Valid while the receive queue does not change. */
struct tcp_rcv_cursor {
	const struct pkb *p;    /* the held segment of this piece or the next; NULL: the tail */
	int in_seg;             /* in p's data (1) or in the ring run before p (0) */
	size_t off;             /* offset inside the piece */
	size_t rpos;            /* the ring's offset of the current (or next) ring run */
};
void tcp_rcv_cursor_init(const struct tcp_pcb *pcb, struct tcp_rcv_cursor *c);
/* Copies up to n bytes from the cursor into dst (NULL: skips them) and moves it on;
 * returns the count, less than n only at the end of the data. */
size_t tcp_rcv_cursor_copy(const struct tcp_pcb *pcb, struct tcp_rcv_cursor *c, void *dst,
			   size_t n);
/* Frees the held segments (the pcb goes, or its unread data is thrown away). */
void tcp_rcv_held_purge(struct tcp_pcb *pcb);
void tcp_reass_insert(struct tcp_pcb *pcb, struct pkb *p, const uint8_t *data, uint32_t seq,
		      uint32_t len, int fin);
int tcp_reass_drain(struct tcp_pcb *pcb);
void tcp_sack_rcv_fill(struct tcp_pcb *pcb, struct tcp_opts *o, size_t room);

/* ---- tcp_cc.c, tcp_cubic.c ---- */
/* Switches a connection's algorithm (TCP_CONGESTION): cwnd and ssthresh stay, the new
 * algorithm's state starts fresh. */
void tcp_cc_set(struct tcp_pcb *pcb, const struct tcp_cc_ops *ops);
/* The events (every call of an algorithm's ops goes through these). init: the connection
 * starts. sent: len bytes left (PRR's prr_out in recovery). rtt: an RTT sample in us.
 * ack: an acceptable ACK after loss detection (acked: bytes snd_una advanced by, delivered:
 * bytes newly acknowledged or SACKed, rs: its rate sample): cong_control, else PRR in
 * recovery, else the algorithm's growth. loss_event: a loss response begins (cwnd and
 * ssthresh saved for undo, ssthresh from the algorithm); enter_recovery: that and PRR's
 * start; exit_recovery: recovery ended (cwnd = ssthresh unless the algorithm owns cwnd;
 * keep_cwnd: an undo set it); tlp_recovery: a loss the tail loss probe alone repaired
 * (entered and left at once); on_rto: the retransmission timer fired (after loss_event on
 * the first one); undo: the last reduction was spurious (cwnd and ssthresh back). */
void tcp_cc_init(struct tcp_pcb *pcb);
void tcp_cc_sent(struct tcp_pcb *pcb, uint32_t len);
void tcp_cc_rtt(struct tcp_pcb *pcb, uint32_t rtt_us, uint64_t now);
void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked, uint32_t delivered,
		const struct tcp_rate_sample *rs, uint64_t now, uint64_t now_us);
void tcp_cc_loss_event(struct tcp_pcb *pcb, uint64_t now);
void tcp_cc_enter_recovery(struct tcp_pcb *pcb, uint64_t now);
void tcp_cc_exit_recovery(struct tcp_pcb *pcb, uint64_t now, int keep_cwnd);
void tcp_cc_tlp_recovery(struct tcp_pcb *pcb, uint64_t now);
void tcp_cc_on_rto(struct tcp_pcb *pcb, uint64_t now);
void tcp_cc_undo(struct tcp_pcb *pcb);
/* Slow start (RFC 5681 3.1; cwnd < ssthresh) for an ACK of acked bytes: cwnd grows by what
 * HyStart++ allows, up to ssthresh. Returns what is left of acked for congestion avoidance
 * (0: nothing, or HyStart++ ended slow start). */
uint32_t tcp_cc_slow_start(struct tcp_pcb *pcb, uint32_t acked);
/* HyStart++: start (init), the cwnd growth an ACK in slow start may give (it may also end
 * slow start by setting ssthresh = cwnd), an RTT sample, and a loss (HyStart++ ends). */
void tcp_hystart_init(struct tcp_pcb *pcb);
uint32_t tcp_hystart_slow_start(struct tcp_pcb *pcb, uint32_t acked);
void tcp_hystart_rtt(struct tcp_pcb *pcb, uint32_t rtt_us, uint64_t now);
void tcp_hystart_loss(struct tcp_pcb *pcb);
/* CUBIC's pieces, for the tests: floor(cbrt(a)), and W_cubic(t) in bytes (t ms from the
 * epoch start) for the connection's K and W_max. */
uint32_t tcp_cubic_root(uint64_t a);
uint32_t tcp_cubic_window(const struct tcp_pcb *pcb, int64_t t_ms);

/* ---- tcp_rate.c: delivery rate samples and pacing ---- */
/* A record leaves (first time or again): it takes the connection's delivery state. Called
 * by tcp_sent_xmit with `empty` set when nothing was in flight before. */
void tcp_rate_sent(struct tcp_pcb *pcb, struct tcp_sent *e, int empty, uint64_t now_us);
/* The application is about to write: if the pipe is not full and nothing waits to be sent,
 * what follows is application-limited (the draft's "app-limited" check). */
void tcp_rate_check_app_limited(struct tcp_pcb *pcb);
/* An ACK's sample: rate_sample_init before, rate_delivered for each record it newly
 * delivers (before the record goes), rate_gen after with the bytes delivered and lost. */
void tcp_rate_sample_init(struct tcp_pcb *pcb, struct tcp_rate_sample *rs);
void tcp_rate_delivered(struct tcp_pcb *pcb, struct tcp_sent *e, struct tcp_rate_sample *rs,
			uint64_t now_us);
void tcp_rate_gen(struct tcp_pcb *pcb, uint32_t delivered, uint32_t lost,
		  struct tcp_rate_sample *rs, uint64_t now_us);
/* The last delivery rate worth reporting, bytes per second (0: none yet). */
uint64_t tcp_rate_bps(const struct tcp_pcb *pcb);
/* Pacing: 1 if a segment may leave now, else 0 with TCPT_PACE armed for when it may
 * (always 1 when pacing_rate is 0). tcp_pace_charge takes the bytes sent off the credit;
 * tcp_pace_quantum is the most one TSO super-segment may carry when paced (0: unpaced). */
int tcp_pace_ok(struct tcp_pcb *pcb, uint64_t now);
void tcp_pace_charge(struct tcp_pcb *pcb, uint32_t len);
uint32_t tcp_pace_quantum(const struct tcp_pcb *pcb);

/* ---- tcp_rack.c: the sent-segment records, RACK loss detection and the tail loss probe ---- */
uint64_t tcp_now_us(void);
void tcp_sent_free(struct tcp_pcb *pcb);
/* Records that [seq, end) left now (new data appended, records overlapped become
 * retransmissions). */
void tcp_sent_xmit(struct tcp_pcb *pcb, uint32_t seq, uint32_t end, uint64_t now_us);
struct tcp_sent *tcp_sent_at(const struct tcp_pcb *pcb, unsigned i);
/* The first record lost and not retransmitted since (RFC 6675 NextSeg (1)), or NULL. */
struct tcp_sent *tcp_sent_next_lost(struct tcp_pcb *pcb);
void tcp_sent_mark_lost(struct tcp_pcb *pcb, struct tcp_sent *e);
/* RFC 6675 pipe: bytes believed in the network. */
uint32_t tcp_pipe(const struct tcp_pcb *pcb);
/* RFC 8985 6.2 step 2-3 for a record newly acknowledged or SACKed. */
void tcp_rack_update(struct tcp_pcb *pcb, const struct tcp_sent *e, const struct tcp_hdr *th,
		     uint64_t now_us);
void tcp_rack_update_reo_wnd(struct tcp_pcb *pcb);
/* RFC 8985 6.2 step 5 / 6.3: marks lost what RACK says is; arms the reordering timer.
 * Returns the bytes newly marked lost. */
uint32_t tcp_rack_detect_loss(struct tcp_pcb *pcb, uint64_t now);
void tcp_rack_timeout(struct tcp_pcb *pcb, uint64_t now);
void tcp_tlp_schedule(struct tcp_pcb *pcb, uint64_t now);
void tcp_tlp_fire(struct tcp_pcb *pcb, uint64_t now);
/* RFC 8985 7.4: an ACK's verdict on an outstanding probe (dsack: the ACK D-SACKed). */
void tcp_tlp_ack(struct tcp_pcb *pcb, uint32_t ack, int dsack, int dsack_tlp, uint64_t now);

/* ---- tcp_sack.c: SACK and loss recovery (RFC 2018, 2883, 5681, 6582, 6675, 6937, 3708,
 * 5682) ---- */
struct tcp_ack_info {
	uint32_t ack, wnd;
	int dup;            /* a duplicate by RFC 5681 2's terms */
};
/* Every acceptable ACK (ack <= snd_max), before snd_una moves. */
void tcp_loss_ack(struct tcp_pcb *pcb, const struct tcp_hdr *th, const struct tcp_ack_info *ai,
		  uint64_t now);
/* The retransmission timer fired (after rxtshift++): every record is taken as lost. */
void tcp_loss_timeout(struct tcp_pcb *pcb, uint64_t now);
/* Loss (PMTU lowered): everything in flight is sent again, no congestion response. */
void tcp_loss_mark_all(struct tcp_pcb *pcb);
/* Enters fast recovery (PRR) if not in recovery; rack says RACK or the probe found it. */
void tcp_loss_enter_recovery(struct tcp_pcb *pcb, uint64_t now);
unsigned tcp_dupthresh(const struct tcp_pcb *pcb);
uint32_t tcp_limited_transmit(const struct tcp_pcb *pcb);

/* ---- tcp_timer.c ---- */
void tcp_timers_init(struct tcp_pcb *pcb);
void tcp_timer_arm(struct tcp_pcb *pcb, enum tcp_timer_id t, uint64_t deadline);
void tcp_timer_cancel(struct tcp_pcb *pcb, enum tcp_timer_id t);
void tcp_timers_cancel_all(struct tcp_pcb *pcb);
/* Whether timer t is armed, and when it is due (UINT64_MAX when not). */
static inline int tcp_timer_pending(const struct tcp_pcb *pcb, enum tcp_timer_id t)
{
	return t >= TCPT_NHEAP ? pcb->loss_due[t - TCPT_NHEAP] != 0 :
				 net_timer_pending(&pcb->timers[t]);
}
static inline uint64_t tcp_timer_due(const struct tcp_pcb *pcb, enum tcp_timer_id t)
{
	if (!tcp_timer_pending(pcb, t))
		return UINT64_MAX;
	return t >= TCPT_NHEAP ? pcb->loss_due[t - TCPT_NHEAP] : pcb->timers[t].deadline;
}
/* RTO bookkeeping (RFC 6298) */
void tcp_rtt_update(struct tcp_pcb *pcb, uint32_t rtt_ms);
uint32_t tcp_rto_current(const struct tcp_pcb *pcb);
void tcp_rexmt_arm(struct tcp_pcb *pcb, uint64_t now);
void tcp_keep_arm(struct tcp_pcb *pcb, uint64_t now);

/* ---- tcp_syncache.c: the SYN queue as small records, SYN cookies (RFC 4987 3.6) ---- */
/* Counters of the listener paths, printed as tcp.<name> beside TCP_COUNTERS. syncache_live
 * is a gauge (entries held now). */
#define TCP_SC_COUNTERS(X)                                                                 \
	X(syncache_added) X(syncache_completed) X(syncache_retransmitted)                  \
	X(syncache_expired) X(syncache_overflow) X(syncache_dropped) X(syncache_dup_syn)  \
	X(syncache_reset) X(syncache_bad_ack) X(syncache_nomem) X(syncache_live)          \
	X(cookies_sent) X(cookies_valid) X(cookies_invalid)                               \
	X(listen_overflow) X(listen_overflow_rst) X(listen_conn_limit)                    \
	X(rcv_syn_fin) X(rcv_land) X(rcv_syn_bad_src) X(snd_rst_limited)
STATS_DECLARE(tcp_sc, TCP_SC_COUNTERS);
#define tcp_sc_stats STATS_REF(tcp_sc)

void tcp_syncache_init(void);
void tcp_syncache_shutdown(void);
/* Frees a listener's entries (it stops listening). */
void tcp_syncache_listener_gone(struct tcp_pcb *l);
/* Drops l's half-open connections to the local address addr, which is being removed:
 * no more SYN,ACKs from it. */
void tcp_syncache_addr_gone(struct tcp_pcb *l, const struct net_addr *addr);
/* A SYN (no ACK, RST or FIN) for listener l from src to dst: an entry and a SYN,ACK, or a
 * cookie, or nothing. h is the 4-tuple's tcp_pcb_hash4 (dst first), which keys the
 * syncache too: tcp_input's one hash of the segment. iss_set forces the ISS (a SYN
 * reopening TIME_WAIT). */
void tcp_syncache_syn(struct tcp_pcb *l, const struct tcp_hdr *th, const struct net_addr *src,
		      const struct net_addr *dst, uint32_t h,
		      int iss_set, uint32_t iss, uint64_t now);
enum tcp_sc_verdict { TCP_SC_DROP, TCP_SC_RESET };
/* An ACK (no SYN, no RST) for listener l: the child it completes, in SYN_RECEIVED on l's
 * synq with the ACK still to process, or NULL and what to do with the segment. h as for
 * tcp_syncache_syn (the child is hashed with it). */
struct tcp_pcb *tcp_syncache_ack(struct tcp_pcb *l, const struct tcp_hdr *th,
				 const struct net_addr *src, const struct net_addr *dst, uint32_t h,
				 uint64_t now, enum tcp_sc_verdict *v);
/* A RST for listener l: removes the entry it exactly hits (RFC 5961 3.2). h as above. */
void tcp_syncache_rst(struct tcp_pcb *l, const struct tcp_hdr *th, const struct net_addr *src,
		      const struct net_addr *dst, uint32_t h);
size_t tcp_syncache_count(void);
/* Calls fn for each of listener l's syncache entries, oldest first (ctl ss shows them as
 * SYN-RECV, as Linux's ss shows its request sockets); fn must not change the syncache. */
void tcp_syncache_foreach(const struct tcp_pcb *l,
			  void (*fn)(const struct net_endpoint *local,
				     const struct net_endpoint *remote, void *arg),
			  void *arg);
/* The MSS values a cookie can carry (as Linux's table): a peer's MSS is rounded down to one. */
extern const uint16_t tcp_cookie_mss[];
extern const unsigned tcp_cookie_nmss;
/* The cookie (RFC 4987 3.6) for a SYN with sequence irs: a keyed hash of the 4-tuple, irs,
 * a 64 s counter and the MSS index. Checks return the index, or -1 for a forged cookie or
 * one older than two counter periods. Exposed for the tests. */
uint32_t tcp_cookie_make(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
			 uint16_t rport,
			 uint32_t irs, unsigned mss_idx, uint64_t now);
int tcp_cookie_check(const struct net_addr *laddr, uint16_t lport, const struct net_addr *raddr,
		     uint16_t rport,
		     uint32_t irs, uint32_t cookie, uint64_t now);
/* Applies a SYN's options to a new pcb (tcp_input.c): MSS, window scale, timestamps, SACK. */
void tcp_syn_options(struct tcp_pcb *pcb, const struct tcp_opts *o, uint64_t now);

/* ---- tcp_timewait.c: TIME_WAIT as a small record (as BSD's tcptw, Linux's
 * inet_timewait_sock) ----
 * What RFC 9293 3.6.1 asks of TIME_WAIT: the 4-tuple, the sequence numbers and window to
 * ACK a repeated FIN with, the last timestamp (PAWS, RFC 6191) and the 2 MSL deadline;
 * besides, the IP options the connection's segments carried, for the record's ACKs. The
 * records sit in their own hash table beside the connections', and in one list in expiry
 * order under one timer for the stack. */
#define TCP_TW_COUNTERS(X)                                                                 \
	X(tw_created) X(tw_expired) X(tw_reused) X(tw_reset) X(tw_fin_reacked)             \
	X(tw_overflow) X(tw_nomem)
STATS_DECLARE(tcp_tw, TCP_TW_COUNTERS);
#define tcp_tw_stats STATS_REF(tcp_tw)

#define TW_F_TS 0x01 /* both sides did timestamps */
#define TW_F_DF 0x02 /* IP_MTU_DISCOVER asked for Don't Fragment */
#define TW_F_V6 0x04 /* addr holds two IPv6 addresses, else two IPv4 ones */
struct tcp_tw {
	LIST_ENTRY(tcp_tw) hlink;   /* hash bucket, or the free list */
	TAILQ_ENTRY(tcp_tw) qlink;  /* expiry order */
	struct tcp_pcb *pcb;        /* the socket's stub while the application holds it */
	uint64_t expire;            /* 2 MSL after entry or the last repeated FIN (ms) */
	uint64_t last_recv;         /* the peer last heard (stack_drain) */
	uint16_t lport, rport;
	int ifindex;                /* SO_BINDTODEVICE (0: the route's device) */
	uint32_t snd_nxt, rcv_nxt;  /* everything we sent is acknowledged: snd_nxt = SND.MAX */
	uint32_t rcv_wnd;           /* RCV.WND as last announced, in bytes */
	uint32_t max_sndwnd;        /* RFC 5961 5.2's bound on old ACKs */
	uint32_t ts_recent, ts_offset;
	uint32_t rto;               /* ms, for stack_drain's two RTOs */
	uint8_t rcv_wscale, flags;  /* TW_F_* */
	uint8_t tos, ttl;           /* IP_TOS, IP_TTL (0: default); IP_MTU_DISCOVER: TW_F_DF */
	/* the local then the remote address, network order: two words for IPv4, eight for
	 * IPv6 (TW_F_V6), so an IPv4 record stays as small as before addresses had a family
	 * (104 bytes) and the family costs no byte (tcp_tw_laddr, tcp_tw_raddr read them) */
	uint32_t addr[];
};

/* The pcb has just entered TIME_WAIT (its ACK sent): a record takes over, the pcb is freed
 * if the application closed it, else kept unhashed as a stub its socket reads. Past
 * max_tw_buckets (or out of memory) the connection simply closes. Returns 1 if the pcb was
 * freed. */
int tcp_tw_enter(struct tcp_pcb *pcb, uint64_t now);
struct tcp_tw *tcp_tw_lookup(const struct net_addr *laddr, uint16_t lport,
			     const struct net_addr *raddr, uint16_t rport);
/* The same with the 4-tuple's tcp_pcb_hash4 at hand (the table is keyed by it too). */
struct tcp_tw *tcp_tw_lookup_hash(uint32_t h, const struct net_addr *laddr, uint16_t lport,
				  const struct net_addr *raddr, uint16_t rport);
/* A record's addresses. */
struct net_addr tcp_tw_laddr(const struct tcp_tw *tw);
struct net_addr tcp_tw_raddr(const struct tcp_tw *tw);
/* A segment for the record (tcp_input owns the pkb). Returns 1 when a SYN reopens the
 * connection (RFC 6191): the record is gone, *l is the listener to take the SYN with ISS
 * *iss; else 0. */
int tcp_tw_input(struct tcp_tw *tw, const struct tcp_hdr *th, uint32_t len, uint64_t now,
		 struct tcp_pcb **l, uint32_t *iss);
/* Ends a record now (its stub, if any, goes to CLOSED as tcp_pcb_drop does). */
void tcp_tw_end(struct tcp_tw *tw);
/* The stub's application is gone: the record stays, alone (tcp_pcb_free). */
void tcp_tw_detach(struct tcp_pcb *pcb);
/* A record holds the local address and port (bind without SO_REUSEADDR). */
int tcp_tw_port_in_use(const struct net_addr *addr, uint16_t port);
size_t tcp_tw_count(void);
struct net_pool;
/* The records' pool for the family (net/pool.h; for tests and counters). */
const struct net_pool *tcp_tw_pool(int v6);
/* Calls fn for every record, oldest first (`ustack ctl ss`); fn must not end any. */
void tcp_tw_foreach(void (*fn)(const struct tcp_tw *tw, void *arg), void *arg);
/* Records whose peer was heard within max(tw_drain_ms, 2 RTOs) (tcp_pcb_count_closing). */
size_t tcp_tw_count_closing(uint64_t now);
void tcp_tw_shutdown(void);

/* ---- tcp_rstlim.c ---- */
/* Token bucket for RSTs answering segments with no connection: 1 to send one, else 0
 * (counted as tcp.snd_rst_limited). */
int tcp_rst_allowed(uint64_t now);
void tcp_rst_limit_reset(void);
/* Sends tcp_send_reset's RST if the bucket allows. */
void tcp_send_reset_limited(const struct net_addr *src, const struct net_addr *dst,
			    const struct tcp_hdr *th, size_t seglen,
			    uint64_t now);

#endif
