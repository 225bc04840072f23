/* SPDX-License-Identifier: MIT */
/* IPv4 input (RFC 791, RFC 1122 3.2.1): header checks, the local-address filter,
 * reassembly, and dispatch by protocol number through the registry; also the hand-off of
 * received ICMP errors to the protocol they quote. */
#include "net/perstack.h"
#include "ip/ip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ip/icmp.h"
#include "net/log.h"

STATS_DEFINE(ip, IP_COUNTERS)

PERSTACK_VAR_INIT(struct ip_config_s, ip_config, {
	.default_ttl = 64,
	.reass_timeout_ms = 30000,
	.reass_mem_max = 1024 * 1024,
	.reass_max_datagrams = 64,
	.forwarding = 0,
	.route_max = 65536,
	.martian_class_e = 0,
	.accept_local = 0,
})

#define IP_PROTOCOL_MAX 8

struct ip_protocol {
	const char *name;
	uint8_t proto;
	ip_protocol_handler handler;
	ip_error_handler err_handler;
};

/* Few protocols, registered once at start: a short array beats a table of 256. */
PERSTACK_STATIC(struct ip_protocol[IP_PROTOCOL_MAX], protocols)
#define protocols PERSTACK_REF(struct ip_protocol[IP_PROTOCOL_MAX], protocols)
PERSTACK_STATIC(int, nprotocols)
#define nprotocols PERSTACK_REF(int, nprotocols)

static const struct ip_protocol *protocol_find(uint8_t proto)
{
	for (int i = 0; i < nprotocols; i++)
		if (protocols[i].proto == proto)
			return &protocols[i];
	return NULL;
}

int ip_protocol_register(const char *name, uint8_t proto, ip_protocol_handler h,
			 ip_error_handler err)
{
	if (protocol_find(proto))
		return -EEXIST;
	if (nprotocols == IP_PROTOCOL_MAX)
		return -ENOSPC;
	protocols[nprotocols++] = (struct ip_protocol){ name, proto, h, err };
	infof("proto=%s number=%u", name, proto);
	return 0;
}

int ip_init(void)
{
	net_family_register(&ip_family_ops); /* what tcp/ and udp/ send through */
	return net_protocol_register("IP", 0x0800, ip_input);
}

/* Forgets the registry, the routes and every datagram being reassembled (exit, tests). */
void ip_shutdown(void)
{
	ip_reass_flush();
	ip_route_flush();
	nprotocols = 0;
	net_transport_reset();
}

static int is_multicast(uint32_t addr)
{
	return (ntohl(addr) >> 28) == 0xe;
}

static int is_loopback_net(uint32_t addr)
{
	return (ntohl(addr) >> 24) == 127;
}

static int is_class_e(uint32_t addr)
{
	return (ntohl(addr) >> 28) == 0xf && addr != IP_ADDR_BROADCAST;
}

/* A subnet broadcast of any of our interfaces (a directed broadcast to us). */
static int is_subnet_broadcast(const struct net_device *dev, uint32_t addr)
{
	for (int i = 0; i < dev->nifaces; i++)
		if (dev->ifaces[i].broadcast == addr && dev->ifaces[i].netmask != IP_ADDR_BROADCAST)
			return 1;
	return 0;
}

/* The interface a datagram to dst arriving on dev is for, or NULL if it is not for us.
 * A host takes its own addresses, their subnet broadcasts and the limited broadcast
 * (RFC 1122 3.3.6). The loopback device carries whatever we sent to ourselves: any of
 * our addresses on any device, and 127.0.0.0/8. */
static struct net_iface *iface_for(struct net_device *dev, uint32_t dst)
{
	if (dev->type == NET_DEV_LOOPBACK) {
		struct net_iface *ifc = ip_iface_by_addr(dst);

		if (ifc)
			return ifc;
		if (is_loopback_net(dst) && dev->nifaces)
			return &dev->ifaces[0];
		return NULL;
	}
	for (int i = 0; i < dev->nifaces; i++)
		if (dev->ifaces[i].addr.v4 == dst || dev->ifaces[i].broadcast == dst)
			return &dev->ifaces[i];
	if (dst == IP_ADDR_BROADCAST && dev->nifaces)
		return &dev->ifaces[0];
	return NULL;
}

/* Why src cannot be the source of a datagram that arrived on dev for dst, or NULL if it
 * can (a "martian", RFC 1812 5.3.7; RFC 1122 3.2.1.3: a source names one host). Measured
 * against Linux in a namespace: it drops its own addresses, 0.0.0.0 (except to the limited
 * broadcast: a DHCP client has no address yet), the limited broadcast, multicast and 127/8
 * from a wire. It keeps the rest of 0/8 (since 5.3) and 240/4 (since 2.6.25), and so does
 * ustack unless ip_config.martian_class_e; the subnet broadcast of the receiving device is
 * dropped too, as Linux does with rp_filter on (Debian's default). */
static const char *martian_src(const struct net_device *dev, uint32_t src, uint32_t dst)
{
	if (src == IP_ADDR_BROADCAST)
		return "limited broadcast";
	if (is_multicast(src))
		return "multicast";
	if (is_subnet_broadcast(dev, src))
		return "directed broadcast";
	if (dev->type == NET_DEV_LOOPBACK)
		return NULL; /* carries what we sent ourselves: our addresses and 127/8 */
	if (is_loopback_net(src))
		return "loopback"; /* 127/8 never leaves a host */
	if (src == IP_ADDR_ANY)
		return dst == IP_ADDR_BROADCAST ? NULL : "0.0.0.0";
	if (ip_config.martian_class_e && is_class_e(src))
		return "class E";
	if (!ip_config.accept_local && ip_iface_by_addr(src))
		return "our own address"; /* a loop, or a spoof (a land attack) */
	return NULL;
}

/* Takes ownership of p: it goes to reassembly, to a protocol handler, or is freed here. */
void ip_input(struct pkb *p, struct net_device *dev, uint64_t now)
{
	const struct ip_protocol *pr;
	const struct net_transport *tr;
	struct net_iface *ifc;
	struct ip_hdr ih;
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];
	const char *martian;
	int err;

	STAT_INC(ip, in_receives);
	err = ip_parse(p->data, p->len, &ih);
	switch (err) {
	case IP_PARSE_OK:
		break;
	case IP_PARSE_SHORT:
		STAT_INC(ip, in_hdr_short);
		debugf("dev=%s len=%zu dropped: short header", dev->name, p->len);
		goto drop;
	case IP_PARSE_VERSION:
		STAT_INC(ip, in_hdr_version);
		debugf("dev=%s version=%u dropped: not IPv4", dev->name, ih.version);
		goto drop;
	case IP_PARSE_IHL:
		STAT_INC(ip, in_hdr_ihl);
		debugf("dev=%s ihl=%u len=%zu dropped: bad header length", dev->name, ih.ihl, p->len);
		goto drop;
	case IP_PARSE_TOTLEN:
		STAT_INC(ip, in_hdr_totlen);
		debugf("dev=%s total_len=%u len=%zu dropped: bad total length", dev->name,
		       ih.total_len, p->len);
		goto drop;
	default:
		STAT_INC(ip, in_hdr_cksum);
		debugf("dev=%s id=%u dropped: bad header checksum", dev->name, ih.id);
		goto drop;
	}
	/* Ethernet pads short frames to 60 bytes: the total length says where IP ends. */
	pkb_trim(p, ih.total_len);
	if (ih.ihl > IP_HDR_MIN) {
		/* No option changes what a host does with a datagram it delivers (RFC 1122
		 * 3.2.1.8 asks only that unknown ones be ignored); source routes are not
		 * honoured and not reversed. */
		STAT_INC(ip, in_options_skipped);
	}
	martian = martian_src(dev, ih.src, ih.dst);
	if (martian) {
		STAT_INC(ip, in_martian_src);
		debugf("dev=%s src=%s dst=%s dropped: martian source (%s)", dev->name,
		       ip_addr_ntop(ih.src, s, sizeof(s)), ip_addr_ntop(ih.dst, d, sizeof(d)),
		       martian);
		goto drop;
	}
	ifc = iface_for(dev, ih.dst);
	/* A device with no address yet still hears the limited broadcast (a DHCP client
	 * waiting for its offer, RFC 2131 4.1), with no interface: handlers take ifc NULL. */
	if (!ifc && ih.dst == IP_ADDR_BROADCAST && !dev->nifaces &&
	    dev->type != NET_DEV_LOOPBACK)
		goto local;
	if (!ifc && ip_config.forwarding) {
		/* A router owns all of its addresses on every device (RFC 1812 5.3.2 takes
		 * the weak end-system model of RFC 1122 3.3.4.2): ping the far side's address
		 * through us and we answer. Everything else is for ip_forward. */
		ifc = ip_iface_by_addr(ih.dst);
		if (!ifc) {
			ip_forward(p, &ih, dev, now); /* owns p */
			return;
		}
		STAT_INC(ip, in_local_other_dev);
	}
	if (!ifc) {
		/* A host (no --forward) drops what is not addressed to the device it came
		 * in on: the strong end-system model of RFC 1122 3.3.4.2. */
		STAT_INC(ip, in_not_for_us);
		debugf("dev=%s src=%s dst=%s dropped: not for us", dev->name,
		       ip_addr_ntop(ih.src, s, sizeof(s)), ip_addr_ntop(ih.dst, d, sizeof(d)));
		goto drop;
	}
local:
	/* NOTE: RFC 791 says a datagram with TTL 0 "must be destroyed", but RFC 1122 3.2.1.7
	 * only forbids a host to *send* TTL 0 and says it must not discard a datagram for a
	 * TTL below 2: the TTL bounds forwarding, not delivery. Like Linux and the BSDs, a
	 * datagram addressed to us is delivered whatever its TTL; ip_forward checks the TTL
	 * of what it forwards. */
	if (ih.frag & (IP_FLAG_MF | IP_OFFSET_MASK)) {
		STAT_INC(ip, reasm_reqds);
		/* Reassembly owns p now; it returns the whole datagram (data = IP header)
		 * when the last hole closes. */
		p = ip_reass_input(p, &ih, now);
		if (!p)
			return;
		if (ip_parse(p->data, p->len, &ih) != IP_PARSE_OK) {
			/* Cannot happen: reassembly wrote this header itself. */
			STAT_INC(ip, reasm_fails);
			errorf("reassembled datagram has a bad header");
			goto drop;
		}
	}
	pkb_pull(p, ih.ihl); /* the header stays in the headroom for ICMP quotes */
	pr = protocol_find(ih.proto);
	if (!pr && (tr = net_transport_find(ih.proto)) != NULL) {
		/* a transport of every family (TCP, UDP): told the addresses, not the header */
		struct net_rx rx = {
			.fam = &ip_family_ops,
			.src = net_addr_v4(ih.src),
			.dst = net_addr_v4(ih.dst),
			.nh_len = ih.ihl,
		};

		if (ih.dst == IP_ADDR_BROADCAST)
			rx.flags |= NET_RX_BCAST;
		if (is_multicast(ih.dst))
			rx.flags |= NET_RX_MCAST;
		if (ifc && ih.dst == ifc->broadcast)
			rx.flags |= NET_RX_SUBNET;
		if (ifc && ih.dst == ifc->addr.v4)
			rx.flags |= NET_RX_IFADDR;
		STAT_INC(ip, in_delivers);
		tr->input(p, &rx, now); /* owns p */
		return;
	}
	if (!pr) {
		STAT_INC(ip, in_unknown_proto);
		debugf("dev=%s src=%s proto=%u dropped: no handler", dev->name,
		       ip_addr_ntop(ih.src, s, sizeof(s)), ih.proto);
		pkb_push(p, ih.ihl);
		/* RFC 1122 3.2.2.1: protocol unreachable; never about a broadcast. */
		if (ih.dst != IP_ADDR_BROADCAST && !is_subnet_broadcast(dev, ih.dst))
			icmp_send_error(ICMP_DEST_UNREACH, ICMP_PROTO_UNREACH, 0, p, now);
		goto drop;
	}
	STAT_INC(ip, in_delivers);
	/* The handler owns p from here. */
	pr->handler(p, &ih, ifc, now);
	return;
drop:
	pkb_free(p);
}

void ip_error_dispatch(uint8_t type, uint8_t code, uint32_t info, const uint8_t *quoted,
		       size_t len, uint64_t now)
{
	const struct ip_protocol *pr;
	const struct net_transport *tr;
	struct ip_hdr ih;

	/* Only the quoted header and the 8 bytes after it are promised (RFC 792): enough
	 * for the ports of TCP and UDP. */
	if (ip_parse_quoted(quoted, len, &ih) != IP_PARSE_OK || len < (size_t)ih.ihl + 8) {
		STAT_INC(icmp, in_bad_quote);
		debugf("type=%u code=%u len=%zu dropped: bad quoted header", type, code, len);
		return;
	}
	pr = protocol_find(ih.proto);
	tr = pr ? NULL : net_transport_find(ih.proto);
	if (tr && tr->err) {
		const uint8_t *q = quoted + ih.ihl;
		struct net_err e = {
			.info = info,
			.fam = &ip_family_ops,
			.local = net_endpoint_v4(ih.src, (uint16_t)(q[0] << 8 | q[1])),
			.remote = net_endpoint_v4(ih.dst, (uint16_t)(q[2] << 8 | q[3])),
			.payload = q,
			.len = len - ih.ihl,
		};

		if (type == ICMP_TIME_EXCEEDED)
			e.kind = NET_ERR_TIME_EXCEEDED;
		else if (code == ICMP_NET_UNREACH)
			e.kind = NET_ERR_NET_UNREACH;
		else if (code == ICMP_PROTO_UNREACH)
			e.kind = NET_ERR_PROTO_UNREACH;
		else if (code == ICMP_PORT_UNREACH)
			e.kind = NET_ERR_PORT_UNREACH;
		else if (code == ICMP_FRAG_NEEDED)
			e.kind = NET_ERR_FRAG_NEEDED;
		else
			e.kind = NET_ERR_HOST_UNREACH;
		STAT_INC(icmp, in_errors_delivered);
		tr->err(&e, now);
		return;
	}
	if (!pr || !pr->err_handler) {
		debugf("type=%u code=%u proto=%u ignored: no error handler", type, code, ih.proto);
		return;
	}
	STAT_INC(icmp, in_errors_delivered);
	pr->err_handler(type, code, info, &ih, quoted + ih.ihl, len - ih.ihl, now);
}
