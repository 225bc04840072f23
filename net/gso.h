/* SPDX-License-Identifier: MIT */
/* Generic segmentation offload in software: a TCP "super-segment" over IPv4 or IPv6 (one datagram
 * carrying up to 64 KB of TCP payload, p->gso_size bytes per wire segment) cut into the
 * segments a TSO device would have put on the wire, for a device that cannot cut it
 * itself. This is what the kernel's GSO does when TSO is off (tcp_gso_segment,
 * inet_gso_segment), so a super-segment received whole from an offloading device (a TAP
 * or a veth seen through PF_PACKET) can leave through any device, and TCP's own
 * super-segments survive a route change to a device without TSO.
 *
 * Each segment is a fresh pool buffer (no malloc per packet): the IP header with its
 * options, the TCP header with its options (timestamps included, as sent), then gso_size
 * bytes of payload (the last one what is left). Per segment:
 *   - IPv4: total length, identification (the first's, then +1 per segment, as a TSO NIC
 *     and the kernel's GSO do), header checksum;
 *   - IPv6: the payload length (TCP header and data); the rest of the fixed header as it
 *     was. A super-segment with extension headers is refused (-EINVAL), not cut: neither
 *     ustack's TCP nor the kernel's (for a TAP) builds one;
 *   - TCP: sequence number advanced by the payload before it; CWR only on the first
 *     segment, FIN and PSH only on the last; an urgent pointer moved with the sequence
 *     number (URG dropped from the segments past the urgent data);
 *   - TCP checksum: complete, or left partial (pseudo-header sum in the field, the pkb
 *     marked PKB_CSUM_PARTIAL) for a device that finishes checksums itself; over the
 *     pseudo-header of the segment's family (RFC 9293 3.1, RFC 8200 8.1).
 * The byte-level work needs no IP or TCP module: offsets come from the headers. */
#ifndef NET_GSO_H
#define NET_GSO_H

#include "net/pkb.h"
#include "net/stats.h"

/* supersegs/segments_out: cut by gso_segment (from any caller, --impair's too); fwd_supersegs: those
 * that were being forwarded, out_supersegs: TCP's own (ip_output). */
#define GSO_COUNTERS(X)                                                                   \
	X(supersegs) X(segments_out) X(bad_superseg) X(alloc_failed) X(made_partial)     \
	X(fwd_supersegs) X(out_supersegs)
STATS_DECLARE(gso, GSO_COUNTERS);
#define gso_stats STATS_REF(gso)

/* The most segments one super-segment may be cut into: 64 KB at an MSS of 64 bytes. A
 * smaller gso_size (a packet socket peer can write any) would turn one frame into
 * thousands; such a super-segment is refused as malformed. */
#define GSO_MAX_SEGS 1024

/* gso_segment flags */
#define GSO_F_CSUM_PARTIAL 0x1 /* leave each TCP checksum partial for the device */

/* Checks that p (data = IP header) is a TCP super-segment that can be cut: IPv4 and not
 * a fragment, or IPv6 with TCP as the first next header; TCP, consistent lengths,
 * gso_size > 0, at most GSO_MAX_SEGS segments.
 * Returns the number of segments it makes, or -EINVAL. */
int gso_count(const struct pkb *p);

/* Cuts p (data = IPv4 or IPv6 header, p->gso_size = payload bytes per segment) into
 * segments appended to `out`, each with data = IP header, PKB_HEADROOM in front for the link
 * header, gso_size 0. Does not take ownership of p (its checksum state, partial or
 * complete, does not matter: every TCP checksum is computed afresh). Returns the number
 * of segments, -EINVAL for a malformed super-segment (gso.bad_superseg), or -ENOBUFS when
 * the pool runs dry (gso.alloc_failed; the segments already made are freed, out is left
 * as it was). */
int gso_segment(const struct pkb *p, unsigned flags, struct pkb_queue *out);

/* Marks the TCP checksum of p (data = IP header of a TCP datagram) partial: writes the
 * pseudo-header sum into the field, as a sender with checksum offload leaves it. For a
 * super-segment whose data the kernel vouched for (DATA_VALID) that goes on whole to a
 * TSO device, which wants the partial form. 0 or -EINVAL (gso_count's checks, without
 * gso_size). */
int gso_set_partial(struct pkb *p);

#endif
