/* SPDX-License-Identifier: MIT */
/* IPv6 fragmentation on output (RFC 8200 4.5) and the checks a fragment's header chain
 * must pass on input (RFC 7112). ustack sends no extension headers of its own, so the
 * unfragmentable part of what it fragments is the fixed header alone. */
#include "net/perstack.h"
#include "ip6/ip6.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "net/byteorder.h"
#include "net/log.h"
#include "net/loop.h"

int ip6_frag_chain_complete(const uint8_t *b, size_t len, uint8_t next)
{
	size_t off = 0;

	for (unsigned n = 0; n <= ip6_config.ext_max; n++) {
		struct ip6_ext e;

		switch (next) {
		case IP6_NH_TCP:
			return len - off >= 20;
		case IP6_NH_UDP:
		case IP6_NH_ICMPV6:
			return len - off >= 8;
		case IP6_NH_HOPOPTS:
		case IP6_NH_DSTOPTS:
		case IP6_NH_ROUTING:
			if (ip6_ext_parse(b + off, len - off, &e) < 0)
				return 0;
			off += e.len;
			next = e.next;
			break;
		case IP6_NH_FRAGMENT:
			return 0; /* a fragment inside a fragment: no chain we would take */
		default:
			return 1; /* no next header, or one whose length we cannot know */
		}
	}
	return 0;
}

/* Identifications come from a buffer of random words, refilled by one getrandom call per
 * IP6_FRAG_ID_BATCH packets. */
#define IP6_FRAG_ID_BATCH 64
struct frag_ids {
	uint32_t id[IP6_FRAG_ID_BATCH];
	unsigned left;
	uint32_t fallback;
};
PERSTACK_STATIC(struct frag_ids, frag_ids)
#define frag_ids PERSTACK_REF(struct frag_ids, frag_ids)

uint32_t ip6_frag_id(void)
{
	if (!frag_ids.left) {
		if (getrandom(frag_ids.id, sizeof(frag_ids.id), GRND_NONBLOCK) ==
		    (ssize_t)sizeof(frag_ids.id)) {
			frag_ids.left = IP6_FRAG_ID_BATCH;
		} else {
			/* NOTE: RFC 7739 5.1 wants unpredictable values; without getrandom a
			 * mixed clock and counter is the best there is */
			uint32_t x = (uint32_t)net_clock_ns() ^ (++frag_ids.fallback * 0x9e3779b9u);

			x ^= x >> 16;
			x *= 0x45d9f3bu;
			return x ^ (x >> 16);
		}
	}
	return frag_ids.id[--frag_ids.left];
}

/* Takes ownership of p. */
int ip6_fragment(struct pkb *p, unsigned mtu, ip6_xmit_fn send, struct net_device *dev,
		 const struct net_addr *nexthop, uint64_t now)
{
	size_t plen, off = 0, chunk;
	uint32_t id;
	uint8_t next;
	int err = 0;

	if (p->len < IP6_HDR_LEN || mtu < IP6_HDR_LEN + IP6_FRAG_HDR_LEN + 8) {
		err = -EMSGSIZE;
		goto out;
	}
	if (p->csum == PKB_CSUM_PARTIAL && (err = pkb_csum_complete(p)) < 0)
		goto out; /* no fragment would be a whole segment for a device to finish */
	plen = p->len - IP6_HDR_LEN;
	next = p->data[6];
	chunk = (mtu - IP6_HDR_LEN - IP6_FRAG_HDR_LEN) & ~(size_t)7;
	id = ip6_frag_id();
	while (off < plen) {
		size_t n = plen - off < chunk ? plen - off : chunk;
		int last = off + n == plen, e;
		struct pkb *f = pkb_alloc(IP6_HDR_LEN + IP6_FRAG_HDR_LEN + n);
		uint8_t *b;

		if (!f) {
			err = -ENOBUFS;
			goto out;
		}
		b = pkb_put(f, IP6_HDR_LEN + IP6_FRAG_HDR_LEN);
		memcpy(b, p->data, IP6_HDR_LEN);
		b[6] = IP6_NH_FRAGMENT;
		wr16(b + 4, (uint16_t)(IP6_FRAG_HDR_LEN + n));
		b[IP6_HDR_LEN] = next;
		b[IP6_HDR_LEN + 1] = 0;
		wr16(b + IP6_HDR_LEN + 2, (uint16_t)(off | (last ? 0 : 1)));
		wr32(b + IP6_HDR_LEN + 4, id);
		memcpy(pkb_put(f, n), p->data + IP6_HDR_LEN + off, n);
		STAT_INC(ip6, out_frag_creates);
		/* f is the link layer's now; a failed fragment dooms the packet, but the
		 * rest still go and the error is reported once */
		e = send(dev, nexthop, f, now);
		if (e < 0 && !err)
			err = e;
		off += n;
	}
out:
	if (err)
		STAT_INC(ip6, out_frag_fails);
	else
		STAT_INC(ip6, out_frag_oks);
	pkb_free(p);
	return err;
}
