/* SPDX-License-Identifier: MIT */
/* Congestion control is a module (tcp/tcp.h, docs/tcp-cc.md): this test reads the stack's
 * sources (not the tests') and fails on any line that breaks its boundary.
 *
 *  - cwnd, ssthresh, the pacing rate and the window state of a loss response (prior_cwnd,
 *    prior_ssthresh, bytes_acked, prr_delivered, prr_out, recover_fs) are written
 *    (assigned, incremented, their address taken) only in tcp/tcp_cc.c and the algorithm
 *    files;
 *  - an algorithm's ops are called (pcb->cc->ssthresh(...)) only from tcp/tcp_cc.c;
 *  - the private state (pcb->ccv, pcb->hystart) is touched only there, and each member of
 *    the ccv union by one file only.
 * An algorithm file is one that defines a `const struct tcp_cc_ops tcp_cc_NAME = {`. Accesses
 * through `->` are checked (the connection is always reached through a pointer). The first
 * case runs the scanner on lines that break the rules, so that it can be seen to fail. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define MAX_FILES 256
#define MAX_MEMBERS 8

static const char *const cc_fields[] = { "cwnd", "ssthresh", "prior_cwnd", "prior_ssthresh",
					 "bytes_acked", "prr_delivered", "prr_out", "recover_fs",
					 "pacing_rate" };
static const char *const src_dirs[] = { "tcp", "net", "ip", "udp", "arp", "ether", "driver",
					"lib", "apps", "include" };

struct scan {
	int violations;
	char report[8192];
	size_t used;
	/* ccv members: which file touched each */
	unsigned nmembers;
	char member[MAX_MEMBERS][64];
	char member_file[MAX_MEMBERS][128];
};

static void flag(struct scan *sc, const char *file, const char *text, const char *at,
		 const char *why)
{
	unsigned line = 1;

	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	sc->violations++;
	if (sc->used < sizeof(sc->report))
		sc->used += (size_t)snprintf(sc->report + sc->used, sizeof(sc->report) - sc->used,
					     "  %s:%u: %s\n", file, line, why);
}

/* Comments and string and character literals become spaces (newlines stay). */
static void strip(char *s)
{
	for (char *p = s; *p; p++) {
		if (p[0] == '/' && p[1] == '*') {
			for (; *p && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p != '\n')
					*p = ' ';
			if (*p)
				p[0] = p[1] = ' ', p++;
			if (!*p)
				break;
		} else if (p[0] == '/' && p[1] == '/') {
			for (; *p && *p != '\n'; p++)
				*p = ' ';
			if (!*p)
				break;
		} else if (*p == '"' || *p == '\'') {
			char q = *p;
			for (p++; *p && *p != q && *p != '\n'; p++) {
				if (*p == '\\' && p[1])
					*p++ = ' ';
				*p = ' ';
			}
			if (!*p)
				break;
		}
	}
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static const char *skip_sp(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

/* The identifier at p (which ends at the first non-identifier character), copied. */
static void ident(const char *p, char *out, size_t cap)
{
	size_t n = 0;

	while (ident_char(p[n]) && n + 1 < cap) {
		out[n] = p[n];
		n++;
	}
	out[n] = 0;
}

/* Before the expression that ends at `arrow` (a->b->...): ++, -- or a unary &. */
static int prefix_write(const char *text, const char *arrow)
{
	const char *p = arrow;

	for (;;) {
		while (p > text && ident_char(p[-1]))
			p--;
		if (p - text >= 2 && p[-2] == '-' && p[-1] == '>')
			p -= 2;
		else if (p > text && p[-1] == '.')
			p--;
		else
			break;
	}
	while (p > text && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (p - text >= 2 && ((p[-2] == '+' && p[-1] == '+') || (p[-2] == '-' && p[-1] == '-')))
		return 1;
	if (p > text && p[-1] == '&' && !(p - text >= 2 && p[-2] == '&')) {
		const char *q = p - 1;
		while (q > text && (q[-1] == ' ' || q[-1] == '\t'))
			q--;
		/* unary (address of) unless an operand stands before it */
		return !(q > text && (ident_char(q[-1]) || q[-1] == ')' || q[-1] == ']'));
	}
	return 0;
}

/* After a member: an assignment (not ==), ++ or --. */
static int suffix_write(const char *p)
{
	p = skip_sp(p);
	if (p[0] == '=' && p[1] != '=')
		return 1;
	if ((p[0] == '+' && p[1] == '+') || (p[0] == '-' && p[1] == '-'))
		return 1;
	if (strchr("+-*/%&|^", p[0]) && p[0] && p[1] == '=')
		return 1;
	if ((p[0] == '<' || p[0] == '>') && p[1] == p[0] && p[2] == '=')
		return 1;
	return 0;
}

static int is_owner_text(const char *name, const char *text)
{
	const char *p = text;

	if (!strcmp(name, "tcp/tcp_cc.c"))
		return 1;
	while ((p = strstr(p, "struct tcp_cc_ops"))) {
		const char *q = skip_sp(p + strlen("struct tcp_cc_ops"));
		p = q;
		if (strncmp(q, "tcp_cc_", 7))
			continue;
		while (ident_char(*q))
			q++;
		q = skip_sp(q);
		if (q[0] == '=' && skip_sp(q + 1)[0] == '{')
			return 1;
	}
	return 0;
}

/* Checks one file's text (comments stripped in place); owner: tcp_cc.c or an algorithm. */
static void scan_text(struct scan *sc, const char *name, char *text, int owner)
{
	strip(text);
	for (const char *p = text; (p = strstr(p, "->")); p += 2) {
		const char *m = skip_sp(p + 2);
		char id[64], op[64];

		ident(m, id, sizeof(id));
		if (!id[0])
			continue;
		if (!owner) {
			for (size_t i = 0; i < sizeof(cc_fields) / sizeof(cc_fields[0]); i++) {
				if (strcmp(id, cc_fields[i]))
					continue;
				if (suffix_write(m + strlen(id)) || prefix_write(text, p))
					flag(sc, name, text, p, "writes a congestion control field");
			}
			if (!strcmp(id, "ccv") || (!strcmp(id, "hystart") &&
						   strchr(".[", *skip_sp(m + strlen(id)))))
				flag(sc, name, text, p, "touches an algorithm's private state");
		}
		if (!strcmp(id, "cc") && strcmp(name, "tcp/tcp_cc.c")) {
			const char *q = skip_sp(m + 2);
			if (q[0] == '-' && q[1] == '>') {
				q = skip_sp(q + 2);
				ident(q, op, sizeof(op));
				if (op[0] && *skip_sp(q + strlen(op)) == '(')
					flag(sc, name, text, p,
					     "calls an algorithm's op (only tcp_cc.c's events may)");
			}
		}
		if (owner && !strcmp(id, "ccv")) {
			const char *q = skip_sp(m + 3);
			unsigned i;

			if (*q != '.')
				continue; /* the whole union (tcp_cc.c clears it) */
			ident(skip_sp(q + 1), op, sizeof(op));
			for (i = 0; i < sc->nmembers; i++)
				if (!strcmp(sc->member[i], op))
					break;
			if (i == sc->nmembers && i < MAX_MEMBERS) {
				snprintf(sc->member[i], sizeof(sc->member[i]), "%s", op);
				snprintf(sc->member_file[i], sizeof(sc->member_file[i]), "%s", name);
				sc->nmembers++;
			} else if (i < MAX_MEMBERS && strcmp(sc->member_file[i], name)) {
				flag(sc, name, text, p, "touches another file's ccv member");
			}
		}
	}
	/* an algorithm file keeps to one member of the union */
	for (unsigned i = 0; i < sc->nmembers; i++)
		for (unsigned j = i + 1; j < sc->nmembers; j++)
			if (!strcmp(sc->member_file[i], name) && !strcmp(sc->member_file[j], name))
				flag(sc, name, text, text, "touches two ccv members");
}

static int scan_snippet(const char *text, int owner)
{
	struct scan sc = { 0 };
	char *t = strdup(text);

	assert_non_null(t);
	scan_text(&sc, "snippet.c", t, owner);
	free(t);
	return sc.violations;
}

/* The scanner sees what it must and nothing else. */
static void test_scanner_catches_violations(void **state)
{
	(void)state;
	assert_int_equal(scan_snippet("pcb->cwnd = 1;", 0), 1);
	assert_int_equal(scan_snippet("\tpcb->ssthresh += pcb->mss;", 0), 1);
	assert_int_equal(scan_snippet("c->pcb->cwnd <<= 1;", 0), 1);
	assert_int_equal(scan_snippet("pcb->cwnd++;", 0), 1);
	assert_int_equal(scan_snippet("--pcb->cwnd;", 0), 1);
	assert_int_equal(scan_snippet("uint32_t *w = &pcb->cwnd;", 0), 1);
	assert_int_equal(scan_snippet("pcb->prr_out += len;", 0), 1);
	assert_int_equal(scan_snippet("pcb->pacing_rate = 0;", 0), 1);
	assert_int_equal(scan_snippet("x = pcb->prior_cwnd = pcb->cwnd;", 0), 1);
	assert_int_equal(scan_snippet("pcb->cc->ssthresh(pcb, now);", 0), 1);
	assert_int_equal(scan_snippet("if (p->cc -> undo) p->cc->undo(p);", 0), 1);
	assert_int_equal(scan_snippet("k = pcb->ccv.cubic.v.k;", 0), 1);
	assert_int_equal(scan_snippet("if (pcb->hystart.state) x();", 0), 1);
	/* reads, comparisons, comments, strings and other structures are fine */
	assert_int_equal(scan_snippet("if (pcb->cwnd == 1 && pcb->ssthresh != 2) x = pcb->cwnd;",
				      0), 0);
	assert_int_equal(scan_snippet("y = x & pcb->cwnd; ok = a && pcb->cwnd;", 0), 0);
	assert_int_equal(scan_snippet("/* pcb->cwnd = 1; */ // pcb->cwnd = 2;\n", 0), 0);
	assert_int_equal(scan_snippet("debugf(\"pcb->cwnd = %u\", pcb->cwnd);", 0), 0);
	assert_int_equal(scan_snippet("ti.bytes_acked = pcb->info_acked; b->cwnd_gain = 1;", 0),
			 0);
	assert_int_equal(scan_snippet("if (pcb->cc->cong_control) x(); n = pcb->cc->name;", 0), 0);
	assert_int_equal(scan_snippet("c->hystart = 1;", 0), 0); /* tcp_config's switch */
	/* an owner may write; only tcp_cc.c calls the ops; one ccv member per file */
	assert_int_equal(scan_snippet("pcb->cwnd = pcb->ssthresh; pcb->ccv.bbr.mode = 0;", 1), 0);
	assert_int_equal(scan_snippet("pcb->cc->undo(pcb);", 1), 1);
	assert_int_equal(scan_snippet("a = &p->ccv.cubic; b = &p->ccv.bbr;", 1), 1);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = 0;
	fclose(f);
	return buf;
}

/* The stack's sources keep the boundary. */
static void test_sources_keep_the_boundary(void **state)
{
	char *names[MAX_FILES];
	unsigned n = 0, owners = 0;
	int saw_sack = 0, saw_cubic = 0, saw_bbr = 0;
	struct scan *sc = calloc(1, sizeof(*sc));

	(void)state;
	assert_non_null(sc);
	for (size_t d = 0; d < sizeof(src_dirs) / sizeof(src_dirs[0]); d++) {
		DIR *dir = opendir(src_dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir))) {
			size_t l = strlen(de->d_name);
			char path[512];

			if (l < 3 || de->d_name[l - 2] != '.' ||
			    (de->d_name[l - 1] != 'c' && de->d_name[l - 1] != 'h'))
				continue;
			assert_true(n < MAX_FILES);
			snprintf(path, sizeof(path), "%s/%s", src_dirs[d], de->d_name);
			names[n] = strdup(path);
			assert_non_null(names[n]);
			n++;
		}
		closedir(dir);
	}
	/* the same order every run: the first file to touch a ccv member owns it */
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (unsigned i = 0; i < n; i++) {
		char *text = read_all(names[i]);
		int owner;

		assert_non_null(text);
		owner = is_owner_text(names[i], text);
		owners += (unsigned)owner;
		saw_sack |= !strcmp(names[i], "tcp/tcp_sack.c");
		saw_cubic |= owner && !strcmp(names[i], "tcp/tcp_cubic.c");
		saw_bbr |= owner && !strcmp(names[i], "tcp/tcp_bbr.c");
		scan_text(sc, names[i], text, owner);
		free(text);
		free(names[i]);
	}
	/* it read the tree (run from the repository root) and found the algorithms */
	assert_true(n > 50);
	assert_true(saw_sack && saw_cubic && saw_bbr);
	assert_true(owners >= 3); /* tcp_cc.c, tcp_cubic.c, tcp_bbr.c, ... */
	if (sc->violations) {
		print_error("congestion control boundary broken (%d):\n", sc->violations);
		for (char *l = strtok(sc->report, "\n"); l; l = strtok(NULL, "\n"))
			print_error("%s\n", l); /* one a line: cmocka cuts long messages */
	}
	assert_int_equal(sc->violations, 0);
	free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scanner_catches_violations),
		cmocka_unit_test(test_sources_keep_the_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
