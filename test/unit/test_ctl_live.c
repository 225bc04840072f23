/* SPDX-License-Identifier: MIT */
/* Wrappers changed on a running device (net_wrap_update) and the `ctl impair|trace|pcap`
 * requests (lib/ctl_live.c): attaching to a device that has carried frames, detaching when
 * everything is off, frames held in the delay and reorder queues going on (never lost) when
 * the settings change, a capture started and stopped into a file libpcap reads, the tracer
 * turned on and off, and the requests' parsing and errors. Fake devices and clock. */
#include "test/unit/testlib.h"
#include "test/unit/wrap_fixture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "lib/ctl_live.h"
#include "lib/trace.h"
#include "net/loop.h"
#include "net/wrap.h"


static int setup(void **state)
{
	return wrap_fixture_setup(state);
}

static int teardown(void **state)
{
	if (!test_locked())
		test_lock();
	return wrap_fixture_teardown(state);
}

/* The device whose queue holds what reached the driver: the lower one when wrapped. */
static struct net_device *drv(struct net_device *dev)
{
	struct net_device *lower = net_wrap_lower(dev);

	return lower ? lower : dev;
}

/* Pops the next frame the driver sent and checks its sequence number. */
static void expect_tx(struct net_device *dev, unsigned seq)
{
	struct pkb *p = test_dev_pop(drv(dev));

	assert_non_null(p);
	assert_int_equal(seq_of(p), seq);
	pkb_free(p);
}

static void expect_rx(unsigned seq)
{
	struct pkb *p = rx_pop();

	assert_non_null(p);
	assert_int_equal(seq_of(p), seq);
	pkb_free(p);
}

static int impair_set(struct net_device *dev, const char *spec)
{
	struct net_wrap_opts o = { 0 };
	char err[200];
	int rc;

	if (strcmp(spec, "off") && net_impair_parse(spec, &o.impair, err, sizeof(err)) < 0)
		fail_msg("%s: %s", spec, err);
	rc = net_wrap_update(dev, &o, NET_WRAP_SET_IMPAIR, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s: %s", spec, err);
	return rc;
}

/* ---- net_wrap_update ---- */

/* A device that has carried frames gets a wrapper, and loses it when all is off. */
static void test_attach_detach_running(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	const struct net_device_ops *driver_ops = dev->ops;
	void *driver_priv = dev->priv;
	struct net_wrap_opts st;

	(void)state;
	net_device_xmit(dev, frame(1), T0);
	net_device_input(dev, frame(2), T0);
	expect_tx(dev, 1);
	expect_rx(2);
	/* off on a bare device changes nothing */
	impair_set(dev, "off");
	assert_null(net_wrap_lower(dev));
	assert_int_equal(net_wrap_status(dev, &st), 0);

	impair_set(dev, "loss=100");
	assert_non_null(net_wrap_lower(dev));
	assert_ptr_equal(drv(dev)->priv, driver_priv);
	assert_int_equal(net_wrap_status(dev, &st), 1);
	assert_true(st.impair.enabled);
	assert_true(st.impair.loss == 100);
	net_device_xmit(dev, frame(3), T0 + 1);
	net_device_input(dev, frame(4), T0 + 1);
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	assert_int_equal(rx_count, 0);
	assert_int_equal(impair_stats.dropped, 2);

	/* changed in place: the same wrapper */
	impair_set(dev, "dup=100");
	net_device_xmit(dev, frame(5), T0 + 2);
	expect_tx(dev, 5);
	expect_tx(dev, 5);

	impair_set(dev, "off");
	assert_null(net_wrap_lower(dev));
	assert_ptr_equal(dev->ops, driver_ops);
	assert_ptr_equal(dev->priv, driver_priv);
	net_device_xmit(dev, frame(6), T0 + 3);
	net_device_input(dev, frame(7), T0 + 3);
	expect_tx(dev, 6);
	expect_rx(7);
	assert_int_equal(impair_stats.dropped, 2);
	assert_int_equal(net_timers_armed(), 0);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* Frames in the delay queues go on, in order, when the injector is turned off. */
static void test_off_releases_delayed(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);

	(void)state;
	impair_set(dev, "delay=100");
	for (unsigned i = 1; i <= 3; i++)
		net_device_xmit(dev, frame(i), T0 + i);
	net_device_input(dev, frame(10), T0 + 4);
	net_device_input(dev, frame(11), T0 + 5);
	net_timers_run(T0 + 50);
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	assert_int_equal(rx_count, 0);
	impair_set(dev, "off");
	assert_null(net_wrap_lower(dev));
	for (unsigned i = 1; i <= 3; i++)
		expect_tx(dev, i);
	expect_rx(10);
	expect_rx(11);
	assert_int_equal(dev->tx_packets, 3);
	assert_int_equal(impair_stats.passed, 5);
	assert_int_equal(impair_stats.discarded_at_close, 0);
	assert_int_equal(net_timers_armed(), 0);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* A new delay keeps queued frames in their place: they leave at their deadlines, and the
 * later frames after them. delay=0 releases them at once. */
static void test_delay_changed(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);

	(void)state;
	impair_set(dev, "delay=100");
	net_device_xmit(dev, frame(1), T0);
	impair_set(dev, "delay=10");
	net_device_xmit(dev, frame(2), T0 + 1); /* due at T0 + 11, behind frame 1 */
	net_timers_run(T0 + 20);
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	net_timers_run(T0 + 100);
	expect_tx(dev, 1);
	expect_tx(dev, 2);

	net_device_xmit(dev, frame(3), T0 + 200);
	impair_set(dev, "loss=0.001,delay=0"); /* still on, no delay: frame 3 goes now */
	assert_non_null(net_wrap_lower(dev));
	expect_tx(dev, 3);
	net_device_xmit(dev, frame(4), T0 + 201);
	expect_tx(dev, 4);
	assert_int_equal(net_timers_armed(), 0);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* A frame held for reordering goes on when the injector is turned off; with reorder=0 it
 * still leaves on its timer. */
static void test_reorder_held(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);

	(void)state;
	impair_set(dev, "reorder=100");
	net_device_xmit(dev, frame(1), T0); /* held */
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	impair_set(dev, "loss=0.001"); /* reorder off; the held frame waits for its timer */
	assert_int_equal(test_dev_pending(drv(dev)), 0);
	net_timers_run(T0 + NET_WRAP_REORDER_HOLD_MS);
	expect_tx(dev, 1);

	impair_set(dev, "reorder=100,delay=30");
	net_device_input(dev, frame(2), T0 + 100); /* held */
	net_device_input(dev, frame(3), T0 + 101); /* overtakes: 3 then 2 into the delay queue */
	net_device_input(dev, frame(4), T0 + 102); /* held */
	assert_int_equal(rx_count, 0);
	impair_set(dev, "off");
	expect_rx(3);
	expect_rx(2);
	expect_rx(4);
	assert_null(net_wrap_lower(dev));
	assert_int_equal(net_timers_armed(), 0);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* A capture started on a running device and stopped: the file holds exactly the frames in
 * between, complete (libpcap reads it to the end); a second start is refused. */
static void test_pcap_start_stop(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	char dir[] = "/tmp/ustack-test-ctllive-XXXXXX", path[300], ebuf[PCAP_ERRBUF_SIZE];
	struct net_wrap_opts o = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[400];
	pcap_t *pc;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/live.pcap", dir);
	net_device_xmit(dev, frame(1), T0); /* before: not captured */
	o.pcap_path = path;
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	assert_non_null(net_wrap_lower(dev));
	net_device_xmit(dev, frame(2), T0 + 1);
	net_device_input(dev, frame(3), T0 + 2);
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, path));
	o.pcap_path = NULL;
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	assert_null(net_wrap_lower(dev));
	net_device_xmit(dev, frame(4), T0 + 3); /* after: not captured */

	pc = pcap_open_offline(path, ebuf);
	if (!pc)
		fail_msg("%s: %s", path, ebuf);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		assert_int_equal(h->caplen, 60);
		assert_int_equal(data[15], n == 0 ? 2 : 3);
		n++;
	}
	assert_int_equal(n, 2);
	pcap_close(pc);
	unlink(path);

	/* a file that cannot be made: refused, the device left bare */
	o.pcap_path = "/nonexistent-dir/x.pcap";
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), -EIO);
	assert_null(net_wrap_lower(dev));
	rmdir(dir);
	test_dev_flush(dev);
	pkb_queue_purge(&rxq);
	rx_count = 0;
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* One pcapng file shared by two devices: stopping one device's capture (`ctl pcap off dev
 * X`) leaves the file open for the other, and what X captured is in the file when the stop
 * returns, as for a file of its own (a reader sees it at once, not at the other's next
 * flush, which never comes while that device is idle). */
static void test_pcapng_shared_stop(void **state)
{
	struct net_device *a = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	struct net_device *b = test_dev_create("eth1", NET_DEV_ETHER, 1500);
	char dir[] = "/tmp/ustack-test-ctllive-XXXXXX", path[300], ebuf[PCAP_ERRBUF_SIZE];
	struct net_wrap_opts o = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[400];
	pcap_t *pc;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/both.pcapng", dir);
	o.pcap_path = path;
	assert_int_equal(net_wrap_update(a, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	assert_int_equal(net_wrap_update(b, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	net_device_xmit(a, frame(7), T0);
	o.pcap_path = NULL;
	assert_int_equal(net_wrap_update(a, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	assert_null(net_wrap_lower(a));
	assert_non_null(net_wrap_lower(b)); /* eth1 still captures into the file */

	pc = pcap_open_offline(path, ebuf);
	if (!pc)
		fail_msg("%s after eth0 stopped: %s", path, ebuf);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		assert_int_equal(h->caplen, 60);
		assert_int_equal(data[15], 7);
		n++;
	}
	assert_int_equal(n, 1);
	pcap_close(pc);

	assert_int_equal(net_wrap_update(b, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	assert_null(net_wrap_lower(b));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	test_dev_flush(a);
	test_dev_flush(b);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* A pcap file is one device's: starting a capture on another device into the file a
 * running capture writes (`ctl pcap FILE dev X` with another device's FILE) is refused, and
 * the running capture's file is left whole (it was truncated under its writer). */
static void test_pcap_file_taken(void **state)
{
	struct net_device *a = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	struct net_device *b = test_dev_create("eth1", NET_DEV_ETHER, 1500);
	char dir[] = "/tmp/ustack-test-ctllive-XXXXXX", path[300], ebuf[PCAP_ERRBUF_SIZE];
	struct net_wrap_opts o = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	char err[400];
	pcap_t *pc;
	int n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/one.pcap", dir);
	o.pcap_path = path;
	assert_int_equal(net_wrap_update(b, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);
	net_device_xmit(b, frame(5), T0);
	assert_int_equal(net_wrap_update(a, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), -EBUSY);
	assert_non_null(strstr(err, "eth1"));
	assert_null(net_wrap_lower(a));
	net_device_xmit(b, frame(6), T0 + 1);
	o.pcap_path = NULL;
	assert_int_equal(net_wrap_update(b, &o, NET_WRAP_SET_PCAP, err, sizeof(err)), 0);

	pc = pcap_open_offline(path, ebuf);
	if (!pc)
		fail_msg("%s: %s", path, ebuf);
	while (pcap_next_ex(pc, &h, &data) == 1) {
		assert_int_equal(data[15], n == 0 ? 5 : 6);
		n++;
	}
	assert_int_equal(n, 2);
	pcap_close(pc);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	test_dev_flush(a);
	test_dev_flush(b);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* A change that fails leaves the device as it was: the capture failing after a new trace
 * filter compiled keeps the old filter, and a filter failing after the capture opened
 * leaves no capture behind. */
static void test_update_all_or_nothing(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { .trace_fmt = trace_format }, st;
	char dir[] = "/tmp/ustack-test-ctllive-XXXXXX", path[300], err[400];
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(devnull);
	assert_non_null(mkdtemp(dir));
	o.trace = 1;
	o.trace_out = devnull;
	o.trace_filter = "icmp";
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE, err, sizeof(err)), 0);
	o.trace_filter = "tcp";
	o.pcap_path = "/nonexistent-dir/x.pcap";
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE | NET_WRAP_SET_PCAP, err,
					 sizeof(err)), -EIO);
	assert_int_equal(net_wrap_status(dev, &st), 1);
	assert_null(st.pcap_path);
	assert_non_null(st.trace_filter);
	assert_string_equal(st.trace_filter, "icmp");
	/* a bad filter: the capture asked for with it does not start */
	snprintf(path, sizeof(path), "%s/x.pcap", dir);
	o.pcap_path = path;
	o.trace_filter = "tcp port";
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE | NET_WRAP_SET_PCAP, err,
					 sizeof(err)), -EINVAL);
	net_wrap_status(dev, &st);
	assert_null(st.pcap_path);
	assert_string_equal(st.trace_filter, "icmp");
	o.trace = 0;
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE, err, sizeof(err)), 0);
	assert_null(net_wrap_lower(dev));
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	fclose(devnull);
	test_dev_flush(dev);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* The tracer on and off on a running device; a wrapper attached at start (--trace) stays
 * while the injector comes and goes. */
static void test_trace_on_off(void **state)
{
	struct net_device *dev = test_dev_create("cap0", NET_DEV_ETHER, 1500);
	struct net_wrap_opts o = { .trace_fmt = trace_format };
	char err[200], *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	(void)state;
	assert_non_null(f);
	o.trace_out = f;
	o.trace = 1;
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE, err, sizeof(err)), 0);
	net_device_xmit(dev, frame(1), T0);
	impair_set(dev, "loss=100");
	net_device_input(dev, frame(2), T0);
	impair_set(dev, "off");
	assert_non_null(net_wrap_lower(dev)); /* the tracer still needs it */
	net_device_input(dev, frame(3), T0);
	o.trace = 0;
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE, err, sizeof(err)), 0);
	assert_null(net_wrap_lower(dev));
	net_device_input(dev, frame(4), T0);
	fclose(f);
	/* lines are "TIME cap0 > ...": the stamp first (docs/trace.md) */
	assert_non_null(strstr(out, " cap0 > "));
	assert_true(strstr(out, " cap0 > ") < strchr(out, '\n'));
	assert_non_null(strstr(out, " cap0 < "));
	assert_non_null(strstr(out, "[dropped by --impair]\n"));
	{
		int lines = 0;

		for (char *p = out; *p; p++)
			lines += *p == '\n';
		assert_int_equal(lines, 3);
	}
	free(out);
	/* tracing needs a decoder */
	o.trace = 1;
	o.trace_fmt = NULL;
	assert_int_equal(net_wrap_update(dev, &o, NET_WRAP_SET_TRACE, err, sizeof(err)), -EINVAL);
	assert_null(net_wrap_lower(dev));
	test_dev_flush(dev);
	pkb_queue_purge(&rxq);
	rx_count = 0;
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* ---- the requests ---- */

static int parse(const char *line, struct ctl_live_req *r, char *err, size_t errlen)
{
	static char buf[CTL_LINE_MAX];
	char *argv[CTL_ARGS_MAX];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = ctl_split(buf, argv, CTL_ARGS_MAX);
	assert_true(argc > 0);
	return ctl_live_parse(argc, argv, r, err, errlen);
}

static void test_parse(void **state)
{
	static const struct { const char *req, *msg; } bad[] = {
		{ "impair loss=101", "impair: bad loss=101: expected a percentage" },
		{ "impair jitter=3", "impair: unknown option 'jitter'" },
		{ "impair loss=5 loss=6", "impair: unexpected 'loss=6'" },
		{ "impair loss=5 dev", "impair: dev needs a name" },
		{ "impair dev a dev b off", "impair: dev given twice" },
		{ "trace off tcp", "trace: unexpected 'tcp'" },
		{ "trace maybe", "trace: 'maybe' is neither on nor off" },
		{ "pcap a.pcap b.pcap", "pcap: unexpected 'b.pcap'" },
	};
	struct ctl_live_req r;
	char err[300];

	(void)state;
	assert_int_equal(parse("impair", &r, err, sizeof(err)), 0);
	assert_true(r.show && r.kind == CTL_LIVE_IMPAIR && !r.dev);
	assert_int_equal(parse("impair loss=5,delay=20,seed=7 dev ustap0", &r, err, sizeof(err)),
			 0);
	assert_true(!r.show && r.on && r.impair.enabled);
	assert_true(r.impair.loss == 5 && r.impair.delay_ms == 20 && r.impair.seed == 7);
	assert_string_equal(r.dev, "ustap0");
	assert_int_equal(parse("impair dev ustap0 off", &r, err, sizeof(err)), 0);
	assert_true(!r.show && !r.on);
	assert_string_equal(r.dev, "ustap0");
	assert_int_equal(parse("impair loss=0", &r, err, sizeof(err)), 0);
	assert_true(!r.show && !r.on); /* nothing to inject: off */
	assert_int_equal(parse("trace on", &r, err, sizeof(err)), 0);
	assert_true(r.kind == CTL_LIVE_TRACE && r.on && !r.show);
	assert_int_equal(parse("trace off dev tap1", &r, err, sizeof(err)), 0);
	assert_true(!r.on && !r.show);
	assert_int_equal(parse("pcap /tmp/x.pcap", &r, err, sizeof(err)), 0);
	assert_true(r.kind == CTL_LIVE_PCAP && r.on);
	assert_string_equal(r.file, "/tmp/x.pcap");
	assert_int_equal(parse("pcap off", &r, err, sizeof(err)), 0);
	assert_true(!r.on && !r.file);
	assert_int_equal(parse("pcap dev tap1", &r, err, sizeof(err)), 0);
	assert_true(r.show);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].req, &r, err, sizeof(err)), -EINVAL);
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': '%s' lacks '%s'", bad[i].req, err, bad[i].msg);
		assert_null(strchr(err, '\n'));
	}
}

static void test_impair_fmt(void **state)
{
	struct net_impair imp, back;
	char buf[256], err[200];

	(void)state;
	assert_int_equal(net_impair_parse("delay=20,loss=2.5,seed=9", &imp, err, sizeof(err)), 0);
	ctl_live_impair_fmt(&imp, buf, sizeof(buf));
	assert_string_equal(buf, "loss=2.5,delay=20,seed=9");
	assert_int_equal(net_impair_parse(buf, &back, err, sizeof(err)), 0); /* a valid value */
	assert_true(back.loss == 2.5 && back.delay_ms == 20 && back.seed == 9);
	assert_int_equal(net_impair_parse("reorder=10,hold=80", &imp, err, sizeof(err)), 0);
	ctl_live_impair_fmt(&imp, buf, sizeof(buf));
	assert_string_equal(buf, "reorder=10,hold=80,seed=1");
	memset(&imp, 0, sizeof(imp));
	ctl_live_impair_fmt(&imp, buf, sizeof(buf));
	assert_string_equal(buf, "off");
}

/* Runs one request line without the lock (the request takes it); the answer or NULL. */
static int request(const char *line, char **ans, char *err, size_t errlen)
{
	char buf[CTL_LINE_MAX], *argv[CTL_ARGS_MAX];
	size_t len = 0;
	FILE *out;
	int argc, rc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = ctl_split(buf, argv, CTL_ARGS_MAX);
	out = open_memstream(ans, &len);
	assert_non_null(out);
	test_unlock();
	rc = ctl_request(NULL, argc, argv, out, err, errlen);
	test_lock();
	fclose(out);
	return rc;
}

static void expect_answer(const char *line, const char *want)
{
	char err[300], *ans;

	if (request(line, &ans, err, sizeof(err)))
		fail_msg("'%s': %s", line, err);
	if (strcmp(ans, want))
		fail_msg("'%s': answered '%s', want '%s'", line, ans, want);
	free(ans);
}

static void expect_error(const char *line, const char *want)
{
	char err[300], *ans;

	assert_true(request(line, &ans, err, sizeof(err)) < 0);
	free(ans);
	if (!strstr(err, want))
		fail_msg("'%s': '%s' lacks '%s'", line, err, want);
}

/* The requests on two devices and the loopback: every device but the loopback, or one. */
static void test_requests(void **state)
{
	struct net_device *lo = test_dev_create("lo", NET_DEV_LOOPBACK, 65536);
	struct net_device *a = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	struct net_device *b = test_dev_create("eth1", NET_DEV_ETHER, 1500);
	char dir[] = "/tmp/ustack-test-ctllive-XXXXXX", line[400], want[800], p0[300], p1[300];
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(devnull);
	ctl_live_set_trace_out(devnull);
	expect_answer("impair", "eth0 off\neth1 off\n");
	expect_answer("impair loss=20", "eth0 loss=20,seed=1\neth1 loss=20,seed=1\n");
	assert_null(net_wrap_lower(lo));
	assert_non_null(net_wrap_lower(a));
	expect_answer("impair off dev eth1", "eth1 off\n");
	assert_null(net_wrap_lower(b));
	expect_answer("impair dev eth0", "eth0 loss=20,seed=1\n");
	expect_answer("impair off", "eth0 off\neth1 off\n");
	assert_null(net_wrap_lower(a));
	expect_error("impair loss=5 dev nosuch", "impair: no device 'nosuch'");
	expect_error("impair loss=5 dev lo", "loopback");
	expect_error("impair loss=500", "impair: bad loss=500");

	expect_answer("trace on", "eth0 on\neth1 on\n");
	expect_answer("trace", "eth0 on\neth1 on\n");
	expect_answer("trace off dev eth0", "eth0 off\n");
	expect_answer("trace off", "eth0 off\neth1 off\n");
	assert_null(net_wrap_lower(b));
	/* trace on FILTER: a pcap-filter expression, compiled for each device */
	expect_answer("trace on icmp or tcp port 80 dev eth0", "eth0 on icmp or tcp port 80\n");
	expect_answer("trace off dev eth0", "eth0 off\n");
	expect_error("trace on tcp port", "--trace 'tcp port' on eth0");
	assert_null(net_wrap_lower(a)); /* a filter that does not compile changes nothing */

	/* pcap: FILE on the first device, FILE-DEV on the others, as --pcap names them */
	assert_non_null(mkdtemp(dir));
	snprintf(p0, sizeof(p0), "%s/c.pcap", dir);
	snprintf(p1, sizeof(p1), "%s/c-eth1.pcap", dir);
	snprintf(line, sizeof(line), "pcap %s", p0);
	snprintf(want, sizeof(want), "eth0 %s\neth1 %s\n", p0, p1);
	expect_answer(line, want);
	expect_answer("pcap", want);
	/* a second capture is refused, and leaves the running ones alone */
	snprintf(line, sizeof(line), "pcap %s/d.pcap", dir);
	expect_error(line, "capturing to");
	expect_answer("pcap", want);
	expect_answer("pcap off", "eth0 off\neth1 off\n");
	assert_int_equal(access(p0, R_OK), 0);
	assert_int_equal(access(p1, R_OK), 0);
	/* one capture only: FILE itself */
	snprintf(line, sizeof(line), "pcap %s/one.pcap dev eth1", dir);
	snprintf(want, sizeof(want), "eth1 %s/one.pcap\n", dir);
	expect_answer(line, want);
	expect_answer("pcap off dev eth1", "eth1 off\n");
	/* all or nothing: eth1 is busy, so the capture this started on eth0 stops again */
	snprintf(line, sizeof(line), "pcap %s/busy.pcap dev eth1", dir);
	snprintf(want, sizeof(want), "eth1 %s/busy.pcap\n", dir);
	expect_answer(line, want);
	snprintf(line, sizeof(line), "pcap %s/all.pcap", dir);
	expect_error(line, "pcap: eth1 is capturing to");
	snprintf(want, sizeof(want), "eth0 off\neth1 %s/busy.pcap\n", dir);
	expect_answer("pcap", want);
	assert_null(net_wrap_lower(a));
	expect_answer("pcap off", "eth0 off\neth1 off\n");
	assert_null(net_wrap_lower(b));
	for (const char *const *f = (const char *const[]){ "c.pcap", "c-eth1.pcap", "one.pcap",
							   "busy.pcap", "all.pcap", NULL };
	     *f; f++) {
		snprintf(line, sizeof(line), "%s/%s", dir, *f);
		assert_int_equal(unlink(line), 0);
	}
	assert_int_equal(rmdir(dir), 0);
	fclose(devnull);
	ctl_live_set_trace_out(NULL);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* `trace on` stamps its lines as --trace-time says, as --trace's own lines are. */
static void test_trace_time(void **state)
{
	struct net_device *a = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	(void)state;
	assert_non_null(f);
	ctl_live_set_trace_out(f);
	ctl_live_set_trace_time(NET_TRACE_TIME_REL);
	expect_answer("trace on dev eth0", "eth0 on\n");
	net_device_xmit(a, frame(1), T0);
	expect_answer("trace off dev eth0", "eth0 off\n");
	ctl_live_set_trace_time(NET_TRACE_TIME_ABS);
	ctl_live_set_trace_out(NULL);
	fclose(f);
	/* relative: "0.000000 eth0 > ..." for the first frame; absolute: "HH:MM:SS.uuuuuu" */
	if (strncmp(out, "0.000000 eth0 > ", 16))
		fail_msg("trace line '%.60s' is not stamped relative", out);
	free(out);
	test_dev_flush(a);
	net_device_unregister_all();
	test_assert_no_leaks();
}

/* A trace filter that compiles for one device's frames but not another's (arp: Ethernet
 * only) is refused before any device changes, as one that compiles for none. */
static void test_trace_filter_mixed(void **state)
{
	struct net_device *a = test_dev_create("eth0", NET_DEV_ETHER, 1500);
	struct net_device *t = test_dev_create("tun0", NET_DEV_IP, 1500);
	FILE *devnull = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(devnull);
	ctl_live_set_trace_out(devnull);
	expect_error("trace on arp", "tun0");
	expect_answer("trace", "eth0 off\ntun0 off\n");
	assert_null(net_wrap_lower(a));
	assert_null(net_wrap_lower(t));
	/* a filter already in place stays as it was */
	expect_answer("trace on icmp", "eth0 on icmp\ntun0 on icmp\n");
	expect_error("trace on arp", "tun0");
	expect_answer("trace", "eth0 on icmp\ntun0 on icmp\n");
	expect_answer("trace on arp dev eth0", "eth0 on arp\n");
	expect_answer("trace off", "eth0 off\ntun0 off\n");
	ctl_live_set_trace_out(NULL);
	fclose(devnull);
	net_device_unregister_all();
	test_assert_no_leaks();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attach_detach_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_releases_delayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_start_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcapng_shared_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_file_taken, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_on_off, setup, teardown),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_impair_fmt),
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_filter_mixed, setup, teardown),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	pkb_pool_drain();
	return ret;
}
