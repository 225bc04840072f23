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

#include "net/gso.h"
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
	char *pcap_file;              /* the file dumper or ng writes, for net_wrap_status */
	struct pcapng_file *ng;       /* or the stack's pcapng file, interface ng_ifid */
	uint32_t ng_ifid;
	char *trace_filter;           /* the expression trace_prog was compiled from */
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
	net_wrap_pcap_name(path, dev, pcap_open_count == 0, out, size);
}

void net_wrap_pcap_name(const char *path, const char *dev, int first, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (first) {
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

/* Every delay is the same, so the queue is in deadline order: release the due head, in
 * order, all of it now.
 *
 * On output the frames due at once can be a whole window (TCP in slow start at a 20 ms
 * RTT: over a thousand), and the peer answers each as it is written: a local kernel, in
 * the write itself, into the TAP's queue to us (txqueuelen, 1000 frames), which nobody
 * reads while the loop writes. Written in one go, the burst filled that queue and the
 * kernel dropped its own ACKs (its TX dropped on the TAP). A NIC driver serves its
 * receive ring between turns of transmit work (NAPI); so does this release: after every
 * NET_DEV_BATCH frames written, one read of the device (net_device_poll_drain, at most as many
 * frames), which with a delay set only queues what it reads on the input side. */
static void delay_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct wrap_dir *d = arg;
	unsigned n = 0;
	struct pkb *p;

	(void)t;
	while ((p = TAILQ_FIRST(&d->delayq))) {
		uint64_t deadline;

		memcpy(&deadline, p->cb, sizeof(deadline));
		if (deadline > now) {
			net_timer_arm(&d->delay_timer, deadline);
			break;
		}
		if (d->dir == DIR_TX && n == NET_DEV_BATCH && d->w->lower->ops->recv_batch) {
			STAT_INC(impair, delay_rx_polls);
			net_device_poll_drain(d->w->dev, now);
			n = 0;
			continue; /* the reads queue input only: this queue is as it was */
		}
		TAILQ_REMOVE(&d->delayq, p, link);
		release(d->w, d->dir, p, now);
		n++;
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
 * the caller's path (only when may_continue); 1: the injector took it. */
static int impair_frame(struct net_wrap *w, int dir, struct pkb *p, int may_continue,
			uint64_t now)
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
	return forward(d, p, may_continue && p == orig, now);
}

/* Whether a frame is judged segment by segment: a super-frame (TCP's TSO super-segment
 * on output, the kernel's GSO/GRO one on input) when a decision could tell its segments
 * apart. Delay alone treats every segment alike, so the frame stays whole (and cheap). */
static int impair_cuts(const struct net_wrap *w, const struct pkb *p)
{
	return p->gso_size &&
	       (w->imp.loss > 0 || w->imp.corrupt > 0 || w->imp.dup > 0 || w->imp.reorder > 0);
}

/* Cuts super-frame p into the wire segments the device (or the kernel, on input) would
 * make of it, each with p's link header: net/gso.c's cutting, as the kernel's GSO does.
 * p is left as it was (a frame TCP still holds for retransmission is only read). Each
 * segment's TCP checksum is left partial where the frame's may be (input from the kernel,
 * which vouched for the data; output to a device that finishes checksums), else complete.
 * 0 with the segments appended to out, or -errno (out unchanged; impair.cut_failed). */
static int impair_cut(struct net_wrap *w, int dir, struct pkb *p, struct pkb_queue *out)
{
	struct pkb_queue segs = TAILQ_HEAD_INITIALIZER(segs);
	unsigned hdr = w->dev->hdr_len;
	unsigned flags = dir == DIR_RX || (w->dev->flags & NET_DEV_F_CSUM_TX) ?
			 GSO_F_CSUM_PARTIAL : 0;
	const uint8_t *lh = p->data; /* the link header, copied onto each segment */
	struct pkb *s;
	int n;

	if (p->len <= hdr || !pkb_pull(p, hdr)) {
		n = -EINVAL;
		goto fail;
	}
	n = gso_segment(p, flags, &segs);
	pkb_push(p, hdr); /* back to the frame as it came: data is link again */
	if (n < 0)
		goto fail;
	TAILQ_FOREACH(s, &segs, link) {
		uint8_t *b = pkb_push(s, hdr); /* gso_segment leaves PKB_HEADROOM in front */

		memcpy(b, lh, hdr);
	}
	TAILQ_CONCAT(out, &segs, link);
	STAT_INC(impair, cut_supersegs);
	STAT_ADD(impair, cut_segments, (uint64_t)n);
	return 0;
fail:
	STAT_INC(impair, cut_failed);
	debugf("dev=%s impair: super-frame len=%zu gso_size=%u not cut (%s), judged whole",
	       w->dev->name, p->len, p->gso_size, strerror(-n));
	return n;
}

/* The injector stands for the wire, so it judges what the wire carries: the segments of
 * a super-frame one by one (impair_cuts), so that loss=5 loses 5% of the segments, not 5%
 * of the super-frames - one of which carries up to 44 full-sized segments, a run of 44
 * losses in a row. A frame that cannot be cut is judged whole. 0: p continues through the
 * caller's path; 1: the injector took it. */
static int impair(struct net_wrap *w, int dir, struct pkb *p, uint64_t now)
{
	struct pkb_queue segs = TAILQ_HEAD_INITIALIZER(segs);
	struct pkb *s;

	if (!impair_cuts(w, p) || impair_cut(w, dir, p, &segs) < 0)
		return impair_frame(w, dir, p, 1, now);
	pkb_free(p);
	while ((s = TAILQ_FIRST(&segs))) {
		TAILQ_REMOVE(&segs, s, link);
		impair_frame(w, dir, s, 0, now);
	}
	return 1;
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

/* A batch the named device queued goes down whole: the wrapper's work (capture, impair)
 * was done frame by frame in wrap_output, before the queue. */
static int wrap_transmit_batch(struct net_device *dev, struct pkb **p, int n)
{
	struct net_device *lower = ((struct net_wrap *)dev->priv)->lower;
	int failed = 0;

	if (lower->ops->transmit_batch)
		return lower->ops->transmit_batch(lower, p, n);
	for (int i = 0; i < n; i++)
		if (lower->ops->transmit(lower, p[i]) < 0)
			failed++;
	return failed;
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

/* ---- the capture file ---- */

/* Closes the capture: the file is complete (its last frames written) once this returns
 * (a pcapng file shared with other devices: once the last of them closes it). */
static void wrap_pcap_close(struct net_wrap *w)
{
	net_timer_cancel(&w->flush_timer);
	if (w->dumper) {
		pcap_dump_close(w->dumper);
		pcap_open_count--;
		w->dumper = NULL;
	}
	if (w->pcap) {
		pcap_close(w->pcap);
		w->pcap = NULL;
	}
	if (w->ng) {
		/* a file other devices still write stays open: this one's frames go out now */
		pcapng_flush(w->ng);
		pcapng_close(w->ng);
		w->ng = NULL;
	}
	free(w->pcap_file);
	w->pcap_file = NULL;
}

/* Starts a capture into path, the file's final name: a name ending in .pcapng is the
 * stack's one pcapng file, this device an interface block in it (net/capture.c); any
 * other name a pcap file of this device's frames with nanosecond timestamps (magic
 * 0xa1b23c4d: the "usec" field of every record carries nanoseconds). 0, or -errno with a
 * reason in err (nothing left open). */
static int wrap_pcap_open(struct net_wrap *w, const char *path, char *err, size_t errlen)
{
	int dlt = w->dev->type == NET_DEV_ETHER ? DLT_EN10MB : DLT_RAW;
	struct net_device *o;
	int ifid;

	/* a pcap file has one writer: opening it again would truncate it under that one */
	TAILQ_FOREACH(o, &net_devices, link) {
		const struct net_wrap *ow = o->ops == &wrap_ops ? o->priv : NULL;

		if (ow && ow != w && ow->dumper && !strcmp(ow->pcap_file, path)) {
			snprintf(err, errlen, "--pcap %s: %s is capturing to it already", path,
				 o->name);
			return -EBUSY;
		}
	}
	w->pcap_file = strdup(path);
	if (!w->pcap_file) {
		snprintf(err, errlen, "--pcap %s: out of memory", path);
		return -ENOMEM;
	}
	if (net_capture_is_pcapng(path)) {
		w->ng = pcapng_open(path, NET_WRAP_PCAP_SNAPLEN, err, errlen);
		if (!w->ng) {
			wrap_pcap_close(w);
			return -EIO;
		}
		ifid = pcapng_add_interface(w->ng, w->dev->name, dlt);
		if (ifid < 0) {
			snprintf(err, errlen, "--pcap %s: cannot write to the file", path);
			wrap_pcap_close(w);
			return -EIO;
		}
		w->ng_ifid = (uint32_t)ifid;
		infof("dev=%s pcapng=%s interface=%u", w->dev->name, path, w->ng_ifid);
		return 0;
	}
	w->pcap = pcap_open_dead_with_tstamp_precision(dlt, NET_WRAP_PCAP_SNAPLEN,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!w->pcap) {
		snprintf(err, errlen, "--pcap %s: out of memory", path);
		wrap_pcap_close(w);
		return -ENOMEM;
	}
	w->dumper = pcap_dump_open(w->pcap, path);
	if (!w->dumper) {
		snprintf(err, errlen, "--pcap %s: %s: check the directory exists and is "
			 "writable", path, pcap_geterr(w->pcap));
		wrap_pcap_close(w);
		return -EIO;
	}
	pcap_open_count++;
	infof("dev=%s pcap=%s", w->dev->name, path);
	return 0;
}

/* Sets the trace filter to expr, compiled for this device's frames (Ethernet, or bare IP
 * for TUN and lo); NULL or "" takes it away. 0, or -EINVAL with libpcap's reason in err
 * (the filter in place unchanged). */
static int wrap_trace_filter(struct net_wrap *w, const char *expr, char *err, size_t errlen)
{
	int dlt = w->dev->type == NET_DEV_ETHER ? DLT_EN10MB : DLT_RAW;
	struct bpf_program prog;
	char perr[PCAP_ERRBUF_SIZE], *copy = NULL;

	if (expr && *expr) {
		copy = strdup(expr);
		if (!copy) {
			snprintf(err, errlen, "%s: out of memory for the trace filter", w->dev->name);
			return -ENOMEM;
		}
		if (net_trace_filter_compile(expr, dlt, &prog, perr, sizeof(perr)) < 0) {
			snprintf(err, errlen, "--trace '%s' on %s: %s", expr, w->dev->name, perr);
			free(copy);
			return -EINVAL;
		}
	}
	if (w->filtered)
		pcap_freecode(&w->trace_prog);
	free(w->trace_filter);
	w->filtered = copy != NULL;
	w->trace_filter = copy;
	if (copy)
		w->trace_prog = prog;
	return 0;
}

/* ---- the wrapper's life ---- */

/* Sends on at once the frames the injector holds back, as if their time had come: the
 * delay queues in order, then (unless delayed_only) a frame held for reordering. Run
 * after a change of settings, with the new ones in place: with the injector off or
 * delay=0 nothing goes back into the delay queues, so this ends. Output first: what the
 * stack answers to the received frames released after it then leaves behind it. */
static void wrap_release_queued(struct net_wrap *w, int delayed_only, uint64_t now)
{
	for (int i = DIR_TX; i >= DIR_RX; i--) {
		struct wrap_dir *d = &w->dirs[i];
		struct pkb *p;

		net_timer_cancel(&d->delay_timer);
		while ((p = TAILQ_FIRST(&d->delayq))) {
			TAILQ_REMOVE(&d->delayq, p, link);
			release(w, d->dir, p, now);
		}
		if (!delayed_only && d->held) {
			p = d->held;
			d->held = NULL;
			net_timer_cancel(&d->hold_timer);
			release(w, d->dir, p, now);
		}
	}
}

/* Runs when the device goes away (after its driver closed): the driver's state goes, and
 * frames still held can no longer be sent or received, so they are freed and counted. */
static void wrap_destroy(struct net_device *dev)
{
	struct net_wrap *w = dev->priv;

	if (w->lower->ops->destroy)
		w->lower->ops->destroy(w->lower);
	pkb_free(w->lower->rx_spare);
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
	wrap_pcap_close(w);
	wrap_trace_filter(w, NULL, NULL, 0);
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
	.transmit_batch = wrap_transmit_batch,
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

/* A wrapper for dev with everything off, not attached yet (wrap_install); NULL without
 * memory. */
static struct net_wrap *wrap_alloc(struct net_device *dev)
{
	struct net_wrap *w = calloc(1, sizeof(*w));

	if (w)
		w->lower = net_device_alloc();
	if (!w || !w->lower) {
		if (w)
			free(w->lower);
		free(w);
		return NULL;
	}
	w->dev = dev;
	w->trace_out = stdout;
	w->wall_offset_ns = net_capture_wall_offset_ns();
	w->imp.seed = NET_IMPAIR_DEFAULT_SEED;
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
	return w;
}

/* From here the device is the wrapper, its driver the lower device. With the lock held,
 * this may happen between any two frames: the loop's registration holds dev's pointer
 * and fd, both unchanged; the next read and write go through the wrapper's ops to the
 * same driver state. */
static void wrap_install(struct net_device *dev, struct net_wrap *w)
{
	lower_fill(w->lower, dev);
	/* the driver's reads now go through the lower device, and so does its spare buffer */
	w->lower->rx_spare = dev->rx_spare;
	dev->rx_spare = NULL;
	dev->ops = &wrap_ops;
	dev->priv = w;
}

/* The reverse, once the wrapper has nothing left to do (no capture, no trace, the
 * injector off and holding nothing): the driver's ops and state go back into dev, and
 * its frames take the direct path again. */
static void wrap_detach(struct net_device *dev)
{
	struct net_wrap *w = dev->priv;
	struct net_device *lower = w->lower;

	for (int i = 0; i < 2; i++) {
		net_timer_cancel(&w->dirs[i].hold_timer);
		net_timer_cancel(&w->dirs[i].delay_timer);
	}
	wrap_pcap_close(w);
	wrap_trace_filter(w, NULL, NULL, 0);
	if (w->trace_out)
		fflush(w->trace_out);
	dev->ops = lower->ops;
	dev->priv = lower->priv;
	dev->fd = lower->fd;
	dev->rx_spare = lower->rx_spare;
	free(lower);
	free(w);
}

int net_wrap_attach(struct net_device *dev, const struct net_wrap_opts *o, char *err,
		    size_t errlen)
{
	struct net_wrap *w;
	char path[4096];
	int rc;

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
	w = wrap_alloc(dev);
	if (!w) {
		snprintf(err, errlen, "%s: out of memory for the device wrappers", dev->name);
		return -ENOMEM;
	}
	w->trace_out = o->trace_out ? o->trace_out : stdout;
	w->trace_fmt = o->trace_fmt;
	w->trace_time = o->trace_time;
	w->imp = o->impair;
	if (!w->imp.reorder_hold_ms)
		w->imp.reorder_hold_ms = NET_WRAP_REORDER_HOLD_MS;
	w->rng = w->imp.seed;
	rc = o->trace ? wrap_trace_filter(w, o->trace_filter, err, errlen) : 0;
	if (!rc && o->pcap_path) {
		/* pcapng: one file for every device; pcap: FILE-DEV after the first */
		if (net_capture_is_pcapng(o->pcap_path))
			snprintf(path, sizeof(path), "%s", o->pcap_path);
		else
			pcap_path_for(o->pcap_path, dev->name, path, sizeof(path));
		rc = wrap_pcap_open(w, path, err, errlen);
	}
	if (rc < 0) {
		wrap_trace_filter(w, NULL, NULL, 0);
		free(w->lower);
		free(w);
		return rc;
	}
	if (o->trace) {
		w->trace = 1;
		net_trace_start();
	}
	wrap_install(dev, w);
	return 0;
}

int net_wrap_update(struct net_device *dev, const struct net_wrap_opts *o, unsigned what,
		    char *err, size_t errlen)
{
	struct net_wrap *w = dev->ops == &wrap_ops ? dev->priv : NULL;
	int fresh = 0, rc;

	NET_ASSERT_LOCKED();
	if ((what & NET_WRAP_SET_TRACE) && o->trace && !o->trace_fmt) {
		snprintf(err, errlen, "%s: tracing needs a decoder", dev->name);
		return -EINVAL;
	}
	if ((what & NET_WRAP_SET_PCAP) && o->pcap_path && w && w->pcap_file) {
		snprintf(err, errlen, "%s is capturing to %s already: stop that first", dev->name,
			 w->pcap_file);
		return -EBUSY;
	}
	if (!w) {
		if (!((what & NET_WRAP_SET_PCAP) && o->pcap_path) &&
		    !((what & NET_WRAP_SET_TRACE) && o->trace) &&
		    !((what & NET_WRAP_SET_IMPAIR) && o->impair.enabled))
			return 0; /* everything asked is off, and off it is */
		w = wrap_alloc(dev);
		if (!w) {
			snprintf(err, errlen, "%s: out of memory for the device wrappers",
				 dev->name);
			return -ENOMEM;
		}
		fresh = 1;
	}
	/* what can fail first, the filter last (it replaces the one in place): a capture
	 * this call opened is closed again if the filter does not compile */
	if ((what & NET_WRAP_SET_PCAP) && o->pcap_path &&
	    (rc = wrap_pcap_open(w, o->pcap_path, err, errlen)) < 0)
		goto fail;
	if ((what & NET_WRAP_SET_TRACE) && o->trace &&
	    (rc = wrap_trace_filter(w, o->trace_filter, err, errlen)) < 0) {
		if ((what & NET_WRAP_SET_PCAP) && o->pcap_path)
			wrap_pcap_close(w);
		goto fail;
	}
	if ((what & NET_WRAP_SET_PCAP) && !o->pcap_path)
		wrap_pcap_close(w);
	/* nothing fails from here */
	if (fresh)
		wrap_install(dev, w);
	if (what & NET_WRAP_SET_TRACE) {
		if (w->trace && !o->trace) {
			fflush(w->trace_out);
			wrap_trace_filter(w, NULL, NULL, 0);
			net_trace_stop();
		} else if (!w->trace && o->trace) {
			net_trace_start();
		}
		w->trace = o->trace;
		if (o->trace) {
			w->trace_out = o->trace_out ? o->trace_out : stdout;
			w->trace_fmt = o->trace_fmt;
			w->trace_time = o->trace_time;
		}
	}
	if (what & NET_WRAP_SET_IMPAIR) {
		w->imp = o->impair;
		if (!w->imp.reorder_hold_ms)
			w->imp.reorder_hold_ms = NET_WRAP_REORDER_HOLD_MS;
		w->rng = w->imp.seed;
		/* Frames held back go on now when nothing would hold them any more; with a
		 * new delay they keep their place and their deadline (the queue stays in
		 * arrival order), and a frame held for reordering waits for its timer. */
		if (!w->imp.enabled)
			wrap_release_queued(w, 0, net_clock_ms());
		else if (!w->imp.delay_ms)
			wrap_release_queued(w, 1, net_clock_ms());
	}
	if (!w->pcap_file && !w->trace && !w->imp.enabled && !w->dirs[0].held &&
	    !w->dirs[1].held && TAILQ_EMPTY(&w->dirs[0].delayq) && TAILQ_EMPTY(&w->dirs[1].delayq))
		wrap_detach(dev);
	return 0;

fail:
	if (fresh) {
		wrap_trace_filter(w, NULL, NULL, 0);
		free(w->lower);
		free(w);
	}
	return rc;
}

int net_wrap_status(const struct net_device *dev, struct net_wrap_opts *o)
{
	const struct net_wrap *w = dev->ops == &wrap_ops ? dev->priv : NULL;

	memset(o, 0, sizeof(*o));
	if (!w)
		return 0;
	o->pcap_path = w->pcap_file;
	o->trace = w->trace;
	o->trace_filter = w->trace_filter;
	o->trace_out = w->trace_out;
	o->trace_fmt = w->trace_fmt;
	o->impair = w->imp;
	return 1;
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
