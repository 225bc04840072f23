/* SPDX-License-Identifier: MIT */
/* `ustack ctl NAME impair|trace|pcap`: fault injection, the tracer and the capture changed
 * while the stack runs. Each request is parsed first (nothing changes on a bad one), then
 * applied to the devices under the stack lock through net_wrap_update, which attaches a
 * wrapper to a device that has none and takes it away again when everything is off. Runs
 * in the control thread (lib/ctl_server.c). */
#include "lib/ctl_live.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "lib/trace.h"
#include "net/capture.h"
#include "net/loop.h"
#include "net/netdev.h"

#define CTL_LIVE_PATH_MAX 4096

static FILE *live_trace_out;
static enum net_trace_time live_trace_time;

void ctl_live_set_trace_out(FILE *out)
{
	live_trace_out = out;
}

void ctl_live_set_trace_time(enum net_trace_time t)
{
	live_trace_time = t;
}

static int live_error(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int live_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *const usage[] = {
	[CTL_LIVE_IMPAIR] = ("impair [loss=P,dup=P,reorder=P,delay=MS,corrupt=P,seed=N|off] "
			     "[dev DEV]"),
	[CTL_LIVE_TRACE] = "trace [on [FILTER]|off] [dev DEV]",
	[CTL_LIVE_PCAP] = "pcap [FILE|off] [dev DEV]",
};

int ctl_live_parse(int argc, char **argv, struct ctl_live_req *r, char *err, size_t errlen)
{
	const char *value = NULL;

	memset(r, 0, sizeof(*r));
	if (argc < 1)
		return live_error(err, errlen, "empty request");
	if (!strcmp(argv[0], "impair"))
		r->kind = CTL_LIVE_IMPAIR;
	else if (!strcmp(argv[0], "trace"))
		r->kind = CTL_LIVE_TRACE;
	else if (!strcmp(argv[0], "pcap"))
		r->kind = CTL_LIVE_PCAP;
	else
		return live_error(err, errlen, "'%s' is not impair, trace or pcap", argv[0]);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if (i + 1 >= argc || r->dev)
				return live_error(err, errlen, "%s: %s; give %s", argv[0],
						  r->dev ? "dev given twice" : "dev needs a name",
						  usage[r->kind]);
			r->dev = argv[++i];
		} else if (!value) {
			value = argv[i];
		} else if (r->kind == CTL_LIVE_TRACE && !strcmp(value, "on")) {
			/* trace on FILTER: a pcap-filter expression, its words joined again */
			size_t n = strlen(r->filter);

			if (n + strlen(argv[i]) + 2 > sizeof(r->filter))
				return live_error(err, errlen, "trace on: the filter is too long");
			snprintf(r->filter + n, sizeof(r->filter) - n, "%s%s", n ? " " : "",
				 argv[i]);
		} else {
			return live_error(err, errlen, "%s: unexpected '%s'; give %s", argv[0],
					  argv[i], usage[r->kind]);
		}
	}
	if (!value) {
		r->show = 1;
		return 0;
	}
	r->on = strcmp(value, "off") != 0;
	switch (r->kind) {
	case CTL_LIVE_IMPAIR:
		if (r->on) {
			char why[200];

			if (net_impair_parse(value, &r->impair, why, sizeof(why)) < 0)
				/* its messages name the option: "--impair: bad loss=..." */
				return live_error(err, errlen, "%s",
						  strncmp(why, "--", 2) ? why : why + 2);
			r->on = r->impair.enabled; /* all zero: the same as off */
		}
		break;
	case CTL_LIVE_TRACE:
		if (r->on && strcmp(value, "on"))
			return live_error(err, errlen, "trace: '%s' is neither on nor off; give %s",
					  value, usage[r->kind]);
		break;
	case CTL_LIVE_PCAP:
		if (r->on && strlen(value) + NET_DEV_NAME_MAX + 2 > CTL_LIVE_PATH_MAX)
			return live_error(err, errlen, "pcap: the file name is too long");
		r->file = r->on ? value : NULL;
		break;
	}
	return 0;
}

void ctl_live_impair_fmt(const struct net_impair *imp, char *buf, size_t size)
{
	const struct { const char *key; double v; } pct[] = {
		{ "loss", imp->loss }, { "dup", imp->dup }, { "reorder", imp->reorder },
		{ "corrupt", imp->corrupt },
	};
	size_t n = 0;

	if (!imp->enabled) {
		snprintf(buf, size, "off");
		return;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(pct) / sizeof(pct[0]); i++)
		if (pct[i].v > 0 && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s=%g,", pct[i].key, pct[i].v);
	if (imp->delay_ms && n < size)
		n += (size_t)snprintf(buf + n, size - n, "delay=%u,", imp->delay_ms);
	if (imp->reorder > 0 && imp->reorder_hold_ms != NET_WRAP_REORDER_HOLD_MS && n < size)
		n += (size_t)snprintf(buf + n, size - n, "hold=%u,", imp->reorder_hold_ms);
	if (n < size)
		snprintf(buf + n, size - n, "seed=%llu", (unsigned long long)imp->seed);
}

/* One device's settings of the request's kind, as a line. */
static void live_show(FILE *out, const struct ctl_live_req *r, const struct net_device *dev)
{
	struct net_wrap_opts o;
	char buf[256];

	net_wrap_status(dev, &o);
	switch (r->kind) {
	case CTL_LIVE_IMPAIR:
		ctl_live_impair_fmt(&o.impair, buf, sizeof(buf));
		fprintf(out, "%s %s\n", dev->name, buf);
		break;
	case CTL_LIVE_TRACE:
		fprintf(out, "%s %s%s%s\n", dev->name, o.trace ? "on" : "off",
			o.trace && o.trace_filter ? " " : "", o.trace && o.trace_filter ?
			o.trace_filter : "");
		break;
	case CTL_LIVE_PCAP:
		fprintf(out, "%s %s\n", dev->name, o.pcap_path ? o.pcap_path : "off");
		break;
	}
}

/* Whether the request reaches dev: the one it names, or every device but the loopback
 * (which --pcap, --trace and --impair leave alone too). */
static int live_selects(const struct ctl_live_req *r, const struct net_device *dev)
{
	if (r->dev)
		return !strcmp(dev->name, r->dev);
	return !(dev->flags & NET_DEV_F_LOOPBACK);
}

/* Applies r to dev; first: dev is the first device the request reaches (the --pcap file
 * naming). 0, or -errno with err. */
static int live_apply(const struct ctl_live_req *r, struct net_device *dev, int first,
		      char *err, size_t errlen)
{
	struct net_wrap_opts o = { 0 };
	char path[CTL_LIVE_PATH_MAX];
	unsigned what = 0;

	switch (r->kind) {
	case CTL_LIVE_IMPAIR:
		what = NET_WRAP_SET_IMPAIR;
		if (r->on)
			o.impair = r->impair;
		break;
	case CTL_LIVE_TRACE:
		what = NET_WRAP_SET_TRACE;
		o.trace = r->on;
		o.trace_out = live_trace_out;
		o.trace_fmt = trace_format;
		o.trace_time = live_trace_time;
		o.trace_filter = r->filter;
		break;
	case CTL_LIVE_PCAP:
		what = NET_WRAP_SET_PCAP;
		if (r->on) {
			/* pcapng: one file, an interface each; pcap: FILE-DEV after the first */
			net_wrap_pcap_name(r->file, dev->name, first || net_capture_is_pcapng(r->file),
					   path, sizeof(path));
			o.pcap_path = path;
		}
		break;
	}
	return net_wrap_update(dev, &o, what, err, errlen);
}

int ctl_live_request(struct ustack *st, int argc, char **argv, FILE *out, char *err,
		     size_t errlen)
{
	struct ctl_live_req r;
	struct net_device *dev, *failed = NULL;
	int rc = 0, n = 0;

	(void)st; /* the control thread works on the default stack, as the other requests */
	rc = ctl_live_parse(argc, argv, &r, err, errlen);
	if (rc < 0)
		return rc;
	net_lock();
	if (r.dev) {
		dev = net_device_by_name(r.dev);
		if (!dev) {
			rc = live_error(err, errlen, "%s: no device '%s' (ctl NAME addr lists them)",
					argv[0], r.dev);
			goto out;
		}
		if (dev->flags & NET_DEV_F_LOOPBACK) {
			rc = live_error(err, errlen, "%s: %s is the stack's own loopback, which "
					"takes no %s", argv[0], r.dev, argv[0]);
			goto out;
		}
	}
	/* a filter must compile for every device it reaches (arp does for Ethernet, not for
	 * TUN's bare IP) before any device changes */
	if (!r.show && r.kind == CTL_LIVE_TRACE && r.on && r.filter[0]) {
		TAILQ_FOREACH(dev, &net_devices, link) {
			struct bpf_program prog;
			char why[PCAP_ERRBUF_SIZE];

			if (!live_selects(&r, dev))
				continue;
			if (net_trace_filter_compile(r.filter, dev->type == NET_DEV_ETHER ?
						     DLT_EN10MB : DLT_RAW, &prog, why,
						     sizeof(why)) < 0) {
				rc = live_error(err, errlen, "%s: --trace '%s' on %s: %s", argv[0],
						r.filter, dev->name, why);
				goto out;
			}
			pcap_freecode(&prog);
		}
	}
	if (!r.show) {
		TAILQ_FOREACH(dev, &net_devices, link) {
			char why[320];

			if (!live_selects(&r, dev))
				continue;
			rc = live_apply(&r, dev, n == 0, why, sizeof(why));
			if (rc < 0) {
				snprintf(err, errlen, "%s: %s", argv[0], why);
				failed = dev;
				break;
			}
			n++;
		}
	}
	if (failed && r.kind == CTL_LIVE_PCAP) {
		/* all or nothing: the captures this request started stop again */
		struct ctl_live_req off = r;

		off.on = 0;
		off.file = NULL;
		TAILQ_FOREACH(dev, &net_devices, link) {
			char why[320];

			if (dev == failed)
				break;
			if (live_selects(&off, dev))
				live_apply(&off, dev, 0, why, sizeof(why));
		}
	}
	if (!failed)
		TAILQ_FOREACH(dev, &net_devices, link)
			if (live_selects(&r, dev))
				live_show(out, &r, dev);
out:
	net_unlock();
	return rc;
}
