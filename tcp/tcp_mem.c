/* SPDX-License-Identifier: MIT */
/* Memory that follows the load: the byte rings' storage, allocated when data comes,
 * doubling as it fills (up to the ring's limit) and given back by a sweep once unused;
 * TIME_WAIT without buffers; and receive-buffer auto-tuning (Dynamic Right-Sizing, as
 * Linux's tcp_rcv_space_adjust): the receive window grows to twice what the application
 * reads per round trip, up to the configured maximum; and send-buffer auto-tuning (as
 * Linux's tcp_sndbuf_expand): the send space grows with cwnd, up to wmem_max. Neither
 * grows while the buffers of all connections, ring storage and received segments held
 * whole, add up to mem_pressure (Linux's tcp_mem pressure).
 *
 * Nothing here runs per packet but the copy itself: a ring grows at most log2(cap /
 * TCP_RING_MIN) times while it fills, and storage goes back from a timer that runs every
 * buf_idle_ms, only while some connection or the ring cache holds storage. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "net/perstack.h"
#include "net/log.h"
#include "net/mem.h"
#include "tcp/tcp_var.h"

static void mem_list_init(void);
PERSTACK_STATIC_FN(struct tcp_pcb_list, mem_list, mem_list_init)
#define mem_list PERSTACK_REF(struct tcp_pcb_list, mem_list)

static void mem_list_init(void)
{
	TAILQ_INIT(&mem_list);
}
PERSTACK_STATIC(struct net_timer, mem_timer)
#define mem_timer PERSTACK_REF(struct net_timer, mem_timer)
PERSTACK_STATIC(int, mem_timer_ready)
#define mem_timer_ready PERSTACK_REF(int, mem_timer_ready)
PERSTACK_STATIC(size_t, ring_bytes)
#define ring_bytes PERSTACK_REF(size_t, ring_bytes)
PERSTACK_STATIC(size_t, nrings)
#define nrings PERSTACK_REF(size_t, nrings)
PERSTACK_STATIC(size_t, held_bytes) /* packet buffers held as received data (tcp_reass.c) */
#define held_bytes PERSTACK_REF(size_t, held_bytes)
PERSTACK_STATIC(int, gauges_frozen) /* during tcp_proto_shutdown, like the connection gauges */
#define gauges_frozen PERSTACK_REF(int, gauges_frozen)

/* Storage of TCP_RING_MIN bytes that rings gave back, kept for the next ring's first
 * write: a short connection (a request and its answer) would otherwise cost two mallocs
 * and two frees of 4 KiB, past glibc's per-thread cache into its bins, about 2% of the
 * time `serve http` spent on ab's connections (perf). At most TCP_RING_CACHE buffers
 * (256 KiB: with 32, ab -c 50 found one for 71% of new rings, with 64 for 97%). The
 * sweep frees them once a whole interval took none (it runs on after the last
 * connection holding storage lets go, until then). Not counted in the
 * ring gauges (they count storage rings hold). */
#define TCP_RING_CACHE 64
PERSTACK_STATIC(uint8_t *[TCP_RING_CACHE], ring_cache)
#define ring_cache PERSTACK_REF(uint8_t *[TCP_RING_CACHE], ring_cache)
PERSTACK_STATIC(unsigned, ring_ncached)
#define ring_ncached PERSTACK_REF(unsigned, ring_ncached)
PERSTACK_STATIC(int, ring_cache_taken) /* taken from since the last sweep */
#define ring_cache_taken PERSTACK_REF(int, ring_cache_taken)

static void ring_cache_drain(void)
{
	while (ring_ncached > 0) {
		free(ring_cache[--ring_ncached]);
		net_mem_freed(TCP_RING_MIN);
	}
}

static void ring_account(long delta_bytes, int delta_rings)
{
	ring_bytes += (size_t)delta_bytes;
	nrings += (size_t)delta_rings;
	if (!gauges_frozen) {
		tcp_stats.mem_ring_bytes = ring_bytes;
		tcp_stats.mem_rings = nrings;
	}
}

size_t tcp_mem_ring_bytes(void)
{
	return ring_bytes;
}

void tcp_mem_held(long bytes)
{
	held_bytes += (size_t)bytes;
	if (!gauges_frozen)
		tcp_stats.mem_held_bytes = held_bytes;
}

/* Linux's tcp_under_memory_pressure: what all connections' buffers hold, rings and held
 * segments, has reached mem_pressure; buffers and windows then stop growing. */
static int mem_under_pressure(void)
{
	return ring_bytes + held_bytes >= tcp_config.mem_pressure;
}

/* ---- rings ---- */

static void ring_release(struct tcp_ring *r)
{
	if (!r->buf)
		return;
	ring_account(-(long)r->size, -1);
	if (r->size == TCP_RING_MIN && ring_ncached < TCP_RING_CACHE) {
		ring_cache[ring_ncached++] = r->buf;
	} else {
		net_mem_freed(r->size);
		free(r->buf);
	}
	r->buf = NULL;
	r->size = 0;
	r->head = 0;
}

int tcp_ring_init(struct tcp_ring *r, size_t cap)
{
	if (r->len)
		return -EBUSY;
	ring_release(r);
	r->cap = r->max = cap;
	r->head = 0;
	return 0;
}

void tcp_ring_free(struct tcp_ring *r)
{
	ring_release(r);
	memset(r, 0, sizeof(*r));
}

/* Moves the contents into new storage of `size` bytes (>= len), unwrapped at 0. */
static int ring_resize(struct tcp_ring *r, size_t size)
{
	size_t old = r->size;
	int fresh = !r->buf;
	uint8_t *b;

	/* not wrapped: realloc keeps the bytes in place and may not even copy them */
	if (r->buf && r->head + r->len <= r->size && (r->head == 0 || size < r->size)) {
		if (r->head) {
			memmove(r->buf, r->buf + r->head, r->len);
			r->head = 0;
		}
		b = realloc(r->buf, size);
		if (!b)
			return -ENOMEM;
	} else {
		if (fresh && size == TCP_RING_MIN && ring_ncached > 0) {
			b = ring_cache[--ring_ncached];
			ring_cache_taken = 1;
			STAT_INC(tcp, mem_ring_reused);
		} else {
			b = malloc(size);
		}
		if (!b)
			return -ENOMEM;
		if (r->len)
			tcp_ring_peek(r, 0, b, r->len);
		free(r->buf);
		r->head = 0;
	}
	ring_account((long)size - (long)old, fresh);
	if (size < old)
		net_mem_freed(old - size);
	r->buf = b;
	r->size = size;
	return 0;
}

/* Storage for `need` bytes: the next power of two from TCP_RING_MIN up, at most cap. */
static int ring_reserve(struct tcp_ring *r, size_t need)
{
	size_t size = r->size ? r->size : TCP_RING_MIN;

	while (size < need)
		size *= 2;
	if (size > r->cap)
		size = r->cap;
	if (size <= r->size)
		return 0;
	if (ring_resize(r, size) < 0) {
		STAT_INC(tcp, mem_ring_nomem);
		return -ENOMEM;
	}
	STAT_INC(tcp, mem_ring_grows);
	return 0;
}

/* Where up to n more bytes go: n cut to the room under cap and to the storage that could
 * be had, which is made ready; *tail is the offset of the first, *first how many fit
 * before the storage's end (the rest goes at its start). */
static size_t ring_room(struct tcp_ring *r, size_t n, size_t *tail, size_t *first)
{
	if (n > r->cap - r->len)
		n = r->cap - r->len;
	if (n == 0)
		return 0;
	if (r->len + n > r->size && ring_reserve(r, r->len + n) < 0) {
		n = r->size - r->len; /* what the storage we have still takes */
		if (n == 0)
			return 0;
	}
	*tail = (r->head + r->len) % r->size;
	*first = r->size - *tail < n ? r->size - *tail : n;
	return n;
}

size_t tcp_ring_write(struct tcp_ring *r, const void *src, size_t n)
{
	size_t tail = 0, first = 0;

	n = ring_room(r, n, &tail, &first);
	if (n == 0)
		return 0;
	r->used = 1;
	memcpy(r->buf + tail, src, first);
	memcpy(r->buf, (const uint8_t *)src + first, n - first);
	r->len += n;
	return n;
}

ssize_t tcp_ring_fill(struct tcp_ring *r, int fd, off_t *off, size_t n, size_t *offered)
{
	struct iovec v[2];
	size_t tail = 0, first = 0;
	ssize_t got;

	n = ring_room(r, n, &tail, &first);
	*offered = n;
	if (n == 0)
		return -EAGAIN;
	v[0] = (struct iovec){ .iov_base = r->buf + tail, .iov_len = first };
	v[1] = (struct iovec){ .iov_base = r->buf, .iov_len = n - first };
	do
		got = off ? preadv(fd, v, n > first ? 2 : 1, *off) : readv(fd, v, n > first ? 2 : 1);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EAGAIN ? -EIO : -errno; /* the file's, not a full ring's */
	r->used = 1;
	r->len += (size_t)got;
	if (off)
		*off += got;
	return got;
}

void tcp_ring_peek(const struct tcp_ring *r, size_t off, void *dst, size_t n)
{
	size_t pos, first;

	if (n == 0)
		return;
	pos = (r->head + off) % r->size;
	first = r->size - pos < n ? r->size - pos : n;
	memcpy(dst, r->buf + pos, first);
	memcpy((uint8_t *)dst + first, r->buf, n - first);
}

void tcp_ring_drop(struct tcp_ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	if (n == 0)
		return;
	r->used = 1;
	r->len -= n;
	r->head = r->len ? (r->head + n) % r->size : 0;
}

size_t tcp_ring_read(struct tcp_ring *r, void *dst, size_t n)
{
	if (n > r->len)
		n = r->len;
	if (n) {
		tcp_ring_peek(r, 0, dst, n);
		tcp_ring_drop(r, n);
	}
	return n;
}

/* ---- the sweep ---- */

static void mem_timer_fn(struct net_timer *t, void *arg, uint64_t now)
{
	(void)t;
	(void)arg;
	tcp_mem_sweep(now);
}

void tcp_mem_track(struct tcp_pcb *pcb)
{
	if (pcb->on_memlist)
		return;
	TAILQ_INSERT_TAIL(&mem_list, pcb, memlink);
	pcb->on_memlist = 1;
	if (!mem_timer_ready) {
		net_timer_init(&mem_timer, mem_timer_fn, NULL);
		mem_timer_ready = 1;
	}
	if (!net_timer_pending(&mem_timer))
		net_timer_arm(&mem_timer, net_clock_ms() + tcp_config.buf_idle_ms);
}

/* Off the list; the sweep stops with the last one unless the cache holds storage: then
 * it runs on until an interval takes none and frees it (a server between two short
 * connections would otherwise free the cache and malloc again, and cancel and arm the
 * sweep, per connection). */
static void mem_unlist(struct tcp_pcb *pcb)
{
	if (!pcb->on_memlist)
		return;
	TAILQ_REMOVE(&mem_list, pcb, memlink);
	pcb->on_memlist = 0;
	if (TAILQ_EMPTY(&mem_list) && ring_ncached == 0)
		net_timer_cancel(&mem_timer);
}

void tcp_mem_untrack(struct tcp_pcb *pcb)
{
	ring_release(&pcb->snd_buf);
	ring_release(&pcb->rcv_buf);
	mem_unlist(pcb);
}

/* One ring: untouched for a whole sweep interval, it gives back what it does not hold. */
static void ring_sweep(struct tcp_ring *r)
{
	size_t fit = TCP_RING_MIN;

	if (!r->buf)
		return;
	if (r->used) {
		r->used = 0;
		return;
	}
	if (r->len == 0) {
		ring_release(r);
		STAT_INC(tcp, mem_ring_frees);
		return;
	}
	while (fit < r->len)
		fit *= 2;
	if (fit < r->size && ring_resize(r, fit) == 0)
		STAT_INC(tcp, mem_ring_shrinks);
}

void tcp_mem_sweep(uint64_t now)
{
	struct tcp_pcb *pcb, *next;

	for (pcb = TAILQ_FIRST(&mem_list); pcb; pcb = next) {
		next = TAILQ_NEXT(pcb, memlink);
		ring_sweep(&pcb->snd_buf);
		ring_sweep(&pcb->rcv_buf);
		/* nothing left to send: the sent-segment records (tcp_rack.c) go with the ring */
		if (!pcb->snd_buf.buf && pcb->sentq.v && !pcb->sentq.len)
			tcp_sent_free(pcb);
		if (!pcb->snd_buf.buf && !pcb->rcv_buf.buf)
			mem_unlist(pcb);
	}
	if (!ring_cache_taken)
		ring_cache_drain();
	ring_cache_taken = 0;
	if (!TAILQ_EMPTY(&mem_list) || ring_ncached > 0)
		net_timer_arm(&mem_timer, now + tcp_config.buf_idle_ms);
}

void tcp_mem_time_wait(struct tcp_pcb *pcb)
{
	size_t before = pcb->snd_buf.size + pcb->rcv_buf.size;

	/* all our data was acknowledged (our FIN was), and none can arrive after the FIN */
	pcb->snd_buf.len = 0;
	ring_release(&pcb->snd_buf);
	if (pcb->rcv_buf.len == 0)
		ring_release(&pcb->rcv_buf);
	pkb_queue_purge(&pcb->ooo);
	pcb->ooo_count = 0;
	pcb->rcv_nsacks = 0;
	if (!pcb->rcv_buf.buf)
		mem_unlist(pcb);
	if (before)
		STAT_INC(tcp, mem_tw_released);
}

void tcp_mem_cache_drop(void)
{
	ring_cache_drain();
	if (TAILQ_EMPTY(&mem_list) && mem_timer_ready)
		net_timer_cancel(&mem_timer);
}

void tcp_mem_shutdown(int begin)
{
	struct tcp_pcb *pcb;

	gauges_frozen = begin;
	if (begin)
		return;
	while ((pcb = TAILQ_FIRST(&mem_list)) != NULL)
		tcp_mem_untrack(pcb);
	ring_cache_drain();
	if (mem_timer_ready)
		net_timer_cancel(&mem_timer);
}

/* ---- receive-buffer auto-tuning ---- */

/* Bytes the application has taken from the receive ring so far (as a sequence number;
 * a FIN takes one number but no byte). */
static uint32_t rcv_copied_seq(const struct tcp_pcb *pcb)
{
	return pcb->rcv_nxt - (uint32_t)tcp_rcv_queued(pcb) - !!(pcb->flags & TF_RCVD_FIN);
}

void tcp_rcv_space_init(struct tcp_pcb *pcb, uint64_t now)
{
	size_t init = tcp_config.rcvbuf_autotune ? tcp_config.rcvbuf_init : pcb->rcv_buf.max;

	if (init > pcb->rcv_buf.max)
		init = pcb->rcv_buf.max;
	if (init < tcp_rcv_queued(pcb))
		init = tcp_rcv_queued(pcb);
	pcb->rcv_buf.cap = init;
	/* Linux starts the measurement at ten segments (TCP_INIT_CWND * advmss) */
	pcb->rcvq_space = 10u * pcb->rcv_mss < init ? 10u * pcb->rcv_mss : (uint32_t)init;
	pcb->rcvq_seq = rcv_copied_seq(pcb);
	pcb->rcvq_time = now;
}

void tcp_rcv_space_adjust(struct tcp_pcb *pcb, uint64_t now)
{
	uint32_t rtt = pcb->srtt ? (uint32_t)(pcb->srtt >> 3) : tcp_config.rto_min_ms;
	uint32_t copied;
	size_t want;

	if (!tcp_config.rcvbuf_autotune || pcb->rcv_buf.cap >= pcb->rcv_buf.max)
		return;
	if (rtt == 0)
		rtt = 1;
	if (now - pcb->rcvq_time < rtt)
		return;
	copied = rcv_copied_seq(pcb) - pcb->rcvq_seq;
	if (copied > pcb->rcvq_space) {
		/* twice a round trip's worth, so the sender is not held back by the window
		 * while the application keeps up, with room for 16 more segments (as Linux) */
		want = 2 * (size_t)copied + 16u * pcb->rcv_mss;
		if (want > pcb->rcv_buf.max)
			want = pcb->rcv_buf.max;
		if (want > pcb->rcv_buf.cap && mem_under_pressure()) {
			/* as Linux's tcp_grow_window: no larger window under pressure (the
			 * round is not taken as the new mark, so a later one may grow it) */
			STAT_INC(tcp, rcvbuf_pressure);
		} else {
			pcb->rcvq_space = copied;
			if (want > pcb->rcv_buf.cap) {
				debugf("%u->%u rcvbuf %zu -> %zu (read %u in %u ms)",
				       pcb->local_port, pcb->remote_port, pcb->rcv_buf.cap, want,
				       copied, (unsigned)(now - pcb->rcvq_time));
				pcb->rcv_buf.cap = want;
				STAT_INC(tcp, mem_rcvbuf_grows);
			}
		}
	}
	pcb->rcvq_seq = rcv_copied_seq(pcb);
	pcb->rcvq_time = now;
}

/* ---- send-buffer auto-tuning ---- */

/* Linux's target counts segments: max(cwnd, its initial window of 10) ... */
#define TCP_SNDBUF_MIN_SEGS 10
/* ... each charged the memory it takes there (the MSS plus header room and buffer
 * metadata, rounded up to a power of two: 4352 bytes for a 1448-byte MSS, three MSS),
 * against a limit its queue fills with data. The ring holds data alone, so a segment of
 * that target is three MSS of data here: what Linux lets an application queue. */
#define TCP_SNDBUF_SEG_MSS 3

void tcp_snd_space_expand(struct tcp_pcb *pcb)
{
	uint32_t segs, pipe, unsent;
	size_t want;

	/* as Linux's tcp_check_space: only when a write found no room (SOCK_NOSPACE) */
	if (!(pcb->flags & TF_SND_NOSPACE))
		return;
	pcb->flags &= ~TF_SND_NOSPACE;
	/* tcp_should_expand_sndbuf: not when the application set SO_SNDBUF ... */
	if (pcb->flags & TF_SNDBUF_LOCK || pcb->snd_buf.cap >= pcb->snd_buf.max)
		return;
	/* ... nor when what is queued already fills cwnd (more would not send more): the
	 * data in flight and not yet sent, as Linux checks after it has sent */
	pipe = tcp_pipe(pcb);
	unsent = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len - pcb->snd_max;
	if (SEQ_LT(pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len, pcb->snd_max))
		unsent = 0; /* the FIN's sequence number is past the data */
	if ((uint64_t)pipe + unsent >= pcb->cwnd)
		return;
	/* ... nor under memory pressure */
	if (mem_under_pressure()) {
		STAT_INC(tcp, sndbuf_pressure);
		return;
	}
	segs = pcb->cwnd / pcb->mss;
	if (segs < TCP_SNDBUF_MIN_SEGS)
		segs = TCP_SNDBUF_MIN_SEGS;
	want = (size_t)(pcb->cc->sndbuf_cwnds ? pcb->cc->sndbuf_cwnds : 2) * segs *
	       TCP_SNDBUF_SEG_MSS * pcb->mss;
	if (want > pcb->snd_buf.max)
		want = pcb->snd_buf.max;
	if (want <= pcb->snd_buf.cap)
		return;
	debugf("%u->%u sndbuf %zu -> %zu (cwnd %u)", pcb->local_port, pcb->remote_port,
	       pcb->snd_buf.cap, want, pcb->cwnd);
	pcb->snd_buf.cap = want;
	STAT_INC(tcp, sndbuf_expanded);
}
