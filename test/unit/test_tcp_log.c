/* SPDX-License-Identifier: MIT */
/* The TCP event log (tcp/tcp_log.c): the CSV line's format, and the events a connection
 * driven by segment scripts writes, in order: a segment RACK finds lost (RFC 8985 6.2),
 * three duplicate ACKs without SACK (RFC 5681 3.2, RFC 6582), a retransmission timeout
 * (RFC 6298 5.5); the flush timer, the size limit, and nothing written when off. */
#include "test/unit/tcp_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tcp/tcp_log.h"

#define MSS 1460u
#define D0 (ISN + 1)
#define RTT 10
#define S(i) (D0 + (uint32_t)(i) * MSS)
#define MAX_LINES 256

static char log_path[64];

static int log_setup(void **state)
{
	int fd;

	snprintf(log_path, sizeof(log_path), "/tmp/test_tcp_log.XXXXXX");
	fd = mkstemp(log_path);
	assert_true(fd >= 0);
	close(fd);
	return setup(state);
}

static int log_teardown(void **state)
{
	int rc = teardown(state); /* tcp_proto_shutdown closes the log */

	assert_int_equal(tcp_log_on, 0);
	unlink(log_path);
	return rc;
}

/* The log's lines (header first) into lines[], each without its newline; returns the count. */
static unsigned read_log(char lines[][TCP_LOG_LINE_MAX], unsigned max)
{
	FILE *f = fopen(log_path, "r");
	unsigned n = 0;

	assert_non_null(f);
	while (n < max && fgets(lines[n], TCP_LOG_LINE_MAX, f)) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

/* Field i (0-based) of a CSV line into out. */
static const char *field(const char *line, unsigned i, char *out, size_t cap)
{
	const char *s = line;
	size_t n;

	for (; i && s; i--) {
		s = strchr(s, ',');
		if (s)
			s++;
	}
	assert_non_null(s);
	n = strcspn(s, ",\n");
	assert_true(n < cap);
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* Asserts that the events in want[] appear in the log in this order (others may come
 * between); returns the line index of the last one. */
static unsigned expect_in_order(char lines[][TCP_LOG_LINE_MAX], unsigned n, const char *const *want,
				unsigned nwant)
{
	unsigned w = 0, at = 0;
	char ev[32];

	for (unsigned i = 1; i < n && w < nwant; i++)
		if (!strcmp(field(lines[i], 3, ev, sizeof(ev)), want[w])) {
			w++;
			at = i;
		}
	if (w < nwant) {
		for (unsigned i = 0; i < n; i++)
			fprintf(stderr, "  %s\n", lines[i]);
		fail_msg("event '%s' (number %u of the expected order) is missing", want[w], w + 1);
	}
	return at;
}

static unsigned count_event(char lines[][TCP_LOG_LINE_MAX], unsigned n, const char *name)
{
	unsigned c = 0;
	char ev[32];

	for (unsigned i = 1; i < n; i++)
		c += !strcmp(field(lines[i], 3, ev, sizeof(ev)), name);
	return c;
}

static struct tcp_pcb *open_conn(int sack)
{
	struct tcp_pcb *c;
	struct tcp_opts o;
	struct tcp_hdr h;

	memset(&o, 0, sizeof(o));
	o.has_mss = 1;
	o.mss = MSS;
	o.sack_permitted = (uint8_t)sack;
	tcp_config.sack = sack;
	tcp_config.cc_name = "newreno";
	c = tcp_pcb_alloc();
	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	pop(&h, NULL);
	advance(RTT);
	inject(PEER, c->local_port, TCP_SYN | TCP_ACK, PEER_ISN, ISN + 1, 65535, &o, NULL, 0);
	pop(&h, NULL);
	expect_none();
	assert_int_equal(c->state, TCP_ESTABLISHED);
	return c;
}

static void send_segs(struct tcp_pcb *c, unsigned n)
{
	static uint8_t buf[16 * MSS];

	assert_int_equal(tcp_pcb_send(c, buf, n * MSS, now), (ssize_t)(n * MSS));
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(expect(i + 1 == n ? TCP_ACK | TCP_PSH : TCP_ACK, S(i), PEER_ISN + 1),
				 MSS);
}

static void drain_out(void)
{
	struct tcp_hdr h;

	while (test_dev_pending(tun))
		pop(&h, NULL);
}

static void abort_conn(struct tcp_pcb *c)
{
	tcp_pcb_close(c, 1, now);
	drain_out();
}

/* One line, every column: times in microseconds, sequence numbers relative to the ISN,
 * an unset ssthresh empty. */
static void test_format(void **state)
{
	struct tcp_log_rec r = {
		.t_us = 2003004, .local = "192.0.2.2:80", .peer = "192.0.2.1:40000",
		.ev = TCP_LOG_RACK_LOST, .seq = 1461, .len = 1460, .snd_una = 1, .snd_nxt = 5841,
		.cwnd = 14600, .ssthresh = 7300, .srtt_us = 10125, .rttvar_us = 2500, .rto_ms = 210,
		.inflight = 2920, .snd_wnd = 65535, .state = "ESTABLISHED",
	};
	char buf[TCP_LOG_LINE_MAX];
	int n;

	(void)state;
	n = tcp_log_format(buf, sizeof(buf), &r);
	assert_string_equal(buf, "2.003004,192.0.2.2:80,192.0.2.1:40000,rack-lost,1461,1460,1,"
				 "5841,14600,7300,10.125,2.500,210,2920,65535,ESTABLISHED\n");
	assert_int_equal(n, (int)strlen(buf));
	r.ssthresh = UINT32_MAX;
	r.ev = TCP_LOG_SEND;
	r.t_us = 7;
	tcp_log_format(buf, sizeof(buf), &r);
	assert_string_equal(buf, "0.000007,192.0.2.2:80,192.0.2.1:40000,send,1461,1460,1,5841,"
				 "14600,,10.125,2.500,210,2920,65535,ESTABLISHED\n");
	/* the header names 16 columns, as many as a line has */
	{
		unsigned commas = 0;
		for (const char *s = TCP_LOG_HEADER; *s; s++)
			commas += *s == ',';
		assert_int_equal(commas, 15);
	}
	/* every event has a distinct name */
	for (int i = 0; i < TCP_LOG_NEVENTS; i++) {
		assert_non_null(tcp_log_event_name(i));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(tcp_log_event_name(i), tcp_log_event_name(j));
	}
	assert_null(tcp_log_event_name(TCP_LOG_NEVENTS));
}

/* RFC 8985 6.2: three segments SACKed above segment 0 make RACK take it as lost at once;
 * recovery begins, 0 goes again, and the ACK of everything ends the recovery. */
static void test_rack_loss_events(void **state)
{
	static char lines[MAX_LINES][TCP_LOG_LINE_MAX];
	static const char *const want[] = { "send", "sack", "rack-lost", "recovery-enter",
					    "retransmit", "ack", "recovery-exit" };
	struct tcp_pcb *c;
	char f[64];
	unsigned n, i;

	(void)state;
	assert_int_equal(tcp_log_open(log_path, 0), 0);
	c = open_conn(1);
	send_segs(c, 4);
	advance(RTT);
	sack_ack(c, S(0), (uint32_t[]){ S(1), S(4) }, 1);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	expect_none();
	assert_true(c->flags & TF_INRECOVERY);
	advance(RTT);
	sack_ack(c, S(4), NULL, 0);
	assert_false(c->flags & TF_INRECOVERY);
	abort_conn(c);
	tcp_log_close();

	n = read_log(lines, MAX_LINES);
	assert_string_equal(lines[0], TCP_LOG_HEADER);
	expect_in_order(lines, n, want, sizeof(want) / sizeof(want[0]));
	/* the first state line is the SYN leaving: SYN_SENT, nothing sent before it */
	assert_string_equal(field(lines[1], 3, f, sizeof(f)), "state");
	assert_string_equal(field(lines[1], 15, f, sizeof(f)), "SYN_SENT");
	assert_int_equal(strncmp(field(lines[1], 1, f, sizeof(f)), "192.0.2.2:", 10), 0);
	assert_string_equal(field(lines[1], 2, f, sizeof(f)), "192.0.2.1:40000");
	/* the lost segment is the first data byte (1 from the ISN), one MSS, snd_una still 1 */
	for (i = 1; i < n && strcmp(field(lines[i], 3, f, sizeof(f)), "rack-lost"); i++)
		;
	assert_string_equal(field(lines[i], 4, f, sizeof(f)), "1");
	assert_string_equal(field(lines[i], 5, f, sizeof(f)), "1460");
	assert_string_equal(field(lines[i], 6, f, sizeof(f)), "1");
	assert_string_equal(field(lines[i], 7, f, sizeof(f)), "5841");
	/* its time: one SYN round trip and one data round trip after the log started */
	assert_string_equal(field(lines[i], 0, f, sizeof(f)), "0.020000");
	/* the SACK block was [1461, 5841) */
	for (i = 1; i < n && strcmp(field(lines[i], 3, f, sizeof(f)), "sack"); i++)
		;
	assert_string_equal(field(lines[i], 4, f, sizeof(f)), "1461");
	assert_string_equal(field(lines[i], 5, f, sizeof(f)), "4380");
	/* recovery-exit: cwnd is ssthresh then (RFC 6937), and both are set */
	for (i = 1; i < n && strcmp(field(lines[i], 3, f, sizeof(f)), "recovery-exit"); i++)
		;
	{
		char cw[16], ss[16];
		field(lines[i], 8, cw, sizeof(cw));
		field(lines[i], 9, ss, sizeof(ss));
		assert_true(ss[0]);
		assert_string_equal(cw, ss);
	}
	assert_int_equal(count_event(lines, n, "rack-lost"), 1);
	assert_int_equal(count_event(lines, n, "retransmit"), 1);
	assert_int_equal(count_event(lines, n, "send"), 4);
	assert_int_equal(count_event(lines, n, "rto"), 0);
}

/* RFC 5681 3.2 / RFC 6582 without SACK: the third duplicate ACK is the fast retransmit. */
static void test_fast_retransmit_events(void **state)
{
	static char lines[MAX_LINES][TCP_LOG_LINE_MAX];
	static const char *const want[] = { "dupack", "dupack", "dupack", "fast-retransmit",
					    "recovery-enter", "retransmit", "ack", "recovery-exit" };
	struct tcp_pcb *c;
	unsigned n;

	(void)state;
	assert_int_equal(tcp_log_open(log_path, 0), 0);
	c = open_conn(0);
	send_segs(c, 5);
	advance(RTT);
	for (int i = 0; i < 3; i++)
		inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, S(0), 65535, NULL, NULL, 0);
	assert_int_equal(expect(TCP_ACK, S(0), PEER_ISN + 1), MSS);
	drain_out();
	advance(RTT);
	inject(PEER, c->local_port, TCP_ACK, PEER_ISN + 1, S(5), 65535, NULL, NULL, 0);
	assert_false(c->flags & TF_INRECOVERY);
	abort_conn(c);
	tcp_log_close();
	n = read_log(lines, MAX_LINES);
	expect_in_order(lines, n, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(count_event(lines, n, "rack-lost"), 0);
}

/* RFC 6298 5.5: nothing comes back; the timer fires, cwnd is one MSS, the segment goes
 * again; the state change of the abort is the last line. */
static void test_rto_events(void **state)
{
	static char lines[MAX_LINES][TCP_LOG_LINE_MAX];
	static const char *const want[] = { "send", "rto", "retransmit", "state" };
	struct tcp_pcb *c;
	unsigned n, i;
	char f[32];

	(void)state;
	assert_int_equal(tcp_log_open(log_path, 0), 0);
	c = open_conn(1);
	send_segs(c, 1);
	/* the probe timer comes first (2 SRTT + the delayed-ACK allowance), then the RTO */
	advance(tcp_rto_current(c) * 2 + 1);
	drain_out();
	assert_true(tcp_stats.rexmt_timeouts >= 1);
	abort_conn(c);
	tcp_log_close();
	n = read_log(lines, MAX_LINES);
	i = expect_in_order(lines, n, want, sizeof(want) / sizeof(want[0]));
	assert_string_equal(field(lines[i], 15, f, sizeof(f)), "CLOSED");
	for (i = 1; i < n && strcmp(field(lines[i], 3, f, sizeof(f)), "rto"); i++)
		;
	assert_string_equal(field(lines[i], 8, f, sizeof(f)), "1460"); /* cwnd = 1 MSS */
	assert_true(count_event(lines, n, "tlp") <= 1);
}

/* RFC 6298 5.7 / RFC 9293 3.8.1: an unanswered SYN goes again after the initial RTO; the
 * retransmission line is the SYN's (seq 0, no data). */
static void test_syn_rto_events(void **state)
{
	static char lines[MAX_LINES][TCP_LOG_LINE_MAX];
	static const char *const want[] = { "state", "rto", "retransmit" };
	struct tcp_pcb *c;
	unsigned n, i;
	char f[32];

	(void)state;
	assert_int_equal(tcp_log_open(log_path, 0), 0);
	c = tcp_pcb_alloc();
	assert_non_null(c);
	assert_int_equal(tcp_pcb_connect(c, NA4(peer), PEER, now), 0);
	expect(TCP_SYN, ISN, 0);
	advance(tcp_config.rto_initial_ms);
	expect(TCP_SYN, ISN, 0);
	tcp_pcb_close(c, 1, now);
	drain_out();
	tcp_log_close();
	n = read_log(lines, MAX_LINES);
	i = expect_in_order(lines, n, want, sizeof(want) / sizeof(want[0]));
	assert_string_equal(field(lines[i], 4, f, sizeof(f)), "0");
	assert_string_equal(field(lines[i], 5, f, sizeof(f)), "0");
	assert_string_equal(field(lines[i], 15, f, sizeof(f)), "SYN_SENT");
	/* backed off: the next timeout is twice the first */
	assert_string_equal(field(lines[i], 12, f, sizeof(f)), "2000");
}

/* Lines stay in the buffer until the flush timer (once a second) or the close. */
static void test_flush_timer(void **state)
{
	struct tcp_pcb *c;
	struct stat st;

	(void)state;
	assert_int_equal(tcp_log_open(log_path, 0), 0);
	c = open_conn(1);
	send_segs(c, 2);
	assert_int_equal(stat(log_path, &st), 0);
	assert_int_equal(st.st_size, 0); /* no write(2) per event */
	advance(TCP_LOG_FLUSH_MS);
	assert_int_equal(stat(log_path, &st), 0);
	assert_true(st.st_size > 0);
	assert_int_equal((uint64_t)st.st_size, tcp_log_bytes());
	drain_out();
	abort_conn(c);
	tcp_log_close();
	assert_int_equal(stat(log_path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, tcp_log_bytes());
}

/* A listener has no congestion state: its state row leaves ssthresh empty, not "0". */
static void test_listen_row(void **state)
{
	struct tcp_pcb pcb = { .state = TCP_LISTEN, .local_port = 80 };
	struct tcp_log_rec r;
	char buf[TCP_LOG_LINE_MAX], col[32];

	(void)state;
	tcp_log_fill(&pcb, TCP_LOG_STATE, 0, 0, &r);
	assert_int_equal(r.ssthresh, UINT32_MAX);
	tcp_log_format(buf, sizeof(buf), &r);
	assert_string_equal(field(buf, 9, col, sizeof(col)), "");
	assert_string_equal(field(buf, 15, col, sizeof(col)), "LISTEN");
}

/* At the limit the log stops (one warning) and the hooks stop calling. */
static void test_size_limit(void **state)
{
	struct tcp_pcb *c;
	struct stat st;

	(void)state;
	assert_int_equal(tcp_log_open(log_path, 400), 0);
	c = open_conn(1);
	send_segs(c, 8);
	assert_true(tcp_log_stopped());
	assert_int_equal(tcp_log_on, 0);
	assert_true(tcp_log_bytes() <= 400);
	abort_conn(c);
	tcp_log_close();
	assert_int_equal(stat(log_path, &st), 0);
	assert_true(st.st_size <= 400);
	assert_int_equal((uint64_t)st.st_size, tcp_log_bytes());
}

/* Off (never opened, or closed), nothing is written and the flag stays down. */
static void test_off(void **state)
{
	struct tcp_pcb *c;
	struct stat st;

	(void)state;
	assert_int_equal(tcp_log_on, 0);
	c = open_conn(1);
	send_segs(c, 2);
	abort_conn(c);
	assert_int_equal(stat(log_path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(tcp_log_open("/nonexistent/dir/log.csv", 0), -ENOENT);
	assert_int_equal(tcp_log_on, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_listen_row),
		cmocka_unit_test_setup_teardown(test_rack_loss_events, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_fast_retransmit_events, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_rto_events, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_syn_rto_events, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_flush_timer, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_size_limit, log_setup, log_teardown),
		cmocka_unit_test_setup_teardown(test_off, log_setup, log_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
