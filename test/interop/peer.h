/* SPDX-License-Identifier: MIT */
/* What the interop peers (lwip_peer, slirp_peer) share.
 *
 * Each peer is the other end of a wire from ustack: it reads and writes whole Ethernet
 * frames on a TAP (IFF_TAP | IFF_NO_PI, no virtio-net header, so the kernel finishes
 * checksums and segments any super-frame from the bridge before the peer sees it). The
 * test script makes the TAP (`ip tuntap add`) and puts it on the bridge.
 *
 * A peer also watches the TCP segments it exchanges (peer_watch): which options each SYN
 * carried, and how many data segments its own stack sent again (a sequence number below
 * the highest already sent), since neither lwIP as Debian builds it (LWIP_STATS 0) nor
 * libslirp counts its retransmissions where a program can read them. */
#ifndef USTACK_TEST_INTEROP_PEER_H
#define USTACK_TEST_INTEROP_PEER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A 1500-byte MTU frame with a VLAN tag fits; a longer read is counted and dropped. */
#define PEER_FRAME_MAX 1536

/* Attaches to (or creates) TAP `name`; returns its fd, or -1 with a message on stderr. */
int peer_tap_open(const char *name, const char *prog);

/* Parses "aa:bb:cc:dd:ee:ff"; 0 on success. */
int peer_parse_mac(const char *s, uint8_t mac[6]);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t peer_now_ms(void);

#define PEER_FLOWS 16

/* One direction of one TCP connection, as seen on the wire. */
struct peer_flow {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t snd_max; /* highest sequence number sent so far, plus one */
	int used;
};

struct peer_watch {
	const char *prog;
	const char *dir; /* "tx" or "rx": printed with each SYN */
	struct peer_flow flows[PEER_FLOWS];
	unsigned next_slot;
	uint64_t frames, tcp_segs, data_segs, data_bytes, rexmt_segs, rexmt_bytes;
	uint64_t syns, fins, rsts;
};

void peer_watch_init(struct peer_watch *w, const char *prog, const char *dir);

/* Looks at one Ethernet frame; prints a line for each SYN (its options, to stderr). */
void peer_watch_frame(struct peer_watch *w, const uint8_t *frame, size_t len);

/* "tx: 1234 TCP segments, 1200 with data (1.7 MB), 12 sent again (17 kB), 1 SYN, 1 FIN, 0 RST" */
void peer_watch_print(const struct peer_watch *w, FILE *out);

#endif
