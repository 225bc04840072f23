/* SPDX-License-Identifier: MIT */
/* What --trace and --pcap write besides the frames themselves (net/capture.c): the
 * timestamps of trace lines, the pcap-filter expression that selects traced frames, and
 * the pcapng file that every device of a stack shares, one Interface Description Block
 * per device. The device wrapper (net/wrap.c) uses them; they know no protocol. */
#ifndef NET_CAPTURE_H
#define NET_CAPTURE_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>

/* How a trace line is stamped. */
enum net_trace_time {
	NET_TRACE_TIME_ABS, /* local wall-clock time "HH:MM:SS.uuuuuu", as tcpdump prints */
	NET_TRACE_TIME_REL, /* seconds since the stack's first traced frame, "S.uuuuuu" */
};

#define NET_TRACE_STAMP_MAX 32 /* room for either form, with its NUL */

/* The wall clock minus net_clock_ns(), in nanoseconds: read once per stack
 * (CLOCK_REALTIME), when its first capture or trace starts, so that every frame's stamp
 * is the monotonic clock plus this offset, never a wall-clock read per frame. Lock held. */
int64_t net_capture_wall_offset_ns(void);

/* Formats a stamp into buf (NUL-terminated, truncated to size): for NET_TRACE_TIME_ABS the
 * local time of wall_ns (nanoseconds since the epoch); for NET_TRACE_TIME_REL the time
 * rel_ns (nanoseconds, negative reads as 0) in seconds. Microsecond digits, truncated
 * (not rounded), as tcpdump. Returns the length written. */
size_t net_trace_stamp(char *buf, size_t size, enum net_trace_time mode, int64_t wall_ns,
		       int64_t rel_ns);

/* Relative stamps count from the first frame traced after tracing started on the stack
 * (no tracer was active before): net_trace_start/stop bracket each tracer's life, and
 * net_trace_rel_ns(mono_ns) returns mono_ns minus that first frame's time (0 for it).
 * Lock held. */
void net_trace_start(void);
void net_trace_stop(void);
int64_t net_trace_rel_ns(uint64_t mono_ns);

/* Compiles a pcap-filter(7) expression for frames of a link type (DLT_EN10MB or DLT_RAW)
 * into prog (free it with pcap_freecode). 0, or -EINVAL with libpcap's message in err. */
int net_trace_filter_compile(const char *expr, int dlt, struct bpf_program *prog, char *err,
			     size_t errlen);
/* Whether an expression compiles for Ethernet or for bare IP frames (a check of the
 * command line before any device exists). 0, or -EINVAL with libpcap's message. */
int net_trace_filter_check(const char *expr, char *err, size_t errlen);

/* ---- pcapng ---- */

/* A --pcap file name ending in ".pcapng" asks for pcapng: one file for every device. */
int net_capture_is_pcapng(const char *path);

struct pcapng_file;

/* Opens path for writing and writes its Section Header Block, or, if this stack already
 * writes it, shares that file (counted: one pcapng_close per open). Frames are cut to
 * snaplen bytes. NULL with a reason in err. Lock held. */
struct pcapng_file *pcapng_open(const char *path, uint32_t snaplen, char *err, size_t errlen);
/* Describes one more interface (an Interface Description Block: link type DLT_EN10MB or
 * DLT_RAW, the file's snaplen, if_name, if_tsresol 9 = nanoseconds); returns its
 * interface id (0, 1, ...), or -EIO. */
int pcapng_add_interface(struct pcapng_file *f, const char *name, int dlt);
/* One Enhanced Packet Block: the frame (cut to the file's snaplen), its time in
 * nanoseconds since the epoch and its direction (epb_flags: inbound or outbound). */
void pcapng_write_packet(struct pcapng_file *f, uint32_t ifid, uint64_t wall_ns, int outbound,
			 const uint8_t *data, size_t len);
void pcapng_flush(struct pcapng_file *f);
/* Drops one reference; the last closes the file. */
void pcapng_close(struct pcapng_file *f);

#endif
