/* SPDX-License-Identifier: MIT */
/* libFuzzer target over DHCP: each input is parsed (dhcp_parse, with its option-overload
 * walk) and also fed to a client state machine that is waiting for an offer, so that a
 * message that parses goes on through the xid, chaddr and type checks. Whatever parses is
 * emitted again and must parse back to the same struct. The client's sends are dropped;
 * the ARP check of an ACKed address finds it free or in use by the input's length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp/dhcp.h"

static int fz_send(void *ctx, const uint8_t *b, size_t len, uint32_t dst)
{
	(void)ctx, (void)b, (void)len, (void)dst;
	return 0;
}

static void fz_lease(void *ctx, const struct dhcp_lease *l)
{
	(void)ctx, (void)l;
}

/* The address check "starts" and its verdict comes from the input (see below). */
static int fz_probe(void *ctx, uint32_t addr)
{
	(void)ctx, (void)addr;
	return 0;
}

static void fz_probe_cancel(void *ctx)
{
	(void)ctx;
}

static const struct dhcp_client_ops fz_ops = { fz_send, fz_lease, fz_lease, fz_probe,
					       fz_probe_cancel };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	static uint8_t out[DHCP_EMIT_MIN_LEN + 1024];
	struct dhcp_msg m, back;
	struct dhcp_client c;

	if (dhcp_parse(data, size, &m) == 0) {
		size_t n = dhcp_emit(&m, out, sizeof(out));
		if (n && (dhcp_parse(out, n, &back) != 0 || memcmp(&m, &back, sizeof(m))))
			abort(); /* emit and parse disagree */
	}
	dhcp_client_init(&c, mac, 1, &fz_ops, NULL);
	dhcp_client_start(&c, 1000);
	if (size >= 8) /* let the input carry the client's xid so it gets past that check */
		c.xid = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 |
			(uint32_t)data[6] << 8 | data[7];
	dhcp_client_input(&c, data, size, 2000);
	dhcp_client_input(&c, data, size, 3000); /* an ACK after the REQUEST the offer made */
	dhcp_client_probe_done(&c, (int)(size & 1), 3500); /* bound, or a DECLINE */
	dhcp_client_timer(&c, dhcp_client_deadline(&c));
	dhcp_client_release(&c, 4000);
	return 0;
}
