/* ustack: a user-space TCP/IP stack. This is its one public header.
 *
 *   #include <ustack.h>        cc prog.c $(pkg-config --cflags --libs ustack)
 *
 * Error convention, for every call below: a function returns 0, a count or a descriptor on
 * success and a negative errno value on failure (-EAGAIN, -ECONNRESET, -EINVAL...). No call
 * sets errno and none raises a signal. Each prototype's comment says what it returns. */
#ifndef USTACK_H
#define USTACK_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Stack life cycle ==== */

/* One stack per process for now: a second ustack_create() while one exists returns -EBUSY.
 * Every call takes the handle all the same, so a second instance can come later.
 *
 * The order of use:
 *   struct ustack_config cfg;  ustack_config_init(&cfg);  (change what you need)
 *   ustack_create(&cfg, &st);                              the loopback device "lo", 127.0.0.1/8
 *   ustack_add_device(st, "tap:tap0,addr=10.0.0.2/24");   as many as needed
 *   ustack_route_add(...);                                 optional
 *   ustack_start(st);          a loop thread runs the stack; or call ustack_run_once()
 *   ... us_socket() and the other us_* calls, from any thread ...
 *   ustack_drain(st, 10000);   let closed TCP connections deliver their last bytes
 *   ustack_destroy(st);
 */
struct ustack;

/* Settings, grouped by layer. ustack_config_init() fills the defaults shown in brackets;
 * ustack_create() applies them. Sizes are in bytes, times in milliseconds. */
struct ustack_config {
	int log_level;                /* stderr log: 0 errors, 1 and warnings, 2 and info,
	                               * 3 and debug [1] */
	struct {
		size_t sndbuf;            /* a TCP socket's send buffer limit [262144] */
		size_t rcvbuf;            /* a TCP socket's receive buffer limit: the window grows
		                           * to it [262144] */
		size_t udp_rcvbuf;        /* datagram bytes queued per UDP socket [212992] */
		int max_sockets;          /* open descriptors [65536] */
	} sock;
	struct {
		unsigned busy_poll_us;    /* spin this long on the devices before the loop sleeps;
		                           * costs a CPU, lowers latency [0 = off] */
		unsigned loopback_queue_max; /* frames waiting on "lo" for the next loop turn [256] */
	} loop;
	struct {
		unsigned reclaim_ms;      /* period of the memory reclaim timer [1000] */
		size_t trim_min_bytes;    /* freed bytes before malloc_trim() is called [1048576] */
		int trim;                 /* call malloc_trim() at all [1] */
	} mem;
	struct {
		unsigned reachable_ms;    /* an entry is reachable this long, then stale [30000] */
		unsigned stale_gc_ms;     /* a stale entry is removed after this [60000] */
		unsigned retry_ms;        /* resolution retry interval [1000] */
		unsigned max_tries;       /* requests before giving up [3] */
		unsigned queue_max;       /* packets waiting per unresolved entry [8] */
		unsigned cache_max;       /* entries [1024] */
		unsigned req_min_gap_ms;  /* at most one request per entry per this [333] */
	} arp;
	struct {
		uint8_t default_ttl;      /* [64] */
		unsigned reass_timeout_ms; /* an incomplete datagram is dropped after this [30000] */
		size_t reass_mem_max;     /* bytes held by incomplete datagrams [1048576] */
		unsigned reass_max_datagrams; /* incomplete datagrams at once [64] */
		int forwarding;           /* route datagrams not addressed to us [0] */
		unsigned route_max;       /* routes in the table [65536] */
		int martian_class_e;      /* drop 240.0.0.0/4 sources [0, as Linux] */
		int accept_local;         /* accept our own addresses as sources from a wire [0] */
	} ip;
	struct {
		unsigned error_rate_per_s; /* ICMP errors sent per second, all together [1000] */
		unsigned error_burst;     /* ... and that token bucket's depth [50] */
		unsigned dest_interval_ms; /* one error per this long to one destination [1000] */
		unsigned dest_burst;      /* errors one destination may get at once [6] */
	} icmp;
	struct {
		uint16_t ephemeral_lo;    /* first port of an implicit bind [49152] */
		uint16_t ephemeral_hi;    /* last one [65535] */
	} udp;
	struct {
		unsigned max_conns;       /* connections alive at once [65536] */
		size_t rcvbuf_init;       /* receive window before auto-tuning grows it [65536] */
		int rcvbuf_autotune;      /* grow the window with what the application reads [1] */
		unsigned buf_idle_ms;     /* an unused buffer gives its storage back after [1000] */
		unsigned syn_backlog_max; /* a listener's SYN queue ceiling [1024] */
		unsigned syncache_max;    /* SYN queue entries of all listeners [16384] */
		unsigned synack_rexmits;  /* SYN,ACK retransmissions [5] */
		int syncookies;           /* 0 never, 1 when the SYN queue is full, 2 always [1] */
		int abort_on_overflow;    /* accept queue full: 1 reset the connection, 0 drop the
		                           * handshake's ACK [0] */
		unsigned rst_per_s;       /* resets for segments without a connection, per second
		                           * [200; 0 = no limit] */
		unsigned rst_burst;       /* ... and that token bucket's depth [200] */
		unsigned ooo_max_segs;    /* out-of-order segments held per connection [512] */
		unsigned rto_initial_ms;  /* [1000] */
		unsigned rto_min_ms;      /* [200] */
		unsigned rto_max_ms;      /* [60000] */
		unsigned max_rexmits;     /* retransmissions before -ETIMEDOUT [12] */
		unsigned syn_rexmits;     /* SYN retransmissions before -ETIMEDOUT [6] */
		unsigned delack_ms;       /* delayed ACK, at most 200 [40] */
		unsigned msl_ms;          /* TIME_WAIT lasts twice this [30000] */
		unsigned fin_wait_2_ms;   /* an orphaned FIN_WAIT_2 ends after [60000] */
		unsigned tw_drain_ms;     /* ustack_drain() waits on TIME_WAIT while its peer was
		                           * heard within this, or two RTOs [1000] */
		unsigned keep_idle_ms;    /* SO_KEEPALIVE: idle before the first probe [7200000] */
		unsigned keep_intvl_ms;   /* between probes [75000] */
		unsigned keep_probes;     /* unanswered probes before -ETIMEDOUT [9] */
		unsigned persist_min_ms;  /* zero-window probe interval, first [500] */
		unsigned persist_max_ms;  /* ... and largest [60000] */
		unsigned initial_window_segs; /* RFC 6928 [10] */
		unsigned challenge_ack_per_s; /* RFC 5961 [1000] */
		int timestamps;           /* offer RFC 7323 timestamps [1] */
		int window_scaling;       /* offer RFC 7323 window scaling [1] */
		int sack;                 /* offer SACK [1] */
		int ack_per_batch;        /* one ACK per input batch for every-second-segment [1] */
		int tso;                  /* 64 KB super-segments to devices that take them [1] */
		const char *cc_name;      /* congestion control: "cubic" or "newreno" ["cubic"];
		                           * another name makes ustack_create() fail with -ENOENT */
		int hystart;              /* HyStart++ (RFC 9406) [1] */
		int rack;                 /* RACK-TLP loss detection (RFC 8985) [1] */
		int frto;                 /* F-RTO (RFC 5682) [1] */
		int dsack_undo;           /* undo spurious reductions (RFC 2883, 3708, 3522) [1] */
		unsigned quickacks;       /* segments ACKed at once at the start and after idle [16] */
		unsigned sent_max_segs;   /* sent-segment records per connection [4096] */
		uint16_t ephemeral_min;   /* first port of an implicit bind [49152] */
		uint16_t ephemeral_max;   /* last one [65535] */
	} tcp;
};

/* Fills *cfg with the defaults. */
void ustack_config_init(struct ustack_config *cfg);

/* Creates the stack: every layer, and the loopback device "lo" with 127.0.0.1/8. cfg NULL
 * means the defaults. Returns 0 and *out, -EBUSY if a stack exists in this process,
 * -EINVAL for a setting out of range (ustack_errmsg(NULL) says which), -ENOENT for an
 * unknown tcp.cc_name, or another -errno. */
int ustack_create(const struct ustack_config *cfg, struct ustack **out);

/* Opens a device and gives it its address, from the spec string the ustack program takes
 * after --dev:
 *   tap:NAME,addr=A.B.C.D/N[,host=H/N][,bridge=BR][,mac=MAC][,mtu=N][,offload=on|off]
 *   tun:NAME,addr=A.B.C.D/N[,host=H][,mtu=N][,offload=on|off]
 *   packet:IFNAME,addr=A.B.C.D/N[,mac=MAC][,offload=on|off]
 * (host= configures the kernel's side; needs CAP_NET_ADMIN like the devices themselves.)
 * Returns 0; -EINVAL for a bad spec; -EEXIST if the name is taken; or the driver's -errno
 * (-EPERM, -ENODEV, -EBUSY...). ustack_errmsg(st) has the one-line reason. */
int ustack_add_device(struct ustack *st, const char *spec);

/* Wrappers on a device (before or after ustack_start): a capture, a trace, faults. */
struct ustack_wrap {
	const char *pcap;     /* capture both directions to this pcap file, NULL: none */
	int trace;            /* one decoded line per packet to trace_out */
	FILE *trace_out;      /* NULL: stdout */
	const char *impair;   /* "loss=P,dup=P,reorder=P,delay=MS,corrupt=P,seed=N" (P in
	                       * percent, both directions), NULL: none */
};
/* Attaches them to the device named dev ("lo" too), once per device. Returns 0, -ENODEV
 * (no such device), -EINVAL (bad impair string), -EEXIST (already wrapped) or -EIO (the
 * pcap file cannot be written); ustack_errmsg(st) says more. */
int ustack_wrap_device(struct ustack *st, const char *dev, const struct ustack_wrap *w);

/* Adds addr/prefix_len to the device named dev (at most 4 per device), with its connected
 * route. Returns 0, -ENODEV, -EINVAL (prefix_len over 32), -EEXIST (the address is already
 * the stack's) or -ENOSPC. */
int ustack_addr_add(struct ustack *st, const char *dev, struct in_addr addr, int prefix_len);
/* Removes it, and every route through it. Sockets bound to it stay open and find no
 * route. Returns 0, -ENODEV or -EADDRNOTAVAIL (dev does not have addr). */
int ustack_addr_del(struct ustack *st, const char *dev, struct in_addr addr);

/* Routes dst/prefix_len through the gateway gw (0.0.0.0/0 is the default route). gw must
 * be on a connected network; dev NULL picks its device. gw 0.0.0.0 with a dev makes the
 * network directly connected on dev. Returns 0, -EINVAL, -ENODEV, -ENETUNREACH (gw is on
 * no connected network), -EEXIST or -ENOSPC (ip.route_max). */
int ustack_route_add(struct ustack *st, struct in_addr dst, int prefix_len, struct in_addr gw,
		     const char *dev);
/* Removes the route to exactly dst/prefix_len. Returns 0, -EINVAL or -ESRCH. */
int ustack_route_del(struct ustack *st, struct in_addr dst, int prefix_len);

/* Starts the loop thread, which runs the stack from now on; socket calls may block.
 * Returns 0, -EALREADY, or -errno from pthread_create. */
int ustack_start(struct ustack *st);
/* For a program that drives the stack itself (no ustack_start): waits up to timeout_ms
 * (-1: until something happens; 0: not at all) for frames or timers and handles them.
 * A blocking socket call made meanwhile runs the loop too while it waits. Returns 0,
 * -EBUSY when the loop thread runs, or -errno. */
int ustack_run_once(struct ustack *st, int timeout_ms);
/* Waits, for at most timeout_ms, until no TCP connection the application closed still has
 * data or a FIN unacknowledged (TIME_WAIT counts while its peer is heard: tcp.tw_drain_ms).
 * Runs the loop itself if ustack_start was not called. Returns how many are still closing:
 * 0 when all are done. */
int ustack_drain(struct ustack *st, int timeout_ms);
/* Stops the loop thread, closes every socket (resetting connections still open), removes
 * every device and frees everything. No us_* call may be running. st may be NULL. */
void ustack_destroy(struct ustack *st);

/* Prints the stack's counters (non-zero ones; every one with all set) to out. Returns 0. */
int ustack_stats_dump(struct ustack *st, FILE *out, int all);
/* The one-line reason of the last failed ustack_* call on st ("" if none). st NULL: the
 * reason of the last failed ustack_create. The text stays until the next call fails. */
const char *ustack_errmsg(const struct ustack *st);

#ifdef __cplusplus
}
#endif

#endif
