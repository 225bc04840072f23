/* SPDX-License-Identifier: MIT */
/* MLDv2 (RFC 3810) for a host: the reports that tell a snooping bridge or a router which
 * groups we listen to (the solicited-node groups of our addresses; all-nodes is never
 * reported, 6), sent when a group is joined (unsolicited, robustness times) and in answer
 * to general and group-specific queries. */
#ifndef ND_MLD_H
#define ND_MLD_H

#include <stddef.h>
#include <stdint.h>

#include "ip6/ip6.h"

#define ICMP6_MLD_QUERY 130
#define ICMP6_MLD2_REPORT 143
#define MLD_QUERY_V1_LEN 24
#define MLD_QUERY_V2_LEN 28
#define MLD_REPORT_HDR_LEN 8
#define MLD_RECORD_LEN 20             /* a record without sources */
#define MLD_MODE_IS_EXCLUDE 2         /* 5.2.12: the answer to a query */
#define MLD_CHANGE_TO_EXCLUDE 4       /* a join (a record with no sources) */
#define MLD_REPORTS_MAX 8             /* records per report from us */

struct mld_query {
	struct net_addr group;        /* ::: a general query */
	unsigned max_resp_ms;
};
/* A query (v1 or v2; p: the ICMPv6 message). 0, ND_PARSE_SHORT or ND_PARSE_CODE. */
int mld_query_parse(const uint8_t *b, size_t len, struct mld_query *out);
/* A report of n groups, each a record of type rtype without sources; checksum zero.
 * Length written, or 0. */
size_t mld_report_emit(uint8_t rtype, const struct net_addr *groups, unsigned n, uint8_t *b,
		       size_t cap);

struct mld_config_s {
	unsigned robustness;          /* unsolicited reports per join (2) */
	unsigned unsolicited_ms;      /* Unsolicited Report Interval (1 s) */
};
PERSTACK_EXTERN(struct mld_config_s, mld_config);
#define mld_config PERSTACK_REF(struct mld_config_s, mld_config)

/* in_bad: a query not from a link-local source or with a hop limit other than 1, or
 * short; in_not_member: a group-specific query for a group we are not in. */
#define MLD_COUNTERS(X)                                                                    \
	X(in_queries) X(in_reports) X(in_bad) X(in_not_member) X(out_reports)
STATS_DECLARE(mld, MLD_COUNTERS);
#define mld_stats STATS_REF(mld)

/* A report for group now, and robustness - 1 more unsolicited_ms apart (random). */
void mld_join_report(struct net_device *dev, const struct net_addr *group, uint64_t now);
/* A query or report (p->data = the ICMPv6 header, checked). Takes ownership of p. */
void mld_input(struct pkb *p, const struct ip6_hdr *h, unsigned nh_len, struct net_device *dev,
	       uint64_t now);
void mld_shutdown(void);

#endif
