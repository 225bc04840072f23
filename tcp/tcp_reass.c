/* SPDX-License-Identifier: MIT */
/* The receiving side's reassembly: in-order data held in its segments or copied into the
 * receive ring (the two interleaved in stream order), out-of-order segments into a sorted
 * queue of non-overlapping ranges (owned by the pcb until delivered or freed), and the
 * SACK blocks (RFC 2018) that describe that queue to a peer that asked for them.
 * tcp_input.c decides what is in order; tcp_output.c puts the blocks into every ACK it
 * builds while the queue holds data. */
#include <string.h>

#include "net/log.h"
#include "tcp/tcp_var.h"

/* what an out-of-order segment carries in its pkb->cb */
struct tcp_ooo_cb {
	uint32_t seq;
	uint8_t fin;
};
static struct tcp_ooo_cb *ooo_cb(struct pkb *p) { return (struct tcp_ooo_cb *)p->cb; }

/* A held segment's pkb->cb: the ring bytes that come before it in the stream, after the
 * segment held before it (or from the front). Held segments and ring bytes interleave, so
 * a segment is held whatever the ring holds, and a small one is copied into the ring
 * whatever is held: the stream is ring[0, a1) seg1 ring[a1, a1 + a2) seg2 ... and the
 * ring's bytes after the last segment (pcb->rcv_ring_tail). */
struct tcp_held_cb {
	size_t ring_before;
};
_Static_assert(sizeof(struct tcp_held_cb) <= sizeof(((struct pkb *)0)->cb), "held cb too big");
static struct tcp_held_cb *held_cb(struct pkb *p) { return (struct tcp_held_cb *)p->cb; }
static const struct tcp_held_cb *held_ccb(const struct pkb *p)
{
	return (const struct tcp_held_cb *)p->cb;
}

/* A segment is held rather than copied into the ring when that saves the copy without
 * wasting memory: nobody else holds the buffer (a capture or a delay queue may), and the
 * payload fills at least half of it. Held buffers then never take more than twice the
 * receive buffer's limit in memory, and a peer sending small segments gets the ring, as
 * before. */
static int rcv_may_hold(const struct pkb *p, uint32_t len)
{
	return p && len && p->refcnt == 1 && (size_t)len * 2 >= p->cap;
}

/* Frees the first held segment, which the application has read whole or thrown away. */
static void held_drop_first(struct tcp_pcb *pcb)
{
	struct pkb *p = TAILQ_FIRST(&pcb->rcv_held);

	TAILQ_REMOVE(&pcb->rcv_held, p, link);
	tcp_mem_held(-(long)p->cap);
	pkb_free(p);
}

int tcp_reass_deliver(struct tcp_pcb *pcb, struct pkb *p, const uint8_t *data, uint32_t len)
{
	size_t room = tcp_rcv_space(pcb), n = len < room ? len : room;
	int held = rcv_may_hold(p, (uint32_t)n);

	if (held) {
		pkb_pull(p, (size_t)(data - p->data));
		pkb_trim(p, n);
		held_cb(p)->ring_before = pcb->rcv_ring_tail;
		pcb->rcv_ring_tail = 0;
		TAILQ_INSERT_TAIL(&pcb->rcv_held, p, link);
		pcb->rcv_held_len += n;
		tcp_mem_held((long)p->cap);
		STAT_INC(tcp, rcv_held_segs);
	} else {
		n = tcp_ring_write(&pcb->rcv_buf, data, n);
		pcb->rcv_ring_tail += n;
		if (!pcb->on_memlist && pcb->rcv_buf.buf)
			tcp_mem_track(pcb); /* the sweep gives the storage back once unused */
	}
	/* cannot happen while the window we advertise fits the buffer; counted in case */
	if (n < len) {
		STAT_INC(tcp, rcv_ring_full);
		debugf("ring full: %u of %u bytes dropped", len - (uint32_t)n, len);
	}
	pcb->rcv_nxt += (uint32_t)n;
	STAT_ADD(tcp, rcv_in_order_bytes, n);
	return held;
}

/* Takes up to n bytes from the front of the ring into d (NULL: drops them). */
static size_t ring_take(struct tcp_pcb *pcb, uint8_t *d, size_t n)
{
	if (n > pcb->rcv_buf.len)
		n = pcb->rcv_buf.len;
	if (d)
		tcp_ring_peek(&pcb->rcv_buf, 0, d, n);
	tcp_ring_drop(&pcb->rcv_buf, n);
	return n;
}

size_t tcp_rcv_take(struct tcp_pcb *pcb, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t got = 0, k;
	struct pkb *p;

	while (got < n && (p = TAILQ_FIRST(&pcb->rcv_held)) != NULL) {
		struct tcp_held_cb *cb = held_cb(p);

		if (cb->ring_before) {
			k = cb->ring_before < n - got ? cb->ring_before : n - got;
			k = ring_take(pcb, d ? d + got : NULL, k);
			if (!k) { /* cannot happen: the ring holds what the segments count */
				debugf("receive queue: ring shorter than %zu bytes", cb->ring_before);
				break;
			}
			cb->ring_before -= k;
			got += k;
			continue;
		}
		k = p->len < n - got ? p->len : n - got;
		if (d)
			memcpy(d + got, p->data, k);
		got += k;
		pcb->rcv_held_len -= k;
		if (k < p->len)
			pkb_pull(p, k);
		else
			held_drop_first(pcb);
	}
	k = ring_take(pcb, d ? d + got : NULL, n - got);
	pcb->rcv_ring_tail -= k; /* none held: the ring's bytes are all the tail */
	return got + k;
}

void tcp_rcv_cursor_init(const struct tcp_pcb *pcb, struct tcp_rcv_cursor *c)
{
	c->p = TAILQ_FIRST(&pcb->rcv_held);
	c->in_seg = 0;
	c->off = 0;
	c->rpos = 0;
}

/* The stream is walked as a row of pieces: the ring run before each held segment, the
 * segment, ..., the ring's tail. The cursor names a piece and an offset inside it, so
 * copies that follow each other (one per iovec piece) cost no walk from the front. */
size_t tcp_rcv_cursor_copy(const struct tcp_pcb *pcb, struct tcp_rcv_cursor *c, void *dst,
			   size_t n)
{
	uint8_t *d = dst;
	size_t done = 0;

	while (done < n) {
		size_t len, k;

		if (c->in_seg)
			len = c->p->len;
		else if (c->p)
			len = held_ccb(c->p)->ring_before;
		else
			len = pcb->rcv_buf.len > c->rpos ? pcb->rcv_buf.len - c->rpos : 0;
		if (c->off >= len) { /* this piece is passed: on to the next */
			if (!c->p && !c->in_seg)
				break; /* the end of the data */
			if (c->in_seg) {
				c->p = TAILQ_NEXT(c->p, link);
				c->in_seg = 0;
			} else {
				c->rpos += len;
				c->in_seg = 1;
			}
			c->off = 0;
			continue;
		}
		k = len - c->off < n - done ? len - c->off : n - done;
		if (d) {
			if (c->in_seg)
				memcpy(d + done, c->p->data + c->off, k);
			else
				tcp_ring_peek(&pcb->rcv_buf, c->rpos + c->off, d + done, k);
		}
		c->off += k;
		done += k;
	}
	return done;
}

void tcp_rcv_held_purge(struct tcp_pcb *pcb)
{
	while (!TAILQ_EMPTY(&pcb->rcv_held))
		held_drop_first(pcb);
	pcb->rcv_held_len = 0;
	pcb->rcv_ring_tail = pcb->rcv_buf.len;
}

/* RFC 2018 4: the first block holds the segment that triggered the ACK (the contiguous
 * queued range around seq, which the new segment may have joined to its neighbours), the
 * others repeat the most recently reported blocks, without the ones it now covers. */
static void tcp_sack_rcv_note(struct tcp_pcb *pcb, uint32_t seq)
{
	struct tcp_sack_block b = { 0, 0 }, prev[TCP_SACK_MAX];
	unsigned i, j, old;
	struct pkb *q;

	/* runs of queued segments that touch end to end are one block */
	TAILQ_FOREACH(q, &pcb->ooo, link) {
		uint32_t qs = ooo_cb(q)->seq, qe = qs + (uint32_t)q->len;
		if (b.left != b.right && qs == b.right) {
			b.right = qe;
			continue;
		}
		if (SEQ_GEQ(seq, b.left) && SEQ_LT(seq, b.right))
			break;
		b.left = qs;
		b.right = qe;
	}
	/* seq not queued (the queue was full): nothing new to tell */
	if (!(SEQ_GEQ(seq, b.left) && SEQ_LT(seq, b.right)))
		return;
	old = pcb->rcv_nsacks;
	memcpy(prev, pcb->rcv_sacks, sizeof(prev));
	pcb->rcv_sacks[0] = b;
	for (i = 0, j = 1; i < old && j < TCP_SACK_MAX; i++) {
		if (SEQ_LEQ(b.left, prev[i].left) && SEQ_LEQ(prev[i].right, b.right))
			continue; /* merged into the new block */
		pcb->rcv_sacks[j++] = prev[i];
	}
	pcb->rcv_nsacks = j;
}

/* Inserts a segment's data [seq, seq + len) starting at data inside p, trimming it against
 * its neighbours so queued ranges never overlap. A FIN without data (len 0) is marked on
 * the queued segment that ends where it stands, else queued as an empty entry. Takes p. */
void tcp_reass_insert(struct tcp_pcb *pcb, struct pkb *p, const uint8_t *data, uint32_t seq,
		      uint32_t len, int fin)
{
	/* a bare FIN names the block of the data it follows, if queued (RFC 2018 4) */
	uint32_t first = len ? seq : seq - 1, end;
	struct pkb *q, *next, *prev;

	pkb_pull(p, (size_t)(data - p->data));
	pkb_trim(p, len);
	end = seq + (uint32_t)p->len;
	TAILQ_FOREACH(q, &pcb->ooo, link)
		if (SEQ_GT(ooo_cb(q)->seq, seq))
			break;
	/* the predecessor may cover our front */
	prev = q ? TAILQ_PREV(q, pkb_queue, link) : TAILQ_LAST(&pcb->ooo, pkb_queue);
	if (prev) {
		uint32_t pend = ooo_cb(prev)->seq + (uint32_t)prev->len;
		if (!len && pend == seq) {
			ooo_cb(prev)->fin = 1;
			STAT_INC(tcp, rcv_ooo_segs);
			goto drop;
		}
		if (!len && SEQ_GT(pend, seq)) {
			/* the peer already sent data past this FIN: one of the two is bogus */
			STAT_INC(tcp, rcv_fin_inside_data);
			debugf("FIN at seq=%u inside queued data (to %u) dropped", seq, pend);
			goto drop;
		}
		if (SEQ_GEQ(pend, end) && !fin) {
			STAT_INC(tcp, rcv_dup_data);
			goto drop;
		}
		if (SEQ_GT(pend, seq)) {
			pkb_pull(p, pend - seq);
			seq = pend;
		}
	}
	/* and we may cover successors, wholly or in part */
	for (; q; q = next) {
		uint32_t qs = ooo_cb(q)->seq, qe = qs + (uint32_t)q->len;
		next = TAILQ_NEXT(q, link);
		if (SEQ_GEQ(qs, end))
			break;
		if (SEQ_LEQ(qe, end)) {
			TAILQ_REMOVE(&pcb->ooo, q, link);
			pcb->ooo_count--;
			pkb_free(q);
			continue;
		}
		pkb_trim(p, qs - seq); /* keep our front, the successor keeps the rest */
		fin = 0;
		break;
	}
	if (pcb->ooo_count >= tcp_config.ooo_max_segs) {
		STAT_INC(tcp, rcv_ooo_dropped);
		debugf("out-of-order queue full (%u), seq=%u dropped", pcb->ooo_count, seq);
		goto drop;
	}
	ooo_cb(p)->seq = seq;
	ooo_cb(p)->fin = (uint8_t)!!fin;
	if (q)
		TAILQ_INSERT_BEFORE(q, p, link);
	else
		TAILQ_INSERT_TAIL(&pcb->ooo, p, link);
	pcb->ooo_count++;
	STAT_INC(tcp, rcv_ooo_segs);
	tcp_sack_rcv_note(pcb, first);
	return;
drop:
	pkb_free(p);
	/* a duplicate of queued data still names its block first (RFC 2018 4) */
	tcp_sack_rcv_note(pcb, first);
}

/* Delivers queued segments that now follow rcv_nxt (held, or copied into the ring).
 * Returns 1 if a queued FIN was reached (the caller processes it). */
int tcp_reass_drain(struct tcp_pcb *pcb)
{
	struct pkb *q;

	while ((q = TAILQ_FIRST(&pcb->ooo)) != NULL && SEQ_LEQ(ooo_cb(q)->seq, pcb->rcv_nxt)) {
		uint32_t skip = pcb->rcv_nxt - ooo_cb(q)->seq;
		int fin = ooo_cb(q)->fin;

		TAILQ_REMOVE(&pcb->ooo, q, link);
		pcb->ooo_count--;
		if (skip < q->len) {
			if (tcp_reass_deliver(pcb, q, q->data + skip, (uint32_t)(q->len - skip)))
				q = NULL; /* held */
		} else {
			fin = fin && skip == q->len;
		}
		pkb_free(q);
		if (fin)
			return 1;
	}
	return 0;
}

/* The SACK blocks for an ACK (RFC 2018 3-4): what is queued above rcv_nxt, most recent
 * first, as many as fit beside the other options (4, or 3 next to the 12 bytes of
 * timestamps) and in `room` more bytes of segment. Blocks the cumulative ACK now covers
 * are forgotten here. */
void tcp_sack_rcv_fill(struct tcp_pcb *pcb, struct tcp_opts *o, size_t room)
{
	unsigned i, j, max = o->has_ts ? 3 : TCP_SACK_MAX;

	if (room < 4 + 8)
		max = 0;
	else if ((room - 4) / 8 < max)
		max = (unsigned)((room - 4) / 8);

	o->nsack = 0;
	if (!(pcb->flags & TF_SACK_OK))
		return;
	if (TAILQ_EMPTY(&pcb->ooo))
		pcb->rcv_nsacks = 0;
	for (i = j = 0; i < pcb->rcv_nsacks; i++) {
		struct tcp_sack_block b = pcb->rcv_sacks[i];
		if (SEQ_LEQ(b.right, pcb->rcv_nxt))
			continue;
		if (SEQ_LT(b.left, pcb->rcv_nxt))
			b.left = pcb->rcv_nxt;
		pcb->rcv_sacks[j++] = b;
	}
	pcb->rcv_nsacks = j;
	for (i = 0; i < j && i < max; i++)
		o->sack[i] = pcb->rcv_sacks[i];
	o->nsack = (uint8_t)i;
}
