/* SPDX-License-Identifier: MIT */
#include "test/interop/peer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int peer_tap_open(const char *name, const char *prog)
{
	struct ifreq ifr;
	int fd;

	if (strlen(name) >= IFNAMSIZ) {
		fprintf(stderr, "%s: TAP name '%s' longer than %d characters\n", prog, name,
			IFNAMSIZ - 1);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: /dev/net/tun: %s\n", prog, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "%s: TUNSETIFF %s: %s\n", prog, name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int peer_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

int64_t peer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void peer_watch_init(struct peer_watch *w, const char *prog, const char *dir)
{
	memset(w, 0, sizeof(*w));
	w->prog = prog;
	w->dir = dir;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Modular sequence comparison (RFC 9293 section 3.4). */
static int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static struct peer_flow *flow_find(struct peer_watch *w, uint32_t saddr, uint32_t daddr,
				   uint16_t sport, uint16_t dport, int make)
{
	struct peer_flow *f;

	for (unsigned i = 0; i < PEER_FLOWS; i++) {
		f = &w->flows[i];
		if (f->used && f->saddr == saddr && f->daddr == daddr && f->sport == sport &&
		    f->dport == dport)
			return f;
	}
	if (!make)
		return NULL;
	/* Round robin: the tests run a handful of connections, one or two at a time. */
	f = &w->flows[w->next_slot++ % PEER_FLOWS];
	memset(f, 0, sizeof(*f));
	f->used = 1;
	f->saddr = saddr;
	f->daddr = daddr;
	f->sport = sport;
	f->dport = dport;
	return f;
}

static void print_syn(const struct peer_watch *w, const uint8_t *ip, const uint8_t *th,
		      size_t thlen)
{
	char opts[160] = "";
	size_t o = 0;
	const uint8_t *p = th + 20, *end = th + thlen;

	while (p < end && *p != 0) {
		if (*p == 1) { /* NOP */
			p++;
			continue;
		}
		if (p + 1 >= end || p[1] < 2 || p + p[1] > end)
			break;
		if (p[0] == 2 && p[1] == 4)
			o += snprintf(opts + o, sizeof(opts) - o, " mss %u", get16(p + 2));
		else if (p[0] == 3 && p[1] == 3)
			o += snprintf(opts + o, sizeof(opts) - o, " wscale %u", p[2]);
		else if (p[0] == 4)
			o += snprintf(opts + o, sizeof(opts) - o, " sackOK");
		else if (p[0] == 8)
			o += snprintf(opts + o, sizeof(opts) - o, " ts");
		else
			o += snprintf(opts + o, sizeof(opts) - o, " opt%u", p[0]);
		if (o >= sizeof(opts))
			break;
		p += p[1];
	}
	fprintf(stderr, "%s: %s %s %u.%u.%u.%u:%u > %u.%u.%u.%u:%u win %u%s\n", w->prog, w->dir,
		(th[13] & 0x10) ? "SYN-ACK" : "SYN", ip[12], ip[13], ip[14], ip[15],
		get16(th), ip[16], ip[17], ip[18], ip[19], get16(th + 2), get16(th + 14),
		opts[0] ? opts : " (no options)");
}

void peer_watch_frame(struct peer_watch *w, const uint8_t *f, size_t len)
{
	const uint8_t *ip, *th;
	size_t ihl, iplen, thlen, paylen;
	uint32_t saddr, daddr, seq, end;
	uint16_t sport, dport;
	uint8_t flags;
	struct peer_flow *fl;

	w->frames++;
	if (len < 14 + 20 || get16(f + 12) != 0x0800)
		return;
	ip = f + 14;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	iplen = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || iplen < ihl || 14 + iplen > len || ip[9] != 6)
		return;
	if (get16(ip + 6) & 0x3fff) /* a fragment: the tests' TCP never fragments */
		return;
	th = ip + ihl;
	if (iplen - ihl < 20)
		return;
	thlen = (size_t)(th[12] >> 4) * 4;
	if (thlen < 20 || thlen > iplen - ihl)
		return;
	w->tcp_segs++;
	paylen = iplen - ihl - thlen;
	flags = th[13];
	saddr = get32(ip + 12);
	daddr = get32(ip + 16);
	sport = get16(th);
	dport = get16(th + 2);
	seq = get32(th + 4);

	if (flags & 0x04) {
		w->rsts++;
		return;
	}
	if (flags & 0x02) {
		w->syns++;
		print_syn(w, ip, th, thlen);
		fl = flow_find(w, saddr, daddr, sport, dport, 1);
		if (fl->snd_max != 0 && !seq_lt(fl->snd_max, seq + 1))
			w->rexmt_segs++; /* the same SYN again */
		fl->snd_max = seq + 1;
		return;
	}
	if (flags & 0x01)
		w->fins++;
	if (paylen > 0) {
		w->data_segs++;
		w->data_bytes += paylen;
	}
	end = seq + (uint32_t)paylen + (flags & 0x01 ? 1 : 0);
	if (end == seq) /* a pure ACK occupies no sequence space */
		return;
	fl = flow_find(w, saddr, daddr, sport, dport, 0);
	if (!fl) /* joined mid-connection: start from here */
		fl = flow_find(w, saddr, daddr, sport, dport, 1);
	else if (seq_lt(seq, fl->snd_max)) {
		w->rexmt_segs++;
		w->rexmt_bytes += paylen;
	}
	if (fl->snd_max == 0 || seq_lt(fl->snd_max, end))
		fl->snd_max = end;
}

void peer_watch_print(const struct peer_watch *w, FILE *out)
{
	fprintf(out,
		"%s: %s: %llu frames, %llu TCP segments, %llu with data (%llu bytes), "
		"%llu sent again (%llu bytes), %llu SYN, %llu FIN, %llu RST\n",
		w->prog, w->dir, (unsigned long long)w->frames, (unsigned long long)w->tcp_segs,
		(unsigned long long)w->data_segs, (unsigned long long)w->data_bytes,
		(unsigned long long)w->rexmt_segs, (unsigned long long)w->rexmt_bytes,
		(unsigned long long)w->syns, (unsigned long long)w->fins,
		(unsigned long long)w->rsts);
}
