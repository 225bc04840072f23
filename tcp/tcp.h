/* SPDX-License-Identifier: MIT */
/* TCP as the rest of the stack sees it: socket option names, connection states, the
 * settings (tcp_config), the congestion-control registry, the stack's hooks (init,
 * shutdown, drain, address removal) and what `ustack ctl ss` reads. Everything else - the
 * control block, the segment paths, timers, loss recovery - is internal to tcp/ and lives
 * in tcp/tcp_var.h, which only tcp/ and the unit tests include. */
#ifndef TCP_TCP_H
#define TCP_TCP_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "net/addr.h"


/* Socket option names, as in <netinet/tcp.h> (whose state names clash with ours). */
#ifndef TCP_NODELAY
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#endif
#ifndef TCP_CONGESTION
#define TCP_CONGESTION 13 /* the congestion control's name, as Linux */
#endif
#ifndef TCP_KEEPIDLE
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#endif
#ifndef TCP_INFO
#define TCP_INFO 11 /* struct us_tcp_info (include/ustack.h), not Linux's struct tcp_info */
#endif
#define TCP_CA_NAME_MAX 16  /* longest name with its NUL, as Linux */

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* Every limit and timer, with defaults in tcp_config_defaults(); settable at run time
 * (new values apply to connections created afterwards, timers to their next arming). */
struct tcp_config_s {
	unsigned max_conns;         /* control blocks alive at once (65536) */
	size_t sndbuf, rcvbuf;      /* default buffer limits (256 KiB and 4 MiB); the rings
	                             * are allocated as data arrives and grow up to them */
	size_t rcvbuf_init;         /* receive window before auto-tuning grows it (64 KiB) */
	unsigned wmem_max;          /* send-buffer auto-tuning grows a connection's send
	                             * space up to this, unless SO_SNDBUF set it (4 MiB, as
	                             * Linux's tcp_wmem[2]; at most sndbuf: no growth) */
	unsigned mem_pressure;      /* buffer memory of all connections (ring storage and
	                             * held segments, bytes) at or past which send buffers
	                             * and receive windows stop growing (256 MiB; Linux's
	                             * tcp_mem pressure) */
	int rcvbuf_autotune;        /* grow the receive window with what the application
	                             * reads per RTT, as Linux does (1) */
	unsigned buf_idle_ms;       /* a ring left unused this long gives its storage back:
	                             * freed when empty, else shrunk to fit (1000) */
	unsigned syn_backlog_max;   /* ceiling of a listener's SYN queue (syncache entries) (1024) */
	unsigned syncache_max;      /* syncache entries across all listeners (16384) */
	unsigned synack_rexmits;    /* SYN,ACK retransmissions from an entry (5, as Linux) */
	int syncookies;             /* 0 never, 1 when the SYN queue is full, 2 always (1) */
	int abort_on_overflow;      /* accept queue full at the handshake's ACK: RST (1) or
	                             * drop the ACK and keep the entry (0, default, as Linux) */
	unsigned rst_per_s;         /* RSTs answering segments without a connection: token
	                             * bucket rate (200/s, 0 = no limit) ... */
	unsigned rst_burst;         /* ... and depth (200) */
	unsigned ooo_max_segs;      /* out-of-order segments held per connection (512: a
	                             * 256 KiB window of full segments, with room for
	                             * smaller ones; 64 dropped most of a lossy window) */
	unsigned rto_initial_ms;    /* 1000 (RFC 6298 2.1) */
	unsigned rto_min_ms;        /* 200 */
	unsigned rto_max_ms;        /* 60000 */
	unsigned max_rexmits;       /* retransmissions before ETIMEDOUT (12) */
	unsigned syn_rexmits;       /* SYN retransmissions before ETIMEDOUT (6) */
	unsigned delack_ms;         /* 40; at most 200 (RFC 9293 3.8.6.3) */
	unsigned msl_ms;            /* TIME_WAIT lasts 2*msl_ms (30000) */
	unsigned fin_wait_2_ms;     /* orphaned FIN_WAIT_2 timeout (60000) */
	unsigned tw_drain_ms;       /* a closing command waits while a TIME_WAIT peer was
	                             * heard within this or two RTOs (1000; stack_drain) */
	unsigned max_tw_buckets;    /* TIME_WAIT records at once (65536, as Linux's
	                             * tcp_max_tw_buckets); past it a connection just closes */
	unsigned keep_idle_ms;      /* 7200000 */
	unsigned keep_intvl_ms;     /* 75000 */
	unsigned keep_probes;       /* 9 */
	unsigned persist_min_ms;    /* 500 */
	unsigned persist_max_ms;    /* 60000 */
	unsigned initial_window_segs; /* RFC 6928: 10 */
	unsigned challenge_ack_per_s; /* RFC 5961 7: 1000 */
	int timestamps, window_scaling, sack; /* options we offer (1, 1, 1 = SACK-permitted) */
	int ack_per_batch;          /* coalesce "every second segment" ACKs per input batch (1) */
	int tso;                    /* super-segments for a device with TSO (driver/tap.c) (1) */
	const char *cc_name;        /* congestion control of new connections ("cubic"; tcp_cc_find) */
	int hystart;                /* HyStart++ (RFC 9406) in the first slow start (1) */
	int rack;                   /* RACK-TLP loss detection (RFC 8985) (1); 0: RFC 6675's
	                             * DupThresh rule (IsLost) and no tail loss probe */
	int frto;                   /* F-RTO (RFC 5682) spurious timeout detection (1) */
	int dsack_undo;             /* undo a reduction that D-SACKs or timestamps show was
	                             * spurious (RFC 2883, RFC 3708, RFC 3522) (1) */
	unsigned quickacks;         /* segments ACKed at once at the start and after idle (16) */
	unsigned sent_max_segs;     /* sent-segment records per connection (4096, tcp_rack.c) */
	uint16_t ephemeral_min, ephemeral_max; /* 49152..65535 (RFC 6056) */
};
PERSTACK_EXTERN(struct tcp_config_s, tcp_config);
#define tcp_config PERSTACK_REF(struct tcp_config_s, tcp_config)
void tcp_config_defaults(struct tcp_config_s *c);

struct tcp_pcb;
struct tcp_rate_sample;

/* Congestion control behind a small interface (tcp_cc.c, tcp_cubic.c, tcp_bbr.c). Loss
 * detection and recovery (tcp_sack.c, tcp_rack.c) decide when a loss response begins and
 * ends and signal it through the tcp_cc_* event functions (tcp_cc.c); only those and the
 * algorithms write cwnd and ssthresh (test_tcp_cc_module checks it). The generic rules
 * (PRR in recovery, cwnd = ssthresh at its end, undo) live in tcp_cc.c; an algorithm says
 * what ssthresh becomes and how cwnd grows outside recovery, or owns cwnd (cong_control).
 * Its private state is its member of pcb->ccv, touched by its own file only. `now` is in
 * milliseconds (net_clock_ms). */
struct tcp_cc_ops {
	const char *name;
	/* The connection starts (the SYN goes or arrives): initial window, ssthresh, state. */
	void (*init)(struct tcp_pcb *pcb);
	/* snd_una advances by `acked` bytes outside loss recovery: grow cwnd (slow start or
	 * congestion avoidance). Called before pcb->snd_una moves: the new snd_una is
	 * pcb->snd_una + acked (HyStart++ rounds and CUBIC's idle check rely on it). */
	void (*ack)(struct tcp_pcb *pcb, uint32_t acked, uint64_t now);
	/* A loss response begins (fast recovery entered, a loss the loss probe repaired, or
	 * the first RTO fired): returns the new ssthresh (tcp_cc_loss_event stores it in
	 * pcb->ssthresh) and saves what undo() needs. */
	uint32_t (*ssthresh)(struct tcp_pcb *pcb, uint64_t now);
	/* Recovery ended; the caller has set cwnd. May be NULL. */
	void (*recovery_exit)(struct tcp_pcb *pcb, uint64_t now);
	/* The RTO fired, after ssthresh() (first timeout only): the loss window, cwnd = 1 MSS. */
	void (*timeout)(struct tcp_pcb *pcb, uint64_t now);
	/* The last loss response was spurious (D-SACK, F-RTO, Eifel): restore the private state
	 * saved by ssthresh(); the caller restores cwnd and ssthresh. May be NULL. */
	void (*undo)(struct tcp_pcb *pcb);
	/* One RTT sample in microseconds (HyStart++ watches each round's minimum), once per ACK
	 * that delivers data (RACK's, tcp_sack.c). May be NULL. */
	void (*rtt_sample)(struct tcp_pcb *pcb, uint32_t rtt_us, uint64_t now);
	/* May be NULL. When set, the algorithm owns cwnd and pcb->pacing_rate (as Linux's
	 * cong_control): called once per acceptable ACK after loss detection with the ACK's
	 * rate sample, and ack() is not called, PRR does not size cwnd in recovery, and the end
	 * of recovery leaves cwnd alone. The recovery state stays visible in pcb->flags
	 * (TF_INRECOVERY, TF_LOSS); ssthresh() and timeout() are still called when a loss
	 * response begins. */
	void (*cong_control)(struct tcp_pcb *pcb, const struct tcp_rate_sample *rs,
			     uint64_t now_us);
	/* Send-buffer auto-tuning's target in cwnds (0: 2; BBR 3, as Linux's sndbuf_expand). */
	unsigned sndbuf_cwnds;
};
/* The algorithm called `name`, NULL if none; tcp_cc_list(i) the i-th known (NULL past the
 * end); tcp_cc_default() the one tcp_config.cc_name names (CUBIC if it names none). */
const struct tcp_cc_ops *tcp_cc_find(const char *name);
const struct tcp_cc_ops *tcp_cc_list(unsigned i);
const struct tcp_cc_ops *tcp_cc_default(void);

/* ---- tcp_sysctl.c ---- */
/* Sets a tcp_config field by name ("syncookies", "syn_backlog_max", ...); -ENOENT for an
 * unknown name, -ERANGE/-EINVAL for a bad value. */
int tcp_config_set(const char *name, const char *value);
/* "name=value[,name=value...]", as --tcp takes it; the first error, with *bad its name. */
int tcp_config_parse(const char *spec, char *bad, size_t badlen);
/* Writes the settable names to out, one line each with value and meaning. */
void tcp_config_list(FILE *out);


/* ---- tcp_sock.c ---- */
int tcp_init(void);
void tcp_shutdown(void);

/* ---- tcp_pcb.c: the stack's calls ---- */
/* The local address addr is about to be removed: every connection using it (not
 * listeners, not TIME_WAIT) gets a reset while the address can still send one, and ends
 * with -ECONNABORTED; half-open ones in listeners' SYN queues are dropped. Returns how many
 * connections ended. */
size_t tcp_pcb_abort_addr(const struct net_addr *addr, uint64_t now);
/* Connections closed by the application whose data or FIN is not yet acknowledged, and
 * those in TIME_WAIT whose peer was heard lately (it may want its FIN acknowledged again). */
size_t tcp_pcb_count_closing(uint64_t now);


const char *tcp_state_name(enum tcp_state s);
/* TCP_INFO of a control block (what us_getsockopt returns; `ustack ctl ss -i`). */
struct us_tcp_info;
void tcp_pcb_info(struct tcp_pcb *pcb, struct us_tcp_info *ti);

/* One row of `ustack ctl ss`: a control block (not a TIME_WAIT stub, not a closed block
 * no socket holds) or a TIME_WAIT record. A listener's rq and sq are its accept queue and
 * backlog, a connection's the bytes in its receive and send rings. pcb is NULL for a
 * TIME_WAIT record, else what tcp_pcb_info reads. */
struct tcp_ss_row {
	enum tcp_state state;
	struct net_endpoint local, remote;
	size_t rq, sq;
	int wscale_ok;              /* both sides do window scale */
	uint64_t pacing_rate;       /* bytes/s, 0: unpaced */
	int dual;                   /* an AF_INET6 socket on :: taking IPv4 too */
	struct tcp_pcb *pcb;
};
/* Calls fn for every control block in creation order (a listener followed by its syncache
 * entries, as SYN_RECEIVED rows with pcb NULL), then every TIME_WAIT record, oldest first;
 * fn must not free any. */
void tcp_ss_foreach(void (*fn)(const struct tcp_ss_row *r, void *arg), void *arg);

#endif
