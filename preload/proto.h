/* SPDX-License-Identifier: MIT */
/* The preload protocol: what libustack-preload.so (preload/preload.c), inside a program,
 * and the stack host (preload/host.c), inside `ustack run` or `ustack serve --api`, say to
 * each other (docs/preload.md).
 *
 * Control connection: one AF_UNIX SOCK_SEQPACKET connection per program process to the
 * host's API socket CTL_DIR/NAME.api. One request, one reply, in order; a descriptor rides
 * with a message as SCM_RIGHTS where the op says so. Both are a fixed header and up to
 * PL_DATA_MAX bytes of data, encoded and decoded by pl_msg_encode / pl_msg_decode (never
 * cast from bytes):
 *
 *   u16 op  u16 flags  i32 rc  u64 ino  i32 a  i32 b  i32 c  u16 len  u16 0  data[len]
 *
 * Integers are in host byte order (both ends are on one machine). A ustack socket is named
 * by the inode of the program's end of its unix socket (ino), which the host learns with
 * fstat before handing that end over, so dup, fork and exec need no table in the program.
 *
 * Addresses in requests and replies (bind, connect, the names) are the socket's struct
 * sockaddr_in or sockaddr_in6 as the program gave it or the stack gives it, with its
 * length: at most sizeof(struct sockaddr_storage), well inside PL_DATA_MAX.
 *
 * Datagram sockets carry each datagram on a SOCK_SEQPACKET pair behind a PL_DGRAM_HDR-byte
 * header (pl_dgram_encode / pl_dgram_decode): the peer (from the host) or the destination
 * (to the host; family AF_UNSPEC: the connected peer), of either family. Listening sockets
 * are SOCK_SEQPACKET too: one message per accepted connection, the peer as a datagram
 * header and the connection's stream descriptor as SCM_RIGHTS. An asynchronous error of a
 * connected datagram socket reaches the program as a PL_DGRAM_ERR_LEN-byte message in
 * the datagrams' place (pl_dgram_err_encode), which its next receive, or send, returns. */
#ifndef PRELOAD_PROTO_H
#define PRELOAD_PROTO_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PL_ENV "USTACK_PRELOAD"     /* attach=NAME: the stack the program's sockets live on;
                                     * anything else: `ustack run`'s options, for a stack
                                     * of the program's own (pl_env_words) */
#define PL_ENV_WORDS_MAX 64         /* words in USTACK_PRELOAD's options */
#define PL_ENV_LEN_MAX 4096         /* bytes in USTACK_PRELOAD's value */
#define PL_API_SUFFIX ".api"        /* the API socket: CTL_DIR "/" NAME ".api" */
#define PL_DATA_MAX 256             /* data bytes in one message */
#define PL_HDR_LEN 32
#define PL_MSG_MAX (PL_HDR_LEN + PL_DATA_MAX)
#define PL_DGRAM_HDR 24             /* u16 family, u16 port (network order), u32 scope id,
                                     * 16 bytes of address (IPv4: the first 4, then 0) */
#define PL_DGRAM_MAX 65535          /* largest datagram payload on a datagram pair */
#define PL_DGRAM_ERR_LEN 4          /* host -> program: u32 errno instead of a datagram */
#define PL_FILLER 2048              /* bytes that keep a connecting socket unwritable */

enum pl_op {
	PL_OP_SOCKET = 1,   /* a = type (SOCK_STREAM/SOCK_DGRAM), b = protocol, c = domain
	                     * (AF_INET/AF_INET6); reply: ino, the program's end as
	                     * SCM_RIGHTS */
	PL_OP_LOOKUP,       /* ino; reply rc = enum pl_kind (PL_KIND_NONE: not the stack's),
	                     * a = the socket's domain */
	PL_OP_BIND,         /* ino, data = sockaddr */
	PL_OP_LISTEN,       /* ino, a = backlog; reply: the new SOCK_SEQPACKET end, SCM_RIGHTS */
	PL_OP_CONNECT,      /* ino, data = sockaddr, the program's end as SCM_RIGHTS;
	                     * reply rc 0, or -EINPROGRESS once the host has made that end
	                     * unwritable until the outcome */
	PL_OP_GETSOCKNAME,  /* ino; reply data = sockaddr */
	PL_OP_GETPEERNAME,  /* ino; reply data = sockaddr */
	PL_OP_SETSOCKOPT,   /* ino, a = level, b = name, data = value */
	PL_OP_GETSOCKOPT,   /* ino, a = level, b = name, c = room; reply data = value */
	PL_OP_ERROR,        /* ino; reply rc = -the error that ended the connection, once */
	PL_OP_RESOLVE,      /* a = family (AF_UNSPEC, AF_INET, AF_INET6), b = AI_ADDRCONFIG
	                     * or 0, data = host name;
	                     * reply data = up to PL_ADDRS_MAX addresses (pl_addrs_decode) */
	PL_OP_SHUTDOWN,     /* ino, a = how: the stack's side (the stream's own EOF does the
	                     * rest) */
	PL_OP_ABANDON,      /* ino: the program closed a descriptor of a TCP socket whose
	                     * connect it had not seen end; a connect still pending stops */
	PL_OP_MAX
};

enum pl_kind {
	PL_KIND_NONE = 0,
	PL_KIND_STREAM,     /* a TCP socket, connected or not */
	PL_KIND_LISTENER,
	PL_KIND_DGRAM,
};

struct pl_msg {
	uint16_t op;
	uint16_t flags;
	int32_t rc;
	uint64_t ino;
	int32_t a, b, c;
	uint16_t len;
	uint8_t data[PL_DATA_MAX];
};

/* Encodes m into buf (at least PL_HDR_LEN + m->len bytes). Returns the length, or
 * -EINVAL (len over PL_DATA_MAX, op out of range) / -ENOBUFS (cap too small). */
int pl_msg_encode(const struct pl_msg *m, uint8_t *buf, size_t cap);
/* Decodes len bytes into *m. Returns 0, or -EBADMSG (short, a data length that is not
 * the rest of the message, a non-zero pad, an unknown op). */
int pl_msg_decode(const uint8_t *buf, size_t len, struct pl_msg *m);

/* The datagram header: sa (a struct sockaddr_in or sockaddr_in6 by its family; any other
 * family, or NULL, is AF_UNSPEC) into buf[PL_DGRAM_HDR]. */
void pl_dgram_encode(const struct sockaddr *sa, uint8_t *buf);
/* Back into *ss, *sslen its length (0 for AF_UNSPEC). Returns 0, or -EBADMSG when
 * len < PL_DGRAM_HDR, the family is none of the three, or a byte the family does not use
 * is not zero. */
int pl_dgram_decode(const uint8_t *buf, size_t len, struct sockaddr_storage *ss,
		    socklen_t *sslen);
/* sin as its IPv4-mapped IPv6 address (::ffff:a.b.c.d), the port kept. */
void pl_sockaddr_map(const struct sockaddr_in *sin, struct sockaddr_in6 *sin6);
/* The length of family's address: sizeof(struct sockaddr_in) or sockaddr_in6, else 0. */
socklen_t pl_sockaddr_len(int family);

/* PL_OP_RESOLVE's answer: PL_ADDR_LEN bytes per address (u16 family, u16 0, 16 bytes of
 * address, IPv4 in the first 4), at most PL_ADDRS_MAX. */
#define PL_ADDR_LEN 20
#define PL_ADDRS_MAX 12
struct pl_addr {
	int family;                 /* AF_INET or AF_INET6 */
	uint8_t a[16];
};
/* Encodes n addresses into buf (cap bytes): the bytes used, or -ENOBUFS. */
int pl_addrs_encode(const struct pl_addr *a, int n, uint8_t *buf, size_t cap);
/* Decodes len bytes into at most max addresses: their count, or -EBADMSG (a length that
 * is not a multiple of PL_ADDR_LEN, more than max, an unknown family, a non-zero pad). */
int pl_addrs_decode(const uint8_t *buf, size_t len, struct pl_addr *out, int max);

/* An error for the program instead of a datagram (an ICMP error on a connected socket,
 * ECONNREFUSED): a message of PL_DGRAM_ERR_LEN bytes, shorter than any header. Decode
 * returns the errno (positive), or 0 when buf is not such a message. */
void pl_dgram_err_encode(int err, uint8_t *buf);
int pl_dgram_err_decode(const uint8_t *buf, size_t len);

/* Room for the one descriptor a message carries (SCM_RIGHTS). */
#define PL_CMSG_SPACE CMSG_SPACE(sizeof(int))
/* Makes mh carry fd as SCM_RIGHTS in cbuf (PL_CMSG_SPACE bytes). */
void pl_put_fd(struct msghdr *mh, void *cbuf, int fd);

/* Parses the value of USTACK_PRELOAD ("attach=NAME") into name (CTL_NAME_MAX + 1 bytes).
 * Returns 0, or -EINVAL (no attach=, an empty or bad name, an unknown key). */
int pl_env_parse(const char *val, char *name, size_t size);
/* Splits USTACK_PRELOAD's options into words as sh does for a command line without
 * expansions: blanks (space, tab, newline) separate words; 'single quotes' keep every
 * byte; "double quotes" keep every byte but a backslash before ", \, $ or `; a backslash
 * outside quotes keeps the next byte. The words are stored in buf (size bytes) and
 * pointed to by words[0..max-1]. Returns the number of words, or -EINVAL (a quote not
 * closed, a backslash at the end), -E2BIG (more than max words, or buf too small). */
int pl_env_words(const char *val, char *buf, size_t size, char **words, int max);

#endif
