/* SPDX-License-Identifier: MIT */
/* Device options shared by the drivers, and the one entry point the command line uses.
 *
 *   --dev tap:NAME,addr=A.B.C.D/N|dhcp[,addr6=ADDR/LEN][,host=H/N][,host6=ADDR/LEN]
 *         [,bridge=BR][,mac=MAC][,mtu=N][,offload=on|off]
 *   --dev tun:NAME,addr=A.B.C.D/N[,addr6=ADDR/LEN][,host=H][,host6=ADDR/LEN][,mtu=N]
 *         [,offload=on|off]
 *   --dev packet:IFNAME,addr=A.B.C.D/N|dhcp[,addr6=ADDR/LEN][,mac=MAC][,offload=on|off]
 *         [,ring=N]
 *
 * Drivers know nothing of IP: addr and addr6 are carried here for the caller, which binds
 * them with ip_iface_add() and ip6_addr_add(); host= and host6= configure the kernel's side
 * of the device over netlink. */
#ifndef DRIVER_DRIVER_H
#define DRIVER_DRIVER_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "net/netdev.h"

enum dev_kind { DEV_TAP, DEV_TUN, DEV_PACKET, DEV_LOOPBACK };

struct dev_opts {
	enum dev_kind kind;
	char ifname[NET_DEV_NAME_MAX];
	uint32_t addr, netmask;        /* ustack's address (network order) */
	int dhcp;                      /* addr=dhcp: no address; a DHCP client gets one */
	int has_addr6;
	struct net_addr addr6;         /* addr6=: a static IPv6 address */
	unsigned addr6_plen;
	int has_host;
	uint32_t host, host_netmask;   /* the kernel side's address */
	int has_host6;
	struct net_addr host6;         /* host6=: the kernel side's IPv6 address */
	unsigned host6_plen;
	char bridge[NET_DEV_NAME_MAX]; /* "" if none */
	int has_mac;
	uint8_t mac[6];
	unsigned mtu;                  /* 0: the default (1500) */
	int offload;                   /* tap/tun: IFF_VNET_HDR with checksum offload and TSO;
	                                * packet: transmit partial checksums and TSO */
	unsigned queues;               /* tap queues=N: 0 or 1, a plain TAP; N > 1, one queue
	                                * of a multi-queue TAP (IFF_MULTI_QUEUE), which N
	                                * stacks share, one queue each */
	unsigned queue;                /* tap queue=I (0..N-1): which one; queue 0 configures
	                                * the kernel's side (mtu, bridge, up, host=) */
	unsigned ring;                 /* packet ring=N: receive through a TPACKET_V2 ring of
	                                * N frame slots; 0, recvmmsg */
};

/* Bounds of packet ring=N (frame slots of at most 4 KB each: 256 KB to 64 MB). */
#define DEV_RING_MIN 64
#define DEV_RING_MAX 16384

/* Most queues a multi-queue TAP is opened with (the kernel allows 256). */
#define DEV_QUEUES_MAX 16

/* offload= when not given. */
#define DEV_OFFLOAD_DEFAULT 1

/* Parses a --dev value. Returns 0, or -EINVAL with a one-line reason in err. */
int dev_opts_parse(const char *spec, struct dev_opts *out, char *err, size_t errlen);
/* Creates, configures and registers the device. Returns 0 or -errno with a one-line
 * message (what is wrong and what to do) in err. */
int driver_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen);

/* ustack's own MAC for an Ethernet device: mac= if given, else random, locally
 * administered (0x02) and unicast. 0, or -errno with a reason in err. */
int driver_pick_mac(const struct dev_opts *o, uint8_t mac[NET_DEV_ADDR_LEN], char *err,
		    size_t errlen);

int tap_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen);
int tun_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen);
int packet_open(const struct dev_opts *o, struct net_device **out, char *err, size_t errlen);
/* The in-stack loopback device "lo" (127.0.0.1/8 is bound by the caller). */
int loopback_open(struct net_device **out);

/* Kernel-side configuration over netlink (libnl-route-3), driver/netlink.c.
 * Each returns 0 or -errno. */
int nl_link_up(const char *ifname);
int nl_link_set_mtu(const char *ifname, unsigned mtu);
int nl_addr_add(const char *ifname, uint32_t addr, uint32_t netmask, uint32_t peer);
/* Adds the IPv6 address addr/plen to ifname without duplicate address detection (usable at
 * once, as `ip addr add ... nodad`); one already there counts as success. */
int nl_addr6_add(const char *ifname, const struct net_addr *addr, unsigned plen);
int nl_link_enslave(const char *ifname, const char *bridge);

/* The /dev/net/tun clone device, shared by tap.c and tun.c (flags: IFF_TAP or IFF_TUN, with
 * IFF_VNET_HDR and IFF_MULTI_QUEUE as asked). */
int tuntap_attach(const char *name, short flags, char *ifname_out, char *err, size_t errlen);
/* Brings the kernel's side of a TAP or TUN (o->kind) up and adds o's host6= address to
 * it. 0, or -errno with the message in err. */
int tuntap_up(const struct dev_opts *o, const char *ifname, char *err, size_t errlen);
/* With offload: IFF_VNET_HDR on the fd, and TUNSETOFFLOAD asks the kernel for partial
 * checksums and TCPv4 GSO frames. Sets dev's flags (NET_DEV_F_VNET_HDR, NET_DEV_F_TSO,
 * NET_DEV_F_CSUM_TX) and gso_max_size. 0 or -errno with the message in err. */
int tuntap_offload_setup(struct net_device *dev, char *err, size_t errlen);
int tuntap_recv_batch(struct net_device *dev, struct pkb **out, int max);
int tuntap_transmit(struct net_device *dev, struct pkb *p);
void tuntap_close(struct net_device *dev);

/* Driver counters: each drop in a driver has its own reason. tap.* counts TUN devices too
 * (one read/write path). */
#define TAP_COUNTERS(X)                                                                    \
	X(rx_frames) X(rx_alloc_failed) X(rx_read_errors) X(rx_too_long) X(tx_frames)      \
	X(tx_dropped_full) X(tx_write_errors) X(tx_short_writes) X(rx_large) X(rx_gso)     \
	X(rx_csum_partial) X(rx_csum_valid) X(rx_no_vnet_hdr) X(rx_bad_vnet_hdr) X(tx_gso)  \
	X(tx_csum_partial) X(tx_no_headroom)
STATS_DECLARE(tap, TAP_COUNTERS);
#define tap_stats STATS_REF(tap)

#define PACKET_COUNTERS(X)                                                                 \
	X(rx_frames) X(rx_outgoing_ignored) X(rx_alloc_failed) X(rx_errors) X(rx_truncated)  \
	X(rx_large) X(rx_gso_frames) X(rx_csum_partial) X(rx_csum_valid) X(rx_bad_vnet_hdr)  \
	X(rx_kernel_drops) X(tx_frames) X(tx_gso) X(tx_csum_partial) X(tx_dropped_full)     \
	X(tx_errors) X(tx_batches) X(rx_ring_frames) X(rx_ring_copied)
STATS_DECLARE(packet, PACKET_COUNTERS);
#define packet_stats STATS_REF(packet)

#define LOOPBACK_COUNTERS(X) X(tx_queued) X(tx_dropped_full) X(rx_delivered)
STATS_DECLARE(loopback, LOOPBACK_COUNTERS);
#define loopback_stats STATS_REF(loopback)

/* Loopback queue bound (frames waiting for the next loop turn); settable before open. */
#define LOOPBACK_QUEUE_MAX_DEFAULT 256
PERSTACK_EXTERN(unsigned, loopback_qmax);
#define loopback_qmax PERSTACK_REF(unsigned, loopback_qmax)

#endif
