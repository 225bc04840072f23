/* Loss recovery on the sending side: the duplicate-ACK counter and fast retransmit
 * (RFC 5681 3.2), NewReno partial ACKs (RFC 6582) for peers without SACK, and for peers
 * with SACK a scoreboard of SACKed ranges driving a conservative, pipe-limited recovery
 * (RFC 6675) that repairs several holes per round trip. Congestion window arithmetic
 * stays in tcp_cc.c; what goes on the wire is chosen by tcp_output (tcp_output.c), which
 * asks tcp_sack_next_hole() and tcp_sack_pipe() while TF_INRECOVERY is set. */
#include "net/log.h"
#include "tcp/tcp.h"

static int sack_recovery(const struct tcp_pcb *pcb)
{
	return pcb->flags & TF_SACK_OK;
}

void tcp_sack_clear(struct tcp_pcb *pcb)
{
	pcb->nsacked = 0;
}

/* Forgets the ranges at or below una (now cumulatively acknowledged). */
static void sb_prune(struct tcp_pcb *pcb, uint32_t una)
{
	unsigned i = 0, j;

	while (i < pcb->nsacked && SEQ_LEQ(pcb->sacked[i].right, una))
		i++;
	for (j = 0; i < pcb->nsacked; i++, j++)
		pcb->sacked[j] = pcb->sacked[i];
	pcb->nsacked = j;
	if (j && SEQ_LT(pcb->sacked[0].left, una))
		pcb->sacked[0].left = una;
}

uint32_t tcp_sack_bytes(const struct tcp_pcb *pcb)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < pcb->nsacked; i++)
		n += pcb->sacked[i].right - pcb->sacked[i].left;
	return n;
}

/* Adds [l, r) to the sorted, disjoint ranges. Returns 1 if it covered a byte not SACKed
 * before. When the table is full the highest range is forgotten: that only makes the
 * scoreboard more conservative (fewer bytes taken as lost or as delivered). */
static int sb_insert(struct tcp_pcb *pcb, uint32_t l, uint32_t r)
{
	uint32_t before = tcp_sack_bytes(pcb);
	unsigned i, j;

	for (i = 0; i < pcb->nsacked && SEQ_LT(pcb->sacked[i].left, l); i++)
		;
	if (pcb->nsacked == TCP_SACK_SB_MAX) {
		if (i == TCP_SACK_SB_MAX)
			return 0;
		pcb->nsacked--;
	}
	for (j = pcb->nsacked; j > i; j--)
		pcb->sacked[j] = pcb->sacked[j - 1];
	pcb->sacked[i].left = l;
	pcb->sacked[i].right = r;
	pcb->nsacked++;
	/* merge neighbours that overlap or touch */
	for (i = 0, j = 0; i < pcb->nsacked; i++) {
		if (j && SEQ_LEQ(pcb->sacked[i].left, pcb->sacked[j - 1].right)) {
			if (SEQ_GT(pcb->sacked[i].right, pcb->sacked[j - 1].right))
				pcb->sacked[j - 1].right = pcb->sacked[i].right;
		} else {
			pcb->sacked[j++] = pcb->sacked[i];
		}
	}
	pcb->nsacked = j;
	return tcp_sack_bytes(pcb) != before;
}

/* RFC 2018 / RFC 6675 update from an acceptable ACK whose cumulative point is `una`
 * (the new snd_una). Blocks at or below una (D-SACK, RFC 2883, or stale) and blocks
 * reaching past snd_max (bogus) are ignored. Returns 1 if new bytes were SACKed. */
int tcp_sack_update(struct tcp_pcb *pcb, const struct tcp_opts *o, uint32_t una)
{
	int news = 0;

	sb_prune(pcb, una);
	for (unsigned k = 0; k < o->nsack; k++) {
		uint32_t l = o->sack[k].left, r = o->sack[k].right;

		if (!SEQ_LT(l, r) || SEQ_LEQ(r, una) || SEQ_GT(r, pcb->snd_max)) {
			STAT_INC(tcp, rcv_sack_ignored);
			debugf("%u->%u sack block %u-%u ignored (una=%u max=%u)", pcb->local_port,
			       pcb->remote_port, l, r, una, pcb->snd_max);
			continue;
		}
		if (SEQ_LT(l, una))
			l = una;
		news |= sb_insert(pcb, l, r);
	}
	/* Lost retransmission: data sent after our last hole retransmission has been SACKed
	 * while a hole we retransmitted before it is still open, so (without reordering, of
	 * which a path through one router has none) that retransmission was lost too. Start
	 * the pass over the holes again instead of waiting for the timer. */
	if (news && pcb->flags & TF_INRECOVERY && pcb->nsacked &&
	    SEQ_GT(pcb->sacked[pcb->nsacked - 1].right, pcb->rxt_snd_max) &&
	    SEQ_GT(pcb->high_rxt, una)) {
		uint32_t seq, len, keep = pcb->high_rxt;
		pcb->high_rxt = una;
		if (tcp_sack_next_hole(pcb, &seq, &len) && SEQ_LT(seq, keep)) {
			STAT_INC(tcp, snd_rexmt_lost);
			debugf("%u->%u retransmission of %u lost, again", pcb->local_port,
			       pcb->remote_port, seq);
		} else {
			pcb->high_rxt = keep;
		}
	}
	return news;
}

/* The highest SACKed sequence (or snd_una): holes below it are taken as lost. */
static uint32_t sb_fack(const struct tcp_pcb *pcb)
{
	return pcb->nsacked ? pcb->sacked[pcb->nsacked - 1].right : pcb->snd_una;
}

/* SACKed bytes in [snd_una, x). */
static uint32_t sb_sacked_below(const struct tcp_pcb *pcb, uint32_t x)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < pcb->nsacked && SEQ_LT(pcb->sacked[i].left, x); i++)
		n += SEQ_MIN(pcb->sacked[i].right, x) - pcb->sacked[i].left;
	return n;
}

/* RFC 6675 4 SetPipe: bytes believed to be in the network. NOTE: RFC 6675 4 IsLost asks
 * for DupThresh segments SACKed above a hole before taking it as lost; here every hole
 * below the highest SACKed byte is lost (as FACK does): through one router without
 * reordering a hole is a loss, and waiting costs a round trip per hole at the top. So the
 * pipe is what lies above the highest SACK plus the holes already retransmitted. */
uint32_t tcp_sack_pipe(const struct tcp_pcb *pcb)
{
	uint32_t fack = sb_fack(pcb);
	uint32_t rx = SEQ_MIN(SEQ_MAX(pcb->high_rxt, pcb->snd_una), fack);

	return (pcb->snd_max - fack) + (rx - pcb->snd_una) - sb_sacked_below(pcb, rx);
}

/* RFC 6675 4 NextSeg rule (1): the first byte at or above HighRxt that is neither
 * acknowledged nor SACKed and lies below the highest SACK, and how much of that hole fits
 * one segment. Returns 0 if there is none. */
int tcp_sack_next_hole(const struct tcp_pcb *pcb, uint32_t *seq, uint32_t *len)
{
	uint32_t s = SEQ_MAX(pcb->high_rxt, pcb->snd_una);

	for (unsigned i = 0; i < pcb->nsacked; i++) {
		const struct tcp_sack_block *b = &pcb->sacked[i];
		if (SEQ_LEQ(b->right, s))
			continue;
		if (SEQ_LEQ(b->left, s)) {
			s = b->right;
			continue;
		}
		*seq = s;
		*len = b->left - s < pcb->mss ? b->left - s : pcb->mss;
		return 1;
	}
	return 0;
}

/* After a timeout rewound snd_nxt: moves it past SACKed data (the receiver holds it) and
 * returns how many bytes may go before the next SACKed range (UINT32_MAX: no limit). */
uint32_t tcp_sack_skip(struct tcp_pcb *pcb)
{
	if (!sack_recovery(pcb) || !SEQ_LT(pcb->snd_nxt, pcb->snd_max))
		return UINT32_MAX;
	for (unsigned i = 0; i < pcb->nsacked; i++) {
		const struct tcp_sack_block *b = &pcb->sacked[i];
		if (SEQ_LEQ(b->right, pcb->snd_nxt))
			continue;
		if (SEQ_LEQ(b->left, pcb->snd_nxt)) {
			pcb->snd_nxt = b->right;
			continue;
		}
		return b->left - pcb->snd_nxt;
	}
	return UINT32_MAX;
}

static void enter_recovery(struct tcp_pcb *pcb, uint64_t now)
{
	STAT_INC(tcp, snd_fast_rexmt);
	pcb->cc->enter_recovery(pcb, now);
	pcb->flags |= TF_INRECOVERY;
	pcb->high_rxt = pcb->snd_una;
	pcb->rxt_snd_max = pcb->snd_max;
	if (sack_recovery(pcb)) {
		uint32_t seq = pcb->snd_una, len = pcb->mss;
		/* RFC 6675 5 (4.2): cwnd = ssthresh, no inflation: the pipe counts what left */
		pcb->cwnd = pcb->ssthresh;
		/* (4.3): the first hole goes at once, whatever the pipe says */
		tcp_sack_next_hole(pcb, &seq, &len);
		tcp_rexmt_range(pcb, seq, len, now);
		pcb->high_rxt = seq + len;
	} else {
		tcp_rexmt_first(pcb, now);
	}
	tcp_rexmt_arm(pcb, now);
}

/* An ACK that does not advance snd_una. `dup` says it is a duplicate by RFC 5681 2's
 * terms, `newsack` that it SACKed new data (RFC 6675 2 counts those as duplicates). */
void tcp_recovery_dupack(struct tcp_pcb *pcb, int dup, int newsack, uint64_t now)
{
	if (!dup && !newsack)
		return;
	STAT_INC(tcp, rcv_dup_acks);
	pcb->dupacks++;
	if (pcb->flags & TF_INRECOVERY) {
		if (!sack_recovery(pcb))
			pcb->cc->dupack(pcb); /* RFC 6582 3.2 step 4: inflate */
		return; /* tcp_output sends what the window or the pipe now allows */
	}
	/* RFC 6582 3.2 step 2 / RFC 6675 5: only a loss past the last recovery point; with
	 * SACK also once three segments' worth above snd_una are SACKed (IsLost(HighACK+1)).
	 * NOTE: RFC 6582 asks for an ACK covering more than `recover`; a loss in the segment
	 * right after a recovery ended exactly at `recover` would then wait for the timer,
	 * so reaching it is enough (as Linux's check against high_seq). */
	if (SEQ_LT(pcb->snd_una, pcb->recover))
		return;
	if (pcb->dupacks >= tcp_dupthresh(pcb) ||
	    (sack_recovery(pcb) && tcp_sack_bytes(pcb) >= 3u * pcb->mss))
		enter_recovery(pcb, now);
}

/* Duplicate ACKs that mean a loss: 3 (RFC 5681 3.2), or with fewer than four segments in
 * flight and nothing new to send, one less than those segments (RFC 5827 2.1 early
 * retransmit): a flight that small cannot raise three duplicates. */
unsigned tcp_dupthresh(const struct tcp_pcb *pcb)
{
	uint32_t flight = pcb->snd_max - pcb->snd_una;
	uint32_t segs = (flight + pcb->mss - 1) / pcb->mss;
	uint32_t unsent = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len - pcb->snd_max;

	if (segs >= 4 || segs < 2 || ((int32_t)unsent > 0 && pcb->snd_wnd > flight))
		return 3;
	return segs - 1;
}

/* RFC 3042 limited transmit: the first and second duplicate ACK each let one new
 * segment go beyond cwnd (without changing it), so a small window still raises the
 * third duplicate instead of waiting for the timer. The allowance tcp_output adds. */
uint32_t tcp_limited_transmit(const struct tcp_pcb *pcb)
{
	if (pcb->flags & TF_INRECOVERY || pcb->dupacks == 0 || pcb->dupacks > 2 ||
	    pcb->snd_nxt != pcb->snd_max)
		return 0;
	return pcb->dupacks * pcb->mss;
}

/* An ACK advancing snd_una (still the old value) to `ack` by `acked` bytes. */
void tcp_recovery_ack(struct tcp_pcb *pcb, uint32_t ack, uint32_t acked, uint64_t now)
{
	pcb->dupacks = 0;
	if (!(pcb->flags & TF_INRECOVERY)) {
		pcb->cc->ack(pcb, acked, now);
		/* SACKed data above the new snd_una may already show a loss */
		if (sack_recovery(pcb) && tcp_sack_bytes(pcb) >= 3u * pcb->mss &&
		    SEQ_GEQ(ack, pcb->recover) && ack != pcb->snd_max) {
			pcb->snd_una = ack;
			enter_recovery(pcb, now);
		}
		return;
	}
	if (SEQ_GEQ(ack, pcb->recover)) {
		/* full ACK: RFC 6582 3.2 step 3 / RFC 6675 5 end of recovery */
		pcb->cc->recovery_ack(pcb, acked, 1, now);
		pcb->flags &= ~TF_INRECOVERY;
		return;
	}
	if (sack_recovery(pcb))
		return; /* RFC 6675: cwnd stays at ssthresh, the pipe picks the next hole */
	/* RFC 6582 3.2 step 5: partial ACK, deflate and retransmit the next hole at once */
	pcb->cc->recovery_ack(pcb, acked, 0, now);
	pcb->snd_una = ack;
	tcp_rexmt_first(pcb, now);
}

/* A retransmission timeout ends any recovery; RFC 6582 3.2 step 1 / RFC 6675 5.1: no
 * fast retransmit until everything sent so far is acknowledged. The scoreboard is kept
 * for the first timeout (the go-back-N skips what the receiver holds, RFC 6675 5.1) and
 * cleared on the next, in case the receiver reneged (RFC 2018 8). */
void tcp_recovery_timeout(struct tcp_pcb *pcb)
{
	pcb->flags &= ~TF_INRECOVERY;
	pcb->dupacks = 0;
	pcb->recover = pcb->snd_max;
	pcb->high_rxt = pcb->snd_una;
	if (pcb->rxtshift > 1)
		tcp_sack_clear(pcb);
}
