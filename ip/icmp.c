/* SPDX-License-Identifier: MIT */
/* ICMP (RFC 792, RFC 1122 3.2.2): echo replies, received errors handed to the protocol
 * they quote, errors we send (with the rules of RFC 1122 3.2.2 and RFC 1812 4.3.2 and a
 * rate limit of Linux's shape and defaults), and echo requests for ping sockets. */
#include "net/perstack.h"
#include "ip/icmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "arp/arp.h"
#include "net/cksum.h"
#include "net/log.h"

STATS_DEFINE(icmp, ICMP_COUNTERS)

PERSTACK_VAR_INIT(struct icmp_config_s, icmp_config, {
	.error_rate_per_s = 1000,
	.error_burst = 50,
	.dest_interval_ms = 1000,
	.dest_burst = 6,
})

/* Largest error we send: RFC 1812 4.3.2.3 lets the quote grow until the whole error is
 * 576 bytes (the size every host accepts), which gives the sender more to match on. */
#define ICMP_ERROR_MAX 576

PERSTACK_STATIC(icmp_echo_reply_fn, echo_reply_fn)
#define echo_reply_fn PERSTACK_REF(icmp_echo_reply_fn, echo_reply_fn)
PERSTACK_STATIC(icmp_echo_error_fn, echo_error_fn)
#define echo_error_fn PERSTACK_REF(icmp_echo_error_fn, echo_error_fn)

/* The bucket holds thousandths of a token so that refills at any rate stay exact at
 * millisecond steps. */
struct icmp_bucket {
	int started;
	uint64_t last;
	uint64_t milli_tokens;
};
PERSTACK_STATIC(struct icmp_bucket, bucket)
#define bucket PERSTACK_REF(struct icmp_bucket, bucket)

/* Per-destination buckets, direct-mapped by address: a fixed cost however many senders
 * there are. A destination that finds its slot taken starts with a full burst, so
 * colliding addresses can get more than their share; the global bucket still bounds all. */
#define ICMP_DEST_SLOTS 1024 /* a power of two */

struct icmp_dest {
	uint32_t addr;   /* 0: free */
	uint64_t last;   /* ms */
	uint64_t tokens; /* ms of credit, at most dest_burst * dest_interval_ms */
};
PERSTACK_STATIC(struct icmp_dest[ICMP_DEST_SLOTS], dests)
#define dests PERSTACK_REF(struct icmp_dest[ICMP_DEST_SLOTS], dests)

static int is_multicast(uint32_t a)
{
	return (ntohl(a) >> 28) == 0xe;
}

static int is_class_e(uint32_t a)
{
	return (ntohl(a) >> 28) == 0xf;
}

static int is_loopback_net(uint32_t a)
{
	return (ntohl(a) >> 24) == 127;
}

/* A subnet broadcast address of any of our interfaces. */
static int is_any_broadcast(uint32_t a)
{
	struct net_device *dev;

	if (a == IP_ADDR_BROADCAST)
		return 1;
	TAILQ_FOREACH(dev, &net_devices, link)
		for (int i = 0; i < dev->nifaces; i++)
			if (dev->ifaces[i].netmask != IP_ADDR_BROADCAST &&
			    dev->ifaces[i].broadcast == a)
				return 1;
	return 0;
}

static void icmp_echo(struct pkb *p, const struct ip_hdr *ih, uint64_t now)
{
	uint32_t to = ih->src, from = ih->dst;
	uint16_t c, old_word, new_word;

	STAT_INC(icmp, in_echo);
	/* RFC 1122 3.2.2.6 allows ignoring echoes to broadcast and multicast addresses;
	 * answering them makes us an amplifier ("smurf"). */
	if (is_any_broadcast(ih->dst) || is_multicast(ih->dst)) {
		STAT_INC(icmp, out_suppressed);
		debugf("echo to a broadcast ignored");
		pkb_free(p);
		return;
	}
	/* The request becomes the reply in place: same identifier, sequence and data
	 * (RFC 792), only the type and the checksum change. The checksum was verified on
	 * input, so it is updated for the one changed word (RFC 1624 eqn. 3) instead of
	 * summing a large ping's payload again. */
	old_word = (uint16_t)(p->data[0] << 8 | p->data[1]);
	p->data[0] = ICMP_ECHO_REPLY;
	new_word = (uint16_t)(p->data[0] << 8 | p->data[1]);
	c = (uint16_t)(p->data[2] << 8 | p->data[3]);
	c = cksum_finish((uint32_t)(uint16_t)~c + (uint16_t)~old_word + new_word);
	p->data[2] = (uint8_t)(c >> 8);
	p->data[3] = (uint8_t)c;
	/* ip_output owns p. Our address the request was sent to is the reply's source. */
	if (ip_output(IP_PROTO_ICMP, p, from, to, NULL, now) == 0)
		STAT_INC(icmp, out_echo_reply);
}

/* An error quoting one of our echo requests goes to the echo sockets (ping prints it);
 * p->data is the error's ICMP header. */
static void icmp_echo_error(const struct pkb *p, const struct ip_hdr *ih, uint64_t now)
{
	const uint8_t *q = p->data + ICMP_HDR_LEN;
	size_t qlen = p->len - ICMP_HDR_LEN;
	struct ip_hdr qh;

	if (!echo_error_fn || ip_parse_quoted(q, qlen, &qh) != IP_PARSE_OK ||
	    qh.proto != IP_PROTO_ICMP || qlen < (size_t)qh.ihl + ICMP_HDR_LEN ||
	    q[qh.ihl] != ICMP_ECHO)
		return;
	echo_error_fn(ih->src, p->data, p->len, (uint16_t)(q[qh.ihl + 4] << 8 | q[qh.ihl + 5]),
		      (uint16_t)(q[qh.ihl + 6] << 8 | q[qh.ihl + 7]), now);
}

/* ARP gave up on the next hop of p (IP header onward, ours to free): its source hears
 * Destination Host Unreachable, as from Linux's ip_link_failure. A local sender gets it
 * from our own address through loopback (ping prints it per request); a forwarded
 * datagram's sender gets it from the router. NOTE: RFC 1122 3.2.2.1 passes it to the
 * transport, and TCP in SYN_SENT takes it as the end of the attempt, so a connect to an
 * on-link address nobody answers fails with EHOSTUNREACH once ARP gives up (~3 s); Linux's
 * TCP was seen not to hear it for its own SYNs and to retry until its connect timed out. */
static void icmp_link_failure(struct net_device *dev, struct pkb *p, uint64_t now)
{
	(void)dev;
	icmp_send_error(ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, p, now);
	pkb_free(p);
}

/* The IP protocol 1 handler: p->data is the ICMP header. Takes ownership of p. */
static void icmp_input(struct pkb *p, const struct ip_hdr *ih, struct net_iface *ifc,
		       uint64_t now)
{
	struct icmp_hdr h;
	int err;

	(void)ifc;
	STAT_INC(icmp, in_msgs);
	err = icmp_parse(p->data, p->len, &h);
	if (err < 0) {
		if (p->len < ICMP_HDR_LEN)
			STAT_INC(icmp, in_short);
		else
			STAT_INC(icmp, in_cksum);
		debugf("len=%zu err=%d dropped: bad ICMP message", p->len, err);
		goto drop;
	}
	switch (h.type) {
	case ICMP_ECHO:
		icmp_echo(p, ih, now); /* owns p */
		return;
	case ICMP_ECHO_REPLY:
		STAT_INC(icmp, in_echo_reply);
		if (echo_reply_fn)
			echo_reply_fn(ih->src, (uint16_t)(h.rest >> 16), (uint16_t)h.rest,
				      p->data + ICMP_HDR_LEN, p->len - ICMP_HDR_LEN, ih->ttl, now);
		break;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
		if (h.type == ICMP_DEST_UNREACH)
			STAT_INC(icmp, in_dest_unreach);
		else
			STAT_INC(icmp, in_time_exceeded);
		icmp_echo_error(p, ih, now);
		/* For frag-needed the low 16 bits of `rest` are the next-hop MTU (RFC 1191). */
		ip_error_dispatch(h.type, h.code, h.rest, p->data + ICMP_HDR_LEN,
				  p->len - ICMP_HDR_LEN, now);
		break;
	default:
		STAT_INC(icmp, in_other);
		debugf("type=%u code=%u ignored", h.type, h.code);
		break;
	}
drop:
	pkb_free(p);
}

int icmp_init(void)
{
	memset(&bucket, 0, sizeof(bucket));
	memset(dests, 0, sizeof(dests));
	echo_reply_fn = NULL;
	echo_error_fn = NULL;
	arp_set_unresolved_handler(icmp_link_failure);
	return ip_protocol_register("ICMP", IP_PROTO_ICMP, icmp_input, NULL);
}

/* One token per error; error_rate_per_s of them come back each second, up to
 * error_burst. A rate of 0 turns the limit off. */
static int icmp_rate_allow(uint64_t now)
{
	uint64_t cap = (uint64_t)icmp_config.error_burst * 1000;

	if (!icmp_config.error_rate_per_s)
		return 1;
	if (!bucket.started) {
		bucket.started = 1;
		bucket.milli_tokens = cap;
	} else if (now > bucket.last) {
		bucket.milli_tokens += (now - bucket.last) * icmp_config.error_rate_per_s;
		if (bucket.milli_tokens > cap)
			bucket.milli_tokens = cap;
	}
	bucket.last = now;
	if (bucket.milli_tokens < 1000)
		return 0;
	bucket.milli_tokens -= 1000;
	return 1;
}

/* Linux's inet_peer_xrlim_allow: an error costs dest_interval_ms of credit, credit grows
 * with time up to dest_burst errors' worth, and a new destination starts full. */
static int icmp_dest_allow(uint32_t dst, uint64_t now)
{
	struct icmp_dest *d = &dests[(ntohl(dst) * 2654435761u) >> 22 & (ICMP_DEST_SLOTS - 1)];
	uint64_t cap = (uint64_t)icmp_config.dest_burst * icmp_config.dest_interval_ms;

	if (!icmp_config.dest_interval_ms)
		return 1;
	if (d->addr != dst) {
		d->addr = dst;
		d->tokens = cap;
	} else if (now > d->last) {
		d->tokens += now - d->last;
		if (d->tokens > cap)
			d->tokens = cap;
	}
	d->last = now;
	if (d->tokens < icmp_config.dest_interval_ms)
		return 0;
	d->tokens -= icmp_config.dest_interval_ms;
	return 1;
}

/* RFC 1122 3.2.2 (and RFC 1812 4.3.2.7): when an error must not be sent. */
static const char *icmp_error_forbidden(const struct ip_hdr *ih, const struct pkb *orig)
{
	if (ih->frag & IP_OFFSET_MASK)
		return "non-first fragment";
	if (is_any_broadcast(ih->dst) || is_multicast(ih->dst))
		return "broadcast or multicast destination";
	/* The source must name a single host, or nobody can take the error. */
	if (ih->src == IP_ADDR_ANY || is_any_broadcast(ih->src) || is_multicast(ih->src) ||
	    is_class_e(ih->src))
		return "source not a single host";
	/* 127/8 is a single host only when the datagram came through our loopback. */
	if (is_loopback_net(ih->src) && (!orig->dev || orig->dev->type != NET_DEV_LOOPBACK))
		return "loopback source from outside";
	if (ih->proto == IP_PROTO_ICMP) {
		/* Errors about errors could loop; queries (echo and the like) may have them.
		 * Without the type byte we cannot tell, so nothing is sent. */
		if (orig->len <= ih->ihl)
			return "ICMP without a type";
		switch (orig->data[ih->ihl]) {
		case ICMP_DEST_UNREACH:
		case 4:  /* source quench */
		case 5:  /* redirect */
		case ICMP_TIME_EXCEEDED:
		case ICMP_PARAM_PROBLEM:
			return "about an ICMP error";
		}
	}
	return NULL;
}

void icmp_send_error(uint8_t type, uint8_t code, uint32_t info, const struct pkb *orig,
		     uint64_t now)
{
	struct net_out_opts opts = { .ttl = 0, .tos = 0xc0, .df = 0 };
	struct icmp_hdr h = { .type = type, .code = code, .rest = info };
	const char *why;
	struct ip_hdr ih;
	struct pkb *p;
	size_t qlen;
	uint32_t src;

	if (ip_parse_quoted(orig->data, orig->len, &ih) != IP_PARSE_OK) {
		STAT_INC(icmp, out_suppressed);
		return;
	}
	why = icmp_error_forbidden(&ih, orig);
	if (why) {
		STAT_INC(icmp, out_suppressed);
		debugf("type=%u code=%u not sent: %s", type, code, why);
		return;
	}
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		/* path MTU discovery: never limited (as Linux) */
	} else if (ip_iface_by_addr(ih.src)) {
		/* an error to ourselves (Linux exempts the loopback device) */
	} else if (!icmp_rate_allow(now)) {
		STAT_INC(icmp, out_rate_limited);
		debugf("type=%u code=%u not sent: rate limit", type, code);
		return;
	} else if (!icmp_dest_allow(ih.src, now)) {
		STAT_INC(icmp, out_rate_limited_dest);
		debugf("type=%u code=%u not sent: rate limit for this destination", type, code);
		return;
	}
	/* Quote what we have of the datagram (never past its total length), as far as
	 * ICMP_ERROR_MAX allows. */
	qlen = orig->len;
	if (ih.total_len >= ih.ihl && qlen > ih.total_len)
		qlen = ih.total_len;
	if (qlen > ICMP_ERROR_MAX - IP_HDR_MIN - ICMP_HDR_LEN)
		qlen = ICMP_ERROR_MAX - IP_HDR_MIN - ICMP_HDR_LEN;
	p = pkb_alloc(ICMP_HDR_LEN + qlen);
	if (!p) {
		STAT_INC(icmp, out_suppressed);
		return;
	}
	pkb_put(p, ICMP_HDR_LEN + qlen);
	if (orig->csum == PKB_CSUM_PARTIAL) {
		/* The datagram came with its transport checksum left partial (TAP offload): the
		 * quote shows it finished, as the sender's own copy has it. Errors are rate
		 * limited, so the copy is cheap enough. */
		struct pkb *c = pkb_copy(orig);

		if (c && pkb_csum_complete(c) == 0)
			memcpy(p->data + ICMP_HDR_LEN, c->data, qlen);
		else
			memcpy(p->data + ICMP_HDR_LEN, orig->data, qlen);
		pkb_free(c);
	} else {
		memcpy(p->data + ICMP_HDR_LEN, orig->data, qlen);
	}
	icmp_emit(&h, p->data, p->len, qlen);
	if (type == ICMP_TIME_EXCEEDED)
		STAT_INC(icmp, out_time_exceeded);
	else if (type == ICMP_DEST_UNREACH)
		STAT_INC(icmp, out_dest_unreach);
	/* The error comes from the address the datagram was sent to when that is ours, so
	 * the sender can match it; otherwise from the route's interface. RFC 1812 4.3.2.5:
	 * precedence 6 (internetwork control), as Linux sends it too. */
	src = ip_iface_by_addr(ih.dst) ? ih.dst : 0;
	ip_output(IP_PROTO_ICMP, p, src, ih.src, &opts, now); /* owns p */
}

void icmp_set_echo_error_handler(icmp_echo_error_fn fn)
{
	echo_error_fn = fn;
}

void icmp_set_echo_reply_handler(icmp_echo_reply_fn fn)
{
	echo_reply_fn = fn;
}

int icmp_echo_output(uint32_t dst, uint16_t id, uint16_t seq, const uint8_t *data, size_t len,
		     const struct net_out_opts *opts, uint64_t now)
{
	struct icmp_hdr h = { .type = ICMP_ECHO, .code = 0, .rest = (uint32_t)id << 16 | seq };
	struct pkb *p;

	if (len > IP_MAX_LEN - IP_HDR_MIN - ICMP_HDR_LEN)
		return -EMSGSIZE;
	p = pkb_alloc(ICMP_HDR_LEN + len);
	if (!p)
		return -ENOBUFS;
	pkb_put(p, ICMP_HDR_LEN + len);
	if (len)
		memcpy(p->data + ICMP_HDR_LEN, data, len);
	icmp_emit(&h, p->data, p->len, len);
	STAT_INC(icmp, out_echo);
	return ip_output(IP_PROTO_ICMP, p, 0, dst, opts, now); /* owns p */
}
