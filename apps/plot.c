/* SPDX-License-Identifier: MIT */
/* `ustack plot IN -o OUT`: the picture of one TCP connection, for people learning how TCP
 * recovers from loss (docs/tcp-log.md):
 *   - a time-sequence graph as Stevens and tcptrace draw it: each data segment a vertical
 *     mark from its first to its last byte at the time it left, retransmissions in red,
 *     the cumulative ACK and the right edge of the receive window (ACK + window) as steps,
 *     SACK blocks, and the moments loss was found, recovery began and the timer fired;
 *   - cwnd, ssthresh and the bytes in flight over time;
 *   - the RTT over time (SRTT, RTTVAR and the RTO).
 * IN is a --tcp-log CSV (every panel, from the sender's own variables) or a capture read
 * with libpcap (the largest TCP connection by data bytes; from the wire alone, cwnd is not
 * visible: its panels show the bytes in flight and the RTT of segments sent once).
 * gnuplot draws it: the series are written to files in a temporary directory with a
 * script, and gnuplot runs as a child process for at most PLOT_TIMEOUT_S seconds. */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/app.h"
#include "net/byteorder.h"

#define PLOT_TIMEOUT_S 60      /* gnuplot gets this long */
#define PLOT_MAX_FLOWS 1024    /* connections told apart in an input; more are ignored */
#define PLOT_LINE_MAX 1024     /* longest CSV line */
#define PLOT_MAX_COLS 32
#define PLOT_RTT_RING 8192     /* segments awaiting their ACK for an RTT sample (pcap) */
#define PLOT_NAME_MAX 64       /* "address:port" */

/* The series: one data file each, drawn when it holds points. */
enum series {
	S_DATA, S_REXMIT, S_ACK, S_SACK, S_LOST, S_RTO, S_TLP, S_REC_ENTER, S_REC_EXIT, S_UNDO,
	S_CWND, S_RTT, S_N,
};
static const char *const series_file[S_N] = {
	"data.dat", "rexmit.dat", "ack.dat", "sack.dat", "lost.dat", "rto.dat", "tlp.dat",
	"recenter.dat", "recexit.dat", "undo.dat", "cwnd.dat", "rtt.dat",
};

struct plot {
	char dir[64];            /* the temporary directory */
	FILE *f[S_N];
	unsigned long n[S_N];    /* points written */
	double tmax;
	double ymax;             /* highest sequence number sent or acknowledged */
	int from_log;            /* a --tcp-log CSV (else a capture) */
	char local[PLOT_NAME_MAX], peer[PLOT_NAME_MAX]; /* the sender and the receiver */
	unsigned long skipped_flows;
};

static void point(struct plot *p, enum series s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void point(struct plot *p, enum series s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(p->f[s], fmt, ap);
	va_end(ap);
	p->n[s]++;
}

static void plot_usage(FILE *out)
{
	fputs("usage: ustack plot FILE.csv|FILE.pcap -o OUT.svg|OUT.png\n"
	      "  FILE.csv   a --tcp-log file: the connection that moved the most data\n"
	      "  FILE.pcap  a capture (--pcap, tcpdump): its largest TCP connection\n"
	      "  -o OUT     the picture; .svg or .png (gnuplot draws it: apt-get install gnuplot-nox)\n",
	      out);
}

/* ---- the --tcp-log CSV ---- */

enum { C_TIME, C_LOCAL, C_PEER, C_EVENT, C_SEQ, C_LEN, C_UNA, C_CWND, C_SSTHRESH, C_SRTT,
       C_RTTVAR, C_RTO, C_INFLIGHT, C_WND, C_NCOLS };
static const char *const csv_cols[C_NCOLS] = {
	"time", "local", "peer", "event", "seq", "len", "snd_una", "cwnd", "ssthresh",
	"srtt_ms", "rttvar_ms", "rto_ms", "inflight", "snd_wnd",
};

/* Splits line at commas in place (no quoting: the log never quotes). */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	for (char *s = line; n < max;) {
		f[n++] = s;
		s = strchr(s, ',');
		if (!s)
			break;
		*s++ = '\0';
	}
	return n;
}

/* Finds the columns plot reads; returns how many fields a row needs to have them all
 * (one past the rightmost), or -1. */
static int csv_header(char *line, int *idx)
{
	char *f[PLOT_MAX_COLS];
	int n = csv_split(line, f, PLOT_MAX_COLS), need = 0;

	for (int c = 0; c < C_NCOLS; c++) {
		idx[c] = -1;
		for (int i = 0; i < n; i++)
			if (!strcmp(f[i], csv_cols[c]))
				idx[c] = i;
		if (idx[c] < 0) {
			app_error("plot: the CSV has no '%s' column: is it a --tcp-log file?",
				  csv_cols[c]);
			return -1;
		}
		if (idx[c] >= need)
			need = idx[c] + 1;
	}
	return need;
}

struct flow_sum {
	char key[2 * PLOT_NAME_MAX];
	double bytes;
};

static int csv_read(struct plot *p, FILE *in)
{
	static struct flow_sum flows[PLOT_MAX_FLOWS];
	char line[PLOT_LINE_MAX], key[2 * PLOT_NAME_MAX], best[2 * PLOT_NAME_MAX] = "";
	char *f[PLOT_MAX_COLS];
	int idx[C_NCOLS], nflows = 0, rows = 0, need;
	double best_bytes = -1, t0 = -1;

	/* a row short of the columns read (a log cut in its middle) is skipped */
	if (!fgets(line, sizeof(line), in) || (need = csv_header(line, idx)) < 0)
		return -1;
	/* first pass: the connection whose snd_una went furthest */
	while (fgets(line, sizeof(line), in)) {
		int n = csv_split(line, f, PLOT_MAX_COLS), i;
		double una;

		if (n < need || f[0][0] == '#')
			continue;
		snprintf(key, sizeof(key), "%s,%s", f[idx[C_LOCAL]], f[idx[C_PEER]]);
		una = strtod(f[idx[C_UNA]], NULL);
		for (i = 0; i < nflows && strcmp(flows[i].key, key); i++)
			;
		if (i == nflows) {
			if (nflows == PLOT_MAX_FLOWS) {
				p->skipped_flows++;
				continue;
			}
			snprintf(flows[nflows].key, sizeof(flows[nflows].key), "%s", key);
			flows[nflows++].bytes = una;
		}
		if (una > flows[i].bytes)
			flows[i].bytes = una;
		if (flows[i].bytes > best_bytes) {
			best_bytes = flows[i].bytes;
			memcpy(best, flows[i].key, sizeof(best));
		}
	}
	if (!best[0]) {
		app_error("plot: the log has no events");
		return -1;
	}
	/* second pass: that connection's events become points */
	rewind(in);
	if (!fgets(line, sizeof(line), in))
		return -1;
	while (fgets(line, sizeof(line), in)) {
		int n = csv_split(line, f, PLOT_MAX_COLS);
		const char *ev;
		double t, seq, len, una;
		char ss[32];

		if (n < need || f[0][0] == '#')
			continue;
		snprintf(key, sizeof(key), "%s,%s", f[idx[C_LOCAL]], f[idx[C_PEER]]);
		if (strcmp(key, best))
			continue;
		if (!rows++) {
			snprintf(p->local, sizeof(p->local), "%s", f[idx[C_LOCAL]]);
			snprintf(p->peer, sizeof(p->peer), "%s", f[idx[C_PEER]]);
		}
		t = strtod(f[idx[C_TIME]], NULL);
		if (t0 < 0)
			t0 = t;
		t -= t0;
		if (t > p->tmax)
			p->tmax = t;
		ev = f[idx[C_EVENT]];
		seq = strtod(f[idx[C_SEQ]], NULL);
		len = strtod(f[idx[C_LEN]], NULL);
		una = strtod(f[idx[C_UNA]], NULL);
		if ((!strcmp(ev, "send") || !strcmp(ev, "retransmit")) && seq + len > p->ymax)
			p->ymax = seq + len;
		if (!strcmp(ev, "send") && len > 0)
			point(p, S_DATA, "%.6f %.0f %.0f\n", t, seq, seq + len);
		else if (!strcmp(ev, "retransmit") && len > 0)
			point(p, S_REXMIT, "%.6f %.0f %.0f\n", t, seq, seq + len);
		else if (!strcmp(ev, "ack") || !strcmp(ev, "dupack"))
			point(p, S_ACK, "%.6f %.0f %.0f\n", t, una,
			      una + strtod(f[idx[C_WND]], NULL));
		else if (!strcmp(ev, "sack"))
			point(p, S_SACK, "%.6f %.0f %.0f\n", t, seq, seq + len);
		else if (!strcmp(ev, "rack-lost") || !strcmp(ev, "fast-retransmit"))
			point(p, S_LOST, "%.6f %.0f\n", t, seq);
		else if (!strcmp(ev, "rto"))
			point(p, S_RTO, "%.6f %.0f\n", t, una);
		else if (!strcmp(ev, "tlp"))
			point(p, S_TLP, "%.6f %.0f\n", t, seq);
		else if (!strcmp(ev, "recovery-enter"))
			point(p, S_REC_ENTER, "%.6f %.0f\n", t, una);
		else if (!strcmp(ev, "recovery-exit"))
			point(p, S_REC_EXIT, "%.6f %.0f\n", t, una);
		else if (!strcmp(ev, "undo"))
			point(p, S_UNDO, "%.6f %.0f\n", t, una);
		/* an empty ssthresh (not set yet) plots as a gap */
		snprintf(ss, sizeof(ss), "NaN");
		if (f[idx[C_SSTHRESH]][0])
			snprintf(ss, sizeof(ss), "%.3f", strtod(f[idx[C_SSTHRESH]], NULL) / 1024);
		point(p, S_CWND, "%.6f %.3f %s %.3f\n", t, strtod(f[idx[C_CWND]], NULL) / 1024, ss,
		      strtod(f[idx[C_INFLIGHT]], NULL) / 1024);
		if (strtod(f[idx[C_SRTT]], NULL) > 0)
			point(p, S_RTT, "%.6f %s %s %s\n", t, f[idx[C_SRTT]], f[idx[C_RTTVAR]],
			      f[idx[C_RTO]]);
	}
	p->from_log = 1;
	return 0;
}

/* ---- a capture ---- */

/* One direction of a TCP connection in the capture. */
struct pflow {
	uint32_t saddr, daddr;   /* as read (network order) */
	uint16_t sport, dport;
	uint64_t bytes;          /* payload bytes */
	uint32_t isn;            /* the SYN's sequence number, or the first seen minus one */
	uint8_t isn_set, syn_ws, wscale; /* the SYN offered window scale wscale */
};

/* What the plot needs of one TCP segment. */
struct pseg {
	double t;
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint32_t seq, ack, wnd, len;
	uint8_t flags;
	uint8_t has_ws, ws, nsack;
	uint32_t sack[4][2];
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_ACK 0x10

/* The IPv4 packet inside a frame of the capture's link type, or NULL. */
static const uint8_t *frame_ip(int dlt, const uint8_t *b, size_t caplen, size_t *len)
{
	size_t off;
	uint16_t type;

	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < 14)
			return NULL;
		type = rd16(b + 12);
		off = 14;
		if (type == 0x8100 && caplen >= 18) { /* one VLAN tag */
			type = rd16(b + 16);
			off = 18;
		}
		if (type != 0x0800)
			return NULL;
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16 || rd16(b + 14) != 0x0800)
			return NULL;
		off = 16;
		break;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		off = 0;
		break;
	default:
		return NULL;
	}
	*len = caplen - off;
	return b + off;
}

/* Parses an IPv4 TCP segment (the headers must be captured whole); 0 or -1. */
static int seg_parse(const uint8_t *ip, size_t caplen, struct pseg *s)
{
	size_t ihl, doff, tot;
	const uint8_t *th;

	if (caplen < 20 || ip[0] >> 4 != 4 || ip[9] != 6)
		return -1;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = rd16(ip + 2);
	if (ihl < 20 || (rd16(ip + 6) & 0x1fff) || caplen < ihl + 20 || tot < ihl + 20)
		return -1; /* short, or a fragment after the first */
	th = ip + ihl;
	doff = (size_t)(th[12] >> 4) * 4;
	if (doff < 20 || caplen < ihl + doff || tot < ihl + doff)
		return -1;
	memset(s, 0, sizeof(*s));
	s->saddr = rd32(ip + 12);
	s->daddr = rd32(ip + 16);
	s->sport = rd16(th);
	s->dport = rd16(th + 2);
	s->seq = rd32(th + 4);
	s->ack = rd32(th + 8);
	s->flags = th[13];
	s->wnd = rd16(th + 14);
	s->len = (uint32_t)(tot - ihl - doff);
	for (size_t o = 20; o < doff;) {
		uint8_t kind = th[o], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			continue;
		}
		if (o + 1 >= doff || (olen = th[o + 1]) < 2 || o + olen > doff)
			break;
		if (kind == 3 && olen == 3) {
			s->has_ws = 1;
			s->ws = th[o + 2] > 14 ? 14 : th[o + 2];
		} else if (kind == 5) {
			for (size_t k = 0; k + 8 <= (size_t)olen - 2 && s->nsack < 4; k += 8) {
				s->sack[s->nsack][0] = rd32(th + o + 2 + k);
				s->sack[s->nsack][1] = rd32(th + o + 6 + k);
				s->nsack++;
			}
		}
		o += olen;
	}
	return 0;
}

static int flow_is(const struct pflow *f, const struct pseg *s)
{
	return f->saddr == s->saddr && f->daddr == s->daddr && f->sport == s->sport &&
	       f->dport == s->dport;
}

static pcap_t *plot_pcap_open(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO,
							       err);

	if (!pc)
		app_error("plot: %s: not a --tcp-log CSV, nor a capture libpcap reads (%s)", path, err);
	return pc;
}

/* Calls fn for every TCP segment of the capture. */
static int pcap_walk(const char *path, void (*fn)(const struct pseg *s, void *arg), void *arg)
{
	struct pcap_pkthdr *h;
	const uint8_t *b;
	pcap_t *pc = plot_pcap_open(path);
	int dlt, rc;

	if (!pc)
		return -1;
	dlt = pcap_datalink(pc);
	while ((rc = pcap_next_ex(pc, &h, &b)) == 1) {
		struct pseg s;
		size_t len;
		const uint8_t *ip = frame_ip(dlt, b, h->caplen, &len);

		if (!ip || seg_parse(ip, len, &s) < 0)
			continue;
		s.t = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
		fn(&s, arg);
	}
	if (rc == -1)
		app_error("plot: %s: %s", path, pcap_geterr(pc));
	pcap_close(pc);
	return rc == -1 ? -1 : 0;
}

struct pcap_scan {
	struct pflow flows[PLOT_MAX_FLOWS];
	int n;
	unsigned long skipped;
};

static void scan_seg(const struct pseg *s, void *arg)
{
	struct pcap_scan *sc = arg;
	struct pflow *f = NULL;

	for (int i = 0; i < sc->n; i++)
		if (flow_is(&sc->flows[i], s))
			f = &sc->flows[i];
	if (!f) {
		if (sc->n == PLOT_MAX_FLOWS) {
			sc->skipped++;
			return;
		}
		f = &sc->flows[sc->n++];
		memset(f, 0, sizeof(*f));
		f->saddr = s->saddr;
		f->daddr = s->daddr;
		f->sport = s->sport;
		f->dport = s->dport;
	}
	if (s->flags & TH_SYN) {
		f->isn = s->seq;
		f->isn_set = 1;
		f->syn_ws = s->has_ws;
		f->wscale = s->ws;
	} else if (!f->isn_set) {
		f->isn = s->seq - 1;
		f->isn_set = 1;
	}
	f->bytes += s->len;
}

/* The second pass over the chosen connection: snd (data) and rcv (its ACKs). */
struct pcap_draw {
	struct plot *p;
	const struct pflow *snd, *rcv;
	int ws_ok;
	double t0;
	uint32_t max_end;        /* highest data byte sent + 1 (relative) */
	int any;
	/* segments waiting for their ACK: (end, time), retransmitted ones dropped (Karn) */
	struct { uint32_t end; double t; } ring[PLOT_RTT_RING];
	unsigned head, len;
};

static void draw_seg(const struct pseg *s, void *arg)
{
	struct pcap_draw *d = arg;
	struct plot *p = d->p;
	double t;

	if (!flow_is(d->snd, s) && !(d->rcv && flow_is(d->rcv, s)))
		return;
	if (!d->any++)
		d->t0 = s->t;
	t = s->t - d->t0;
	if (t > p->tmax)
		p->tmax = t;
	if (flow_is(d->snd, s)) {
		uint32_t start = s->seq - d->snd->isn, end = start + s->len;

		if (!s->len)
			return;
		if ((int32_t)(end - d->max_end) <= 0) {
			point(p, S_REXMIT, "%.6f %u %u\n", t, start, end);
			d->len = 0; /* Karn: nothing outstanding gives a sample now */
			return;
		}
		point(p, S_DATA, "%.6f %u %u\n", t, start, end);
		d->max_end = end;
		if (end > p->ymax)
			p->ymax = end;
		if (d->len < PLOT_RTT_RING) {
			unsigned i = (d->head + d->len++) % PLOT_RTT_RING;
			d->ring[i].end = end;
			d->ring[i].t = t;
		}
		return;
	}
	if (s->flags & TH_ACK) {
		uint32_t ack = s->ack - d->snd->isn;
		uint32_t wnd = s->flags & TH_SYN || !d->ws_ok ? s->wnd : s->wnd << d->rcv->wscale;
		double rtt = -1;

		point(p, S_ACK, "%.6f %u %u\n", t, ack, ack + wnd);
		for (unsigned k = 0; k < s->nsack; k++)
			point(p, S_SACK, "%.6f %u %u\n", t, s->sack[k][0] - d->snd->isn,
			      s->sack[k][1] - d->snd->isn);
		while (d->len && (int32_t)(d->ring[d->head].end - ack) <= 0) {
			rtt = t - d->ring[d->head].t;
			d->head = (d->head + 1) % PLOT_RTT_RING;
			d->len--;
		}
		if (rtt >= 0)
			point(p, S_RTT, "%.6f %.3f\n", t, rtt * 1000);
		point(p, S_CWND, "%.6f %.3f\n", t,
		      (int32_t)(d->max_end - ack) > 0 ? (double)(d->max_end - ack) / 1024 : 0.0);
	}
}

static void addr_name(uint32_t a, uint16_t port, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u:%u", a >> 24, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff,
		 port);
}

static int pcap_read(struct plot *p, const char *path)
{
	static struct pcap_scan sc;
	static struct pcap_draw d;
	const struct pflow *snd = NULL, *rcv = NULL;

	memset(&sc, 0, sizeof(sc));
	if (pcap_walk(path, scan_seg, &sc) < 0)
		return -1;
	for (int i = 0; i < sc.n; i++)
		if (!snd || sc.flows[i].bytes > snd->bytes)
			snd = &sc.flows[i];
	if (!snd || !snd->bytes) {
		app_error("plot: %s: no TCP data in the capture", path);
		return -1;
	}
	for (int i = 0; i < sc.n; i++)
		if (sc.flows[i].saddr == snd->daddr && sc.flows[i].sport == snd->dport &&
		    sc.flows[i].daddr == snd->saddr && sc.flows[i].dport == snd->sport)
			rcv = &sc.flows[i];
	p->skipped_flows = sc.skipped;
	addr_name(snd->saddr, snd->sport, p->local, sizeof(p->local));
	addr_name(snd->daddr, snd->dport, p->peer, sizeof(p->peer));
	memset(&d, 0, sizeof(d));
	d.p = p;
	d.snd = snd;
	d.rcv = rcv;
	/* RFC 7323 2.2: windows are scaled once both SYNs offered it */
	d.ws_ok = rcv && snd->syn_ws && rcv->syn_ws;
	return pcap_walk(path, draw_seg, &d);
}

/* ---- gnuplot ---- */

/* A gnuplot single-quoted string: a quote is doubled. */
static void gp_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* One plot command's series, each only if it has points: `sep` starts the next. */
struct gp_plot {
	FILE *f;
	struct plot *p;
	int first;
};

static void gp_series(struct gp_plot *g, enum series s, const char *using, const char *style)
{
	if (!g->p->n[s])
		return;
	fprintf(g->f, "%s", g->first ? "plot " : ", \\\n     ");
	g->first = 0;
	fprintf(g->f, "'%s/%s' using %s %s", g->p->dir, series_file[s], using, style);
}

static void gp_end(struct gp_plot *g)
{
	/* a panel with nothing to draw still takes its place */
	fprintf(g->f, "%s\n", g->first ? "plot NaN notitle" : "");
	g->first = 1;
}

static int gp_script(struct plot *p, const char *script, const char *out, int png)
{
	FILE *f = fopen(script, "w");
	struct gp_plot g = { .f = f, .p = p, .first = 1 };

	if (!f)
		return -errno;
	fprintf(f, "set terminal %s size 1000,1100 noenhanced font 'sans,10' background rgb 'white'\n",
		png ? "pngcairo" : "svg");
	fputs("set output ", f);
	gp_quote(f, out);
	fputs("\nset multiplot title ", f);
	{
		char title[3 * PLOT_NAME_MAX];
		snprintf(title, sizeof(title), "TCP %s to %s (%s)", p->local, p->peer,
			 p->from_log ? "ustack --tcp-log" : "capture");
		gp_quote(f, title);
	}
	fprintf(f, "\nset grid\nset lmargin 12\nset rmargin 3\nset xrange [0:%.6f]\n",
		p->tmax > 0 ? p->tmax * 1.02 : 1.0);
	fputs("set key opaque box width 1\nset format y '%.0f'\n", f);

	/* the time-sequence graph */
	fputs("set origin 0,0.46\nset size 1,0.50\nset xlabel 'time (s)'\n"
	      "set ylabel 'sequence number (bytes from the ISN)'\nset key bottom right\n", f);
	/* the window's edge runs far above the data: the data sets the scale */
	fprintf(f, "set yrange [0:%.0f]\n", p->ymax > 0 ? p->ymax * 1.04 : 1.0);
	gp_series(&g, S_DATA, "1:2:(0):($3-$2)", "with vectors nohead lc rgb '#000000' title 'data sent'");
	gp_series(&g, S_ACK, "1:2", "with steps lc rgb '#00a000' title 'ACK (snd_una)'");
	gp_series(&g, S_ACK, "1:3", "with steps lc rgb '#e0a000' title 'receive window (ACK + window)'");
	gp_series(&g, S_SACK, "1:2:(0):($3-$2)",
		  "with vectors nohead lw 3 lc rgb '#8060ff' title 'SACK block'");
	gp_series(&g, S_LOST, "1:2", "with points pt 2 ps 1.2 lc rgb '#ff8080' title 'taken as lost'");
	/* a retransmission is a mark of the data's height and a circle, seen at any scale */
	gp_series(&g, S_REXMIT, "1:2:(0):($3-$2)",
		  "with vectors nohead lw 2 lc rgb '#d00000' title 'retransmitted'");
	gp_series(&g, S_REXMIT, "1:2", "with points pt 6 ps 0.7 lc rgb '#d00000' notitle");
	gp_series(&g, S_RTO, "1:2", "with points pt 7 ps 1.5 lc rgb '#ff00ff' title 'RTO fired'");
	gp_series(&g, S_TLP, "1:2", "with points pt 9 ps 1.2 lc rgb '#0080ff' title 'tail loss probe'");
	gp_series(&g, S_REC_ENTER, "1:2",
		  "with points pt 5 ps 1.0 lc rgb '#ff8000' title 'recovery entered'");
	gp_series(&g, S_REC_EXIT, "1:2",
		  "with points pt 4 ps 1.0 lc rgb '#008080' title 'recovery left'");
	gp_series(&g, S_UNDO, "1:2", "with points pt 13 ps 1.2 lc rgb '#404040' title 'undo'");
	gp_end(&g);

	/* the window */
	fputs("set origin 0,0.24\nset size 1,0.22\nset ylabel 'KiB'\nset format y '%g'\n"
	      "set key top right\nset yrange [0:*]\n", f);
	if (p->from_log) {
		gp_series(&g, S_CWND, "1:2", "with steps lw 2 lc rgb '#0000c0' title 'cwnd'");
		gp_series(&g, S_CWND, "1:3", "with steps lc rgb '#c00000' title 'ssthresh'");
		gp_series(&g, S_CWND, "1:4", "with steps lc rgb '#909090' title 'bytes in flight (pipe)'");
	} else {
		gp_series(&g, S_CWND, "1:2",
			  "with steps lc rgb '#0000c0' title 'bytes in flight (highest sent - ACK; cwnd is not on the wire)'");
	}
	gp_end(&g);

	/* the round trip */
	fputs("set origin 0,0.0\nset size 1,0.24\nset ylabel 'ms'\n", f);
	if (p->from_log) {
		gp_series(&g, S_RTT, "1:2", "with steps lw 2 lc rgb '#0000c0' title 'SRTT'");
		gp_series(&g, S_RTT, "1:3", "with steps lc rgb '#909090' title 'RTTVAR'");
		gp_series(&g, S_RTT, "1:4", "with steps lc rgb '#ff00ff' title 'RTO'");
	} else {
		gp_series(&g, S_RTT, "1:2",
			  "with points pt 7 ps 0.4 lc rgb '#0000c0' title 'RTT of segments sent once'");
	}
	gp_end(&g);
	fputs("unset multiplot\nset output\n", f);
	if (fclose(f))
		return -errno;
	return 0;
}

/* gnuplot on PATH, or 0. */
static int gnuplot_found(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	for (const char *s = path ? path : "/usr/bin:/bin"; *s;) {
		size_t n = strcspn(s, ":");

		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, s);
		if (n && access(buf, X_OK) == 0)
			return 1;
		s += n;
		if (*s == ':')
			s++;
	}
	return 0;
}

/* Runs gnuplot on the script, for at most PLOT_TIMEOUT_S seconds. 0 or -1. */
static int gp_run(const char *script)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	unsigned waited_ms = 0;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		app_error("plot: cannot start gnuplot: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execlp("gnuplot", "gnuplot", script, (char *)NULL);
		fprintf(stderr, APP_NAME " plot: cannot run gnuplot: %s\n", strerror(errno));
		_exit(127);
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			app_error("plot: waiting for gnuplot: %s", strerror(errno));
			return -1;
		}
		if (waited_ms >= PLOT_TIMEOUT_S * 1000u) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			app_error("plot: gnuplot took more than %d s: stopped", PLOT_TIMEOUT_S);
			return -1;
		}
		nanosleep(&tick, NULL);
		waited_ms += 20;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		app_error("plot: gnuplot failed (its messages are above)");
		return -1;
	}
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* A CSV starts with the log's header; anything else is taken for a capture. */
static int looks_like_log(const char *path, FILE **in)
{
	char head[8] = "";

	*in = fopen(path, "r");
	if (!*in)
		return -1;
	if (!fgets(head, sizeof(head), *in) || strncmp(head, "time,", 5)) {
		fclose(*in);
		*in = NULL;
		return 0;
	}
	rewind(*in);
	return 1;
}

int plot_main(int argc, char **argv)
{
	static struct plot p;
	const char *in_path = NULL, *out = NULL;
	char script[128];
	FILE *in = NULL;
	struct stat st;
	int png, rc, status = EXIT_FAIL;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			plot_usage(stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-o")) {
			if (i + 1 == argc) {
				app_error("plot: -o needs the picture's file name (OUT.svg or OUT.png)");
				return EXIT_USAGE;
			}
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			app_error("plot: unknown option '%s' (ustack plot --help)", argv[i]);
			return EXIT_USAGE;
		} else if (!in_path) {
			in_path = argv[i];
		} else {
			app_error("plot: one input file only ('%s' is a second)", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!in_path || !out) {
		app_error("plot: give an input and -o OUT, like 'ustack plot tcp.csv -o tcp.svg'");
		return EXIT_USAGE;
	}
	png = ends_with(out, ".png");
	if (!png && !ends_with(out, ".svg")) {
		app_error("plot: -o '%s': the picture's name must end in .svg or .png", out);
		return EXIT_USAGE;
	}
	if (strpbrk(out, "\n\r")) {
		app_error("plot: -o: a file name without line breaks, please");
		return EXIT_USAGE;
	}
	if (!gnuplot_found()) {
		app_error("plot: gnuplot not found: install gnuplot-nox (apt-get install gnuplot-nox)");
		return EXIT_FAIL;
	}
	rc = looks_like_log(in_path, &in);
	if (rc < 0) {
		app_error("plot: %s: %s", in_path, strerror(errno));
		return EXIT_FAIL;
	}
	memset(&p, 0, sizeof(p));
	snprintf(p.dir, sizeof(p.dir), "/tmp/ustack-plot-XXXXXX");
	if (!mkdtemp(p.dir)) {
		app_error("plot: cannot make a temporary directory: %s", strerror(errno));
		goto out;
	}
	for (int s = 0; s < S_N; s++) {
		char name[128];

		snprintf(name, sizeof(name), "%s/%s", p.dir, series_file[s]);
		p.f[s] = fopen(name, "w");
		if (!p.f[s]) {
			app_error("plot: %s: %s", name, strerror(errno));
			goto cleanup;
		}
	}
	rc = rc ? csv_read(&p, in) : pcap_read(&p, in_path);
	for (int s = 0; s < S_N; s++) {
		if (fclose(p.f[s]) && rc == 0) {
			app_error("plot: writing %s: %s", series_file[s], strerror(errno));
			rc = -1;
		}
		p.f[s] = NULL;
	}
	if (rc < 0)
		goto cleanup;
	if (p.skipped_flows)
		app_error("plot: more than %d connections: %lu segments of the others ignored",
			  PLOT_MAX_FLOWS, p.skipped_flows);
	snprintf(script, sizeof(script), "%s/plot.gp", p.dir);
	if ((rc = gp_script(&p, script, out, png)) < 0) {
		app_error("plot: %s: %s", script, strerror(-rc));
		goto cleanup;
	}
	if (gp_run(script) < 0)
		goto cleanup;
	if (stat(out, &st) < 0 || st.st_size == 0) {
		app_error("plot: gnuplot wrote no %s", out);
		goto cleanup;
	}
	printf("%s: %s to %s, %lu segments (%lu retransmitted), %lu ACKs\n", out, p.local,
	       p.peer, p.n[S_DATA] + p.n[S_REXMIT], p.n[S_REXMIT], p.n[S_ACK]);
	status = EXIT_OK;
cleanup:
	for (int s = 0; s < S_N; s++) {
		char name[128];

		if (p.f[s])
			fclose(p.f[s]);
		snprintf(name, sizeof(name), "%s/%s", p.dir, series_file[s]);
		unlink(name);
	}
	snprintf(script, sizeof(script), "%s/plot.gp", p.dir);
	unlink(script);
	rmdir(p.dir);
out:
	if (in)
		fclose(in);
	return status;
}
