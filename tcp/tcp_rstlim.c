/* SPDX-License-Identifier: MIT */
/* A token bucket over the RSTs that answer segments for which there is no connection
 * (closed ports, stray ACKs to a listener), as BSD's icmplim does for them: a spoofed flood
 * must not turn ustack into a RST cannon aimed at whoever the sources name. Connections'
 * own RSTs (aborts, RFC 5961 challenge ACKs have their own limit) are not counted here.
 * NOTE: Linux limits ICMP errors and challenge ACKs but not these RSTs (README, "TCP"). */
#include "net/perstack.h"
#include "tcp/tcp_var.h"

PERSTACK_STATIC(uint64_t, rst_last)    /* when the bucket was last filled (ms) */
#define rst_last PERSTACK_REF(uint64_t, rst_last)
PERSTACK_STATIC(uint64_t, rst_tokens)  /* in thousandths of a RST: rate is per second, time in ms */
#define rst_tokens PERSTACK_REF(uint64_t, rst_tokens)
PERSTACK_STATIC(int, rst_started)
#define rst_started PERSTACK_REF(int, rst_started)

void tcp_rst_limit_reset(void)
{
	rst_started = 0;
	rst_tokens = 0;
	rst_last = 0;
}

int tcp_rst_allowed(uint64_t now)
{
	uint64_t cap = (uint64_t)tcp_config.rst_burst * 1000;

	if (tcp_config.rst_per_s == 0)
		return 1;
	if (cap < 1000)
		cap = 1000; /* a burst of 0 would stop every RST */
	if (!rst_started) {
		rst_started = 1;
		rst_tokens = cap;
	} else if (now > rst_last) {
		rst_tokens += (now - rst_last) * tcp_config.rst_per_s;
		if (rst_tokens > cap)
			rst_tokens = cap;
	}
	rst_last = now;
	if (rst_tokens < 1000) {
		STAT_INC(tcp_sc, snd_rst_limited);
		return 0;
	}
	rst_tokens -= 1000;
	return 1;
}

void tcp_send_reset_limited(const struct net_addr *src, const struct net_addr *dst,
			    const struct tcp_hdr *th, size_t seglen, uint64_t now)
{
	if (th->flags & TCP_RST)
		return; /* never answered: not worth a token */
	if (tcp_rst_allowed(now))
		tcp_send_reset(src, dst, th, seglen, now);
}
