/* SPDX-License-Identifier: MIT */
/* The preload protocol (preload/proto.c): messages round-trip, and every truncation, a
 * length that lies, a non-zero pad, an unknown op and an oversized data field are refused;
 * the datagram header; USTACK_PRELOAD's value, checked against ctl_name_valid.
 * The host (preload/host.c) as root, in this process: this test speaks the protocol on
 * the API socket as the preload library does and checks each socket's states: socket,
 * bind, listen (the descriptor becomes SOCK_SEQPACKET), a connect kept unwritable by the
 * filler until the outcome, the accepted connection passed with its peer, bytes both ways,
 * the end of each direction, a reset answered by PL_OP_ERROR once, a refused connect as
 * SO_ERROR, an unknown inode, garbage on the control connection, and everything released
 * (pl_host_busy back to 0) when the descriptors are closed. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ustack.h>

#include "lib/ctl.h"
#include "net/stats.h"
#include "preload/host.h"
#include "preload/proto.h"

static void test_msg_roundtrip(void **state)
{
	struct pl_msg m = { .op = PL_OP_SETSOCKOPT, .flags = 7, .rc = -ECONNRESET,
			    .ino = 0x1122334455667788ull, .a = -1, .b = 42, .c = 1 << 30, .len = 3 };
	struct pl_msg d;
	uint8_t buf[PL_MSG_MAX];
	int n;

	(void)state;
	memcpy(m.data, "abc", 3);
	n = pl_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, PL_HDR_LEN + 3);
	assert_int_equal(pl_msg_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.op, m.op);
	assert_int_equal(d.flags, 7);
	assert_int_equal(d.rc, -ECONNRESET);
	assert_true(d.ino == m.ino);
	assert_int_equal(d.a, -1);
	assert_int_equal(d.b, 42);
	assert_int_equal(d.c, 1 << 30);
	assert_int_equal(d.len, 3);
	assert_memory_equal(d.data, "abc", 3);
	/* every truncation, and one byte too many */
	for (int i = 0; i < n; i++)
		assert_int_equal(pl_msg_decode(buf, (size_t)i, &d), -EBADMSG);
	assert_int_equal(pl_msg_decode(buf, (size_t)n + 1, &d), -EBADMSG);
	/* a non-zero pad, an op of 0 or past the last */
	buf[31] = 1;
	assert_int_equal(pl_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	buf[31] = 0;
	buf[0] = 0;
	buf[1] = 0;
	assert_int_equal(pl_msg_decode(buf, (size_t)n, &d), -EBADMSG);
	m.op = PL_OP_MAX;
	assert_int_equal(pl_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.op = PL_OP_ERROR;
	m.len = PL_DATA_MAX + 1;
	assert_int_equal(pl_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.len = 10;
	assert_int_equal(pl_msg_encode(&m, buf, PL_HDR_LEN + 9), -ENOBUFS);
	/* the largest message */
	m.len = PL_DATA_MAX;
	n = pl_msg_encode(&m, buf, sizeof(buf));
	assert_int_equal(n, PL_MSG_MAX);
	assert_int_equal(pl_msg_decode(buf, (size_t)n, &d), 0);
	assert_int_equal(d.len, PL_DATA_MAX);
}

static void test_dgram_hdr(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5353) }, b;
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(53),
				   .sin6_scope_id = 3 }, b6;
	struct sockaddr_storage ss;
	socklen_t len;
	uint8_t h[PL_DGRAM_HDR];

	(void)state;
	/* IPv4 */
	a.sin_addr.s_addr = htonl(0x0a000001);
	pl_dgram_encode((struct sockaddr *)&a, h);
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), 0);
	assert_int_equal(len, sizeof(b));
	memcpy(&b, &ss, sizeof(b));
	assert_int_equal(b.sin_family, AF_INET);
	assert_int_equal(b.sin_port, a.sin_port);
	assert_int_equal(b.sin_addr.s_addr, a.sin_addr.s_addr);
	for (size_t i = 0; i < sizeof(h); i++)
		assert_int_equal(pl_dgram_decode(h, i, &ss, &len), -EBADMSG);
	h[4] = 1; /* a scope on IPv4 */
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), -EBADMSG);
	h[4] = 0;
	h[23] = 1; /* address bytes past IPv4's 4 */
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), -EBADMSG);
	/* IPv6, with its scope */
	inet_pton(AF_INET6, "fe80::1:2", &a6.sin6_addr);
	pl_dgram_encode((struct sockaddr *)&a6, h);
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), 0);
	assert_int_equal(len, sizeof(b6));
	memcpy(&b6, &ss, sizeof(b6));
	assert_int_equal(b6.sin6_family, AF_INET6);
	assert_int_equal(b6.sin6_port, a6.sin6_port);
	assert_int_equal(b6.sin6_scope_id, 3);
	assert_memory_equal(&b6.sin6_addr, &a6.sin6_addr, 16);
	/* AF_UNSPEC (and NULL, and a family neither): the connected peer, nothing else */
	pl_dgram_encode(NULL, h);
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_UNSPEC);
	assert_int_equal(len, 0);
	h[3] = 1;
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), -EBADMSG);
	pl_dgram_encode((struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNIX }, h);
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_UNSPEC);
	/* an unknown family on the wire */
	h[0] = AF_UNIX;
	assert_int_equal(pl_dgram_decode(h, sizeof(h), &ss, &len), -EBADMSG);
	/* the mapped form */
	pl_sockaddr_map(&a, &b6);
	assert_int_equal(b6.sin6_family, AF_INET6);
	assert_int_equal(b6.sin6_port, a.sin_port);
	assert_true(IN6_IS_ADDR_V4MAPPED(&b6.sin6_addr));
	assert_memory_equal(b6.sin6_addr.s6_addr + 12, &a.sin_addr.s_addr, 4);
}

static void test_addrs(void **state)
{
	struct pl_addr a[PL_ADDRS_MAX + 1] = { { .family = AF_INET, .a = { 10, 0, 0, 1 } },
					      { .family = AF_INET6, .a = { 0x20, 0x01, 0x0d, 0xb8,
									   [15] = 2 } } };
	struct pl_addr b[PL_ADDRS_MAX];
	uint8_t buf[PL_DATA_MAX];
	int n;

	(void)state;
	n = pl_addrs_encode(a, 2, buf, sizeof(buf));
	assert_int_equal(n, 2 * PL_ADDR_LEN);
	assert_int_equal(pl_addrs_decode(buf, (size_t)n, b, PL_ADDRS_MAX), 2);
	assert_int_equal(b[0].family, AF_INET);
	assert_memory_equal(b[0].a, a[0].a, 16);
	assert_int_equal(b[1].family, AF_INET6);
	assert_memory_equal(b[1].a, a[1].a, 16);
	assert_int_equal(pl_addrs_decode(buf, 0, b, PL_ADDRS_MAX), 0);
	/* a length that is not whole addresses, more than asked for */
	for (int i = 1; i < n; i++)
		if (i % PL_ADDR_LEN)
			assert_int_equal(pl_addrs_decode(buf, (size_t)i, b, PL_ADDRS_MAX), -EBADMSG);
	assert_int_equal(pl_addrs_decode(buf, (size_t)n, b, 1), -EBADMSG);
	/* the largest answer fits one message; one more does not */
	for (int i = 2; i <= PL_ADDRS_MAX; i++)
		a[i] = a[1];
	assert_true(pl_addrs_encode(a, PL_ADDRS_MAX, buf, sizeof(buf)) > 0);
	assert_int_equal(pl_addrs_encode(a, PL_ADDRS_MAX + 1, buf, PL_ADDRS_MAX * PL_ADDR_LEN),
			 -ENOBUFS);
	/* a non-zero pad, an unknown family, IPv4 with bytes past its 4 */
	n = pl_addrs_encode(a, 1, buf, sizeof(buf));
	buf[2] = 1;
	assert_int_equal(pl_addrs_decode(buf, (size_t)n, b, 1), -EBADMSG);
	buf[2] = 0;
	buf[0] = AF_UNIX;
	buf[1] = 0;
	assert_int_equal(pl_addrs_decode(buf, (size_t)n, b, 1), -EBADMSG);
	n = pl_addrs_encode(a, 1, buf, sizeof(buf));
	buf[10] = 1;
	assert_int_equal(pl_addrs_decode(buf, (size_t)n, b, 1), -EBADMSG);
}

static void test_env(void **state)
{
	static const char *const names[] = { "run-1234", "a", "A.b_c-d", ".hidden", "-x", "a/b",
					     "a b", "", "0123456789012345678901234567890123" };
	char name[CTL_NAME_MAX + 1], val[64];

	(void)state;
	assert_int_equal(pl_env_parse("attach=web", name, sizeof(name)), 0);
	assert_string_equal(name, "web");
	assert_int_equal(pl_env_parse(NULL, name, sizeof(name)), -EINVAL);
	assert_int_equal(pl_env_parse("web", name, sizeof(name)), -EINVAL);
	assert_int_equal(pl_env_parse("attach=web,dev=tap0", name, sizeof(name)), -EINVAL);
	assert_int_equal(pl_env_parse("attach=web", name, 3), -EINVAL);
	/* the same names as the control socket's */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(val, sizeof(val), "attach=%s", names[i]);
		assert_int_equal(pl_env_parse(val, name, sizeof(name)) == 0,
				 ctl_name_valid(names[i]));
	}
}

/* ---- the host, as the preload library speaks to it ---- */

static int ctl_fd;

static int rpc(struct pl_msg *m, int sendfd, int *recvfd)
{
	uint8_t buf[PL_MSG_MAX];
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { buf, 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	int n = pl_msg_encode(m, buf, sizeof(buf));

	assert_true(n > 0);
	iov.iov_len = (size_t)n;
	if (sendfd >= 0) {
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &sendfd, sizeof(int));
	}
	assert_int_equal(sendmsg(ctl_fd, &mh, 0), n);
	iov.iov_len = sizeof(buf);
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	n = (int)recvmsg(ctl_fd, &mh, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	assert_int_equal(pl_msg_decode(buf, (size_t)n, m), 0);
	if (recvfd) {
		*recvfd = -1;
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(recvfd, CMSG_DATA(cm), sizeof(int));
	}
	return m->rc;
}

static int new_socket(int type, uint64_t *ino)
{
	struct pl_msg m = { .op = PL_OP_SOCKET, .a = type, .c = AF_INET };
	struct stat sb;
	int fd;

	assert_int_equal(rpc(&m, -1, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_true(sb.st_ino == m.ino);
	*ino = m.ino;
	return fd;
}

static int addr_op(int op, uint64_t ino, uint16_t port, int sendfd)
{
	struct pl_msg m = { .op = (uint16_t)op, .ino = ino, .len = sizeof(struct sockaddr_in) };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memcpy(m.data, &a, sizeof(a));
	return rpc(&m, sendfd, NULL);
}

static int so_error(uint64_t ino)
{
	struct pl_msg m = { .op = PL_OP_GETSOCKOPT, .ino = ino, .a = SOL_SOCKET, .b = SO_ERROR,
			    .c = sizeof(int) };
	int err = -1;

	assert_int_equal(rpc(&m, -1, NULL), 0);
	assert_int_equal(m.len, sizeof(int));
	memcpy(&err, m.data, sizeof(err));
	return err;
}

/* tcp_cork INO V: sets TCP_CORK to V (0 on success), or with V -1 gets it */
static int tcp_cork(uint64_t ino, int v)
{
	struct pl_msg m = { .op = (uint16_t)(v < 0 ? PL_OP_GETSOCKOPT : PL_OP_SETSOCKOPT),
			    .ino = ino, .a = IPPROTO_TCP, .b = TCP_CORK, .c = sizeof(int) };
	int rc;

	if (v >= 0) {
		m.len = sizeof(v);
		memcpy(m.data, &v, sizeof(v));
	}
	rc = rpc(&m, -1, NULL);
	if (rc < 0 || v >= 0)
		return rc;
	assert_int_equal(m.len, sizeof(int));
	memcpy(&v, m.data, sizeof(v));
	return v;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static int busy_settles(struct pl_host *h, int want)
{
	for (int i = 0; i < 200 && pl_host_busy(h) != want; i++)
		usleep(10000);
	return pl_host_busy(h);
}

static void test_host(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pl_msg m;
	struct pl_host *h;
	struct ustack *st;
	struct sockaddr_in peer;
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct pollfd p;
	uint64_t lino, cino, ino;
	char name[32], err[256], buf[64], cbuf[CMSG_SPACE(sizeof(int))];
	uint8_t hdr[PL_DGRAM_HDR];
	struct iovec iov = { hdr, sizeof(hdr) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct linger lg = { 1, 0 };
	int lfd, cfd, sfd, lfd2, rc, x;

	(void)state;
	if (geteuid() != 0)
		skip();
	test_unlock();
	snprintf(name, sizeof(name), "unit-%d", (int)getpid());
	assert_int_equal(ustack_create(NULL, &st), 0);
	assert_int_equal(ustack_start(st), 0);
	assert_int_equal(pl_host_start(st, name, &h, err, sizeof(err)), 0);
	assert_int_equal(pl_host_start(st, name, &(struct pl_host *){ NULL }, err, sizeof(err)),
			 -EADDRINUSE);
	assert_int_equal(pl_api_path(name, sa.sun_path, sizeof(sa.sun_path)), 0);
	ctl_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(ctl_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);

	/* an inode the host never gave out */
	m = (struct pl_msg){ .op = PL_OP_LOOKUP, .ino = 1 };
	assert_int_equal(rpc(&m, -1, NULL), PL_KIND_NONE);
	m = (struct pl_msg){ .op = PL_OP_BIND, .ino = 1, .len = 16 };
	assert_int_equal(rpc(&m, -1, NULL), -ENOTCONN);
	m = (struct pl_msg){ .op = PL_OP_ERROR, .ino = 1 };
	assert_int_equal(rpc(&m, -1, NULL), 0);

	/* a listener on 127.0.0.1:8000 becomes a SOCK_SEQPACKET descriptor */
	lfd = new_socket(SOCK_STREAM, &lino);
	m = (struct pl_msg){ .op = PL_OP_LOOKUP, .ino = lino };
	assert_int_equal(rpc(&m, -1, NULL), PL_KIND_STREAM);
	assert_int_equal(m.a, AF_INET);
	assert_int_equal(addr_op(PL_OP_BIND, lino, 8000, -1), 0);
	m = (struct pl_msg){ .op = PL_OP_LISTEN, .ino = lino, .a = 8 };
	assert_int_equal(rpc(&m, -1, &lfd2), 0);
	assert_true(lfd2 >= 0);
	close(lfd);
	lfd = lfd2;
	x = 0;
	assert_int_equal(getsockopt(lfd, SOL_SOCKET, SO_TYPE, &x, &(socklen_t){ sizeof(x) }), 0);
	assert_int_equal(x, SOCK_SEQPACKET);
	lino = m.ino;
	m = (struct pl_msg){ .op = PL_OP_LOOKUP, .ino = lino };
	assert_int_equal(rpc(&m, -1, NULL), PL_KIND_LISTENER);
	assert_false(readable(lfd, 0)); /* nobody has connected */

	/* connect: in progress, unwritable until the outcome, then the bytes pass */
	cfd = new_socket(SOCK_STREAM, &cino);
	rc = addr_op(PL_OP_CONNECT, cino, 8000, cfd);
	assert_true(rc == 0 || rc == -EINPROGRESS);
	p = (struct pollfd){ .fd = cfd, .events = POLLOUT };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(so_error(cino), 0);
	assert_true(readable(lfd, 2000));
	assert_true(recvmsg(lfd, &mh, MSG_CMSG_CLOEXEC) == PL_DGRAM_HDR);
	assert_int_equal(pl_dgram_decode(hdr, sizeof(hdr), &ss, &sslen), 0);
	assert_int_equal(sslen, sizeof(peer));
	memcpy(&peer, &ss, sizeof(peer));
	assert_int_equal(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
	memcpy(&sfd, CMSG_DATA(CMSG_FIRSTHDR(&mh)), sizeof(int));
	assert_int_equal(write(cfd, "hello", 5), 5);
	assert_true(readable(sfd, 2000));
	assert_int_equal(read(sfd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(write(sfd, "back", 4), 4);
	assert_true(readable(cfd, 2000));
	assert_int_equal(read(cfd, buf, sizeof(buf)), 4);
	/* TCP_CORK: kept and answered (0 before, 1 once set, 0 again), too short is EINVAL,
	 * and the bytes still pass while it is set */
	assert_int_equal(tcp_cork(cino, -1), 0);
	assert_int_equal(tcp_cork(cino, 1), 0);
	assert_int_equal(tcp_cork(cino, -1), 1);
	m = (struct pl_msg){ .op = PL_OP_SETSOCKOPT, .ino = cino, .a = IPPROTO_TCP,
			     .b = TCP_CORK, .len = 1 };
	assert_int_equal(rpc(&m, -1, NULL), -EINVAL);
	assert_int_equal(write(cfd, "cork", 4), 4);
	assert_true(readable(sfd, 2000));
	assert_int_equal(read(sfd, buf, sizeof(buf)), 4);
	assert_int_equal(tcp_cork(cino, 0), 0);
	assert_int_equal(tcp_cork(cino, -1), 0);
	/* the name of each end */
	m = (struct pl_msg){ .op = PL_OP_GETPEERNAME, .ino = cino };
	assert_int_equal(rpc(&m, -1, NULL), 0);
	memcpy(&peer, m.data, sizeof(peer));
	assert_int_equal(ntohs(peer.sin_port), 8000);
	/* the client's end of stream: a FIN, which the server reads as its end of stream,
	 * while the other direction still carries bytes */
	assert_int_equal(shutdown(cfd, SHUT_WR), 0);
	assert_true(readable(sfd, 2000));
	assert_int_equal(read(sfd, buf, sizeof(buf)), 0);
	assert_int_equal(write(sfd, "more", 4), 4);
	assert_true(readable(cfd, 2000));
	assert_int_equal(read(cfd, buf, sizeof(buf)), 4);
	/* the server resets (SO_LINGER 0, close): the client reads its end, and the error
	 * once */
	{
		struct stat sb;

		assert_int_equal(fstat(sfd, &sb), 0);
		ino = sb.st_ino;
	}
	m = (struct pl_msg){ .op = PL_OP_LOOKUP, .ino = ino };
	assert_int_equal(rpc(&m, -1, NULL), PL_KIND_STREAM);
	m = (struct pl_msg){ .op = PL_OP_SETSOCKOPT, .ino = ino, .a = SOL_SOCKET,
			     .b = SO_LINGER, .len = sizeof(lg) };
	memcpy(m.data, &lg, sizeof(lg));
	assert_int_equal(rpc(&m, -1, NULL), 0);
	close(sfd);
	assert_true(readable(cfd, 2000));
	assert_int_equal(read(cfd, buf, sizeof(buf)), 0);
	m = (struct pl_msg){ .op = PL_OP_ERROR, .ino = cino };
	assert_int_equal(rpc(&m, -1, NULL), -ECONNRESET);
	m = (struct pl_msg){ .op = PL_OP_ERROR, .ino = cino };
	assert_int_equal(rpc(&m, -1, NULL), 0);
	x = (int)send(cfd, "x", 1, MSG_NOSIGNAL);
	assert_int_equal(x, -1);
	assert_int_equal(errno, EPIPE);
	close(cfd);

	/* a refused connect: SO_ERROR says so, and the end is readable (EOF) */
	cfd = new_socket(SOCK_STREAM, &cino);
	rc = addr_op(PL_OP_CONNECT, cino, 8001, cfd);
	if (rc == -EINPROGRESS) {
		p = (struct pollfd){ .fd = cfd, .events = POLLOUT };
		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(so_error(cino), ECONNREFUSED);
	} else {
		assert_int_equal(rc, -ECONNREFUSED);
	}
	close(cfd);
	close(lfd);

	/* an AF_INET6 UDP socket bound to ::ffff:127.0.0.1 takes an IPv4 datagram and gives
	 * its peer in the mapped form; an unknown domain is refused */
	{
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(8003) };
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(8003) };
		struct sockaddr_in6 from;
		uint8_t dg[PL_DGRAM_HDR + 4];
		uint64_t uino, u4ino;
		int ufd, u4fd;

		m = (struct pl_msg){ .op = PL_OP_SOCKET, .a = SOCK_DGRAM, .c = AF_INET6 };
		assert_int_equal(rpc(&m, -1, &ufd), 0);
		uino = m.ino;
		m = (struct pl_msg){ .op = PL_OP_LOOKUP, .ino = uino };
		assert_int_equal(rpc(&m, -1, NULL), PL_KIND_DGRAM);
		assert_int_equal(m.a, AF_INET6);
		inet_pton(AF_INET6, "::ffff:127.0.0.1", &a6.sin6_addr);
		m = (struct pl_msg){ .op = PL_OP_BIND, .ino = uino, .len = sizeof(a6) };
		memcpy(m.data, &a6, sizeof(a6));
		assert_int_equal(rpc(&m, -1, NULL), 0);
		m = (struct pl_msg){ .op = PL_OP_GETSOCKNAME, .ino = uino };
		assert_int_equal(rpc(&m, -1, NULL), 0);
		assert_int_equal(m.len, sizeof(a6));
		memcpy(&from, m.data, sizeof(from));
		assert_int_equal(from.sin6_family, AF_INET6);
		assert_memory_equal(&from.sin6_addr, &a6.sin6_addr, 16);
		u4fd = new_socket(SOCK_DGRAM, &u4ino);
		to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		pl_dgram_encode((struct sockaddr *)&to, dg);
		memcpy(dg + PL_DGRAM_HDR, "ping", 4);
		assert_int_equal(send(u4fd, dg, sizeof(dg), 0), sizeof(dg));
		assert_true(readable(ufd, 2000));
		memset(dg, 0, sizeof(dg));
		assert_int_equal(recv(ufd, dg, sizeof(dg), 0), sizeof(dg));
		assert_int_equal(pl_dgram_decode(dg, sizeof(dg), &ss, &sslen), 0);
		assert_int_equal(sslen, sizeof(from));
		memcpy(&from, &ss, sizeof(from));
		assert_true(IN6_IS_ADDR_V4MAPPED(&from.sin6_addr));
		assert_memory_equal(dg + PL_DGRAM_HDR, "ping", 4);
		close(ufd);
		close(u4fd);
		m = (struct pl_msg){ .op = PL_OP_SOCKET, .a = SOCK_DGRAM, .c = AF_UNIX };
		assert_int_equal(rpc(&m, -1, NULL), -EAFNOSUPPORT);
	}

	/* every socket released once its descriptors are closed; only this client is left */
	assert_int_equal(busy_settles(h, 1), 1);
	/* garbage on the control connection: the host drops that client */
	assert_int_equal(send(ctl_fd, "junk", 4, 0), 4);
	assert_int_equal(read(ctl_fd, buf, sizeof(buf)), 0);
	/* the counters of what passed */
	assert_int_equal(*stats_find("preload.bad_requests"), 1);
	assert_int_equal(*stats_find("preload.accepted"), 1);
	assert_int_equal(*stats_find("preload.sockets"), 5);
	assert_int_equal(*stats_find("preload.resets"), 1);
	/* "hello" and "cork" one way, "back" and "more" the other: each byte once into the
	 * stack and once out to a program */
	assert_int_equal(*stats_find("preload.bytes_to_stack"), 17);
	assert_int_equal(*stats_find("preload.bytes_to_prog"), 17);
	assert_true(*stats_find("preload.requests") >= 15);
	close(ctl_fd);
	assert_int_equal(busy_settles(h, 0), 0);
	pl_host_stop(h);
	assert_int_equal(access(sa.sun_path, F_OK), -1);
	ustack_drain(st, 1000);
	ustack_destroy(st);
	test_lock();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_roundtrip),
		cmocka_unit_test(test_dgram_hdr),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
