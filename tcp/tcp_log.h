/* SPDX-License-Identifier: MIT */
/* The TCP event log (--tcp-log FILE, ustack_tcp_log): one CSV line per event of a
 * connection's sender and its loss recovery, as Linux's tcp_probe, for people to read and
 * for `ustack plot` to draw (docs/tcp-log.md lists the columns and the events).
 *
 * Off, an event costs one branch on a per-stack flag (TCP_LOG). On, a line is formatted
 * into a buffered FILE, flushed once a second by a timer and when the log closes (the
 * stack shuts down); past the size limit the log stops with one warning. */
#ifndef TCP_TCP_LOG_H
#define TCP_TCP_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "net/perstack.h"

struct tcp_pcb;

/* The events, in the order of docs/tcp-log.md; the names are the CSV's event column. */
enum tcp_log_event {
	TCP_LOG_NONE = 0,       /* not an event: ignored */
	TCP_LOG_STATE,          /* the connection entered the state in the state column */
	TCP_LOG_SEND,           /* new data (or a FIN) left: seq, len */
	TCP_LOG_RETRANSMIT,     /* a segment left again: seq, len */
	TCP_LOG_ACK,            /* an ACK moved snd_una: seq = the ACK, len = bytes delivered */
	TCP_LOG_DUPACK,         /* a duplicate ACK (RFC 5681 2, or one SACKing new data) */
	TCP_LOG_SACK,           /* a SACK block that covers new data: [seq, seq + len) */
	TCP_LOG_DSACK,          /* a D-SACK block (RFC 2883): [seq, seq + len) arrived twice */
	TCP_LOG_RACK_LOST,      /* RACK (RFC 8985) took the segment [seq, seq + len) as lost */
	TCP_LOG_FAST_RETRANSMIT, /* duplicate ACKs (RFC 5681, 6675, 6582) took it as lost */
	TCP_LOG_RECOVERY_ENTER, /* fast recovery begins (ssthresh set, PRR starts) */
	TCP_LOG_RECOVERY_EXIT,  /* fast recovery ends (cwnd = ssthresh) */
	TCP_LOG_RTO,            /* the retransmission timer fired (cwnd = 1 MSS) */
	TCP_LOG_TLP,            /* the tail loss probe fired (RFC 8985 7.3) */
	TCP_LOG_TLP_RECOVERY,   /* the probe alone repaired a loss: cwnd = ssthresh (7.4) */
	TCP_LOG_UNDO,           /* a reduction shown spurious was undone (RFC 3708, 3522, 5682) */
	TCP_LOG_NEVENTS,
};

/* The CSV's first line. */
#define TCP_LOG_HEADER                                                                     \
	"time,local,peer,event,seq,len,snd_una,snd_nxt,cwnd,ssthresh,srtt_ms,rttvar_ms,"   \
	"rto_ms,inflight,snd_wnd,state"
#define TCP_LOG_MAX_DEFAULT (64ull << 20) /* bytes written before the log stops */
#define TCP_LOG_FLUSH_MS 1000             /* the buffer goes to the file this often */
#define TCP_LOG_ADDR_MAX 56               /* "address:port" with its NUL ("[v6]:port" fits) */
#define TCP_LOG_LINE_MAX 256              /* longest line with its NUL */

/* One line's values. Sequence numbers are relative to the ISN (the SYN is 0, the first data
 * byte 1); windows and cwnd in bytes; ssthresh 0xffffffff is printed empty (not set yet). */
struct tcp_log_rec {
	uint64_t t_us;                        /* since the log started */
	char local[TCP_LOG_ADDR_MAX], peer[TCP_LOG_ADDR_MAX];
	enum tcp_log_event ev;
	uint32_t seq, len;
	uint32_t snd_una, snd_nxt;
	uint32_t cwnd, ssthresh;
	uint32_t srtt_us, rttvar_us, rto_ms;
	uint32_t inflight, snd_wnd;
	const char *state;
};

PERSTACK_EXTERN(int, tcp_log_on);
#define tcp_log_on PERSTACK_REF(int, tcp_log_on)

/* The hook at an event point: one predictable branch when the log is off. */
#define TCP_LOG(pcb, ev, seq, len)                                                         \
	do {                                                                               \
		if (__builtin_expect(tcp_log_on, 0))                                       \
			tcp_log_event((pcb), (ev), (seq), (len));                          \
	} while (0)

/* Opens path (truncated) and writes the header; max_bytes 0 means TCP_LOG_MAX_DEFAULT.
 * A log already open is closed first. 0, or -errno (nothing is logged then). */
int tcp_log_open(const char *path, uint64_t max_bytes);
/* Flushes and closes the log (tcp_proto_shutdown calls it); nothing if none is open. */
void tcp_log_close(void);
/* Writes what is buffered to the file now. */
void tcp_log_flush(void);
/* Logs an event of pcb; seq is an absolute sequence number. */
void tcp_log_event(const struct tcp_pcb *pcb, enum tcp_log_event ev, uint32_t seq, uint32_t len);
/* The event's name in the CSV ("rack-lost"), NULL out of range. */
const char *tcp_log_event_name(enum tcp_log_event ev);
/* The record of pcb now; t_us is the caller's. */
void tcp_log_fill(const struct tcp_pcb *pcb, enum tcp_log_event ev, uint32_t seq, uint32_t len,
		  struct tcp_log_rec *r);
/* Formats one line with its newline into buf; returns its length as snprintf does. */
int tcp_log_format(char *buf, size_t cap, const struct tcp_log_rec *r);
/* Bytes written so far (the header included), and whether the limit stopped the log. */
uint64_t tcp_log_bytes(void);
int tcp_log_stopped(void);

#endif
