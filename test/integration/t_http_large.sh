#!/bin/bash
# SPDX-License-Identifier: MIT
# A large file through a small send buffer (--sndbuf 8192): the download is byte-exact
# (sha256), and the file's bytes went from the file straight into the socket's send buffer
# (us_sendfile, counted in tcp.snd_file_bytes), never through the connection's output
# queue: serve.out_queued stays at a few response heads' worth where reads of 64 KB into
# an 8 KB buffer queued nearly the whole file. Then two downloads at once, a keep-alive
# request after a large response on one connection, and a file that shrinks while sent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin http_large "$1"
need_cmd curl
ns_new NS
mkdir "$T_TMP/www"
size=$((16 * 1024 * 1024))
rand_file "$T_TMP/www/big.bin" "$size"
echo small >"$T_TMP/www/small.txt"
want=$(sha "$T_TMP/www/big.bin")
ust_serve "$NS" --sndbuf 8192 --serve "http,root=$T_TMP/www"

T_CMD_TIMEOUT=60 in_ns "$NS" curl -sS --max-time 50 -o "$T_TMP/a.bin" \
	"http://$US_ADDR/big.bin" 2>"$T_TMP/curl.err" ||
	fail "curl failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
got=$(sha "$T_TMP/a.bin")
[ "$got" = "$want" ] ||
	fail "the copy differs: $(stat -c %s "$T_TMP/a.bin") bytes, sha256 $got, want $want"
echo "16 MB through an 8 KB send buffer: byte-exact"

# two at once, then a large response and a small one on one keep-alive connection
bg_ns "$NS" "$T_TMP/b.err" curl -sS --max-time 50 -o "$T_TMP/b.bin" "http://$US_ADDR/big.bin"
P1=$BG_PID
T_CMD_TIMEOUT=60 in_ns "$NS" curl -sS --max-time 50 -o "$T_TMP/c.bin" "http://$US_ADDR/big.bin" \
	-o "$T_TMP/d.txt" "http://$US_ADDR/small.txt" 2>"$T_TMP/curl.err" ||
	fail "curl (keep-alive) failed (exit $?): $(head -c 300 "$T_TMP/curl.err")"
wait "$P1" || fail "the concurrent curl failed (exit $?): $(head -c 300 "$T_TMP/b.err")"
[ "$(sha "$T_TMP/b.bin")" = "$want" ] || fail "the concurrent copy differs"
[ "$(sha "$T_TMP/c.bin")" = "$want" ] || fail "the keep-alive copy differs"
[ "$(cat "$T_TMP/d.txt")" = small ] || fail "the request after the large response got '$(head -c 100 "$T_TMP/d.txt")'"
echo "two at once and keep-alive after a large response: byte-exact"

# A file that shrinks while it is sent: the promised length cannot be kept, so the
# connection closes early (curl: exit 18, transfer closed with bytes remaining), with a
# warning, and the stack goes on serving.
# The server runs ahead of curl by the send buffer (8 KB) and curl's receive buffer: that
# one is held to 1 MB here, so however large the host's tcp_rmem, most of the 16 MB is
# still unsent when the file shrinks.
cp "$T_TMP/www/big.bin" "$T_TMP/www/shrink.bin"
in_ns "$NS" sysctl -qw net.ipv4.tcp_rmem="4096 131072 1048576" ||
	fail "could not set tcp_rmem in the test's namespace"
bg_ns "$NS" "$T_TMP/e.err" curl -sS --max-time 30 --limit-rate 2M -o "$T_TMP/e.bin" \
	"http://$US_ADDR/shrink.bin"
P2=$BG_PID
# the response has begun (its length promised) once curl holds some of the body
has_bytes() { [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
wait_for 20 has_bytes "$T_TMP/e.bin" $((256 * 1024)) ||
	fail "the download of the file to shrink did not start"
truncate -s $((1024 * 1024)) "$T_TMP/www/shrink.bin"
wait "$P2"
rc=$?
[ "$rc" = 18 ] || fail "curl of the shrinking file ended with exit $rc, not 18: $(head -c 300 "$T_TMP/e.err")"
grep -q "file read failed; closing" "$UST_ERR" || fail "no warning about the shrunk file"
e=$(stat -c %s "$T_TMP/e.bin")
[ "$e" -lt "$size" ] && cmp -s -n "$e" "$T_TMP/e.bin" "$T_TMP/www/big.bin" ||
	fail "the shrunk file's download is $e bytes, not a true prefix of the original"
T_CMD_TIMEOUT=20 in_ns "$NS" curl -sS --max-time 10 -o "$T_TMP/f.txt" "http://$US_ADDR/small.txt" ||
	fail "no answer after the shrunk file"
[ "$(cat "$T_TMP/f.txt")" = small ] || fail "the request after the shrunk file got '$(head -c 100 "$T_TMP/f.txt")'"
echo "a file that shrank while sent: connection closed early (curl exit 18), the next request served"

ust_alive || fail "ustack exited during the transfers"
ust_stop
expect_counter tcp.conn_accepts -ge 3
expect_counter tcp.snd_data_bytes -ge $((3 * size))
# heads (about 200 bytes each) may wait in the queue; file data must not
q=$(counter serve.out_queued)
[ "$q" -lt $((64 * 1024)) ] || fail "serve.out_queued is $q: file data went through the queue"
echo "serve.out_queued: $q bytes for 3 x 16 MB"
# all but the part that left with each response's head (at most 64 KB) came from the file
f=$(counter tcp.snd_file_bytes)
[ "$f" -ge $((3 * size - 3 * 65536)) ] || fail "tcp.snd_file_bytes is $f: the file went through a buffer"
echo "tcp.snd_file_bytes: $f of 3 x $size"
pass
