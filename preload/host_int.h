/* SPDX-License-Identifier: MIT */
/* The stack host's insides, shared by preload/host.c (the thread, the pumps, the
 * listeners, the life cycle) and preload/host_ctl.c (the control requests). Everything
 * here runs in the host thread, but the resolver threads of host_ctl.c. */
#ifndef PRELOAD_HOST_INT_H
#define PRELOAD_HOST_INT_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/un.h>

#include "preload/host.h"
#include "preload/proto.h"

#define HOST_BUF (64 * 1024)       /* bytes buffered per direction per connection */
#define HOST_EVENTS 64             /* kernel epoll events per wait */
#define HOST_US_EVENTS 256         /* ustack readiness events per wait */
#define HOST_ACCEPTS_PER_EVENT 64
#define HOST_DGRAMS_PER_EVENT 64
#define HOST_TOMBS_MAX 4096        /* ended connections remembered for their error */
#define HOST_HASH 4096             /* ino buckets, a power of two */

enum ref_type { REF_API = 1, REF_CLIENT, REF_SOCK, REF_USEP, REF_STOP };

enum sock_state { S_IDLE, S_CONNECTING, S_OPEN, S_TOMB };

struct hsock {
	int type;                   /* REF_SOCK: first, for the epoll data pointer */
	enum pl_kind kind;
	int domain;                 /* AF_INET or AF_INET6 */
	enum sock_state state;
	int usfd;                   /* the ustack socket, -1 once closed */
	int ufd;                    /* the host's unix end, -1 once closed */
	int prog;                   /* the program's end while connecting, else -1 */
	int prog_sndbuf;            /* its SO_SNDBUF before the filler */
	struct client *connect_by;  /* S_CONNECTING: the process that asked (host_client_gone) */
	uint64_t ino;               /* of the program's end */
	int err;                    /* pending error (positive), SO_ERROR and PL_OP_ERROR */
	int cork;                   /* TCP_CORK as set: kept and answered, no effect */
	uint32_t kev, uev;          /* events asked of the kernel epoll / the readiness set */
	int kreg;                   /* ufd is in the kernel epoll */
	/* stream pump */
	uint8_t *in, *out;          /* program -> stack, stack -> program */
	size_t in_off, in_len, out_off, out_len;
	size_t filler;              /* filler bytes still to discard from the unix end */
	int prog_eof, us_eof, us_shut, u_shut, prog_gone;
	int hup;                    /* the unix end reported EPOLLHUP: no more kernel events */
	int rd_shut;                /* the program's end takes no more bytes (its SHUT_RD) */
	/* listener: one accepted connection the unix queue had no room for */
	int pend_fd;
	struct sockaddr_storage pend_peer;
	int dead;
	struct hsock *hnext;
	TAILQ_ENTRY(hsock) link;    /* live list, or the tombstones' FIFO */
};
TAILQ_HEAD(hsock_list, hsock);

struct client {
	int type;                   /* REF_CLIENT */
	int fd;
	int dead;
	TAILQ_ENTRY(client) link;
};
TAILQ_HEAD(client_list, client);

struct pl_host {
	struct ustack *st;
	int api_fd, epfd, usep, usep_kfd;
	int stop_pipe[2];
	int api_ref, usep_ref, stop_ref;
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t api_ino;
	struct hsock *hash[HOST_HASH];
	struct hsock_list live, tombs, dead;
	struct client_list clients;
	int ntombs;
	atomic_int nclients, nsocks;
	uint8_t dgram[PL_DGRAM_HDR + PL_DGRAM_MAX];
};

/* the ino table */
struct hsock **host_hslot(struct pl_host *h, uint64_t ino);
void host_hash_put(struct pl_host *h, struct hsock *s);
void host_hash_del(struct pl_host *h, struct hsock *s);
/* the inode of fd into *ino: 0 or -errno */
int host_fd_ino(int fd, uint64_t *ino);
/* the events wanted of the kernel epoll (ufd) and of the readiness set (usfd) */
void host_kset(struct pl_host *h, struct hsock *s, uint32_t ev);
void host_kdel(struct pl_host *h, struct hsock *s);
void host_uset(struct pl_host *h, struct hsock *s, uint32_t ev);
/* a socket record on the live list (NULL without memory); freed at the end of the event
 * batch; the pump started on a connection (0 or -ENOMEM); the listener's interest */
struct hsock *host_sock_new(struct pl_host *h, enum pl_kind kind, int usfd, int ufd);
void host_sock_free(struct pl_host *h, struct hsock *s);
int host_stream_open(struct pl_host *h, struct hsock *s);
void host_listener_interest(struct pl_host *h, struct hsock *l);
/* A link-local address's sin6_scope_id between the program's numbering (the kernel's
 * interface indexes: if_nametoindex, getifaddrs) and the stack's (its device numbers),
 * matched by the device's name. To the stack: 0, or -ENODEV (no stack device by the
 * kernel interface's name); to the program: 0 where the kernel has no such name. Other
 * addresses pass unchanged. */
int host_scope_to_stack(struct pl_host *h, struct sockaddr_storage *ss);
void host_scope_to_prog(struct pl_host *h, struct sockaddr_storage *ss);
/* one request of client c, answered (preload/host_ctl.c) */
void host_client_request(struct pl_host *h, struct client *c);

#endif
