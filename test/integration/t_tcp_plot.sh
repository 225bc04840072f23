#!/bin/bash
# SPDX-License-Identifier: MIT
# The pictures: a 2 MB download from `http` (ustack sends, the kernel's curl receives) under
# `--impair loss=5` with `--tcp-log` and `--pcap`, then `ustack plot` of the log and of the
# capture, each to SVG and PNG. The log starts with its header and shows the loss recovery
# (retransmissions, and rto, rack-lost or fast-retransmit lines); each SVG parses as XML
# and carries the retransmission series' title; each PNG has the PNG signature and a
# non-trivial size. Without gnuplot on PATH, plot says in one line to install gnuplot-nox
# (and without gnuplot installed the test checks the log and says SKIP).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_plot "$1"
need_cmd curl
SIZE=$((2 * 1024 * 1024))
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $SIZE
LOG=$T_TMP/tcp.csv
CAP=$T_TMP/cap.pcap
ust_serve "$NS" --serve "http,root=$T_TMP/www" --impair loss=5,seed=12 \
	--tcp-log "$LOG" --pcap "$CAP"

start=$(date +%s)
T_CMD_TIMEOUT=70 in_ns "$NS" curl -sS --max-time 60 -o "$T_TMP/get.bin" "http://$US_ADDR/f.bin" \
	2>"$T_TMP/curl.err" || fail "curl failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/get.bin")" = "$(sha "$T_TMP/www/f.bin")" ] ||
	fail "download under loss=5 differs: $(stat -c %s "$T_TMP/get.bin") of $SIZE bytes"
echo "download 2 MB byte-exact under loss=5 ($(( $(date +%s) - start )) s)"
ust_alive || fail "ustack exited during the transfer"
ust_stop # the log is flushed and closed at exit
expect_counter impair.dropped -ge 10

# the log: the header, then the events of the connection
[ "$(head -n 1 "$LOG")" = "time,local,peer,event,seq,len,snd_una,snd_nxt,cwnd,ssthresh,srtt_ms,rttvar_ms,rto_ms,inflight,snd_wnd,state" ] ||
	fail "the log's first line is not the header: $(head -n 1 "$LOG")"
ev() { awk -F, -v e="$1" 'NR > 1 && $4 == e { n++ } END { print n + 0 }' "$LOG"; }
echo "log: $(wc -l <"$LOG") lines: send $(ev send), retransmit $(ev retransmit), ack $(ev ack)," \
	"dupack $(ev dupack), sack $(ev sack), rack-lost $(ev rack-lost), fast-retransmit" \
	"$(ev fast-retransmit), recovery-enter $(ev recovery-enter), recovery-exit" \
	"$(ev recovery-exit), rto $(ev rto), tlp $(ev tlp), undo $(ev undo)"
[ "$(ev send)" -ge 100 ] || fail "the log has $(ev send) send lines for 2 MB"
[ "$(ev ack)" -ge 50 ] || fail "the log has $(ev ack) ack lines"
[ "$(ev retransmit)" -ge 1 ] || fail "no retransmit line although ustack retransmitted"
[ $(( $(ev rto) + $(ev rack-lost) + $(ev fast-retransmit) )) -ge 1 ] ||
	fail "no rto, rack-lost or fast-retransmit line: the log does not show the loss recovery"
grep -q ',ESTABLISHED$' "$LOG" || fail "no line in state ESTABLISHED"
# every line has the header's 16 columns
bad=$(awk -F, 'NF != 16 { n++ } END { print n + 0 }' "$LOG")
[ "$bad" -eq 0 ] || fail "$bad lines of the log do not have 16 columns"

# no gnuplot: one line that says what to install, exit 1
out=$(PATH=/nonexistent "$UST" plot "$LOG" -o "$T_TMP/x.svg" 2>&1)
rc=$?
[ "$rc" -eq 1 ] || fail "plot without gnuplot exited $rc (want 1)"
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s' "$out" | grep -q 'gnuplot-nox' ||
	fail "plot without gnuplot said: $out"
# a bad output name is a usage error
"$UST" plot "$LOG" -o "$T_TMP/x.jpg" 2>/dev/null
[ $? -eq 2 ] || fail "plot -o x.jpg did not exit 2"
command -v gnuplot >/dev/null 2>&1 ||
	skip "gnuplot is not installed (make deps): the log was checked, not the pictures"

# svg_ok FILE: parses as XML and shows the retransmissions
svg_ok()
{
	$PY - "$1" <<'PY' || fail "$1 is not a valid SVG with the retransmissions in it"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag.endswith('svg'), root.tag
text = ''.join(root.itertext())
assert 'retransmitted' in text, 'no retransmission series'
PY
}

# png_ok FILE: the PNG signature and more than 10 KB
png_ok()
{
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
		fail "$1 does not start with the PNG signature"
	[ "$(stat -c %s "$1")" -gt 10000 ] || fail "$1 is only $(stat -c %s "$1") bytes"
}

for IN in "$LOG" "$CAP"; do
	for EXT in svg png; do
		OUT=$T_TMP/plot-$(basename "$IN").$EXT
		timeout 70 "$UST" plot "$IN" -o "$OUT" >"$T_TMP/plot.out" 2>&1 ||
			fail "ustack plot $(basename "$IN") -o .$EXT failed: $(head -c 400 "$T_TMP/plot.out")"
		cat "$T_TMP/plot.out"
		if [ "$EXT" = svg ]; then svg_ok "$OUT"; else png_ok "$OUT"; fi
	done
done

# the capture's graph finds the retransmissions on the wire too
grep -q '([1-9][0-9]* retransmitted)' "$T_TMP/plot.out" ||
	fail "plot of the capture found no retransmission: $(cat "$T_TMP/plot.out")"
pass
