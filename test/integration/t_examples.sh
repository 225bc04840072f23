#!/bin/bash
# SPDX-License-Identifier: MIT
# The programs in examples/, each built as a user would build it: `make install` into a
# temporary DESTDIR, then `cc prog.c $(pkg-config --cflags --libs ustack)` against the
# installed header and shared library, nothing else. Each runs on its own TAP in its own
# namespace, against the kernel's tools:
#   tcp_echo       nc sends a line, python sends 1 MB: both come back byte-exact
#   udp_responder  python sends two datagrams and gets "re: " + each back
#   http_get       fetches 1 MB from python's http.server byte-exact; a 404 exits 1
#   stdin_loop     one thread drives the stack: the kernel's greeting reaches stdout, stdin
#                  reaches the kernel, which answers it upper-cased and closes
# Each program ends by itself with status 0 (after its drain and destroy).
# ust: lock make (make in the source tree: run.sh never runs two such tests at once)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin examples "$1"
need_cmd make cc pkg-config readelf
ROOT=$(cd "$TESTDIR/../.." && pwd)
BUILD=$(dirname "$UST")
BUILD=${BUILD#"$ROOT"/}
DEST=$T_TMP/dest
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 300 make -s -C "$ROOT" BUILD="$BUILD" \
	install DESTDIR="$DEST" >"$T_TMP/make.log" 2>&1 ||
	fail "make install: $(tail -n 20 "$T_TMP/make.log")"
P=$DEST/usr/local
export PKG_CONFIG_PATH=$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST LD_LIBRARY_PATH=$P/lib
flags=$(pkg-config --cflags --libs ustack) || fail "pkg-config --cflags --libs ustack failed"
# a sanitizer build of the library (make san) needs its programs built the same way
SAN=
readelf -d "$ROOT/$BUILD/libustack.so" 2>/dev/null | grep -q 'libasan' &&
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
EX=$T_TMP/examples
mkdir -p "$EX"
for p in tcp_echo udp_responder http_get stdin_loop; do
	# shellcheck disable=SC2086
	timeout 60 cc $SAN -Wall -Wextra -Werror -o "$EX/$p" "$ROOT/examples/$p.c" $flags \
		>"$T_TMP/cc.log" 2>&1 || fail "building examples/$p.c with pkg-config alone: $(head -20 "$T_TMP/cc.log")"
done
echo "built examples/*.c with: cc ${SAN:+$SAN }-Wall -Wextra -Werror $flags"
need_cmd nc

# ex_start PROG ARGS...: an example in the background as lib.sh starts ustack ($UST_ERR...).
ex_start()
{
	local prog=$1
	shift
	UST=$EX/$prog ust_start "$NS" "$@"
}

# ex_done PROG SECS: the example ended by itself within SECS, with status 0 and no
# sanitizer report.
ex_done()
{
	ust_wait_exit "$2" || fail "$1 still running after $2 s"
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$UST_ERR" &&
		fail "sanitizer report from $1"
	[ "$UST_STATUS" -eq 0 ] || fail "$1 exited with status $UST_STATUS: $(tail -n 3 "$UST_ERR")"
}

# --- tcp_echo: two clients, then it exits
ns_new NS
ex_start tcp_echo "$(dev_spec)" 7 2
got=$(printf 'hello echo\n' | in_ns "$NS" timeout 10 nc -N "$US_ADDR" 7) ||
	fail "nc to tcp_echo failed"
[ "$got" = "hello echo" ] || fail "tcp_echo sent back '$got'"
rand_file "$T_TMP/big" $((1024 * 1024))
in_ns "$NS" "$PY" - "$US_ADDR" "$T_TMP/big" "$T_TMP/big.back" <<'EOF' || fail "python's 1 MB did not come back from tcp_echo"
import socket, sys, threading
data = open(sys.argv[2], "rb").read()
s = socket.create_connection((sys.argv[1], 7), timeout=20)
def send():
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=send)
t.start()
back = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    back += b
t.join()
open(sys.argv[3], "wb").write(back)
sys.exit(0 if back == data else 1)
EOF
ex_done tcp_echo 15
grep -q "sent 1048576 bytes" "$UST_ERR" || fail "tcp_echo did not report the 1 MB client"
echo "tcp_echo: a line and 1 MB echoed"

# --- udp_responder: two datagrams answered
ns_new NS
ex_start udp_responder "$(dev_spec)" 7000 2
in_ns "$NS" "$PY" - "$US_ADDR" <<'EOF' || fail "udp_responder did not answer"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for msg in (b"one", b"two"):
    s.sendto(msg, (sys.argv[1], 7000))
    r, _ = s.recvfrom(2048)
    if r != b"re: " + msg:
        sys.exit("got %r for %r" % (r, msg))
EOF
ex_done udp_responder 10
echo "udp_responder: two datagrams answered"

# --- http_get: against python's http.server on the kernel side
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/big.bin" $((1024 * 1024))
bg_ns "$NS" "$T_TMP/httpd.log" "$PY" -m http.server -b 0.0.0.0 -d "$T_TMP/www" 8000
wait_for 10 in_ns "$NS" "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 8000), 1)' ||
	fail "python http.server did not start: $(tail -n 3 "$T_TMP/httpd.log")"
in_ns "$NS" "$EX/http_get" "$(dev_spec)" "$K_ADDR:8000/big.bin" >"$T_TMP/got.bin" \
	2>"$T_TMP/get.err" || fail "http_get failed: $(tail -n 3 "$T_TMP/get.err")"
[ "$(sha "$T_TMP/got.bin")" = "$(sha "$T_TMP/www/big.bin")" ] ||
	fail "http_get's copy differs ($(stat -c %s "$T_TMP/got.bin") bytes)"
grep -q "HTTP/1.0 200" "$T_TMP/get.err" || fail "http_get printed no status line"
in_ns "$NS" "$EX/http_get" "$(dev_spec)" "$K_ADDR:8000/missing" >/dev/null 2>"$T_TMP/get.err"
rc=$?
[ "$rc" -eq 1 ] && grep -q " 404" "$T_TMP/get.err" ||
	fail "http_get on a missing page exited $rc: $(tail -n 3 "$T_TMP/get.err")"
echo "http_get: 1 MB byte-exact, 404 exits 1"

# --- stdin_loop: the kernel greets, upper-cases what it reads until our FIN, and closes
ns_new NS
cat >"$T_TMP/peer.py" <<'EOF'
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 9000))
l.listen(1)
l.settimeout(60)
c, _ = l.accept()
c.settimeout(20)
c.sendall(b"hello from the kernel\n")
got = b""
while True:
    b = c.recv(4096)
    if not b:
        break
    got += b
c.sendall(got.upper())
c.close()
EOF
bg_ns "$NS" "$T_TMP/peer.log" "$PY" "$T_TMP/peer.py"
wait_for 10 sh -c "ip netns exec $NS ss -ltnH | grep -q ':9000 '" ||
	fail "the python peer did not listen: $(tail -n 3 "$T_TMP/peer.log")"
printf 'line one\nline two\n' >"$T_TMP/stdin"
UST_STDIN=$T_TMP/stdin ex_start stdin_loop "$(dev_spec)" "$K_ADDR" 9000
ex_done stdin_loop 20
printf 'hello from the kernel\nLINE ONE\nLINE TWO\n' >"$T_TMP/want"
cmp -s "$UST_OUT" "$T_TMP/want" || fail "stdin_loop printed '$(head -c 200 "$UST_OUT")'"
echo "stdin_loop: greeting out, stdin in, the answer out"
pass
