#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack plot` on hostile or truncated input: never a crash, one line of error. A --tcp-log
# CSV whose rows stop short of the header's columns (a log cut in its middle, or a header
# that names columns beyond the rows) has those rows skipped, never read past their last
# field; a capture cut in the middle of a record, and a file that is neither, are each one
# line of error and exit 1. No gnuplot is needed: every case fails before drawing.
. "$(dirname "$0")/lib.sh"
t_begin plot_input "$1"
HDR="time,local,peer,event,seq,len,snd_una,snd_nxt,cwnd,ssthresh,srtt_ms,rttvar_ms,rto_ms,inflight,snd_wnd,state"

# plot_err NAME FILE: exit 1, exactly one line on stderr, nothing on stdout, no picture
plot_err()
{
	local rc
	timeout 30 "$UST" plot "$2" -o "$T_TMP/$1.svg" >"$T_TMP/$1.out" 2>"$T_TMP/$1.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$1: plot exited $rc (want 1): $(head -c 300 "$T_TMP/$1.err")"
	[ "$(wc -l <"$T_TMP/$1.err")" -eq 1 ] ||
		fail "$1: plot's error is not one line: $(head -c 300 "$T_TMP/$1.err")"
	[ ! -s "$T_TMP/$1.out" ] || fail "$1: plot printed $(head -c 200 "$T_TMP/$1.out")"
	[ ! -e "$T_TMP/$1.svg" ] || fail "$1: plot drew a picture"
	echo "$1: $(cat "$T_TMP/$1.err")"
}

# rows of 14 fields under the 16-column header: snd_wnd (15th) and state are missing
{
	echo "$HDR"
	echo "0.1,1.1.1.1:1,2.2.2.2:2,ack,1,0,100,100,10,,1.0,0.5,200,0"
	echo "0.2,1.1.1.1:1,2.2.2.2:2,ack,1,0,200,200,10,,1.0,0.5,200,0"
} >"$T_TMP/short.csv"
plot_err short "$T_TMP/short.csv"
grep -q 'no events' "$T_TMP/short.err" || fail "short rows: $(cat "$T_TMP/short.err")"

# a log cut in the middle of its only row
{ echo "$HDR"; printf '0.1,1.1.1.1:1,2.2.2.2:2,se'; } >"$T_TMP/cut.csv"
plot_err cut "$T_TMP/cut.csv"

# a header only
echo "$HDR" >"$T_TMP/empty.csv"
plot_err empty "$T_TMP/empty.csv"

# a pcap file header and half a record: libpcap's reason, one line
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$T_TMP/cut.pcap"
printf '\x00\x00\x00\x00\x00\x00\x00\x00\x3c\x00\x00\x00\x3c\x00\x00\x00\x00\x01\x02' >>"$T_TMP/cut.pcap"
plot_err cutpcap "$T_TMP/cut.pcap"

# neither a log nor a capture
head -c 4096 /dev/urandom >"$T_TMP/noise.bin"
plot_err noise "$T_TMP/noise.bin"
pass
