/* SPDX-License-Identifier: MIT */
/* Device wrappers: pcap writer, tracer and seeded fault injector, on any device.
 *
 * A wrapper is a device: attaching turns the device the user named into a wrapping device,
 * and moves its driver (ops, state, fd) into a lower device of its own that nothing above
 * sees. The named device keeps its pointer, name, index, addresses, routes, ARP entries,
 * counters and place in the loop, so nothing above notices; its ops are now the
 * wrapper's: recv_batch and transmit call the lower device's, and input and output (the
 * per-frame ops net/netdev.c calls when a device has them) do the capture and the fault
 * injection. net/netdev.c knows nothing of this file.
 *
 * Where the work sits: the capture (pcap and trace) is on the stack's side of the fault
 * injector, so it records what the stack really received and what it really sent:
 *
 *   stack <-> capture <-> impair <-> lower device (driver)
 *
 * A frame the injector drops on input is never seen by the stack and so is not captured;
 * one it drops on output was sent by the stack and is captured. Frames the injector holds
 * back (reorder, delay) and copies (dup) go on later through net_device_deliver /
 * net_device_transmit, so nothing is impaired or counted twice. Frames are counted on the
 * named device as before: on input when read (dropped ones too), on output when they reach
 * the driver.
 *
 * The injector's decisions come from one splitmix64 stream per device seeded with seed=,
 * so a run with the same seed and the same traffic makes the same decisions. */
#include "net/perstack.h"
#include "net/wrap.h"

#include <errno.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "net/log.h"
#include "net/loop.h"

STATS_DEFINE(impair, IMPAIR_COUNTERS)

enum { DIR_RX, DIR_TX };

struct wrap_dir {
	struct net_wrap *w;
	int dir;
	struct pkb *held;             /* reorder: waits for the next frame or the timer */
	struct net_timer hold_timer;
	struct pkb_queue delayq;      /* delay: deadline in cb, in arrival order */
	struct net_timer delay_timer;
};

struct net_wrap {
	struct net_device *dev;       /* the wrapping device: the one the user named */
	struct net_device *lower;     /* the driver's device, hidden below it */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	struct pcapng_file *ng;       /* or the stack's pcapng file, interface ng_ifid */
	uint32_t ng_ifid;
	struct net_timer flush_timer;
	int64_t wall_offset_ns;       /* wall clock minus net_clock_ns, for every timestamp */
	int trace;
	FILE *trace_out;
	net_trace_fn trace_fmt;
	int filtered;                 /* trace only what trace_prog matches */
	struct bpf_program trace_prog;
	enum net_trace_time trace_time;
	struct net_impair imp;
	uint64_t rng;
	struct wrap_dir dirs[2];
};

PERSTACK_STATIC(int, pcap_open_count) /* live pcap writers, for the "-DEV" file name rule */
#define pcap_open_count PERSTACK_REF(int, pcap_open_count)

/* ---- capture ---- */

/* One line "TIME DEV < decoded" (or ">" for output), if the filter, when there is one,
 * matches the frame. mono_ns: when the frame passed the wrapper (net_clock_ns). */
static void trace_line(struct net_wrap *w, int dir, const struct pkb *p, uint64_t mono_ns,
		       const char *note)
{
	char line[256], stamp[NET_TRACE_STAMP_MAX];

	if (w->filtered) {
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)p->len, .len = (bpf_u_int32)p->len };

		if (!pcap_offline_filter(&w->trace_prog, &h, p->data))
			return;
	}
	if (w->trace_time == NET_TRACE_TIME_REL)
		net_trace_stamp(stamp, sizeof(stamp), NET_TRACE_TIME_REL, 0,
				net_trace_rel_ns(mono_ns));
	else
		net_trace_stamp(stamp, sizeof(stamp), NET_TRACE_TIME_ABS,
				w->wall_offset_ns + (int64_t)mono_ns, 0);
	w->trace_fmt(w->dev, p->data, p->len, line, sizeof(line));
	fprintf(w->trace_out, "%s %s %c %s%s\n", stamp, w->dev->name, dir == DIR_RX ? '<' : '>',
		line, note);
	fflush(w->trace_out);
}

static void wrap_capture(struct net_wrap *w, int dir, const struct pkb *p, uint64_t now)
{
	/* The frame's time, to the nanosecond the clock gives: `now` is the loop's
	 * millisecond, too coarse to tell a delayed ACK from the segment it answers. */
	uint64_t mono_ns = net_clock_ns();

	if (w->dumper || w->ng) {
		struct pcap_pkthdr h;
		int64_t ns = w->wall_offset_ns + (int64_t)mono_ns;
		struct pkb *done = NULL;

		h.ts.tv_sec = (time_t)(ns / 1000000000);
		h.ts.tv_usec = (suseconds_t)(ns % 1000000000); /* nanoseconds: see the open */
		h.caplen = h.len = (bpf_u_int32)p->len;
		/* A partial checksum (TAP offload: the kernel finishes it, or started it) would
		 * read as bad in the capture, as it does in tcpdump on an offloading NIC. The
		 * capture shows it finished instead - what the wire carries - from a copy, so
		 * the frame itself stays partial and cheap. A GSO super-frame is captured
		 * whole, larger than the MTU, as the kernel's own capture shows it. */
		if (p->csum == PKB_CSUM_PARTIAL) {
			done = pkb_copy(p);
			if (done && pkb_csum_complete(done) == 0)
				p = done;
		}
		if (w->ng)
			pcapng_write_packet(w->ng, w->ng_ifid, (uint64_t)ns, dir == DIR_TX,
					    p->data, p->len);
		else
			pcap_dump((u_char *)w->dumper, &h, p->data);
		pkb_free(done);
		/* Written out within NET_WRAP_PCAP_FLUSH_MS, so tshark can follow a live file
		 * and a crash loses at most that much. */
		if (!net_timer_pending(&w->flush_timer))
			net_timer_arm(&w->flush_timer, now + NET_WRAP_PCAP_FLUSH_MS);
	}
	if (w->trace)
		trace_line(w, dir, p, mono_ns, "");
}

static void flush_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct net_wrap *w = arg;

	(void)t;
	(void)now;
	if (w->ng)
		pcapng_flush(w->ng);
	else
		pcap_dump_flush(w->dumper);
}

/* "out.pcap" -> "out-tap1.pcap" for every device but the first (see net/wrap.h). */
static void pcap_path_for(const char *path, const char *dev, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (pcap_open_count == 0) {
		snprintf(out, size, "%s", path);
		return;
	}
	if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : path))
		dot = path + strlen(path);
	snprintf(out, size, "%.*s-%s%s", (int)(dot - path), path, dev, dot);
}

/* ---- fault injection ---- */

/* splitmix64 (Steele, Lea, Flood 2014): small, fast, and every seed gives a good stream. */
static uint64_t rng_next(struct net_wrap *w)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True with probability pct percent. A zero rate draws nothing from the stream. */
static int roll(struct net_wrap *w, double pct)
{
	if (pct <= 0)
		return 0;
	return (double)(rng_next(w) >> 11) * 0x1.0p-53 * 100.0 < pct;
}

/* The injector writes into frames and links them into its own queues; a frame another
 * layer still references (a TCP retransmission queue) is copied first. NULL: no memory,
 * and p is gone. */
static struct pkb *own(struct pkb *p)
{
	struct pkb *c;

	if (p->refcnt == 1)
		return p;
	c = pkb_copy(p);
	pkb_free(p);
	if (!c) {
		STAT_INC(impair, nomem);
		debugf("impair: no memory to copy a shared frame, dropped");
	}
	return c;
}

/* Hands p on past the wrapper: up to the link layer (captured first) or to the driver.
 * Takes ownership of p. */
static void release(struct net_wrap *w, int dir, struct pkb *p, uint64_t now)
{
	STAT_INC(impair, passed);
	if (dir == DIR_RX) {
		wrap_capture(w, dir, p, now);
		net_device_deliver(w->dev, p, now);
	} else {
		net_device_transmit(w->dev, p);
	}
}

static void delay_enqueue(struct wrap_dir *d, struct pkb *p, uint64_t now)
{
	uint64_t deadline = now + d->w->imp.delay_ms;

	memcpy(p->cb, &deadline, sizeof(deadline));
	TAILQ_INSERT_TAIL(&d->delayq, p, link);
	STAT_INC(impair, delayed);
	if (!net_timer_pending(&d->delay_timer))
		net_timer_arm(&d->delay_timer, deadline);
}

/* Every delay is the same, so the queue is in deadline order: release the due head. */
static void delay_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct wrap_dir *d = arg;
	struct pkb *p;

	(void)t;
	while ((p = TAILQ_FIRST(&d->delayq))) {
		uint64_t deadline;

		memcpy(&deadline, p->cb, sizeof(deadline));
		if (deadline > now) {
			net_timer_arm(&d->delay_timer, deadline);
			break;
		}
		TAILQ_REMOVE(&d->delayq, p, link);
		release(d->w, d->dir, p, now);
	}
}

/* The frame after the impairment decisions: into the delay queue, or on at once. Returns
 * 0 when p may simply continue through the caller's path, 1 when it was taken. */
static int forward(struct wrap_dir *d, struct pkb *p, int may_continue, uint64_t now)
{
	struct net_wrap *w = d->w;
	struct pkb *h = d->held;
	int taken = 1;

	if (w->imp.delay_ms) {
		delay_enqueue(d, p, now);
	} else if (may_continue && !h) {
		STAT_INC(impair, passed);
		if (d->dir == DIR_RX)
			wrap_capture(w, d->dir, p, now);
		taken = 0;
	} else {
		release(w, d->dir, p, now);
	}
	/* A frame held for reordering goes right after the one that overtook it. */
	if (h) {
		d->held = NULL;
		net_timer_cancel(&d->hold_timer);
		if (w->imp.delay_ms)
			delay_enqueue(d, h, now);
		else
			release(w, d->dir, h, now);
	}
	return taken;
}

/* A lone held frame is not stuck: after NET_WRAP_REORDER_HOLD_MS it goes on alone. */
static void hold_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct wrap_dir *d = arg;
	struct pkb *h = d->held;

	(void)t;
	d->held = NULL;
	if (d->w->imp.delay_ms)
		delay_enqueue(d, h, now);
	else
		release(d->w, d->dir, h, now);
}

/* Decides the fate of one frame, in a fixed order (loss, corruption, duplication,
 * reordering, delay) so that a seed always replays the same way. 0: p continues through
 * the caller's path; 1: the injector took it. */
static int impair(struct net_wrap *w, int dir, struct pkb *p, uint64_t now)
{
	struct wrap_dir *d = &w->dirs[dir];
	unsigned hdr = w->dev->hdr_len;
	struct pkb *orig = p; /* the caller's path may only continue with its own buffer */

	if (roll(w, w->imp.loss)) {
		STAT_INC(impair, dropped);
		debugf("dev=%s impair: dropped len=%zu", w->dev->name, p->len);
		/* The stack never sees it, so the capture would not show it: a reader of the
		 * trace still wants to know the frame came and was lost on purpose. (Output
		 * frames were traced before the injector.) */
		if (w->trace && dir == DIR_RX)
			trace_line(w, dir, p, net_clock_ns(), " [dropped by --impair]");
		pkb_free(p);
		return 1;
	}
	if (roll(w, w->imp.corrupt) && p->len > hdr) {
		/* After the link header: a corrupted MAC would only be filtered, not tested. */
		uint64_t bit = rng_next(w) % ((p->len - hdr) * 8);

		if (p->gso_size) {
			/* An outgoing super-segment: the kernel recomputes the checksums of the
			 * segments it cuts, so a flipped bit would reach the peer as good data.
			 * What a receiver does with a corrupted segment is drop it: so do we. */
			STAT_INC(impair, corrupted);
			STAT_INC(impair, corrupted_gso_dropped);
			debugf("dev=%s impair: corrupted GSO frame len=%zu dropped", w->dev->name,
			       p->len);
			pkb_free(p);
			return 1;
		}
		if (!(p = own(p)))
			return 1;
		/* The damage must be visible to the checksum that will judge the frame: finish
		 * a partial one first (the kernel would finish it over the damaged bytes on
		 * output; the stack trusts it on input), and make input verify again. */
		(void)pkb_csum_complete(p); /* offsets checked by the driver that set them */
		p->csum = PKB_CSUM_NONE;
		p->data[hdr + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		STAT_INC(impair, corrupted);
	}
	if (roll(w, w->imp.dup)) {
		struct pkb *c = pkb_copy(p);

		if (c) {
			STAT_INC(impair, duplicated);
			forward(d, c, 0, now);
		} else {
			STAT_INC(impair, nomem);
		}
	}
	if (!d->held && roll(w, w->imp.reorder)) {
		if (!(p = own(p)))
			return 1;
		d->held = p;
		STAT_INC(impair, reordered);
		net_timer_arm(&d->hold_timer, now + w->imp.reorder_hold_ms);
		return 1;
	}
	if (w->imp.delay_ms && !(p = own(p)))
		return 1;
	return forward(d, p, p == orig, now);
}

/* ---- the wrapping device's ops ---- */

static const struct net_device_ops wrap_ops;

static void wrap_input(struct net_device *dev, struct pkb *p, uint64_t now)
{
	struct net_wrap *w = dev->priv;

	if (w->imp.enabled) {
		if (impair(w, DIR_RX, p, now))
			return;
	} else {
		wrap_capture(w, DIR_RX, p, now);
	}
	net_device_deliver(dev, p, now);
}

static int wrap_output(struct net_device *dev, struct pkb *p, uint64_t now)
{
	struct net_wrap *w = dev->priv;

	wrap_capture(w, DIR_TX, p, now);
	if (w->imp.enabled && impair(w, DIR_TX, p, now))
		return 0;
	return net_device_transmit(dev, p);
}

static int wrap_transmit(struct net_device *dev, struct pkb *p)
{
	struct net_device *lower = ((struct net_wrap *)dev->priv)->lower;

	return lower->ops->transmit(lower, p);
}

static int wrap_recv_batch(struct net_device *dev, struct pkb **out, int max)
{
	struct net_device *lower = ((struct net_wrap *)dev->priv)->lower;

	return lower->ops->recv_batch(lower, out, max);
}

static void wrap_close(struct net_device *dev)
{
	struct net_device *lower = ((struct net_wrap *)dev->priv)->lower;

	if (lower->ops->close)
		lower->ops->close(lower);
	dev->fd = lower->fd;
}

/* Runs when the device goes away (after its driver closed): the driver's state goes, and
 * frames still held can no longer be sent or received, so they are freed and counted. */
static void wrap_destroy(struct net_device *dev)
{
	struct net_wrap *w = dev->priv;

	if (w->lower->ops->destroy)
		w->lower->ops->destroy(w->lower);
	free(w->lower);
	for (int i = 0; i < 2; i++) {
		struct wrap_dir *d = &w->dirs[i];
		struct pkb *p;

		net_timer_cancel(&d->hold_timer);
		net_timer_cancel(&d->delay_timer);
		if (d->held) {
			STAT_INC(impair, discarded_at_close);
			pkb_free(d->held);
			d->held = NULL;
		}
		while ((p = TAILQ_FIRST(&d->delayq))) {
			TAILQ_REMOVE(&d->delayq, p, link);
			STAT_INC(impair, discarded_at_close);
			pkb_free(p);
		}
	}
	net_timer_cancel(&w->flush_timer);
	if (w->dumper) {
		pcap_dump_close(w->dumper);
		pcap_open_count--;
	}
	if (w->pcap)
		pcap_close(w->pcap);
	pcapng_close(w->ng);
	if (w->filtered)
		pcap_freecode(&w->trace_prog);
	if (w->trace) {
		net_trace_stop();
		fflush(w->trace_out);
	}
	free(w);
	dev->priv = NULL;
}

/* No open: the device was open before it was wrapped. */
static const struct net_device_ops wrap_ops = {
	.close = wrap_close,
	.transmit = wrap_transmit,
	.recv_batch = wrap_recv_batch,
	.destroy = wrap_destroy,
	.input = wrap_input,
	.output = wrap_output,
};

struct net_device *net_wrap_lower(const struct net_device *dev)
{
	return dev->ops == &wrap_ops ? ((struct net_wrap *)dev->priv)->lower : NULL;
}

/* The driver's half of dev moves into lower: what its ops read (fd, priv, attributes). A
 * driver sets these at open and never changes them, so a copy stays true. */
static void lower_fill(struct net_device *lower, const struct net_device *dev)
{
	memcpy(lower->name, dev->name, sizeof(lower->name));
	lower->index = dev->index;
	lower->type = dev->type;
	lower->flags = dev->flags;
	lower->mtu = dev->mtu;
	lower->hdr_len = dev->hdr_len;
	lower->gso_max_size = dev->gso_max_size;
	memcpy(lower->hwaddr, dev->hwaddr, sizeof(lower->hwaddr));
	memcpy(lower->broadcast, dev->broadcast, sizeof(lower->broadcast));
	lower->fd = dev->fd;
	lower->ops = dev->ops;
	lower->priv = dev->priv;
}

int net_wrap_attach(struct net_device *dev, const struct net_wrap_opts *o, char *err,
		    size_t errlen)
{
	struct net_wrap *w;
	char path[4096];
	int dlt = dev->type == NET_DEV_ETHER ? DLT_EN10MB : DLT_RAW;
	int ifid;

	if (!o->pcap_path && !o->trace && !o->impair.enabled)
		return 0; /* nothing to do: the device keeps its direct path */
	if (dev->ops == &wrap_ops) {
		snprintf(err, errlen, "%s already has wrappers attached", dev->name);
		return -EEXIST;
	}
	if (o->trace && !o->trace_fmt) {
		snprintf(err, errlen, "%s: --trace needs a decoder", dev->name);
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (w)
		w->lower = net_device_alloc();
	if (!w || !w->lower) {
		snprintf(err, errlen, "%s: out of memory for the device wrappers", dev->name);
		if (w)
			free(w->lower);
		free(w);
		return -ENOMEM;
	}
	w->dev = dev;
	w->trace = o->trace;
	w->trace_out = o->trace_out ? o->trace_out : stdout;
	w->trace_fmt = o->trace_fmt;
	w->trace_time = o->trace_time;
	w->wall_offset_ns = net_capture_wall_offset_ns();
	w->imp = o->impair;
	if (!w->imp.reorder_hold_ms)
		w->imp.reorder_hold_ms = NET_WRAP_REORDER_HOLD_MS;
	w->rng = w->imp.seed;
	net_timer_init(&w->flush_timer, flush_timer_fn, w);
	for (int i = 0; i < 2; i++) {
		struct wrap_dir *d = &w->dirs[i];
		d->w = w;
		d->dir = i;
		TAILQ_INIT(&d->delayq);
		net_timer_init(&d->hold_timer, hold_timer_fn, d);
		net_timer_init(&d->delay_timer, delay_timer_fn, d);
	}
	if (o->trace && o->trace_filter && *o->trace_filter) {
		char perr[PCAP_ERRBUF_SIZE];

		/* Compiled for this device's frames: Ethernet, or bare IP for TUN and lo. */
		if (net_trace_filter_compile(o->trace_filter, dlt, &w->trace_prog, perr,
					     sizeof(perr)) < 0) {
			snprintf(err, errlen, "--trace '%s' on %s: %s", o->trace_filter, dev->name,
				 perr);
			free(w->lower);
			free(w);
			return -EINVAL;
		}
		w->filtered = 1;
	}
	if (o->pcap_path && net_capture_is_pcapng(o->pcap_path)) {
		/* One file for every device, an interface block each (net/capture.c). */
		w->ng = pcapng_open(o->pcap_path, NET_WRAP_PCAP_SNAPLEN, err, errlen);
		if (!w->ng)
			goto fail_capture;
		ifid = pcapng_add_interface(w->ng, dev->name, dlt);
		if (ifid < 0) {
			snprintf(err, errlen, "--pcap %s: cannot write to the file", o->pcap_path);
			pcapng_close(w->ng);
			goto fail_capture;
		}
		w->ng_ifid = (uint32_t)ifid;
		infof("dev=%s pcapng=%s interface=%u", dev->name, o->pcap_path, w->ng_ifid);
	} else if (o->pcap_path) {
		pcap_path_for(o->pcap_path, dev->name, path, sizeof(path));
		/* Nanosecond timestamps: the file's magic is 0xa1b23c4d, and the "usec" field
		 * of every record carries nanoseconds. */
		w->pcap = pcap_open_dead_with_tstamp_precision(dlt, NET_WRAP_PCAP_SNAPLEN,
							       PCAP_TSTAMP_PRECISION_NANO);
		if (!w->pcap) {
			snprintf(err, errlen, "--pcap %s: out of memory", path);
			goto fail_capture;
		}
		w->dumper = pcap_dump_open(w->pcap, path);
		if (!w->dumper) {
			snprintf(err, errlen, "--pcap %s: %s: check the directory exists and is "
				 "writable", path, pcap_geterr(w->pcap));
			pcap_close(w->pcap);
			goto fail_capture;
		}
		pcap_open_count++;
		infof("dev=%s pcap=%s", dev->name, path);
	}
	if (w->trace)
		net_trace_start();
	/* From here the device is the wrapper, its driver the lower device. */
	lower_fill(w->lower, dev);
	dev->ops = &wrap_ops;
	dev->priv = w;
	return 0;

fail_capture:
	if (w->filtered)
		pcap_freecode(&w->trace_prog);
	free(w->lower);
	free(w);
	return -EIO;
}

/* ---- --impair parsing ---- */

static int parse_pct(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(d) || d < 0 || d > 100)
		return -EINVAL;
	*out = d;
	return 0;
}

static int parse_uint(const char *v, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long n;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 0);
	if (errno || *end || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

int net_impair_parse(const char *spec, struct net_impair *out, char *err, size_t errlen)
{
	static const char *const keys[] = { "loss", "dup", "reorder", "delay", "corrupt", "seed",
					    "hold" };
	struct net_impair imp = { .seed = NET_IMPAIR_DEFAULT_SEED,
				  .reorder_hold_ms = NET_WRAP_REORDER_HOLD_MS };
	unsigned seen = 0;
	const char *s = spec;

	if (!*spec) {
		snprintf(err, errlen, "--impair needs options: loss=P,dup=P,reorder=P,delay=MS,"
			 "corrupt=P,seed=N");
		return -EINVAL;
	}
	while (*s) {
		char opt[64];
		size_t len = strcspn(s, ",");
		char *eq;
		int k = -1, bad;
		uint64_t n = 0;

		if (len == 0 || len >= sizeof(opt)) {
			snprintf(err, errlen, "--impair %s: %s option", spec,
				 len ? "overlong" : "empty (a stray comma?)");
			return -EINVAL;
		}
		memcpy(opt, s, len);
		opt[len] = '\0';
		s += len + (s[len] == ',');
		eq = strchr(opt, '=');
		if (eq) {
			*eq = '\0';
			for (int i = 0; i < 7; i++)
				if (!strcmp(opt, keys[i]))
					k = i;
		}
		if (k < 0) {
			snprintf(err, errlen, "--impair: unknown option '%s' (use loss=P,dup=P,"
				 "reorder=P,delay=MS,corrupt=P,seed=N)", opt);
			return -EINVAL;
		}
		if (seen & (1u << k)) {
			snprintf(err, errlen, "--impair: %s= given twice", keys[k]);
			return -EINVAL;
		}
		seen |= 1u << k;
		switch (k) {
		case 0: bad = parse_pct(eq + 1, &imp.loss); break;
		case 1: bad = parse_pct(eq + 1, &imp.dup); break;
		case 2: bad = parse_pct(eq + 1, &imp.reorder); break;
		case 4: bad = parse_pct(eq + 1, &imp.corrupt); break;
		case 3:
		case 6:
			bad = parse_uint(eq + 1, NET_IMPAIR_DELAY_MAX_MS, &n);
			if (k == 3)
				imp.delay_ms = (unsigned)n;
			else
				imp.reorder_hold_ms = n ? (unsigned)n : NET_WRAP_REORDER_HOLD_MS;
			break;
		default: bad = parse_uint(eq + 1, UINT64_MAX, &imp.seed); break;
		}
		if (bad) {
			if (k == 5)
				snprintf(err, errlen, "--impair: bad seed=%s: expected a whole number",
					 eq + 1);
			else if (k == 3 || k == 6)
				snprintf(err, errlen, "--impair: bad %s=%s: expected milliseconds from "
					 "0 to %u", keys[k], eq + 1, NET_IMPAIR_DELAY_MAX_MS);
			else
				snprintf(err, errlen, "--impair: bad %s=%s: expected a percentage from "
					 "0 to 100", keys[k], eq + 1);
			return -EINVAL;
		}
	}
	imp.enabled = imp.loss > 0 || imp.dup > 0 || imp.reorder > 0 || imp.corrupt > 0 ||
		      imp.delay_ms > 0;
	*out = imp;
	return 0;
}
