/* SPDX-License-Identifier: MIT */
/* Echo datagram sockets ("ping sockets"): the part that IPv4's (ip/icmp_sock.c) and
 * IPv6's (ip6/icmp6_sock.c) share. ip/icmp_sock.h describes them as a program sees them.
 *
 * A socket's identifier is its "port": bind may choose it, else connect or the first
 * send takes the next free one after the last handed out, so that a late reply to one
 * ping does not reach the next. Replies (and errors about requests, for a socket that
 * asked for them) are queued as copies within the socket's receive buffer; once the
 * socket is connected, only those from (or about) its peer. Sockets are few (one per
 * running ping), so each family keeps them on one list, in a struct echo_table per stack.
 * The family sends each request (it fills in the identifier and checksum), checks that
 * replies and errors are well-formed before handing them here, counts each event in its
 * own counters and handles the options at level IPPROTO_IP other than the two below. */
#ifndef NET_SOCK_ECHO_H
#define NET_SOCK_ECHO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "net/addr.h"
#include "net/family.h"
#include "net/socket.h"

/* Option names at level IPPROTO_IP, outside the range of Linux's IP_* numbers: the TTL or
 * hop limit of the last reply recvfrom returned, and whether errors are queued. */
#define ECHO_SOCK_LAST_HOP 0x1001
#define ECHO_SOCK_RECV_ERRORS 0x1002

/* What a family counts (echo_family.count). */
enum echo_event {
	ECHO_OUT_REQUEST,       /* a request sent */
	ECHO_OUT_ERROR,         /* one the network layer refused */
	ECHO_OUT_BAD_REQUEST,   /* one that was not an echo request header and data */
	ECHO_IN_REPLY,          /* a reply queued */
	ECHO_IN_NO_SOCKET,      /* a reply no socket takes */
	ECHO_RCVBUF_ERROR,      /* a reply or error that found its socket's buffer full */
	ECHO_ALLOC_FAIL,        /* no buffer */
	ECHO_IN_ERROR,          /* an error queued */
	ECHO_IN_ERROR_IGNORED,  /* an error no socket asked for */
};

struct echo_family {
	const struct net_family_ops *net; /* its family, protocol number aside */
	uint8_t request_type;             /* the echo request's ICMP type */
	size_t max_msg;                   /* the largest request, its header included */
	void (*count)(enum echo_event ev);
	/* Sends msg (len bytes: the request's header, its identifier already id, its
	 * checksum still to compute, then the data) to dst. 0 or -errno. */
	int (*output)(struct sock *sk, const struct net_addr *dst, uint16_t id, uint8_t *msg,
		      size_t len, uint64_t now);
	/* The options at level IPPROTO_IP other than the two above. */
	int (*getsockopt)(struct sock *sk, int name, void *val, socklen_t *len);
	int (*setsockopt)(struct sock *sk, int name, const void *val, socklen_t len);
};

struct echo_pcb;

struct echo_table {
	const struct echo_family *fam;
	TAILQ_HEAD(echo_list, echo_pcb) socks;
	uint16_t next_id;
};

/* Starts an empty table (a per-stack variable's init function). */
void echo_table_init(struct echo_table *t, const struct echo_family *fam);

/* The family's sock_ops create: a socket of table t. */
int echo_sock_create(struct echo_table *t, struct sock *sk);

/* The family's handler of a received reply (error 0) or error (error 1) about its
 * request (id, seq) asks here where it goes: a buffer of len bytes for it to fill in and
 * hand to echo_sock_rx_end with *pcb, or NULL (counted) when no socket takes it (none has
 * id; it is connected to another peer than `peer`, which is the reply's source or the
 * errored request's destination, NULL if not known; an error no socket asked for) or
 * when there is no room or memory. */
struct pkb *echo_sock_rx_begin(struct echo_table *t, uint16_t id, uint16_t seq, int error,
			       const struct net_addr *peer, size_t len, struct echo_pcb **pcb);
/* Queues p from src (hop: its TTL or hop limit; 0 for an error) and wakes the socket. */
void echo_sock_rx_end(struct echo_pcb *pcb, struct pkb *p, const struct net_addr *src,
		      uint8_t hop, int error);

int echo_sock_bind(struct sock *sk, const struct net_endpoint *addr);
int echo_sock_connect(struct sock *sk, const struct net_endpoint *addr, uint64_t now);
ssize_t echo_sock_sendmsg(struct sock *sk, struct sock_iter *it, int flags,
			  const struct net_endpoint *dst, uint64_t now);
ssize_t echo_sock_recvmsg(struct sock *sk, struct sock_iter *it, int flags,
			  struct net_endpoint *src, int *msg_flags);
int echo_sock_ioctl(struct sock *sk, unsigned long request, int *val);
unsigned echo_sock_poll(struct sock *sk);
void echo_sock_close(struct sock *sk, uint64_t now);
int echo_sock_getsockopt(struct sock *sk, int level, int name, void *val, socklen_t *len);
int echo_sock_setsockopt(struct sock *sk, int level, int name, const void *val,
			 socklen_t len);

/* A family's sock_ops: its create, the rest from here. */
#define ECHO_SOCK_OPS(create_fn)                                                           \
	{                                                                                  \
		.create = (create_fn), .bind = echo_sock_bind, .connect = echo_sock_connect, \
		.sendmsg = echo_sock_sendmsg, .recvmsg = echo_sock_recvmsg,                \
		.ioctl = echo_sock_ioctl, .setsockopt = echo_sock_setsockopt,              \
		.close = echo_sock_close, .poll = echo_sock_poll,                          \
		.getsockopt = echo_sock_getsockopt,                                        \
	}

#endif
