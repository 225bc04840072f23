/* SPDX-License-Identifier: MIT */
/* ustack: a user-space TCP/IP stack. This is its one public header.
 *
 * Error convention for the whole API: functions return 0 / a count / a descriptor on
 * success and a negative errno on failure (-EAGAIN, -ECONNRESET...); they never set errno
 * and never raise signals (a send on a connection the peer closed returns -EPIPE; there is
 * no SIGPIPE to suppress). Every prototype's comment says what it returns. */
#ifndef USTACK_H
#define USTACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Sockets ==== */

/* BSD-style sockets over the stack's TCP, UDP and ICMP echo (SOCK_DGRAM, IPPROTO_ICMP).
 * Descriptors are the stack's own small integers, not kernel descriptors: pass them only
 * to us_* calls. Addresses are struct sockaddr_in passed as struct sockaddr with their
 * length; a family other than AF_INET is -EAFNOSUPPORT, a length shorter than
 * sizeof(struct sockaddr_in) is -EINVAL. Levels, option names and flags are the system's
 * (SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, SO_*, IP_*, TCP_*, MSG_*). Every call may be made
 * from any thread; a blocking call waits for the stack's loop (SO_RCVTIMEO/SO_SNDTIMEO
 * bound the wait, then -EAGAIN). */

/* us_poll event bits (same values as poll.h). */
#define US_POLLIN  0x001
#define US_POLLOUT 0x004
#define US_POLLERR 0x008
#define US_POLLHUP 0x010
#define US_POLLNVAL 0x020 /* us_poll: fd is not an open socket */

/* us_socket type flag and us_accept4 flag: the new descriptor is non-blocking. */
#define US_SOCK_NONBLOCK 0x800

/* Opens a socket: domain AF_INET; type SOCK_STREAM or SOCK_DGRAM, optionally or-ed with
 * US_SOCK_NONBLOCK; protocol 0 or IPPROTO_TCP / IPPROTO_UDP / IPPROTO_ICMP (echo).
 * Returns a descriptor, or -EAFNOSUPPORT, -EPROTONOSUPPORT, -EMFILE, -ENOMEM, -ENOBUFS. */
int us_socket(int domain, int type, int protocol);
/* Binds to a local address and port (port 0: one is chosen). Returns 0, or -EBADF,
 * -EINVAL (already bound, addr NULL or short), -EAFNOSUPPORT, -EADDRINUSE,
 * -EADDRNOTAVAIL. */
int us_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
/* Connects. TCP: a blocking socket waits for the handshake and returns 0 or the failure
 * (-ECONNREFUSED, -ETIMEDOUT...); a non-blocking one returns -EINPROGRESS and the outcome
 * is seen with us_poll (US_POLLOUT) and SO_ERROR. UDP/ICMP: sets the default destination
 * and returns 0 at once; family AF_UNSPEC dissolves it. Returns -EBADF, -EINVAL,
 * -EAFNOSUPPORT, -EALREADY, -EISCONN, -ENETUNREACH as well. */
int us_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
/* Makes a TCP socket listen. Returns 0, or -EBADF, -EOPNOTSUPP (not TCP), -EINVAL. */
int us_listen(int fd, int backlog);
/* Takes a connection from a listener's queue, waiting if it is blocking. When addr is not
 * NULL the peer's address is stored there, cut to *addrlen bytes, and *addrlen is set to
 * its full length. The new socket is blocking whatever the listener is. Returns the new
 * descriptor, or -EAGAIN (non-blocking, none queued), -EBADF, -EINVAL (not listening),
 * -EOPNOTSUPP, -EMFILE, -EFAULT (addr without addrlen). */
int us_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* us_accept whose new socket is non-blocking if flags has US_SOCK_NONBLOCK (SOCK_CLOEXEC
 * is accepted and means nothing here). Returns as us_accept, or -EINVAL for other flags. */
int us_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);
/* Sends. TCP: queues what fits in the send buffer and returns that count (a blocking
 * socket waits until some fits); UDP/ICMP: one datagram. flags: MSG_DONTWAIT (do not
 * wait, whatever the socket's mode), MSG_NOSIGNAL (accepted; no call ever raises SIGPIPE
 * or any signal), MSG_MORE, MSG_EOR and MSG_CONFIRM (accepted, no effect); any other flag
 * (MSG_OOB, MSG_FASTOPEN, ...) is -EOPNOTSUPP. Returns the bytes taken, or -EAGAIN,
 * -EPIPE (TCP: sending side closed or connection ended), -ECONNRESET, -EDESTADDRREQ,
 * -EMSGSIZE, -ENETUNREACH, -EOPNOTSUPP, -EBADF, or an error an ICMP message reported
 * (-ECONNREFUSED...). */
ssize_t us_send(int fd, const void *buf, size_t len, int flags);
/* us_send to dst (dst NULL: the connected peer; TCP ignores dst). Returns as us_send, or
 * -EINVAL / -EAFNOSUPPORT for a bad dst. */
ssize_t us_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *dst,
		  socklen_t dstlen);
/* us_sendto gathering msg_iov (at most IOV_MAX elements) to msg_name (NULL: the connected
 * peer). A datagram socket sends them as one datagram; TCP queues them together before
 * sending. Ancillary data (msg_controllen > 0) is -EOPNOTSUPP; msg_flags is not read.
 * Returns as us_send, or -EMSGSIZE (too many elements), -EFAULT. */
ssize_t us_sendmsg(int fd, const struct msghdr *msg, int flags);
/* As sendfile(2): up to count bytes of the file in_fd, from *offset (which moves on past
 * them; the file position stays) or, offset NULL, from in_fd's position (which moves on),
 * go into the TCP socket fd's send buffer, read there by the stack with no copy through a
 * buffer of the caller's. Returns the bytes taken (fewer than count when the send buffer
 * or the file ends first; a blocking socket waits, as us_send, until it takes some), 0 at
 * the file's end or for count 0 (once the socket's own state allows a send: a pending
 * error, a connection still opening or a closed sending side answer first, as us_send
 * would), or -errno: as us_send, -EINVAL (not a TCP socket, in_fd
 * not a regular file, as sendfile(2) before Linux 5.12, or *offset negative), -EBADF, or
 * what reading in_fd gave (-EIO, also for a read that would block). The read
 * happens under the stack's lock: meant for files in the page cache; a slow disk holds up
 * the stack while it reads. */
ssize_t us_sendfile(int fd, int in_fd, off_t *offset, size_t count);
/* Receives. A blocking socket waits for data; returns the bytes copied, 0 at a TCP
 * stream's end, or -EAGAIN (nothing there and non-blocking, or SO_RCVTIMEO passed),
 * -ECONNRESET, -ETIMEDOUT, -EOPNOTSUPP, -EBADF... A datagram longer than len is cut (the
 * rest is lost). flags: MSG_PEEK (the data stays queued: the next call reads it again),
 * MSG_DONTWAIT, MSG_WAITALL (TCP on a blocking call: wait for len bytes, returning fewer
 * only at the stream's end, an error, SO_RCVTIMEO or a us_close by another thread;
 * ignored by datagram sockets, as Linux), MSG_TRUNC (datagrams: return the datagram's real length even when cut; TCP, as
 * Linux: up to len bytes are taken out of the stream and dropped, not copied), MSG_NOSIGNAL and MSG_CMSG_CLOEXEC (no effect); any other flag (MSG_OOB,
 * MSG_ERRQUEUE) is -EOPNOTSUPP. */
ssize_t us_recv(int fd, void *buf, size_t len, int flags);
/* us_recv that also stores the sender's address in src (if not NULL), cut to *srclen
 * bytes, and sets *srclen to its full length (0 for TCP, which names no sender, as
 * Linux). Returns as us_recv, or -EFAULT (src without srclen). */
ssize_t us_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *src,
		    socklen_t *srclen);
/* us_recvfrom scattering into msg_iov (at most IOV_MAX elements). msg_name/msg_namelen as
 * src/srclen of us_recvfrom (msg_namelen set to 0 when msg_name is NULL); msg_controllen
 * is set to 0 (no ancillary data); msg_flags is set: MSG_TRUNC when a datagram was longer
 * than the buffers. Returns as us_recv, or -EMSGSIZE (too many elements), -EFAULT. */
ssize_t us_recvmsg(int fd, struct msghdr *msg, int flags);
/* Shuts down SHUT_RD, SHUT_WR or SHUT_RDWR of a TCP connection. Returns 0, or -EBADF,
 * -EINVAL, -ENOTCONN, -EOPNOTSUPP. */
int us_shutdown(int fd, int how);
/* Closes the descriptor (TCP goes on to send what is queued, then FIN, unless SO_LINGER
 * with 0 s asks for a reset). Returns 0 or -EBADF. */
int us_close(int fd);
/* The local address, cut to *addrlen bytes; *addrlen is set to its full length. Returns 0,
 * or -EBADF, -EFAULT (addr or addrlen NULL). */
int us_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* The peer's address, as us_getsockname. Returns 0, or -EBADF, -EFAULT, -ENOTCONN. */
int us_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
/* Sets an option. Every socket: SOL_SOCKET SO_REUSEADDR, SO_KEEPALIVE, SO_LINGER,
 * SO_RCVBUF, SO_SNDBUF (the limit in bytes; Linux doubles the value, this stack does not),
 * SO_RCVTIMEO, SO_SNDTIMEO, SO_BINDTODEVICE (a device name, not necessarily
 * NUL-terminated; "" or len 0 unbinds: the socket then sends only through that device,
 * routes or not, a broadcast to 255.255.255.255 included, and hears only what comes in
 * through it); IPPROTO_IP IP_TTL (1..255, -1: the default), IP_TOS (TCP keeps the ECN
 * bits to itself), IP_MTU_DISCOVER (IP_PMTUDISC_DO and _PROBE set Don't Fragment, and a
 * datagram larger than the route's MTU is then -EMSGSIZE; _DONT, _WANT (taken as _DONT:
 * the stack does no path MTU discovery for datagrams), _INTERFACE and _OMIT do not).
 * TCP: IPPROTO_TCP TCP_NODELAY, TCP_MAXSEG (88..32767, or 0: none; before connect or
 * listen it caps the MSS announced and used), TCP_KEEPIDLE / TCP_KEEPINTVL (seconds,
 * 1..32767), TCP_KEEPCNT (1..127), TCP_CONGESTION (a name: "cubic", "newreno"...).
 * Returns 0, or -EBADF, -EINVAL (len too short or bad value), -EFAULT, -ENODEV
 * (SO_BINDTODEVICE: no such device), -ENOPROTOOPT (unknown level or name), -ENOENT
 * (TCP_CONGESTION: unknown algorithm). */
int us_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
/* Reads an option into val (at most *len bytes) and sets *len to the bytes stored. Besides
 * those us_setsockopt sets: SO_TYPE, SO_ERROR (the pending error as a positive errno,
 * cleared by reading), IP_TTL (the default when unset), TCP_MAXSEG (the MSS in use once
 * connected), TCP_INFO (struct us_tcp_info, below), SO_BINDTODEVICE (the name with its
 * NUL; *len 0 when unbound). Returns 0, or -EBADF, -EINVAL, -EFAULT, -ENOPROTOOPT. */
int us_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
/* Turns non-blocking mode on or off. Returns 0 or -EBADF. */
int us_set_nonblock(int fd, int on);
/* Socket ioctls; arg points to an int. FIONREAD (= SIOCINQ): TCP the bytes readable, a
 * datagram socket the length of the next datagram (0 if none), as Linux; SIOCOUTQ: TCP
 * the bytes not yet acknowledged by the peer (sent or not), datagram sockets 0 (nothing
 * waits: a datagram leaves at once); SIOCOUTQNSD: TCP the bytes not yet sent; FIONBIO:
 * sets non-blocking mode from *arg. Returns 0, or -EBADF, -EFAULT (arg NULL), -EINVAL
 * (SIOCINQ/SIOCOUTQ on a listener), -ENOTTY (another request). */
int us_ioctl(int fd, unsigned long request, void *arg);
/* F_GETFL: returns O_RDWR, with O_NONBLOCK in non-blocking mode. F_SETFL: sets
 * non-blocking mode from O_NONBLOCK in arg (other flags ignored, as Linux) and returns 0.
 * Returns -EBADF, or -EINVAL for another cmd. */
int us_fcntl(int fd, int cmd, int arg);

struct us_pollfd {
	int fd;
	short events;
	short revents;
};
/* Waits until one of fds is ready or timeout_ms passes (-1: forever). Returns the number
 * of ready entries, 0 on timeout, or -EINVAL. */
int us_poll(struct us_pollfd *fds, int n, int timeout_ms);

/* Resolves a host name to IPv4 addresses, over this thread's current stack: a dotted quad
 * is taken as it is; then the hosts file (/etc/hosts, or $USTACK_HOSTS); then the cache
 * (answers kept for their TTL, a missing name for its SOA's negative TTL: RFC 2308); then
 * A queries, for the name and those resolv.conf's search list and ndots make of it (see
 * us_getaddrinfo), over UDP (TCP for a truncated answer) to the
 * servers set with --dns (the program) or else the nameserver lines of /etc/resolv.conf
 * (or $USTACK_RESOLV_CONF), each server tried in turn, twice, until timeout_ms has passed
 * in all. CNAME chains are followed (8 links at most). Up to max addresses (at most 8) are
 * stored in out (sin_family AF_INET, sin_port 0). Returns their count, or -ENOENT (no such
 * name, or no IPv4 address for it), -ETIMEDOUT (no server answered in time), -EAGAIN (the
 * servers failed: SERVFAIL, REFUSED), -EDESTADDRREQ (no server configured), -EINVAL (name
 * too long or not a host name, max < 1, timeout_ms < 0), -ENOMEM, or a socket call's
 * error. Blocking; call it from an application thread, not a stack callback. */
int us_resolve(const char *name, struct sockaddr_in *out, int max, int timeout_ms);

/* getaddrinfo(3) over the stack's resolver, with the system's struct addrinfo and AI_*
 * flags. node is a host name or a numeric address of either family (taken as it is, no
 * query), or NULL for the wildcard (AI_PASSIVE) or loopback address; service a port
 * number or a name from /etc/services, or NULL for port 0. hints may be NULL; its
 * ai_family is AF_UNSPEC (A and AAAA asked in parallel, one socket, two IDs; IPv4 results
 * first, which keeps one A query for most names where RFC 6724 would put IPv6 first),
 * AF_INET (A only) or AF_INET6 (AAAA only); ai_socktype
 * SOCK_STREAM, SOCK_DGRAM or 0 (one result of each per address); ai_protocol 0 or the
 * matching IPPROTO_*; ai_flags AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV,
 * AI_ADDRCONFIG (only the families the stack has an address of, loopback and IPv6
 * link-local ones not counted, as RFC 3493 and glibc; neither: -ENODATA). A name is looked
 * up as us_resolve says, through the search list of resolv.conf's search or domain line
 * (or a DHCP lease's domain) and its ndots, for at most 5 s in all (resolv.conf's
 * options timeout:N attempts:N change that to N*N per server; single-request asks A and
 * AAAA one after the other). Returns 0 with *res, to be
 * given back with us_freeaddrinfo, or -ENOENT (no such name; or AI_NUMERICHOST and not a
 * numeric address), -ENODATA (the name exists, without an address of that family),
 * -ESRCH (no such service), -EAFNOSUPPORT (ai_family), -ESOCKTNOSUPPORT (ai_socktype),
 * -EINVAL (node and service both NULL, unknown flags, not a host name), -ETIMEDOUT,
 * -EAGAIN (the servers failed), -EDESTADDRREQ (no server), -ENOMEM. Blocking, as
 * us_resolve. */
struct addrinfo;
int us_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		   struct addrinfo **res);
void us_freeaddrinfo(struct addrinfo *res);
/* A short text for us_getaddrinfo's and us_resolve's errors ("no such name", "no
 * address of the family asked", ...). */
const char *us_gai_strerror(int err);

/* The resolver's limits, the process's (not a stack's). */
struct us_resolver_config {
	unsigned cache_max;       /* answers cached, positive and negative together, one per
	                           * name and type [64; 0 = no cache; at most 4096] */
	unsigned ttl_max_s;       /* an answer's TTL is cut to this [86400] */
	unsigned neg_ttl_max_s;   /* NXDOMAIN and NODATA are kept for the SOA's TTL or MINIMUM,
	                           * whichever is less (RFC 2308), at most this [900] */
	unsigned servfail_ttl_s;  /* a name every server failed for is not asked again for
	                           * this long [5; at most 300, RFC 2308 7.1] */
};
/* Reads the limits in force. */
void us_resolver_config_get(struct us_resolver_config *cfg);
/* Sets them and empties the cache. 0, or -EINVAL (a value past its limit), -ENOMEM. */
int us_resolver_config_set(const struct us_resolver_config *cfg);

/* us_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) with len = sizeof(info) (a
 * shorter len gets the first len bytes). This is the stack's own layout, not Linux's
 * struct tcp_info; fields may be added at the end only. Segments are counted in snd_mss
 * units, rounded up. */
struct us_tcp_info {
	uint8_t state;          /* numbered as Linux: 1 ESTABLISHED, 2 SYN_SENT, 3 SYN_RECV,
	                         * 4 FIN_WAIT1, 5 FIN_WAIT2, 6 TIME_WAIT, 7 CLOSE, 8 CLOSE_WAIT,
	                         * 9 LAST_ACK, 10 LISTEN, 11 CLOSING */
	uint8_t snd_wscale;     /* the peer's window scale shift (0 without window scaling) */
	uint8_t rcv_wscale;     /* ours */
	uint8_t reserved;
	uint32_t rto_us;        /* retransmission timeout, microseconds */
	uint32_t rtt_us;        /* smoothed RTT (0 before the first sample); the estimator keeps
	                         * milliseconds, so a multiple of 125 us */
	uint32_t rttvar_us;     /* RTT variation, a multiple of 250 us */
	uint32_t snd_mss;       /* MSS of what we send (payload bytes) */
	uint32_t rcv_mss;       /* MSS we announced */
	uint32_t snd_cwnd;      /* congestion window, segments */
	uint32_t snd_cwnd_bytes;
	uint32_t snd_ssthresh;  /* slow-start threshold, segments (0x7fffffff: unset) */
	uint32_t snd_ssthresh_bytes;
	uint32_t unacked;       /* segments sent and not yet acknowledged */
	uint32_t sacked;        /* of those, SACKed */
	uint32_t lost;          /* of those, marked lost */
	uint32_t retrans;       /* retransmitted and still in flight */
	uint32_t total_retrans; /* segments retransmitted over the connection's life */
	uint64_t bytes_acked;   /* payload bytes the peer acknowledged */
	uint64_t bytes_received;/* payload bytes received in order */
	uint64_t delivery_rate; /* bytes per second, the last delivery-rate sample; 0: none yet */
	char congestion[16];    /* the congestion control's name, NUL-terminated */
	uint32_t backoff;       /* retransmission timeouts since the last valid RTT sample: the
	                         * timer runs at rto_us, which is the base RTO doubled as often */
};
/* ==== Readiness ==== */

/* A readiness set, in the manner of epoll: sockets are added once with the events wanted,
 * and the stack itself queues a member on the set's ready list when its readiness changes
 * (data, room to send, a connection to accept, an error, end of file), so a wait costs the
 * number of ready members, not the number watched. A set is an ustack descriptor: close
 * it with us_close(). A closed socket leaves every set it was in.
 *
 * us_epoll_fd() gives a kernel descriptor that is readable while the set has members on
 * its ready list, so a program can wait on ustack sockets and kernel descriptors (stdin, a
 * pipe, a kernel socket) in one poll/select/epoll of its own, then call us_epoll_wait()
 * with timeout 0.
 *
 * Event bits: the US_POLL* values (US_EPOLLIN == US_POLLIN and so on). US_EPOLLERR and
 * US_EPOLLHUP are always reported, asked for or not. */
#define US_EPOLLIN      0x001u
#define US_EPOLLOUT     0x004u
#define US_EPOLLERR     0x008u
#define US_EPOLLHUP     0x010u
/* Oneshot: after one report the member is disarmed (it stays in the set, reports nothing)
 * until US_EPOLL_CTL_MOD arms it again. */
#define US_EPOLLONESHOT (1u << 30)
/* Edge-triggered: reported once per change the stack announces (new data, new room, ...),
 * so read or write until -EAGAIN before waiting again. Without it the member is
 * level-triggered: reported by every wait for as long as it stays ready. */
#define US_EPOLLET      (1u << 31)

#define US_EPOLL_CTL_ADD 1
#define US_EPOLL_CTL_DEL 2
#define US_EPOLL_CTL_MOD 3

typedef union us_epoll_data {
	void *ptr;
	int fd;
	uint32_t u32;
	uint64_t u64;
} us_epoll_data_t;

struct us_epoll_event {
	uint32_t events;      /* ctl: wanted (US_EPOLL* | US_EPOLLET | US_EPOLLONESHOT);
			       * wait: what is ready */
	us_epoll_data_t data; /* the caller's, returned as given */
};

/* Creates an empty set. Returns its descriptor (an ustack descriptor, counted against
 * the descriptor limit), or -EMFILE / -ENOMEM. */
int us_epoll_create(void);

/* Adds (US_EPOLL_CTL_ADD), changes (MOD) or removes (DEL) socket fd in set epfd; ev is
 * ignored for DEL. A socket already ready when added or changed is queued at once.
 * Returns 0, -EBADF (epfd or fd not open), -EINVAL (epfd is not a set, fd is a set, bad
 * op), -EEXIST (ADD of a member), -ENOENT (MOD/DEL of a non-member), -EFAULT (ev NULL),
 * -ENOSPC (the set holds socket_config.max_sockets members) or -ENOMEM. */
int us_epoll_ctl(int epfd, int op, int fd, const struct us_epoll_event *ev);

/* Waits until a member of epfd is ready or timeout_ms passes (-1: forever, 0: do not
 * wait), then fills up to max entries of out. Each reported member's readiness is read
 * again at this moment, so a member that is no longer ready is not reported. Blocks like
 * us_poll (or runs the loop in a program that drives it). Returns the number of entries,
 * 0 on timeout, -EBADF (epfd not open, or closed meanwhile), -EINVAL (not a set, max < 1,
 * out NULL). */
int us_epoll_wait(int epfd, struct us_epoll_event *out, int max, int timeout_ms);

/* A kernel descriptor (an eventfd) that is readable while epfd has members on its ready
 * list; the first call creates it. It belongs to the set: do not read or close it; it is
 * closed with the set. It can stay readable after the program consumed what a
 * level-triggered member reported, until the next us_epoll_wait (which then returns 0 and
 * clears it). The stack's loop thread fills it: a program that drives the loop itself
 * waits in us_epoll_wait instead. Returns the descriptor, -EBADF, -EINVAL (epfd is not a
 * set), or the kernel's error from eventfd(2). */
int us_epoll_fd(int epfd);

/* ==== Stack life cycle ==== */

/* A process may hold several stacks (up to 64), each with its own devices, sockets, lock
 * and loop. Every ustack_* call works on the stack its handle names, and every us_* call on
 * a descriptor works on the stack that made the descriptor (the stack is encoded in it).
 * us_socket() and us_epoll_create() make their descriptor in the calling thread's current
 * stack: the one it last created or named in a ustack_* call (ustack_use() says it
 * outright), or the first stack created when the thread never named one.
 *
 * The order of use:
 *   struct ustack_config cfg;  ustack_config_init(&cfg);  (change what you need)
 *   ustack_create(&cfg, &st);                              the loopback device "lo", 127.0.0.1/8
 *   ustack_add_device(st, "tap:tap0,addr=10.0.0.2/24");   as many as needed
 *   ustack_route_add(...);                                 optional
 *   ustack_start(st);          a loop thread runs the stack; or call ustack_run_once()
 *   ... us_socket() and the other us_* calls, from any thread ...
 *   ustack_drain(st, 10000);   let closed TCP connections deliver their last bytes
 *   ustack_destroy(st);
 */
struct ustack;

/* Settings, grouped by layer. ustack_config_init() fills the defaults shown in brackets;
 * ustack_create() applies them. Sizes are in bytes, times in milliseconds. */
struct ustack_config {
	int log_level;                /* stderr log: 0 errors, 1 and warnings, 2 and info,
	                               * 3 and debug [1] */
	struct {
		size_t sndbuf;            /* a TCP socket's send buffer limit [262144] */
		size_t rcvbuf;            /* a TCP socket's receive buffer limit: the window grows
		                           * to it as the application reads [4194304] */
		size_t udp_rcvbuf;        /* datagram bytes queued per UDP socket [212992] */
		int max_sockets;          /* open descriptors [65536] */
	} sock;
	struct {
		unsigned busy_poll_us;    /* spin this long on the devices before the loop sleeps;
		                           * costs CPU time, lowers latency; backs off where
		                           * spins gain nothing [0 = off; the ustack commands
		                           * use 50] */
		unsigned loopback_queue_max; /* frames waiting on "lo" for the next loop turn [256] */
	} loop;
	struct {
		unsigned reclaim_ms;      /* period of the memory reclaim timer [1000] */
		size_t trim_min_bytes;    /* freed bytes before malloc_trim() is called [1048576] */
		int trim;                 /* call malloc_trim() at all [1] */
	} mem;
	struct {
		unsigned reachable_ms;    /* an entry is reachable this long, then stale [30000] */
		unsigned stale_gc_ms;     /* a stale entry is removed after this [60000] */
		unsigned retry_ms;        /* resolution retry interval [1000] */
		unsigned max_tries;       /* requests before giving up [3] */
		unsigned queue_max;       /* packets waiting per unresolved entry [8] */
		unsigned cache_max;       /* entries [1024] */
		unsigned req_min_gap_ms;  /* at most one request per entry per this [333] */
	} arp;
	struct {
		uint8_t default_ttl;      /* [64] */
		unsigned reass_timeout_ms; /* an incomplete datagram is dropped after this [30000] */
		size_t reass_mem_max;     /* bytes held by incomplete datagrams [1048576] */
		unsigned reass_max_datagrams; /* incomplete datagrams at once [64] */
		int forwarding;           /* route datagrams not addressed to us [0] */
		unsigned route_max;       /* routes in the table [65536] */
		int martian_class_e;      /* drop 240.0.0.0/4 sources [0, as Linux] */
		int accept_local;         /* accept our own addresses as sources from a wire [0] */
	} ip;
	struct {
		unsigned error_rate_per_s; /* ICMP errors sent per second, all together [1000] */
		unsigned error_burst;     /* ... and that token bucket's depth [50] */
		unsigned dest_interval_ms; /* one error per this long to one destination [1000] */
		unsigned dest_burst;      /* errors one destination may get at once [6] */
	} icmp;
	struct {
		uint16_t ephemeral_lo;    /* first port of an implicit bind [49152] */
		uint16_t ephemeral_hi;    /* last one [65535] */
	} udp;
	struct {
		unsigned max_conns;       /* connections alive at once [65536] */
		size_t rcvbuf_init;       /* receive window before auto-tuning grows it [65536] */
		int rcvbuf_autotune;      /* grow the window with what the application reads [1] */
		unsigned buf_idle_ms;     /* an unused buffer gives its storage back after [1000] */
		unsigned syn_backlog_max; /* a listener's SYN queue ceiling [1024] */
		unsigned syncache_max;    /* SYN queue entries of all listeners [16384] */
		unsigned synack_rexmits;  /* SYN,ACK retransmissions [5] */
		int syncookies;           /* 0 never, 1 when the SYN queue is full, 2 always [1] */
		int abort_on_overflow;    /* accept queue full: 1 reset the connection, 0 drop the
		                           * handshake's ACK [0] */
		unsigned rst_per_s;       /* resets for segments without a connection, per second
		                           * [200; 0 = no limit] */
		unsigned rst_burst;       /* ... and that token bucket's depth [200] */
		unsigned ooo_max_segs;    /* out-of-order segments held per connection [512] */
		unsigned rto_initial_ms;  /* [1000] */
		unsigned rto_min_ms;      /* [200] */
		unsigned rto_max_ms;      /* [60000] */
		unsigned max_rexmits;     /* retransmissions before -ETIMEDOUT [12] */
		unsigned syn_rexmits;     /* SYN retransmissions before -ETIMEDOUT [6] */
		unsigned delack_ms;       /* delayed ACK, at most 200 [40] */
		unsigned msl_ms;          /* TIME_WAIT lasts twice this [30000] */
		unsigned fin_wait_2_ms;   /* an orphaned FIN_WAIT_2 ends after [60000] */
		unsigned tw_drain_ms;     /* ustack_drain() waits on TIME_WAIT while its peer was
		                           * heard within this, or two RTOs [1000] */
		unsigned keep_idle_ms;    /* SO_KEEPALIVE: idle before the first probe [7200000] */
		unsigned keep_intvl_ms;   /* between probes [75000] */
		unsigned keep_probes;     /* unanswered probes before -ETIMEDOUT [9] */
		unsigned persist_min_ms;  /* zero-window probe interval, first [500] */
		unsigned persist_max_ms;  /* ... and largest [60000] */
		unsigned initial_window_segs; /* RFC 6928 [10] */
		unsigned challenge_ack_per_s; /* RFC 5961 [1000] */
		int timestamps;           /* offer RFC 7323 timestamps [1] */
		int window_scaling;       /* offer RFC 7323 window scaling [1] */
		int sack;                 /* offer SACK [1] */
		int ack_per_batch;        /* one ACK per input batch for every-second-segment [1] */
		int tso;                  /* 64 KB super-segments to devices that take them [1] */
		const char *cc_name;      /* congestion control: "cubic" or "newreno" ["cubic"];
		                           * another name makes ustack_create() fail with -ENOENT */
		int hystart;              /* HyStart++ (RFC 9406) [1] */
		int rack;                 /* RACK-TLP loss detection (RFC 8985) [1] */
		int frto;                 /* F-RTO (RFC 5682) [1] */
		int dsack_undo;           /* undo spurious reductions (RFC 2883, 3708, 3522) [1] */
		unsigned quickacks;       /* segments ACKed at once at the start and after idle [16] */
		unsigned sent_max_segs;   /* sent-segment records per connection [4096] */
		uint16_t ephemeral_min;   /* first port of an implicit bind [49152] */
		uint16_t ephemeral_max;   /* last one [65535] */
	} tcp;
	struct {
		unsigned reass_timeout_ms; /* an incomplete packet is dropped after this [60000] */
		size_t reass_mem_max;     /* bytes held by incomplete packets [1048576] */
		unsigned reass_max_datagrams; /* incomplete packets at once [64] */
		unsigned pmtu_max;        /* path MTU entries (at most 256) [64] */
		unsigned pmtu_expire_ms;  /* a lowered path MTU is forgotten after this [600000] */
	} ip6;
};

/* Fills *cfg with the defaults. */
void ustack_config_init(struct ustack_config *cfg);

/* Creates the stack: every layer, and the loopback device "lo" with 127.0.0.1/8. cfg NULL
 * means the defaults. The new stack becomes the calling thread's current one. Returns 0
 * and *out, -ENOMEM when memory or stacks run out, -EINVAL for a setting out of range
 * (ustack_errmsg(NULL) says which), -ENOENT for an unknown tcp.cc_name, or another -errno.
 * The log level (log_level) is the process's: the last create sets it. */
int ustack_create(const struct ustack_config *cfg, struct ustack **out);

/* Makes st the calling thread's current stack: where its next us_socket() and
 * us_epoll_create() make their descriptors. */
void ustack_use(struct ustack *st);

/* Opens a device and gives it its address, from the spec string the ustack program takes
 * after --dev:
 *   tap:NAME[,addr=A.B.C.D/N][,addr6=ADDR/LEN][,host=H/N][,bridge=BR][,mac=MAC][,mtu=N][,offload=on|off]
 *       [,queues=N[,queue=I]]  (queue I of a multi-queue TAP that N stacks share)
 *   tun:NAME,addr=A.B.C.D/N[,addr6=ADDR/LEN][,host=H][,mtu=N][,offload=on|off]
 *   packet:IFNAME[,addr=A.B.C.D/N][,addr6=ADDR/LEN][,mac=MAC][,offload=on|off]
 * (host= configures the kernel's side; needs CAP_NET_ADMIN like the devices themselves.
 * addr6= adds a static IPv6 address; a TAP or packet device also gets its link-local one.)
 * Without addr= a TAP or packet device comes up with no address: it hears datagrams to
 * 255.255.255.255, and a socket bound to it (SO_BINDTODEVICE) sends one from 0.0.0.0, as
 * a DHCP client needs; ustack_addr_add gives it its address later. addr=dhcp is taken
 * as no addr= here: the ustack program runs the DHCP client, the library does not.
 * Returns 0; -EINVAL for
 * a bad spec; -EEXIST if the name is taken; or the driver's -errno (-EPERM, -ENODEV,
 * -EBUSY...). ustack_errmsg(st) has the one-line reason. */
int ustack_add_device(struct ustack *st, const char *spec);

/* Wrappers on a device (before or after ustack_start): a capture, a trace, faults. */
struct ustack_wrap {
	const char *pcap;     /* capture both directions to this pcap file (nanosecond
	                       * timestamps), NULL: none (the second device captured writes
	                       * FILE-DEV.ext instead); a name ending in ".pcapng" is one
	                       * pcapng file that every device wrapped with it shares */
	int trace;            /* one timestamped, decoded line per packet to trace_out */
	FILE *trace_out;      /* NULL: stdout */
	const char *impair;   /* "loss=P,dup=P,reorder=P,delay=MS,corrupt=P,seed=N" (P in
	                       * percent, both directions), NULL: none */
	const char *trace_filter; /* pcap-filter expression ("tcp port 80"): trace only the
	                       * frames it matches, NULL: all (the capture keeps all) */
	int trace_time_rel;   /* 1: stamp lines with seconds since the first traced packet;
	                       * 0: with the wall clock, HH:MM:SS.uuuuuu */
};
/* Attaches them to the device named dev ("lo" too), once per device. Returns 0, -ENODEV
 * (no such device), -EINVAL (bad impair string or trace filter), -EEXIST (already
 * wrapped) or -EIO (the capture file cannot be written); ustack_errmsg(st) says more. */
int ustack_wrap_device(struct ustack *st, const char *dev, const struct ustack_wrap *w);

/* The TCP event log: one CSV line per event of every connection (sends, retransmissions,
 * ACKs, SACKs, losses found, recovery, timeouts, undo, state changes) with its sender's
 * variables, written to path (truncated) through a buffer flushed once a second and when
 * the stack is destroyed; after max_bytes (0: 64 MiB) the log stops with one warning.
 * path NULL closes a log. docs/tcp-log.md has the columns; `ustack plot` draws it.
 * Returns 0, -EINVAL (no stack) or -errno from opening path. */
int ustack_tcp_log(struct ustack *st, const char *path, size_t max_bytes);

/* Adds addr/prefix_len to the device named dev (at most 4 per device), with its connected
 * route, at any time: it is usable at once (ARP answers for it, sockets bind to it).
 * Returns 0, -ENODEV, -EINVAL (prefix_len over 32), -EEXIST (the address is already the
 * stack's) or -ENOSPC. */
int ustack_addr_add(struct ustack *st, const char *dev, struct in_addr addr, int prefix_len);
/* Removes it, and every route through it, at any time. TCP connections from it end: a
 * reset to the peer, then -ECONNABORTED for the application. Listeners and UDP sockets
 * bound to it stay open, as on Linux: they hear nothing, and a UDP send is -ENETUNREACH,
 * until the address is added again. Returns 0, -ENODEV or -EADDRNOTAVAIL (dev does not
 * have addr). */
int ustack_addr_del(struct ustack *st, const char *dev, struct in_addr addr);

/* The stack's own number of the device named name: the sin6_scope_id of its link-local
 * addresses and what SO_BINDTODEVICE names (not the kernel's interface index). Returns it
 * (> 0), or -EINVAL (no stack or name), -ENODEV. */
int ustack_dev_index(struct ustack *st, const char *name);
/* The name of the stack's device number index into buf (size bytes). Returns 0, or
 * -EINVAL, -ENODEV, -ENOSPC (buf too short). */
int ustack_dev_name(struct ustack *st, int index, char *buf, size_t size);

/* Routes dst/prefix_len through the gateway gw (0.0.0.0/0 is the default route). gw must
 * be on a connected network; dev NULL picks its device. gw 0.0.0.0 with a dev makes the
 * network directly connected on dev. Returns 0, -EINVAL, -ENODEV, -ENETUNREACH (gw is on
 * no connected network), -EEXIST or -ENOSPC (ip.route_max). */
int ustack_route_add(struct ustack *st, struct in_addr dst, int prefix_len, struct in_addr gw,
		     const char *dev);
/* Removes the route to exactly dst/prefix_len. Returns 0, -EINVAL or -ESRCH. */
int ustack_route_del(struct ustack *st, struct in_addr dst, int prefix_len);
/* Routes the IPv6 prefix dst/prefix_len (host bits ignored; ::/0 is the default route)
 * through gw. dev NULL: the device whose on-link prefix holds gw, found whenever a packet
 * is routed (so the route may come before the address that reaches gw). A link-local gw
 * needs dev; gw :: with dev makes the prefix on-link on dev. Against the on-link prefixes
 * of the stack's addresses and what router advertisements taught, the longest prefix
 * wins; on a tie an on-link prefix, then this route. Returns 0, -EINVAL, -ENODEV,
 * -EEXIST or -ENOSPC (64 routes). */
int ustack_route6_add(struct ustack *st, const struct in6_addr *dst, int prefix_len,
		      const struct in6_addr *gw, const char *dev);
/* Removes the IPv6 route to exactly dst/prefix_len. Returns 0, -EINVAL or -ESRCH. */
int ustack_route6_del(struct ustack *st, const struct in6_addr *dst, int prefix_len);

/* Starts the loop thread, which runs the stack from now on; socket calls may block.
 * Returns 0, -EALREADY, or -errno from pthread_create. */
int ustack_start(struct ustack *st);
/* For a program that drives the stack itself (no ustack_start): waits up to timeout_ms
 * (-1: until something happens; 0: not at all) for frames or timers and handles them.
 * A blocking socket call made meanwhile runs the loop too while it waits. Returns 0,
 * -EBUSY when the loop thread runs, or -errno. */
int ustack_run_once(struct ustack *st, int timeout_ms);
/* Waits, for at most timeout_ms, until no TCP connection the application closed still has
 * data or a FIN unacknowledged (TIME_WAIT counts while its peer is heard: tcp.tw_drain_ms).
 * Runs the loop itself if ustack_start was not called. Returns how many are still closing:
 * 0 when all are done. */
int ustack_drain(struct ustack *st, int timeout_ms);
/* Stops the loop thread, closes every socket as us_close would (a TCP connection's FIN
 * goes out if it can), then frees every connection without waiting for its peer, removes
 * every device and frees everything: call ustack_drain first for an orderly end. No us_*
 * call may be running. st may be NULL. */
void ustack_destroy(struct ustack *st);

/* Prints the stack's counters (non-zero ones; every one with all set) to out. Returns 0. */
int ustack_stats_dump(struct ustack *st, FILE *out, int all);
/* The one-line reason of the last failed ustack_* call on st ("" if none). st NULL: the
 * reason of the last failed ustack_create. The text stays until the next call fails. */
const char *ustack_errmsg(const struct ustack *st);

#ifdef __cplusplus
}
#endif

#endif
