/* SPDX-License-Identifier: MIT */
/* The preload protocol's encoding (preload/proto.h): pure functions over bytes, shared by
 * the host (in the ustack program) and libustack-preload.so. */
#include <errno.h>
#include <string.h>

#include "lib/ctl.h"
#include "preload/proto.h"

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

int pl_msg_encode(const struct pl_msg *m, uint8_t *buf, size_t cap)
{
	if (m->len > PL_DATA_MAX || m->op == 0 || m->op >= PL_OP_MAX)
		return -EINVAL;
	if (cap < (size_t)PL_HDR_LEN + m->len)
		return -ENOBUFS;
	put16(buf, m->op);
	put16(buf + 2, m->flags);
	put32(buf + 4, (uint32_t)m->rc);
	put64(buf + 8, m->ino);
	put32(buf + 16, (uint32_t)m->a);
	put32(buf + 20, (uint32_t)m->b);
	put32(buf + 24, (uint32_t)m->c);
	put16(buf + 28, m->len);
	put16(buf + 30, 0);
	memcpy(buf + PL_HDR_LEN, m->data, m->len);
	return PL_HDR_LEN + m->len;
}

int pl_msg_decode(const uint8_t *buf, size_t len, struct pl_msg *m)
{
	if (len < PL_HDR_LEN)
		return -EBADMSG;
	memset(m, 0, sizeof(*m));
	m->op = get16(buf);
	m->flags = get16(buf + 2);
	m->rc = (int32_t)get32(buf + 4);
	m->ino = get64(buf + 8);
	m->a = (int32_t)get32(buf + 16);
	m->b = (int32_t)get32(buf + 20);
	m->c = (int32_t)get32(buf + 24);
	m->len = get16(buf + 28);
	if (get16(buf + 30) || m->op == 0 || m->op >= PL_OP_MAX || m->len > PL_DATA_MAX ||
	    (size_t)PL_HDR_LEN + m->len != len)
		return -EBADMSG;
	memcpy(m->data, buf + PL_HDR_LEN, m->len);
	return 0;
}

void pl_put_fd(struct msghdr *mh, void *cbuf, int fd)
{
	struct cmsghdr *cm;

	memset(cbuf, 0, PL_CMSG_SPACE);
	mh->msg_control = cbuf;
	mh->msg_controllen = PL_CMSG_SPACE;
	cm = CMSG_FIRSTHDR(mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
}

void pl_sockaddr_map(const struct sockaddr_in *sin, struct sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = sin->sin_port;
	sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(sin6->sin6_addr.s6_addr + 12, &sin->sin_addr.s_addr, 4);
}

socklen_t pl_sockaddr_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in)
	       : family == AF_INET6 ? sizeof(struct sockaddr_in6) : 0;
}

void pl_dgram_encode(const struct sockaddr *sa, uint8_t *buf)
{
	sa_family_t family = AF_UNSPEC;

	memset(buf, 0, PL_DGRAM_HDR);
	if (sa)
		memcpy(&family, &sa->sa_family, sizeof(family));
	if (family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		memcpy(buf + 2, &sin.sin_port, 2);
		memcpy(buf + 8, &sin.sin_addr.s_addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(buf + 2, &sin6.sin6_port, 2);
		put32(buf + 4, sin6.sin6_scope_id);
		memcpy(buf + 8, sin6.sin6_addr.s6_addr, 16);
	} else {
		family = AF_UNSPEC;
	}
	put16(buf, family);
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

int pl_dgram_decode(const uint8_t *buf, size_t len, struct sockaddr_storage *ss,
		    socklen_t *sslen)
{
	uint16_t family;

	if (len < PL_DGRAM_HDR)
		return -EBADMSG;
	family = get16(buf);
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		if (get32(buf + 4) || !all_zero(buf + 12, 12))
			return -EBADMSG;
		memcpy(&sin.sin_port, buf + 2, 2);
		memcpy(&sin.sin_addr.s_addr, buf + 8, 4);
		memcpy(ss, &sin, sizeof(sin));
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

		memcpy(&sin6.sin6_port, buf + 2, 2);
		sin6.sin6_scope_id = get32(buf + 4);
		memcpy(sin6.sin6_addr.s6_addr, buf + 8, 16);
		memcpy(ss, &sin6, sizeof(sin6));
	} else if (family != AF_UNSPEC || !all_zero(buf + 2, PL_DGRAM_HDR - 2)) {
		return -EBADMSG;
	}
	ss->ss_family = family;
	*sslen = pl_sockaddr_len(family);
	return 0;
}

void pl_dgram_err_encode(int err, uint8_t *buf)
{
	put32(buf, (uint32_t)err);
}

int pl_dgram_err_decode(const uint8_t *buf, size_t len)
{
	uint32_t e;

	if (len != PL_DGRAM_ERR_LEN)
		return 0;
	e = get32(buf);
	return e > 0 && e < 4096 ? (int)e : 0;
}

int pl_addrs_encode(const struct pl_addr *a, int n, uint8_t *buf, size_t cap)
{
	if (n < 0 || (size_t)n * PL_ADDR_LEN > cap)
		return -ENOBUFS;
	for (int i = 0; i < n; i++) {
		uint8_t *p = buf + (size_t)i * PL_ADDR_LEN;

		memset(p, 0, PL_ADDR_LEN);
		put16(p, (uint16_t)a[i].family);
		memcpy(p + 4, a[i].a, a[i].family == AF_INET ? 4 : 16);
	}
	return n * PL_ADDR_LEN;
}

int pl_addrs_decode(const uint8_t *buf, size_t len, struct pl_addr *out, int max)
{
	int n = (int)(len / PL_ADDR_LEN);

	if (len % PL_ADDR_LEN || n > max)
		return -EBADMSG;
	for (int i = 0; i < n; i++) {
		const uint8_t *p = buf + (size_t)i * PL_ADDR_LEN;
		uint16_t family = get16(p);

		if (get16(p + 2) || (family != AF_INET && family != AF_INET6) ||
		    (family == AF_INET && !all_zero(p + 8, 12)))
			return -EBADMSG;
		memset(&out[i], 0, sizeof(out[i]));
		out[i].family = family;
		memcpy(out[i].a, p + 4, family == AF_INET ? 4 : 16);
	}
	return n;
}

int pl_env_parse(const char *val, char *name, size_t size)
{
	size_t n;

	if (!val || strncmp(val, "attach=", 7))
		return -EINVAL;
	val += 7;
	n = strcspn(val, ",");
	if (val[n] || !ctl_name_valid_n(val, n) || n >= size)
		return -EINVAL;
	memcpy(name, val, n);
	name[n] = '\0';
	return 0;
}

int pl_env_words(const char *val, char *buf, size_t size, char **words, int max)
{
	size_t o = 0;
	int n = 0;

	for (;;) {
		char q = 0;

		while (*val == ' ' || *val == '\t' || *val == '\n')
			val++;
		if (!*val)
			return n;
		if (n == max)
			return -E2BIG;
		words[n] = buf + o;
		for (; *val; val++) {
			char c = *val;

			if (!q && (c == ' ' || c == '\t' || c == '\n'))
				break;
			if (!q && (c == '\'' || c == '"')) {
				q = c;
				continue;
			}
			if (q && c == q) {
				q = 0;
				continue;
			}
			if (c == '\\' && q != '\'') {
				char d = val[1];

				if (!d)
					return -EINVAL;
				if (!q || d == '"' || d == '\\' || d == '$' || d == '`') {
					c = d;
					val++;
				}
			}
			if (o + 1 >= size)
				return -E2BIG;
			buf[o++] = c;
		}
		if (q)
			return -EINVAL;
		if (o >= size)
			return -E2BIG;
		buf[o++] = '\0';
		n++;
	}
}
