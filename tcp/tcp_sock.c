/* SPDX-License-Identifier: MIT */
/* SOCK_STREAM sock_ops: the socket layer (net/socket.c) owns descriptors, blocking and
 * timeouts; these calls never block and report readiness through sock_wakeup(). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "net/log.h"
#include "net/socket.h"
#include "tcp/tcp_var.h"

/* A connection that ended with an error hands it to the socket, which reports it once (to
 * the first recv, send or SO_ERROR, as Linux does); the pcb keeps none, so a second call
 * cannot report it again. One that was synchronized then reads end of file (Linux's
 * tcp_done shuts both directions); a refused or timed-out connect stays "not connected". */
static void tcp_sock_take_pcb_error(struct sock *sk, struct tcp_pcb *pcb)
{
	if (pcb->state != TCP_CLOSED || !pcb->error)
		return;
	if (!sk->so_error)
		sk->so_error = pcb->error;
	pcb->error = 0;
	if (pcb->snd_una != pcb->iss) /* our SYN was ACKed */
		pcb->flags |= TF_RCV_SHUT;
}

/* Carries a 32-bit count that wraps (a sequence-number difference) into a 64-bit total
 * that does not: exact as long as it is sampled at least once every 4 GiB, which the
 * upcall, run for every ACK and every arrival, is. */
static void count64(uint64_t *total, uint32_t cur)
{
	if (cur < (uint32_t)*total)
		*total += 1ull << 32;
	*total = (*total & ~0xffffffffull) | cur;
}

/* TCP_INFO's bytes_acked and bytes_received (SYN and FIN not counted). */
static void tcp_sock_count_bytes(struct tcp_pcb *pcb)
{
	uint32_t acked, rcvd;

	if (!TCP_SYNCHRONIZED(pcb->state) && pcb->state != TCP_CLOSED)
		return;
	if (pcb->snd_una == pcb->iss)
		return; /* our SYN is not acknowledged: nothing yet */
	acked = pcb->snd_una - pcb->iss - 1;
	if (pcb->flags & TF_SENT_FIN && SEQ_GT(pcb->snd_una, pcb->fin_seq))
		acked--;
	rcvd = pcb->rcv_nxt - pcb->irs - 1;
	if (pcb->flags & TF_RCVD_FIN)
		rcvd--;
	count64(&pcb->info_acked, acked);
	count64(&pcb->info_rcvd, rcvd);
}

static void tcp_sock_upcall(struct tcp_pcb *pcb)
{
	struct sock *sk = pcb->sk;

	tcp_sock_count_bytes(pcb);
	if (!sk)
		return;
	tcp_sock_take_pcb_error(sk, pcb);
	/* SO_SNDBUF reads the send space auto-tuning grew to, as Linux's sk_sndbuf */
	if (!(pcb->flags & TF_SNDBUF_LOCK))
		sk->sndbuf = pcb->snd_buf.cap;
	sock_wakeup(sk);
}

static void tcp_sock_attach(struct sock *sk, struct tcp_pcb *pcb)
{
	sk->pcb = pcb;
	pcb->sk = sk;
	pcb->upcall = tcp_sock_upcall;
}

static int tcp_sock_create(struct sock *sk)
{
	NET_ASSERT_LOCKED();
	struct tcp_pcb *pcb = tcp_pcb_alloc();

	if (!pcb)
		return -ENOBUFS;
	if (tcp_pcb_set_bufs(pcb, sk->sndbuf, sk->rcvbuf) < 0) {
		tcp_pcb_free(pcb);
		return -ENOMEM;
	}
	pcb->local_addr = pcb->remote_addr = net_addr_any(sk->local.addr.family);
	tcp_sock_attach(sk, pcb);
	return 0;
}

static int tcp_sock_bind(struct sock *sk, const struct net_endpoint *a)
{
	NET_ASSERT_LOCKED();
	struct tcp_pcb *pcb = sk->pcb;
	int err = tcp_pcb_bind(pcb, &a->addr, a->port, sk->reuseaddr);

	if (err == 0) {
		sk->local.addr = pcb->local_addr;
		sk->local.port = pcb->local_port;
	}
	return err;
}

static int tcp_sock_connect(struct sock *sk, const struct net_endpoint *a, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	int err;

	NET_ASSERT_LOCKED();
	if (pcb->state == TCP_SYN_SENT)
		return -EALREADY;
	if (pcb->state != TCP_CLOSED)
		return -EISCONN;
	if (pcb->error) {
		err = pcb->error;
		pcb->error = 0;
		return err;
	}
	err = tcp_pcb_connect(pcb, &a->addr, a->port, now);
	if (err < 0)
		return err;
	sk->local.addr = pcb->local_addr;
	sk->local.port = pcb->local_port;
	sk->peer = *a;
	return -EINPROGRESS;
}

static int tcp_sock_listen(struct sock *sk, int backlog)
{
	NET_ASSERT_LOCKED();
	struct tcp_pcb *pcb = sk->pcb;
	int err = tcp_pcb_listen(pcb, backlog < 1 ? 1 : (unsigned)backlog);

	if (err == 0)
		sk->local.port = pcb->local_port;
	return err;
}

static int tcp_sock_accept(struct sock *sk, struct sock **child, struct net_endpoint *peer)
{
	struct tcp_pcb *l = sk->pcb, *c;
	struct sock *csk;

	NET_ASSERT_LOCKED();
	if (!l || l->state != TCP_LISTEN)
		return -EINVAL;
	if (TAILQ_EMPTY(&l->acceptq))
		return -EAGAIN;
	csk = sock_alloc_child(sk);
	if (!csk)
		return -ENOMEM;
	c = tcp_pcb_accept(l);
	tcp_sock_attach(csk, c);
	csk->local.addr = c->local_addr;
	csk->local.port = c->local_port;
	csk->peer.addr = c->remote_addr;
	csk->peer.port = c->remote_port;
	tcp_sock_take_pcb_error(csk, c);
	*peer = csk->peer;
	*child = csk;
	return 0;
}

/* A send's answer before the pcb's own checks: 0 to go on, -EAGAIN while the handshake
 * runs (writable once connected), -EPIPE as Linux for a connection never made or ended
 * (its error already taken). */
static int send_state(const struct tcp_pcb *pcb)
{
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED)
		return -EAGAIN;
	return pcb->state == TCP_CLOSED ? -EPIPE : 0;
}

static ssize_t tcp_sock_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
				const struct net_endpoint *dst, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	size_t k, w, n = 0;
	uint8_t *b = NULL;
	ssize_t r;

	NET_ASSERT_LOCKED();
	(void)flags;
	(void)dst;
	if ((r = send_state(pcb)) < 0)
		return r;
	k = sock_iter_piece(it, &b);
	if (k == it->len) {
		/* one piece (us_send): the pcb's own send */
		r = tcp_pcb_send(pcb, b, k, now);
		if (r > 0)
			sock_iter_advance(it, (size_t)r);
		return r;
	}
	/* Several (us_sendmsg): all of them into the send buffer first, then one output, so
	 * that a header and its body leave together instead of the header alone. A send of
	 * nothing asks the pcb whether it may send at all. */
	r = tcp_pcb_send(pcb, NULL, 0, now);
	if (r < 0)
		return r;
	while ((k = sock_iter_piece(it, &b)) > 0) {
		w = tcp_ring_write(&pcb->snd_buf, b, k);
		sock_iter_advance(it, w);
		n += w;
		if (w < k)
			break;
	}
	if (n == 0)
		return it->len ? -EAGAIN : 0;
	if (!pcb->on_memlist && pcb->snd_buf.buf)
		tcp_mem_track(pcb);
	tcp_output_soon(pcb, now);
	return (ssize_t)n;
}

static ssize_t tcp_sock_sendfile(struct sock *sk, int in_fd, off_t *off, size_t count,
				 uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	int r;

	NET_ASSERT_LOCKED();
	if ((r = send_state(pcb)) < 0)
		return r;
	return tcp_pcb_send_file(pcb, in_fd, off, count, now);
}

/* MSG_PEEK: copies from the receive buffer and leaves it there. With MSG_WAITALL (the
 * socket layer passes it only on a blocking call) nothing is copied until the whole
 * length is buffered, the buffer is full, or the stream has ended. */
static ssize_t tcp_sock_peek(struct tcp_pcb *pcb, struct sock_iter *it, int flags, uint64_t now)
{
	size_t avail = tcp_rcv_queued(pcb), off = 0, k;
	struct tcp_rcv_cursor cur;
	uint8_t *b = NULL;

	if (avail == 0)
		return tcp_pcb_recv(pcb, NULL, 0, now); /* end, error or -EAGAIN: nothing taken */
	if (flags & MSG_WAITALL && avail < it->len && avail < pcb->rcv_buf.cap &&
	    !(pcb->flags & (TF_RCVD_FIN | TF_RCV_SHUT)) && !pcb->error)
		return -EAGAIN;
	tcp_rcv_cursor_init(pcb, &cur);
	while (off < avail && (k = sock_iter_piece(it, &b)) > 0) {
		if (k > avail - off)
			k = avail - off;
		tcp_rcv_cursor_copy(pcb, &cur, b, k);
		sock_iter_advance(it, k);
		off += k;
	}
	return (ssize_t)off;
}

static ssize_t tcp_sock_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
				struct net_endpoint *src, int *msg_flags)
{
	struct tcp_pcb *pcb = sk->pcb;
	size_t k, n = 0;
	uint8_t *b = NULL;
	uint64_t now;
	ssize_t r;

	NET_ASSERT_LOCKED();
	(void)src; /* as Linux: a stream names no sender */
	(void)msg_flags;
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED)
		return -EAGAIN;
	now = net_clock_ms(); /* a read may send a window update */
	if (flags & MSG_PEEK)
		return tcp_sock_peek(pcb, it, flags, now);
	do {
		k = sock_iter_piece(it, &b);
		/* MSG_TRUNC, as Linux: the bytes are taken out of the stream uncopied */
		r = tcp_pcb_recv(pcb, flags & MSG_TRUNC ? NULL : b, k, now);
		if (r <= 0)
			return n ? (ssize_t)n : r;
		sock_iter_advance(it, (size_t)r);
		n += (size_t)r;
	} while ((size_t)r == k && it->len > 0);
	return (ssize_t)n;
}

static int tcp_sock_shutdown(struct sock *sk, int how, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	int err = 0;

	NET_ASSERT_LOCKED();
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN)
		return -ENOTCONN;
	if (how != SHUT_WR)
		pcb->flags |= TF_RCV_SHUT;
	if (how != SHUT_RD)
		err = tcp_pcb_shutdown_send(pcb, now);
	return err == -ENOTCONN && how == SHUT_RDWR ? 0 : err;
}

static void tcp_sock_close(struct sock *sk, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;

	NET_ASSERT_LOCKED();
	if (!pcb)
		return;
	sk->pcb = NULL;
	/* SO_LINGER with a zero timeout aborts (RFC 9293 3.10.5 ABORT) */
	tcp_pcb_close(pcb, sk->linger_on && sk->linger_s == 0, now);
}

static unsigned tcp_sock_poll(struct sock *sk)
{
	struct tcp_pcb *pcb = sk->pcb;
	unsigned ev = 0;

	NET_ASSERT_LOCKED();
	if (!pcb)
		return US_POLLHUP;
	if (pcb->state == TCP_LISTEN)
		return TAILQ_EMPTY(&pcb->acceptq) ? 0 : US_POLLIN;
	if (pcb->error || sk->so_error)
		ev |= US_POLLERR;
	if (tcp_rcv_queued(pcb) || pcb->flags & (TF_RCVD_FIN | TF_RCV_SHUT) || pcb->error)
		ev |= US_POLLIN;
	switch (pcb->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT: {
		size_t room = tcp_ring_free_space(&pcb->snd_buf);

		if (pcb->flags & TF_FIN_QUEUED)
			break;
		/* Writable once the free space is at least half of what is queued, as Linux's
		 * sk_stream_is_writeable (free >= queued / 2: a full buffer turns writable when
		 * a third of it is free). A writer woken for a sliver of space would send it
		 * (and serve http read the file for it) one ACK's worth at a time. */
		if (room > 0 && room >= pcb->snd_buf.len / 2)
			ev |= US_POLLOUT;
		else /* as Linux's tcp_poll (SOCK_NOSPACE): a writer that sends no more than
		      * fits finds the buffer full here, and the next ACK may grow it
		      * (tcp_snd_space_expand), as it would after a short send */
			pcb->flags |= TF_SND_NOSPACE;
		break;
	}
	case TCP_CLOSED:
		ev |= US_POLLHUP | US_POLLOUT;
		break;
	default:
		break;
	}
	if (pcb->flags & TF_RCVD_FIN && pcb->flags & TF_FIN_QUEUED)
		ev |= US_POLLHUP;
	return ev;
}

/* TCP_CONGESTION as Linux: the name is up to TCP_CA_NAME_MAX - 1 bytes, NUL-terminated or
 * not; an unknown one is ENOENT. A listener's children inherit it. */
static int tcp_sock_set_cc(struct tcp_pcb *pcb, const void *val, socklen_t len)
{
	char name[TCP_CA_NAME_MAX];
	const struct tcp_cc_ops *cc;
	size_t n = len < sizeof(name) - 1 ? len : sizeof(name) - 1;

	if (!val || len < 1)
		return -EINVAL;
	memcpy(name, val, n);
	name[n] = '\0';
	cc = tcp_cc_find(name);
	if (!cc)
		return -ENOENT;
	tcp_cc_set(pcb, cc);
	return 0;
}

/* TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, with Linux's limits. */
static int tcp_sock_set_int(struct tcp_pcb *pcb, int name, int v)
{
	switch (name) {
	case TCP_MAXSEG:
		/* applies to the next MSS worked out (connect, or the accepted children of a
		 * listener); a connection under way keeps its own, as on Linux */
		if (v != 0 && (v < 88 || v > 32767))
			return -EINVAL;
		pcb->user_mss = (uint16_t)v;
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (name == TCP_KEEPIDLE)
			pcb->keep_idle_ms = (unsigned)v * 1000;
		else
			pcb->keep_intvl_ms = (unsigned)v * 1000;
		if (name == TCP_KEEPIDLE && pcb->flags & TF_KEEPALIVE)
			tcp_keep_arm(pcb, net_clock_ms()); /* the idle time counts from now */
		return 0;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		pcb->keep_cnt = (unsigned)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int tcp_sock_setsockopt(struct sock *sk, int level, int name, const void *val, socklen_t len)
{
	struct tcp_pcb *pcb = sk->pcb;
	int on;

	NET_ASSERT_LOCKED();
	if (level == IPPROTO_TCP && name == TCP_CONGESTION)
		return tcp_sock_set_cc(pcb, val, len);
	if (level == IPPROTO_IP || (level == SOL_SOCKET && name == SO_BINDTODEVICE)) {
		int r = level == IPPROTO_IP ? ip_sock_setsockopt(sk, name, val, len) : 0;

		if (r)
			return r;
		/* the pcb's copy outlives the socket (an orphan still sends) */
		ip_out_opts_from_sock(sk, &pcb->ipo);
		pcb->ipo.tos &= (uint8_t)~0x03; /* as Linux: the ECN bits are TCP's own */
		return 0;
	}
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	if (!val)
		return -EFAULT;
	memcpy(&on, val, sizeof(on));
	if (level == IPPROTO_TCP && name == TCP_NODELAY) {
		if (on)
			pcb->flags |= TF_NODELAY;
		else
			pcb->flags &= ~TF_NODELAY;
		tcp_output(pcb, net_clock_ms());
		return 0;
	}
	if (level == IPPROTO_TCP)
		return tcp_sock_set_int(pcb, name, on);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_KEEPALIVE:
		if (on) {
			pcb->flags |= TF_KEEPALIVE;
			tcp_keep_arm(pcb, net_clock_ms());
		} else {
			pcb->flags &= ~TF_KEEPALIVE;
			tcp_timer_cancel(pcb, TCPT_KEEP);
		}
		return 0;
	case SO_RCVBUF:
	case SO_SNDBUF:
		/* an explicit send buffer is kept: auto-tuning stands down (SOCK_SNDBUF_LOCK) */
		if (name == SO_SNDBUF)
			pcb->flags |= TF_SNDBUF_LOCK;
		/* sizes apply before the connection carries data (as on Linux, before connect
		 * or listen; accepted children inherit them); later only the send buffer's
		 * limit changes (never below what it holds), as Linux's sk_sndbuf */
		if (pcb->state != TCP_CLOSED && pcb->state != TCP_LISTEN) {
			if (name == SO_SNDBUF)
				pcb->snd_buf.cap = pcb->snd_buf.max = sk->sndbuf > pcb->snd_buf.len ?
					sk->sndbuf : pcb->snd_buf.len;
			return 0;
		}
		return tcp_pcb_set_bufs(pcb, sk->sndbuf, sk->rcvbuf);
	default:
		return -ENOPROTOOPT;
	}
}

/* Linux's numbers for the states (its TCP_ESTABLISHED is 1 ... TCP_CLOSING 11). */
static const uint8_t linux_state[] = {
	[TCP_CLOSED] = 7, [TCP_LISTEN] = 10, [TCP_SYN_SENT] = 2, [TCP_SYN_RECEIVED] = 3,
	[TCP_ESTABLISHED] = 1, [TCP_FIN_WAIT_1] = 4, [TCP_FIN_WAIT_2] = 5,
	[TCP_CLOSE_WAIT] = 8, [TCP_CLOSING] = 11, [TCP_LAST_ACK] = 9, [TCP_TIME_WAIT] = 6,
};

static uint32_t segs_of(uint32_t bytes, uint32_t mss)
{
	return mss ? (uint32_t)(((uint64_t)bytes + mss - 1) / mss) : 0;
}

void tcp_pcb_info(struct tcp_pcb *pcb, struct us_tcp_info *ti_out)
{
	struct us_tcp_info ti;
	uint32_t mss = pcb->mss ? pcb->mss : 536;

	memset(&ti, 0, sizeof(ti));
	tcp_sock_count_bytes(pcb);
	ti.state = linux_state[pcb->state];
	ti.snd_wscale = pcb->flags & TF_WS_OK ? pcb->snd_wscale : 0;
	ti.rcv_wscale = pcb->flags & TF_WS_OK ? pcb->rcv_wscale : 0;
	/* the estimator keeps milliseconds, srtt scaled by 8 and rttvar by 4 (RFC 6298) */
	ti.rto_us = tcp_rto_current(pcb) * 1000; /* backed off, as Linux reports it */
	ti.backoff = pcb->rxtshift;
	ti.rtt_us = (uint32_t)(pcb->srtt > 0 ? pcb->srtt : 0) * 125;
	ti.rttvar_us = (uint32_t)(pcb->rttvar > 0 ? pcb->rttvar : 0) * 250;
	ti.snd_mss = mss;
	ti.rcv_mss = pcb->rcv_mss;
	ti.snd_cwnd = segs_of(pcb->cwnd, mss);
	ti.snd_cwnd_bytes = pcb->cwnd;
	ti.snd_ssthresh = pcb->ssthresh >= 0x7fffffffu ? 0x7fffffffu : segs_of(pcb->ssthresh, mss);
	ti.snd_ssthresh_bytes = pcb->ssthresh;
	ti.unacked = segs_of(pcb->snd_max - pcb->snd_una, mss);
	ti.lost = segs_of(pcb->lost_out, mss);
	ti.retrans = segs_of(pcb->retrans_out, mss);
	ti.sacked = segs_of(pcb->sacked_out, mss);
	ti.total_retrans = pcb->total_retrans;
	ti.bytes_acked = pcb->info_acked;
	ti.bytes_received = pcb->info_rcvd;
	ti.delivery_rate = tcp_rate_bps(pcb);
	strncpy(ti.congestion, pcb->cc->name, sizeof(ti.congestion) - 1);
	*ti_out = ti;
}

struct ss_walk {
	void (*fn)(const struct tcp_ss_row *r, void *arg);
	void *arg;
};

/* A syncache entry: SYN-RECV with empty queues and no control block, as Linux's request
 * sockets show in ss. */
static void ss_sc(const struct net_endpoint *local, const struct net_endpoint *remote,
		  void *arg)
{
	const struct ss_walk *w = arg;
	struct tcp_ss_row r;

	memset(&r, 0, sizeof(r));
	r.state = TCP_SYN_RECEIVED;
	r.local = *local;
	r.remote = *remote;
	w->fn(&r, w->arg);
}

static void ss_pcb(struct tcp_pcb *pcb, void *arg)
{
	const struct ss_walk *w = arg;
	struct tcp_ss_row r;

	/* A TIME_WAIT stub is the socket's view of a record, which ss_tw shows; a CLOSED
	 * block no socket holds is about to go. */
	if ((pcb->state == TCP_TIME_WAIT && pcb->tw) || (pcb->state == TCP_CLOSED && !pcb->sk))
		return;
	memset(&r, 0, sizeof(r));
	r.state = pcb->state;
	if (pcb->state == TCP_LISTEN) {
		/* as Linux: the accept queue now and its limit */
		r.rq = pcb->acceptq_len;
		r.sq = pcb->backlog;
	} else {
		r.rq = tcp_rcv_queued(pcb);
		r.sq = pcb->snd_buf.len;
	}
	r.local.addr = pcb->local_addr;
	r.local.port = pcb->local_port;
	r.remote.addr = pcb->remote_addr;
	r.remote.port = pcb->remote_port;
	r.wscale_ok = !!(pcb->flags & TF_WS_OK);
	r.pacing_rate = pcb->pacing_rate;
	r.dual = sock_dual(pcb->sk, &pcb->local_addr);
	r.pcb = pcb;
	w->fn(&r, w->arg);
	if (pcb->state == TCP_LISTEN)
		tcp_syncache_foreach(pcb, ss_sc, arg);
}

static void ss_tw(const struct tcp_tw *tw, void *arg)
{
	const struct ss_walk *w = arg;
	struct tcp_ss_row r;

	memset(&r, 0, sizeof(r));
	r.state = TCP_TIME_WAIT;
	r.local.addr = tcp_tw_laddr(tw);
	r.local.port = tw->lport;
	r.remote.addr = tcp_tw_raddr(tw);
	r.remote.port = tw->rport;
	w->fn(&r, w->arg);
}

void tcp_ss_foreach(void (*fn)(const struct tcp_ss_row *r, void *arg), void *arg)
{
	struct ss_walk w = { fn, arg };

	tcp_pcb_foreach(ss_pcb, &w);
	tcp_tw_foreach(ss_tw, &w);
}

/* TCP_INFO: struct us_tcp_info (include/ustack.h), cut to *len as Linux cuts its own. */
static int tcp_sock_info(struct tcp_pcb *pcb, void *val, socklen_t *len)
{
	struct us_tcp_info ti;

	tcp_pcb_info(pcb, &ti);
	if (*len > sizeof(ti))
		*len = sizeof(ti);
	if (*len)
		memcpy(val, &ti, *len);
	return 0;
}

/* SIOCINQ: bytes readable; SIOCOUTQ: bytes not yet acknowledged (sent or not); SIOCOUTQNSD:
 * bytes not yet sent. As Linux, -EINVAL on a listener. */
static int tcp_sock_ioctl(struct sock *sk, unsigned long request, int *val)
{
	struct tcp_pcb *pcb = sk->pcb;
	uint32_t end;

	NET_ASSERT_LOCKED();
	if (request != SIOCINQ && request != SIOCOUTQ && request != SIOCOUTQNSD)
		return -ENOTTY;
	if (pcb->state == TCP_LISTEN)
		return -EINVAL;
	if (request == SIOCINQ) {
		*val = (int)tcp_rcv_queued(pcb);
	} else if (request == SIOCOUTQ) {
		*val = (int)pcb->snd_buf.len;
	} else {
		end = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len;
		*val = SEQ_GT(end, pcb->snd_max) ? (int)(end - pcb->snd_max) : 0;
	}
	return 0;
}

static int tcp_sock_getsockopt(struct sock *sk, int level, int name, void *val, socklen_t *len)
{
	struct tcp_pcb *pcb = sk->pcb;
	int v;

	NET_ASSERT_LOCKED();
	if (!len || (!val && *len))
		return -EFAULT;
	if (level == IPPROTO_IP)
		return ip_sock_getsockopt(sk, name, val, len);
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (name == TCP_CONGESTION) {
		/* as Linux: at most TCP_CA_NAME_MAX bytes, the name padded with NULs */
		char cc[TCP_CA_NAME_MAX] = { 0 };
		socklen_t n;

		if ((int)*len < 0)
			return -EINVAL;
		strncpy(cc, pcb->cc->name, sizeof(cc) - 1);
		n = *len < sizeof(cc) ? *len : (socklen_t)sizeof(cc);
		if (n)
			memcpy(val, cc, n);
		*len = n;
		return 0;
	}
	if (name == TCP_INFO)
		return tcp_sock_info(pcb, val, len);
	if (name == TCP_NODELAY)
		v = !!(pcb->flags & TF_NODELAY);
	else if (name == TCP_MAXSEG)
		/* as Linux: the MSS in use once connected, before that TCP_MAXSEG or 536 */
		v = TCP_SYNCHRONIZED(pcb->state) ? pcb->mss : pcb->user_mss ? pcb->user_mss : 536;
	else if (name == TCP_KEEPIDLE)
		v = (int)(tcp_keep_idle(pcb) / 1000);
	else if (name == TCP_KEEPINTVL)
		v = (int)(tcp_keep_intvl(pcb) / 1000);
	else if (name == TCP_KEEPCNT)
		v = (int)tcp_keep_cnt(pcb);
	else
		return -ENOPROTOOPT;
	/* as Linux: the first *len bytes of a shorter buffer, without an error */
	if (*len > (socklen_t)sizeof(v))
		*len = sizeof(v);
	if (*len)
		memcpy(val, &v, *len);
	return 0;
}

static const struct sock_ops tcp_sock_ops = {
	.create = tcp_sock_create,
	.bind = tcp_sock_bind,
	.connect = tcp_sock_connect,
	.listen = tcp_sock_listen,
	.accept = tcp_sock_accept,
	.sendmsg = tcp_sock_sendmsg,
	.sendfile = tcp_sock_sendfile,
	.recvmsg = tcp_sock_recvmsg,
	.ioctl = tcp_sock_ioctl,
	.shutdown = tcp_sock_shutdown,
	.close = tcp_sock_close,
	.poll = tcp_sock_poll,
	.setsockopt = tcp_sock_setsockopt,
	.getsockopt = tcp_sock_getsockopt,
};

int tcp_init(void)
{
	int err = tcp_proto_init();

	if (err < 0)
		return err;
	err = sock_proto_register(SOCK_STREAM, IPPROTO_TCP, &tcp_sock_ops);
	if (err < 0)
		return err;
	/* socket(AF_INET, SOCK_STREAM, 0) means TCP, as on every IPv4 stack */
	return sock_proto_register(SOCK_STREAM, 0, &tcp_sock_ops);
}

void tcp_shutdown(void)
{
	tcp_proto_shutdown();
}
