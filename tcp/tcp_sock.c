/* SOCK_STREAM sock_ops: the socket layer (net/socket.c) owns descriptors, blocking and
 * timeouts; these calls never block and report readiness through sock_wakeup(). */
#include <errno.h>
#include <string.h>

#include "net/log.h"
#include "net/socket.h"
#include "tcp/tcp.h"

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

static void tcp_sock_upcall(struct tcp_pcb *pcb)
{
	struct sock *sk = pcb->sk;

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
	struct tcp_pcb *pcb = tcp_pcb_alloc();

	if (!pcb)
		return -ENOBUFS;
	if (tcp_pcb_set_bufs(pcb, sk->sndbuf, sk->rcvbuf) < 0) {
		tcp_pcb_free(pcb);
		return -ENOMEM;
	}
	tcp_sock_attach(sk, pcb);
	return 0;
}

static int tcp_sock_bind(struct sock *sk, const struct sockaddr_in *a)
{
	struct tcp_pcb *pcb = sk->pcb;
	int err = tcp_pcb_bind(pcb, a->sin_addr.s_addr, ntohs(a->sin_port), sk->reuseaddr);

	if (err == 0) {
		sk->local.sin_addr.s_addr = pcb->local_addr;
		sk->local.sin_port = htons(pcb->local_port);
	}
	return err;
}

static int tcp_sock_connect(struct sock *sk, const struct sockaddr_in *a, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	int err;

	if (pcb->state == TCP_SYN_SENT)
		return -EALREADY;
	if (pcb->state != TCP_CLOSED)
		return -EISCONN;
	if (pcb->error) {
		err = pcb->error;
		pcb->error = 0;
		return err;
	}
	err = tcp_pcb_connect(pcb, a->sin_addr.s_addr, ntohs(a->sin_port), now);
	if (err < 0)
		return err;
	sk->local.sin_addr.s_addr = pcb->local_addr;
	sk->local.sin_port = htons(pcb->local_port);
	sk->peer = *a;
	return -EINPROGRESS;
}

static int tcp_sock_listen(struct sock *sk, int backlog)
{
	struct tcp_pcb *pcb = sk->pcb;
	int err = tcp_pcb_listen(pcb, backlog < 1 ? 1 : (unsigned)backlog);

	if (err == 0)
		sk->local.sin_port = htons(pcb->local_port);
	return err;
}

static int tcp_sock_accept(struct sock *sk, struct sock **child, struct sockaddr_in *peer)
{
	struct tcp_pcb *l = sk->pcb, *c;
	struct sock *csk;

	if (!l || l->state != TCP_LISTEN)
		return -EINVAL;
	if (TAILQ_EMPTY(&l->acceptq))
		return -EAGAIN;
	csk = sock_alloc_child(sk);
	if (!csk)
		return -ENOMEM;
	c = tcp_pcb_accept(l);
	tcp_sock_attach(csk, c);
	csk->local.sin_addr.s_addr = c->local_addr;
	csk->local.sin_port = htons(c->local_port);
	csk->peer.sin_family = AF_INET;
	csk->peer.sin_addr.s_addr = c->remote_addr;
	csk->peer.sin_port = htons(c->remote_port);
	tcp_sock_take_pcb_error(csk, c);
	*peer = csk->peer;
	*child = csk;
	return 0;
}

static ssize_t tcp_sock_send(struct sock *sk, const void *buf, size_t len, int flags,
			     const struct sockaddr_in *dst, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;

	(void)flags;
	(void)dst;
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED)
		return -EAGAIN; /* writable once connected */
	if (pcb->state == TCP_CLOSED)
		return -EPIPE; /* as Linux: never connected or ended (its error already taken) */
	return tcp_pcb_send(pcb, buf, len, now);
}

static ssize_t tcp_sock_recv(struct sock *sk, void *buf, size_t len, int flags,
			     struct sockaddr_in *src, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	ssize_t n;

	(void)flags;
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED)
		return -EAGAIN;
	n = tcp_pcb_recv(pcb, buf, len, now);
	if (src && n >= 0) {
		src->sin_family = AF_INET;
		src->sin_addr.s_addr = pcb->remote_addr;
		src->sin_port = htons(pcb->remote_port);
	}
	return n;
}

static int tcp_sock_shutdown(struct sock *sk, int how, uint64_t now)
{
	struct tcp_pcb *pcb = sk->pcb;
	int err = 0;

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

	if (!pcb)
		return US_POLLHUP;
	if (pcb->state == TCP_LISTEN)
		return TAILQ_EMPTY(&pcb->acceptq) ? 0 : US_POLLIN;
	if (pcb->error || sk->so_error)
		ev |= US_POLLERR;
	if (pcb->rcv_buf.len || pcb->flags & (TF_RCVD_FIN | TF_RCV_SHUT) || pcb->error)
		ev |= US_POLLIN;
	switch (pcb->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (!(pcb->flags & TF_FIN_QUEUED) && tcp_ring_free_space(&pcb->snd_buf) > 0)
			ev |= US_POLLOUT;
		break;
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

static int tcp_sock_setsockopt(struct sock *sk, int level, int name, const void *val, socklen_t len)
{
	struct tcp_pcb *pcb = sk->pcb;
	int on;

	if (level == IPPROTO_TCP && name == TCP_CONGESTION)
		return tcp_sock_set_cc(pcb, val, len);
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

static int tcp_sock_getsockopt(struct sock *sk, int level, int name, void *val, socklen_t *len)
{
	struct tcp_pcb *pcb = sk->pcb;
	int v;

	if (!val || !len)
		return -EFAULT;
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (name == TCP_CONGESTION) {
		/* as Linux: at most TCP_CA_NAME_MAX bytes, the name padded with NULs */
		char cc[TCP_CA_NAME_MAX] = { 0 };
		socklen_t n;

		if (!val || !len || (int)*len < 0)
			return -EINVAL;
		strncpy(cc, pcb->cc->name, sizeof(cc) - 1);
		n = *len < sizeof(cc) ? *len : (socklen_t)sizeof(cc);
		memcpy(val, cc, n);
		*len = n;
		return 0;
	}
	if (name == TCP_NODELAY)
		v = !!(pcb->flags & TF_NODELAY);
	else if (name == TCP_MAXSEG)
		v = pcb->mss;
	else
		return -ENOPROTOOPT;
	if (*len < (socklen_t)sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

static const struct sock_ops tcp_sock_ops = {
	.create = tcp_sock_create,
	.bind = tcp_sock_bind,
	.connect = tcp_sock_connect,
	.listen = tcp_sock_listen,
	.accept = tcp_sock_accept,
	.sendto = tcp_sock_send,
	.recvfrom = tcp_sock_recv,
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
