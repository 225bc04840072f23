/* SPDX-License-Identifier: MIT */
/* IPv4 fragmentation (RFC 791 3.2, "Fragmentation"), one function for the datagrams we
 * originate (ip_output.c) and those we forward (ip_forward.c).
 *
 * A transport checksum left partial for an offloading device (PKB_CSUM_PARTIAL: a TAP or
 * packet device hands such frames in, and TCP leaves its sum for a device that finishes
 * it) is finished here before the cut: the device would see only fragments, none of them
 * a whole transport segment, and the sum covers the whole datagram. */
#include "ip/ip.h"

#include <errno.h>
#include <string.h>

#include "net/byteorder.h"
#include "net/cksum.h"
#include "net/log.h"

#define IPOPT_EOL 0
#define IPOPT_NOP 1
#define IPOPT_COPIED 0x80 /* RFC 791: the option goes into every fragment */

/* The options of a header that RFC 791 copies into every fragment after the first
 * (copied flag set), padded with EOL to a multiple of 4. A malformed option list ends
 * the copy: what came before it is still well formed. Returns the bytes written. */
static size_t copied_options(const uint8_t *opt, size_t len, uint8_t *out)
{
	size_t i = 0, n = 0;

	while (i < len && opt[i] != IPOPT_EOL) {
		size_t olen;

		if (opt[i] == IPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || opt[i + 1] > len - i)
			break;
		olen = opt[i + 1];
		if (opt[i] & IPOPT_COPIED) {
			memcpy(out + n, opt + i, olen);
			n += olen;
		}
		i += olen;
	}
	while (n % 4)
		out[n++] = IPOPT_EOL;
	return n;
}

/* Cuts p into fresh pool buffers: each fragment's data a multiple of 8 bytes but the
 * last; a fragment is fragmented again the same way (offsets continue from its own, and
 * only the last piece keeps its MF bit); the first piece carries all options, the others
 * only the copied ones. The copies are the price of fragmenting only. */
int ip_fragment(const struct ip_nexthop *nh, struct pkb *p, unsigned mtu, uint64_t now)
{
	uint8_t hdr[IP_HDR_MAX];
	size_t ihl, hlen, total, plen, off = 0;
	uint16_t frag;
	unsigned base;
	int err = 0;

	if (p->len < IP_HDR_MIN)
		return -EINVAL;
	ihl = (size_t)(p->data[0] & 0x0f) * 4;
	total = rd16(p->data + 2);
	frag = rd16(p->data + 6);
	base = frag & IP_OFFSET_MASK;
	if (ihl < IP_HDR_MIN || total < ihl || total > p->len)
		return -EINVAL; /* the callers emitted or checked the header: a bug above */
	plen = total - ihl;
	if ((size_t)base * 8 + plen > IP_MAX_LEN - IP_HDR_MIN)
		return -EINVAL; /* offsets past 64 KiB cannot be written */
	if (p->csum == PKB_CSUM_PARTIAL) {
		err = pkb_csum_complete(p);
		if (err < 0) {
			STAT_INC(ip, out_discards);
			debugf("len=%zu dropped: partial checksum outside it", p->len);
			return err;
		}
	}
	hlen = ihl;
	memcpy(hdr, p->data, hlen);
	while (off < plen) {
		size_t chunk = mtu > hlen ? (mtu - hlen) & ~(size_t)7 : 0;
		size_t n;
		int last, e;
		struct pkb *f;

		if (chunk == 0)
			return -EMSGSIZE; /* an MTU below 28 cannot carry a fragment */
		n = plen - off < chunk ? plen - off : chunk;
		last = off + n == plen;
		f = pkb_alloc(hlen + n);
		if (!f) {
			STAT_INC(ip, out_discards);
			return -ENOBUFS;
		}
		memcpy(pkb_put(f, hlen), hdr, hlen);
		f->data[0] = (uint8_t)(IP_VERSION << 4 | hlen / 4);
		wr16(f->data + 2, (uint16_t)(hlen + n));
		wr16(f->data + 6, (uint16_t)((frag & IP_FLAG_DF) |
					     (last ? frag & IP_FLAG_MF : IP_FLAG_MF) |
					     (base + off / 8)));
		wr16(f->data + 10, 0);
		wr16(f->data + 10, cksum(f->data, hlen));
		memcpy(pkb_put(f, n), p->data + ihl + off, n);
		STAT_INC(ip, out_frag_creates);
		/* f belongs to the link layer now. A failed fragment dooms the datagram,
		 * but the rest still go: the error is reported once. */
		e = ip_xmit(nh, f, now);
		if (e < 0)
			err = e;
		if (off == 0 && hlen > IP_HDR_MIN)
			hlen = IP_HDR_MIN + copied_options(p->data + IP_HDR_MIN, ihl - 20,
							   hdr + IP_HDR_MIN);
		off += n;
	}
	if (!err)
		STAT_INC(ip, out_frag_oks);
	return err;
}
