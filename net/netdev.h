/* SPDX-License-Identifier: MIT */
/* Devices, their IPv4 interfaces, and the link-layer protocol registry.
 *
 * A driver fills a struct net_device (name, type, MTU, hardware address, ops, fd) and
 * registers it. Frames it reads go to net_device_input(), which counts them and hands them
 * to Ethernet, or straight to the registered protocol for L3 devices (TUN, loopback).
 * Output goes through net_device_xmit(), which counts and calls the driver's transmit. A
 * device whose ops wrap another's (net/wrap.c: pcap, trace, fault injection) does its work
 * in the optional input and output ops; this file knows only the ops.
 *
 * Transmit queue: on a device flagged NET_DEV_F_TX_BATCH, frames that reach the driver
 * while the loop handles a round (or while the thread named the loop's driver runs its
 * round of socket calls) wait in the device's queue, in order, and go out together through
 * the driver's transmit_batch (one system call) when the round ends, before the loop
 * sleeps, when the queue is full, and before any other thread's frame. */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include "net/perstack.h"
#include <stdint.h>
#include <sys/queue.h>

#include "net/addr.h"
#include "net/pkb.h"
#include "net/stats.h"

#define NET_DEV_NAME_MAX 16
#define NET_DEV_ADDR_LEN 6
#define NET_IFACE_MAX 4   /* IPv4 addresses per device */
#define NET_DEV_BATCH 32  /* frames read per readiness event */
/* NET_DEV_F_RX_ONE's speculative read (net_device_poll): the score's ceiling, the score
 * from which it is skipped (past the middle: misses outnumber hits lately), and one in how
 * many skipped reads is made anyway, to see whether they still miss. */
#define NET_DEV_SPEC_MAX 16
#define NET_DEV_SPEC_SKIP 9
#define NET_DEV_SPEC_SAMPLE 8
#define NET_DEV_TX_BATCH 32 /* frames a device queues before it writes them out together */
#define NET_DEV_MCAST_MAX 8 /* link-layer multicast groups a device listens to */

enum net_dev_type {
	NET_DEV_ETHER,    /* TAP, PF_PACKET: Ethernet frames, ARP */
	NET_DEV_IP,       /* TUN: bare IP packets, point-to-point, no ARP */
	NET_DEV_LOOPBACK, /* in-stack 127.0.0.0/8 */
};

#define NET_DEV_F_UP        0x0001
#define NET_DEV_F_BROADCAST 0x0002
#define NET_DEV_F_NOARP     0x0004
#define NET_DEV_F_P2P       0x0008
/* Offloads a driver offers (TAP/TUN with offload=on). Frames then cross the driver with a
 * virtio-net header, which the wrappers never see. */
#define NET_DEV_F_VNET_HDR  0x0010 /* the fd carries a virtio-net header per frame */
#define NET_DEV_F_CSUM_TX   0x0020 /* transmit: a partial TCP/UDP checksum is completed */
#define NET_DEV_F_TSO       0x0040 /* transmit: TCPv4 super-segments up to gso_max_size */
/* Each frame costs the driver its own read (TAP/TUN): net_device_poll asks for one at a
 * time and handles it before the next read. */
#define NET_DEV_F_RX_ONE    0x0080
/* Carries what the stack sends to itself (its own addresses, 127.0.0.0/8): the in-stack
 * loopback device. IP routes by this flag, not by the name "lo". */
#define NET_DEV_F_LOOPBACK  0x0100
/* One queue of a multi-queue TAP (queues=N): other stacks of this process hold the other
 * queues, as the same station. The kernel answers a frame we write before it notes which
 * queue the frame's flow came in on, so its answer to a flow's first frame may take
 * another queue: ARP says each request twice on such a device (arp/arp.c). */
#define NET_DEV_F_MULTIQUEUE 0x0200
/* The driver writes several frames in one system call (transmit_batch): output in a loop
 * round waits in the device's transmit queue for it (PF_PACKET's sendmmsg). Without it a
 * frame goes to transmit at once: a queue would only delay it (TAP, TUN: one write per
 * frame either way). */
#define NET_DEV_F_TX_BATCH  0x0400
/* transmit: TCPv6 super-segments (no extension headers) up to gso_max_size IP bytes */
#define NET_DEV_F_TSO6      0x0800

struct net_device;

struct net_device_ops {
	int (*open)(struct net_device *dev);
	void (*close)(struct net_device *dev);
	/* Sends one frame (data = link header onward). Takes ownership of p. */
	int (*transmit)(struct net_device *dev, struct pkb *p);
	/* Optional: sends n frames in this order, one system call where the kernel allows it.
	 * Takes ownership of all of them; returns how many failed (each counted by the driver
	 * as transmit would). NULL: transmit, one frame at a time. */
	int (*transmit_batch)(struct net_device *dev, struct pkb **p, int n);
	/* Reads up to max frames into out[]; returns the count, 0 when none is ready, <0 error. */
	int (*recv_batch)(struct net_device *dev, struct pkb **out, int max);
	/* Optional: frees driver state after close. */
	void (*destroy)(struct net_device *dev);
	/* Optional, for a device that wraps another (net/wrap.c). input: a frame the device
	 * read, already counted and stamped, on its way up; it owns p and ends in
	 * net_device_deliver (now or later) or frees it. NULL: net_device_deliver. */
	void (*input)(struct net_device *dev, struct pkb *p, uint64_t now);
	/* output: a frame on its way down, not counted yet; it owns p and ends in
	 * net_device_transmit (now or later) or frees it. NULL: net_device_transmit. */
	int (*output)(struct net_device *dev, struct pkb *p, uint64_t now);
};

/* An address bound to a device: the family-tagged address and its prefix length. The
 * IPv4 layer keeps its view beside them (netmask, broadcast, peer; network byte order),
 * which ip_iface_add derives; another family's layer leaves them zero. */
struct net_iface {
	struct net_device *dev;
	struct net_addr addr;
	unsigned prefixlen;
	uint32_t netmask;   /* IPv4: the prefix as a mask */
	uint32_t broadcast; /* IPv4: the directed broadcast (limited for a /31 or /32) */
	uint32_t peer;      /* IPv4: point-to-point peer, 0 if none */
};

#define NETDEV_COUNTERS(X)                                                                  \
	X(rx_packets) X(rx_bytes) X(tx_packets) X(tx_bytes) X(rx_errors) X(tx_errors)      \
	X(tx_dropped_down) X(rx_dropped_alloc) X(tx_queued) X(tx_flushes)                    \
	X(rx_spec_hits) X(rx_spec_misses) X(rx_spec_skipped)
STATS_DECLARE(netdev, NETDEV_COUNTERS);
#define netdev_stats STATS_REF(netdev)

struct net_device {
	char name[NET_DEV_NAME_MAX];
	int index;
	enum net_dev_type type;
	unsigned flags;
	unsigned mtu;          /* largest L3 packet */
	unsigned hdr_len;      /* link header length (14 for Ethernet, 0 for L3) */
	unsigned gso_max_size; /* NET_DEV_F_TSO: the largest IP packet it cuts up */
	uint8_t hwaddr[NET_DEV_ADDR_LEN];
	uint8_t broadcast[NET_DEV_ADDR_LEN];
	int fd;                /* for the loop; -1 if the device has none (loopback) */
	const struct net_device_ops *ops;
	void *priv;            /* driver state */
	struct net_iface ifaces[NET_IFACE_MAX];
	int nifaces;
	/* Link-layer multicast groups joined (net_device_mcast_join): the Ethernet filter
	 * takes frames to these besides the device's own address and broadcast. */
	uint8_t mcast[NET_DEV_MCAST_MAX][NET_DEV_ADDR_LEN];
	int nmcast;
	/* per-device counters */
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_errors, tx_errors;
	/* Frames counted and waiting for the driver (the transmit queue above), in order. */
	struct pkb *txq[NET_DEV_TX_BATCH];
	int txq_len;
	/* NET_DEV_F_RX_ONE: how the reads after a frame in one poll (speculative: epoll did
	 * not say another frame waits) went lately, a score that each miss raises and each hit
	 * lowers (0..NET_DEV_SPEC_MAX); and the speculative reads skipped since the last
	 * sample while it says they miss (net_device_poll). */
	uint8_t rx_spec_score;
	uint8_t rx_spec_skips;
	/* A receive buffer the driver keeps from one read to the next (tap.c's large buffer
	 * for a frame that overflows the small one); freed with the device. Under wrappers
	 * (net/wrap.c) the driver reads through the lower device, which holds it. */
	struct pkb *rx_spare;
	TAILQ_ENTRY(net_device) link;
};

TAILQ_HEAD(net_device_list, net_device);
PERSTACK_EXTERN(struct net_device_list, net_devices);
#define net_devices PERSTACK_REF(struct net_device_list, net_devices)

/* A zeroed device (fd = -1) for a driver to fill; freed by net_device_unregister. */
struct net_device *net_device_alloc(void);
/* Adds dev to the registry (and its fd to the loop) and opens it. Returns 0 or -errno. */
int net_device_register(struct net_device *dev);
/* Closes and frees every device (at exit). */
void net_device_unregister_all(void);
struct net_device *net_device_by_name(const char *name);
struct net_device *net_device_by_index(int index);

/* Binds addr/prefixlen to dev (the family's layer fills in the rest: ip_iface_add). 0 or
 * -ENOSPC. */
int net_iface_add(struct net_device *dev, const struct net_addr *addr, unsigned prefixlen);

/* Joins the link-layer multicast group mac on dev (IPv6's all-nodes and solicited-node
 * groups): 0 (also when already joined) or -ENOSPC. */
int net_device_mcast_join(struct net_device *dev, const uint8_t mac[NET_DEV_ADDR_LEN]);
/* 1 if dev has joined the group mac. */
int net_device_mcast_member(const struct net_device *dev, const uint8_t mac[NET_DEV_ADDR_LEN]);

/* A number that changes whenever a device is registered or unregistered, gains an
 * address, or is changed (net_device_changed): what routes were resolved to is stale then.
 * IP folds it into its routing-table generation (ip_route_generation). */
uint32_t net_device_generation(void);
/* To be called after a device's MTU, flags or offloads change once it is registered. */
void net_device_changed(struct net_device *dev);
/* The interface holding addr (on any device), or NULL. */
struct net_iface *net_iface_by_addr(const struct net_addr *addr);
/* True if a device other than the loopback one holds an interface address of family
 * (the ifaces above: IPv4's; IPv6's live in ip6/). */
int net_iface_family_present(int family);
/* True if addr is one of dev's addresses or (IPv4) their broadcast addresses. */
int net_iface_is_local(const struct net_device *dev, const struct net_addr *addr);

/* A frame read by a driver enters the stack. Takes ownership of p. */
void net_device_input(struct net_device *dev, struct pkb *p, uint64_t now);
/* Reads and handles a batch from dev's fd (the loop's callback). */
void net_device_poll(struct net_device *dev, uint64_t now);
/* The same, without skipping NET_DEV_F_RX_ONE's speculative reads: for a caller that
 * drains the device because frames are known to pile up (net/wrap.c's delayed release),
 * not because epoll reported it. */
void net_device_poll_drain(struct net_device *dev, uint64_t now);
/* A frame (link header included) leaves through dev. Takes ownership of p. */
int net_device_xmit(struct net_device *dev, struct pkb *p, uint64_t now);

/* Link-layer protocol registry, keyed by ethertype (0x0800 IP, 0x0806 ARP). The handler
 * gets the payload (link header stripped) and owns it. */
typedef void (*net_protocol_handler)(struct pkb *p, struct net_device *dev, uint64_t now);
int net_protocol_register(const char *name, uint16_t ethertype, net_protocol_handler h);
/* Dispatches a payload by ethertype; counts and frees it if nobody registered. */
void net_protocol_input(uint16_t ethertype, struct pkb *p, struct net_device *dev, uint64_t now);
void net_protocol_reset(void);

/* Link input by device type: ether/ registers for NET_DEV_ETHER. Devices of a type with no
 * link handler (TUN, loopback) carry bare IP: the payload goes to ethertype 0x0800 or, for
 * version 6, 0x86dd. */
int net_link_register(enum net_dev_type type, net_protocol_handler h);

#define NETPROTO_COUNTERS(X) X(rx_unknown_ethertype)
STATS_DECLARE(netproto, NETPROTO_COUNTERS);
#define netproto_stats STATS_REF(netproto)

/* The halves after a device's input and output ops, for those ops to end in (now, or later
 * for a frame held back: it must not be counted twice): */
/* Hands p to the link layer (or the L3 protocol) of dev. Takes ownership of p. */
void net_device_deliver(struct net_device *dev, struct pkb *p, uint64_t now);
/* Counts p and gives it to dev's transmit, or, on a NET_DEV_F_TX_BATCH device while the
 * loop's round defers output (net_loop_tx_deferred), to dev's transmit queue; 0 then, and
 * a later failure is counted in tx_errors when the queue is flushed. Takes ownership of
 * p. */
int net_device_transmit(struct net_device *dev, struct pkb *p);
/* Writes out what dev's transmit queue holds, in order; the frames that failed are
 * counted. Returns how many failed. */
int net_device_tx_flush(struct net_device *dev);
/* The same for every device (the loop, at the end of a round and before it sleeps). */
void net_device_tx_flush_all(void);

#endif
