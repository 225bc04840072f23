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

void pl_dgram_encode(const struct sockaddr_in *sin, uint8_t *buf)
{
	memcpy(buf, &sin->sin_addr.s_addr, 4);
	memcpy(buf + 4, &sin->sin_port, 2);
	put16(buf + 6, 0);
}

int pl_dgram_decode(const uint8_t *buf, size_t len, struct sockaddr_in *sin)
{
	if (len < PL_DGRAM_HDR || get16(buf + 6))
		return -EBADMSG;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	memcpy(&sin->sin_addr.s_addr, buf, 4);
	memcpy(&sin->sin_port, buf + 4, 2);
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

/* The rule of ctl_name_valid (lib/ctl_server.c), which the preload library does not link:
 * test_preload_proto checks that both agree. */
static int name_valid(const char *name, size_t n)
{
	if (!n || n > CTL_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int pl_env_parse(const char *val, char *name, size_t size)
{
	size_t n;

	if (!val || strncmp(val, "attach=", 7))
		return -EINVAL;
	val += 7;
	n = strcspn(val, ",");
	if (val[n] || !name_valid(val, n) || n >= size)
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
