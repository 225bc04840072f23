/* SPDX-License-Identifier: MIT */
/* The application's requests on a control block, as BSD's tcp_usrreq.c: the active open,
 * send, receive, shutdown, close and accept. tcp_sock.c turns socket calls into these;
 * binding and listening claim ports and table slots and stay in tcp_pcb.c. */
#include <errno.h>
#include <string.h>

#include "net/perstack.h"
#include "net/log.h"
#include "net/socket.h"
#include "tcp/tcp_var.h"

int tcp_pcb_connect(struct tcp_pcb *pcb, const struct net_addr *addr, uint16_t port,
		    uint64_t now)
{
	const struct net_family_ops *f = net_family(addr->family);
	int err;

	if (pcb->state == TCP_LISTEN)
		return -EOPNOTSUPP;
	if (pcb->state != TCP_CLOSED || pcb->remote_port)
		return -EISCONN;
	if (!f || (pcb->local_port && addr->family != pcb->local_addr.family &&
		   !sock_dual(pcb->sk, &pcb->local_addr)))
		return -EAFNOSUPPORT;
	if (addr->family != pcb->local_addr.family)
		pcb->local_addr = net_addr_any(addr->family); /* unbound, or bound to :: */
	if (port == 0 || net_addr_is_any(addr) || f->is_broadcast(addr))
		return -EINVAL;
	if (net_addr_is_any(&pcb->local_addr)) {
		/* SO_BINDTODEVICE: the bound device's address, as Linux */
		if (f->source(addr, pcb->ipo.ifindex, &pcb->local_addr) < 0) {
			pcb->local_addr = net_addr_any(addr->family);
			return -ENETUNREACH;
		}
	} else if (!f->is_local(&pcb->local_addr)) {
		return -ENETUNREACH; /* bound to an address removed since: Linux says the same */
	}
	pcb->remote_addr = *addr;
	pcb->remote_port = port;
	if (pcb->local_port == 0) {
		err = tcp_pick_ephemeral(pcb);
		if (err < 0)
			goto fail;
	} else if (tcp_pcb_lookup_conn(&pcb->local_addr, pcb->local_port, addr, port) ||
		   tcp_tw_lookup(&pcb->local_addr, pcb->local_port, addr, port)) {
		err = -EADDRINUSE;
		goto fail;
	}
	pcb->iss = tcp_isn(&pcb->local_addr, pcb->local_port, addr, port, now);
	pcb->snd_una = pcb->snd_nxt = pcb->snd_max = pcb->iss;
	pcb->snd_buf_seq = pcb->iss + 1;
	pcb->rcv_wnd = (uint32_t)tcp_rcv_space(pcb);
	tcp_pcb_set_mss(pcb, 0);
	tcp_cc_init(pcb);
	pcb->ts_offset = tcp_ts_offset(pcb->iss);
	tcp_pcb_hash_insert(pcb);
	tcp_pcb_set_state(pcb, TCP_SYN_SENT);
	STAT_INC(tcp, conn_attempts);
	tcp_output(pcb, now);
	return 0;
fail:
	pcb->remote_addr = net_addr_any(addr->family);
	pcb->remote_port = 0;
	return err;
}

/* ---- application calls ---- */

/* Whether the application may queue data now: 0, or the error a send returns. */
static int send_allowed(const struct tcp_pcb *pcb)
{
	if (pcb->error)
		return pcb->error == -ECONNRESET ? -EPIPE : pcb->error;
	switch (pcb->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		break;
	case TCP_CLOSED:
	case TCP_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	return pcb->flags & TF_FIN_QUEUED ? -EPIPE : 0;
}

/* After n bytes went into the send buffer; nospace: it took fewer than it was offered. */
static void send_queued(struct tcp_pcb *pcb, size_t n, int nospace, uint64_t now)
{
	if (!pcb->on_memlist && pcb->snd_buf.buf)
		tcp_mem_track(pcb); /* the sweep gives the storage back once unused */
	if (nospace)
		pcb->flags |= TF_SND_NOSPACE; /* the next ACK may grow it (tcp_snd_space_expand) */
	if (n)
		tcp_output_soon(pcb, now);
}

ssize_t tcp_pcb_send(struct tcp_pcb *pcb, const void *buf, size_t len, uint64_t now)
{
	int err = send_allowed(pcb);
	size_t n;

	if (err)
		return err;
	tcp_rate_check_app_limited(pcb);
	n = tcp_ring_write(&pcb->snd_buf, buf, len);
	send_queued(pcb, n, n < len, now);
	if (n == 0)
		return len ? -EAGAIN : 0;
	return (ssize_t)n;
}

ssize_t tcp_pcb_send_file(struct tcp_pcb *pcb, int fd, off_t *off, size_t len, uint64_t now)
{
	int err = send_allowed(pcb);
	size_t room = 0, took;
	ssize_t n;

	if (err)
		return err;
	if (len == 0)
		return 0;
	tcp_rate_check_app_limited(pcb);
	n = tcp_ring_fill(&pcb->snd_buf, fd, off, len, &room);
	took = n > 0 ? (size_t)n : 0;
	if (took)
		STAT_ADD(tcp, snd_file_bytes, took);
	/* as tcp_pcb_send: no space when the ring took less than offered; a read that stopped
	 * short (the file's end) or failed is not that. Storage the fill made ready is
	 * tracked whatever the read did, so the sweep gives it back. */
	send_queued(pcb, took, room < len && (n == -EAGAIN || took == room), now);
	return n;
}

ssize_t tcp_pcb_recv(struct tcp_pcb *pcb, void *buf, size_t len, uint64_t now)
{
	uint32_t before, after, thresh;
	size_t n;

	if (tcp_rcv_queued(pcb) == 0) {
		if (pcb->error)
			return pcb->error;
		if (pcb->flags & (TF_RCVD_FIN | TF_RCV_SHUT))
			return 0;
		if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN)
			return -ENOTCONN;
		return -EAGAIN;
	}
	before = SEQ_GT(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	n = tcp_rcv_take(pcb, buf, len); /* buf NULL (MSG_TRUNC): dropped */
	tcp_rcv_space_adjust(pcb, now); /* may grow the window announced below */
	/* a window update once reading lets the right edge move by min(MSS, half the
	 * buffer), the receiver SWS rule of RFC 1122 4.2.3.3 / RFC 9293 3.8.6.2.2 (the one
	 * tcp_rcv_window applies), counting only what the window field can announce: at most
	 * 65535 units of 2^rcv_wscale bytes (without window scale a large buffer would
	 * otherwise send an "update" moving 5 bytes). In the driver's round it waits for the
	 * round's end with the answers (tcp_output_soon): a request read and answered in one
	 * round puts the new window on the answer, where it used to cost a bare ACK first. */
	after = (uint32_t)tcp_rcv_space(pcb);
	if (after > (65535u << pcb->rcv_wscale))
		after = 65535u << pcb->rcv_wscale;
	after &= ~((1u << pcb->rcv_wscale) - 1);
	thresh = (uint32_t)(pcb->rcv_buf.cap / 2 < pcb->mss ? pcb->rcv_buf.cap / 2 : pcb->mss);
	if (TCP_SYNCHRONIZED(pcb->state) && !(pcb->flags & TF_RCVD_FIN) &&
	    !tcp_rcv_edge_held(pcb) && after >= before + thresh) {
		pcb->flags |= TF_ACKNOW;
		tcp_output_soon(pcb, now);
	}
	return (ssize_t)n;
}

int tcp_pcb_shutdown_send(struct tcp_pcb *pcb, uint64_t now)
{
	if (pcb->flags & TF_FIN_QUEUED)
		return 0;
	switch (pcb->state) {
	case TCP_ESTABLISHED:
		tcp_pcb_set_state(pcb, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_pcb_set_state(pcb, TCP_LAST_ACK);
		break;
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		break; /* RFC 9293 3.10.4: the FIN waits for ESTABLISHED */
	default:
		return -ENOTCONN;
	}
	pcb->flags |= TF_FIN_QUEUED;
	pcb->fin_seq = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len;
	tcp_output(pcb, now);
	return 0;
}

void tcp_pcb_close(struct tcp_pcb *pcb, int abort, uint64_t now)
{
	pcb->upcall = NULL;
	pcb->sk = NULL;
	pcb->flags |= TF_ORPHAN | TF_RCV_SHUT;
	if (pcb->tw) { /* a TIME_WAIT stub: the record carries on alone (tcp_timewait.c) */
		tcp_pcb_free(pcb);
		return;
	}
	switch (pcb->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
	case TCP_SYN_SENT:
		tcp_pcb_drop(pcb, 0);
		return;
	default:
		break;
	}
	/* RFC 9293 3.10.4 / RFC 2525 2.17: unread data, or SO_LINGER 0, resets; data sent in
	 * this round (tcp_output_soon) goes first, as it would have without the deferral */
	if (abort || tcp_rcv_queued(pcb) > 0) {
		if (pcb->out_owed)
			tcp_output(pcb, now);
		if (pcb->state != TCP_TIME_WAIT)
			tcp_send_rst_pcb(pcb, now);
		tcp_pcb_drop(pcb, 0);
		return;
	}
	tcp_pcb_shutdown_send(pcb, now);
	/* An earlier shutdown(SHUT_WR) may have reached FIN_WAIT_2 already: the orphan waits
	 * no longer than fin_wait_2_ms from now (FIN_WAIT_1 arms it when the FIN is ACKed). */
	if (pcb->state == TCP_FIN_WAIT_2)
		tcp_timer_arm(pcb, TCPT_2MSL, now + tcp_config.fin_wait_2_ms);
}

struct tcp_pcb *tcp_pcb_accept(struct tcp_pcb *l)
{
	struct tcp_pcb *c = TAILQ_FIRST(&l->acceptq);

	if (!c)
		return NULL;
	TAILQ_REMOVE(&l->acceptq, c, qlink);
	l->acceptq_len--;
	c->parent = NULL;
	c->on_acceptq = 0;
	return c;
}
