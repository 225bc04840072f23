/* SPDX-License-Identifier: MIT */
/* Trace timestamps, trace filters and the pcapng writer (net/capture.h).
 *
 * Time: the stack's clock is the monotonic net_clock; a capture reads the wall clock once
 * when it starts and keeps the difference, so a frame's stamp costs one monotonic read
 * (a vDSO call) and an addition. Local time is worked out once per second of stamps.
 *
 * pcapng (the pcapng specification, draft-ietf-opsawg-pcapng): libpcap reads it but cannot
 * write it, and what we need is four small block types written in host byte order (the
 * Section Header Block's byte-order magic tells readers which):
 *
 *   SHB  type 0x0A0D0D0A, magic 0x1A2B3C4D, version 1.0, section length -1 (unknown),
 *        option shb_userappl "ustack"
 *   IDB  type 1, link type, snaplen, options if_name (2) and if_tsresol (9) = 9:
 *        timestamps count nanoseconds
 *   EPB  type 6, interface id, timestamp (high and low 32 bits), captured and original
 *        length, the frame padded to 32 bits, option epb_flags (2): inbound or outbound
 *
 * Every block is: type, total length, body, total length again; options are code, length,
 * value padded to 32 bits, and end with opt_endofopt (0, 0). An IDB may come anywhere in
 * the section before the first EPB that names it, so devices wrapped later (a capture
 * started on a running stack) simply add theirs. */
#include "net/perstack.h"
#include "net/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include "net/log.h"
#include "net/loop.h"

/* ---- time ---- */

struct wall_offset {
	int set;
	int64_t ns;
};
PERSTACK_STATIC(struct wall_offset, wall_offset)
#define wall_offset PERSTACK_REF(struct wall_offset, wall_offset)

/* One offset per stack, so that every device's frames in one pcapng file, and every
 * trace line, are on the same time line. */
int64_t net_capture_wall_offset_ns(void)
{
	struct timespec ts;

	if (!wall_offset.set) {
		clock_gettime(CLOCK_REALTIME, &ts);
		wall_offset.ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec -
				 (int64_t)net_clock_ns();
		wall_offset.set = 1;
	}
	return wall_offset.ns;
}

/* The "HH:MM:SS" of the last second formatted: localtime_r per second, not per frame.
 * Per thread: two stacks' loop threads trace at once. */
static __thread int64_t stamp_sec = -1;
static __thread char stamp_hms[16];

size_t net_trace_stamp(char *buf, size_t size, enum net_trace_time mode, int64_t wall_ns,
		       int64_t rel_ns)
{
	int n;

	if (!size)
		return 0;
	if (mode == NET_TRACE_TIME_REL) {
		if (rel_ns < 0)
			rel_ns = 0;
		n = snprintf(buf, size, "%lld.%06lld", (long long)(rel_ns / 1000000000),
			     (long long)(rel_ns % 1000000000 / 1000));
	} else {
		int64_t sec = wall_ns >= 0 ? wall_ns / 1000000000 : 0;
		int64_t frac = wall_ns >= 0 ? wall_ns % 1000000000 : 0;

		if (sec != stamp_sec) {
			time_t t = (time_t)sec;
			struct tm tm;

			if (!localtime_r(&t, &tm))
				memset(&tm, 0, sizeof(tm));
			snprintf(stamp_hms, sizeof(stamp_hms), "%02d:%02d:%02d", tm.tm_hour,
				 tm.tm_min, tm.tm_sec);
			stamp_sec = sec;
		}
		n = snprintf(buf, size, "%s.%06lld", stamp_hms, (long long)(frac / 1000));
	}
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

struct trace_epoch {
	unsigned tracers;  /* tracers attached to this stack */
	int started;       /* a frame has been traced since the first of them came */
	uint64_t t0_ns;    /* that frame's time (net_clock_ns) */
};
PERSTACK_STATIC(struct trace_epoch, trace_epoch)
#define trace_epoch PERSTACK_REF(struct trace_epoch, trace_epoch)

void net_trace_start(void)
{
	if (trace_epoch.tracers++ == 0)
		trace_epoch.started = 0;
}

void net_trace_stop(void)
{
	if (trace_epoch.tracers)
		trace_epoch.tracers--;
}

int64_t net_trace_rel_ns(uint64_t mono_ns)
{
	if (!trace_epoch.started) {
		trace_epoch.started = 1;
		trace_epoch.t0_ns = mono_ns;
	}
	return (int64_t)(mono_ns - trace_epoch.t0_ns);
}

/* ---- filters ---- */

int net_trace_filter_compile(const char *expr, int dlt, struct bpf_program *prog, char *err,
			     size_t errlen)
{
	/* The captures' snaplen (NET_WRAP_PCAP_SNAPLEN, tcpdump's): what `len` and
	 * out-of-range loads compile against. */
	pcap_t *p = pcap_open_dead(dlt, 262144);
	int rc = 0;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "%s", pcap_geterr(p));
		rc = -EINVAL;
	}
	pcap_close(p);
	return rc;
}

int net_trace_filter_check(const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	char raw_err[PCAP_ERRBUF_SIZE];

	if (net_trace_filter_compile(expr, DLT_EN10MB, &prog, err, errlen) == 0) {
		pcap_freecode(&prog);
		return 0;
	}
	if (net_trace_filter_compile(expr, DLT_RAW, &prog, raw_err, sizeof(raw_err)) == 0) {
		pcap_freecode(&prog);
		return 0;
	}
	return -EINVAL; /* err holds the Ethernet compile's message */
}

/* ---- pcapng ---- */

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_OPT_END 0
#define PCAPNG_OPT_SHB_USERAPPL 4
#define PCAPNG_OPT_IF_NAME 2
#define PCAPNG_OPT_IF_TSRESOL 9
#define PCAPNG_OPT_EPB_FLAGS 2
#define PCAPNG_EPB_INBOUND 1u  /* epb_flags bits 0-1: the direction */
#define PCAPNG_EPB_OUTBOUND 2u
/* The link types of the file format (LINKTYPE_*), which are not all the DLT_* values. */
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101

struct pcapng_file {
	SLIST_ENTRY(pcapng_file) link;
	FILE *f;
	char *path;
	unsigned refs;
	uint32_t nifs;
	uint32_t snaplen;
	int failed;        /* a write failed: said once */
};

SLIST_HEAD(pcapng_list, pcapng_file);
PERSTACK_STATIC(struct pcapng_list, pcapng_files) /* zero is an empty SLIST head */
#define pcapng_files PERSTACK_REF(struct pcapng_list, pcapng_files)

int net_capture_is_pcapng(const char *path)
{
	size_t n = strlen(path);

	return n > 7 && !strcmp(path + n - 7, ".pcapng");
}

static void put_u16(uint8_t *b, uint16_t v)
{
	memcpy(b, &v, 2);
}

static void put_u32(uint8_t *b, uint32_t v)
{
	memcpy(b, &v, 4);
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Appends an option (code, length, value padded with zeros) at b + off; returns the new
 * offset. The caller's buffer has room (sizes are fixed below). */
static size_t put_opt(uint8_t *b, size_t off, uint16_t code, const void *v, uint16_t len)
{
	put_u16(b + off, code);
	put_u16(b + off + 2, len);
	memset(b + off + 4, 0, pad4(len));
	if (len)
		memcpy(b + off + 4, v, len);
	return off + 4 + pad4(len);
}

/* Writes a block whose body (after type and length) is body[0..blen), blen a multiple of 4. */
static int put_block(struct pcapng_file *pf, uint32_t type, const uint8_t *body, size_t blen)
{
	uint8_t h[8], t[4];
	uint32_t total = (uint32_t)(blen + 12);

	put_u32(h, type);
	put_u32(h + 4, total);
	put_u32(t, total);
	if (fwrite(h, 1, 8, pf->f) != 8 || fwrite(body, 1, blen, pf->f) != blen ||
	    fwrite(t, 1, 4, pf->f) != 4)
		return -EIO;
	return 0;
}

static void write_failed(struct pcapng_file *pf)
{
	if (!pf->failed)
		warnf("pcapng %s: write failed; the capture is incomplete", pf->path);
	pf->failed = 1;
}

struct pcapng_file *pcapng_open(const char *path, uint32_t snaplen, char *err, size_t errlen)
{
	static const char appl[] = "ustack";
	struct pcapng_file *pf;
	uint8_t body[64];
	size_t off = 0;

	SLIST_FOREACH(pf, &pcapng_files, link) {
		if (!strcmp(pf->path, path)) {
			pf->refs++;
			return pf;
		}
	}
	pf = calloc(1, sizeof(*pf));
	if (pf)
		pf->path = strdup(path);
	if (!pf || !pf->path) {
		snprintf(err, errlen, "--pcap %s: out of memory", path);
		goto fail;
	}
	pf->f = fopen(path, "wb");
	if (!pf->f) {
		snprintf(err, errlen, "--pcap %s: %s: check the directory exists and is writable",
			 path, strerror(errno));
		goto fail;
	}
	pf->refs = 1;
	pf->snaplen = snaplen;
	put_u32(body, PCAPNG_BYTE_ORDER_MAGIC);
	put_u16(body + 4, 1); /* major version */
	put_u16(body + 6, 0); /* minor version */
	memset(body + 8, 0xff, 8); /* section length: -1, not known in advance */
	off = 16;
	off = put_opt(body, off, PCAPNG_OPT_SHB_USERAPPL, appl, sizeof(appl) - 1);
	off = put_opt(body, off, PCAPNG_OPT_END, NULL, 0);
	if (put_block(pf, PCAPNG_SHB, body, off) < 0 || fflush(pf->f) != 0) {
		snprintf(err, errlen, "--pcap %s: %s", path, strerror(errno ? errno : EIO));
		goto fail;
	}
	SLIST_INSERT_HEAD(&pcapng_files, pf, link);
	return pf;
fail:
	if (pf) {
		if (pf->f)
			fclose(pf->f);
		free(pf->path);
		free(pf);
	}
	return NULL;
}

int pcapng_add_interface(struct pcapng_file *pf, const char *name, int dlt)
{
	uint8_t body[8 + 4 + 64 + 8 + 4];
	uint8_t tsresol = 9; /* 10^-9 s */
	size_t nlen = strnlen(name, 63), off;

	put_u16(body, dlt == DLT_EN10MB ? LINKTYPE_ETHERNET : LINKTYPE_RAW);
	put_u16(body + 2, 0);
	put_u32(body + 4, pf->snaplen);
	off = put_opt(body, 8, PCAPNG_OPT_IF_NAME, name, (uint16_t)nlen);
	off = put_opt(body, off, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1);
	off = put_opt(body, off, PCAPNG_OPT_END, NULL, 0);
	if (put_block(pf, PCAPNG_IDB, body, off) < 0) {
		write_failed(pf);
		return -EIO;
	}
	return (int)pf->nifs++;
}

void pcapng_write_packet(struct pcapng_file *pf, uint32_t ifid, uint64_t wall_ns, int outbound,
			 const uint8_t *data, size_t len)
{
	/* Three writes: the block's fixed fields, the frame, and then its padding, options
	 * and trailing length together (at most 3 + 12 + 4 bytes). */
	uint8_t h[28], tail[3 + 12 + 4] = { 0 };
	uint32_t caplen = (uint32_t)(len < pf->snaplen ? len : pf->snaplen);
	uint32_t flags = outbound ? PCAPNG_EPB_OUTBOUND : PCAPNG_EPB_INBOUND;
	size_t pad = pad4(caplen) - caplen, tlen;
	uint32_t total = (uint32_t)(sizeof(h) + caplen + pad + 12 + 4);

	put_u32(h, PCAPNG_EPB);
	put_u32(h + 4, total);
	put_u32(h + 8, ifid);
	put_u32(h + 12, (uint32_t)(wall_ns >> 32));
	put_u32(h + 16, (uint32_t)wall_ns);
	put_u32(h + 20, caplen);
	put_u32(h + 24, (uint32_t)len);
	tlen = put_opt(tail, pad, PCAPNG_OPT_EPB_FLAGS, &flags, 4);
	tlen = put_opt(tail, tlen, PCAPNG_OPT_END, NULL, 0);
	put_u32(tail + tlen, total);
	tlen += 4;
	if (fwrite(h, 1, sizeof(h), pf->f) != sizeof(h) ||
	    fwrite(data, 1, caplen, pf->f) != caplen || fwrite(tail, 1, tlen, pf->f) != tlen)
		write_failed(pf);
}

void pcapng_flush(struct pcapng_file *pf)
{
	if (fflush(pf->f) != 0)
		write_failed(pf);
}

void pcapng_close(struct pcapng_file *pf)
{
	if (!pf || --pf->refs)
		return;
	SLIST_REMOVE(&pcapng_files, pf, pcapng_file, link);
	if (fclose(pf->f) != 0)
		write_failed(pf);
	free(pf->path);
	free(pf);
}
