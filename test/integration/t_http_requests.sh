#!/bin/bash
# SPDX-License-Identifier: MIT
# How `serve http` reads request heads (raw requests from a Python socket): Host required
# in HTTP/1.1; Connection close / keep-alive in either version and case, the first of a
# repeated field counting; a body (Content-Length other than 0, Transfer-Encoding) 400;
# a field name with a space before its colon is no Host; other methods 405; HEAD the head
# alone with the file's length; three (and forty, past the first 1 KB of the request
# buffer) pipelined requests in one segment answered in order; a head above
# --http-max-header 431. Each case once answered from the open-file cache and once from
# the file (cache=0), which must not differ.
. "$(dirname "$0")/lib.sh"
t_begin http_requests "$1"
ns_new NS
mkdir "$T_TMP/www"
printf 'hello world\n' >"$T_TMP/www/a.txt"

cat >"$T_TMP/client.py" <<'EOF'
import re, socket, sys

addr = sys.argv[1]
fails = 0

def ask(raw, timeout=3):
    """Sends raw, reads until the server closes or goes quiet; the bytes received."""
    s = socket.create_connection((addr, 80), timeout=timeout)
    s.sendall(raw)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except socket.timeout:
        pass
    s.close()
    return out

def check(name, raw, statuses, closed=None, body=None, head_only=False):
    """statuses: the status codes expected in order; closed: whether the last response
    says Connection: close."""
    global fails
    out = ask(raw, timeout=1.0 if closed is False else 3)
    got = [int(c) for c in re.findall(rb"HTTP/1\.1 (\d{3}) ", out)]
    ok = got == statuses
    if ok and closed is not None:
        last = out.rsplit(b"HTTP/1.1 ", 1)[1]
        ok = (b"\r\nConnection: close\r\n" in last) == closed
    if ok and body is not None:
        ok = out.endswith(body)
    if ok and head_only:
        ok = out.endswith(b"\r\n\r\n") and b"Content-Length: 12\r\n" in out
    print(("ok   " if ok else "FAIL ") + name + (": got %s" % got if not ok else ""))
    if not ok:
        print("     answer: %r" % out[:400])
        fails += 1

G = b"GET /a.txt HTTP/1.1\r\nHost: x\r\n"
check("HTTP/1.1 keep-alive by default", G + b"\r\n", [200], closed=False, body=b"hello world\n")
check("Connection: close", G + b"Connection: close\r\n\r\n", [200], closed=True)
check("connection: CLOSE (field and token in any case)", G + b"connection: CLOSE\r\n\r\n",
      [200], closed=True)
check("Connection: foo, close (a token in a list)", G + b"Connection: foo, close\r\n\r\n",
      [200], closed=True)
check("the first Connection counts", G + b"Connection: keep-alive\r\nConnection: close\r\n\r\n",
      [200], closed=False)
check("HTTP/1.0 closes by default", b"GET /a.txt HTTP/1.0\r\n\r\n", [200], closed=True)
check("HTTP/1.0 keep-alive", b"GET /a.txt HTTP/1.0\r\nConnection:  Keep-Alive \r\n\r\n",
      [200], closed=False)
check("HTTP/1.1 without Host", b"GET /a.txt HTTP/1.1\r\n\r\n", [400], closed=True)
check("'Host :' is no Host", b"GET /a.txt HTTP/1.1\r\nHost : x\r\n\r\n", [400], closed=True)
check("Content-Length: 0", G + b"Content-Length: 0\r\nConnection: close\r\n\r\n", [200])
check("Content-Length: 5", G + b"Content-Length: 5\r\n\r\nabcde", [400], closed=True)
check("Transfer-Encoding", G + b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [400], closed=True)
check("POST 405", b"POST /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", [405])
check("HEAD", b"HEAD /a.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", [200],
      head_only=True)
check("three pipelined", G + b"\r\n" + b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n" +
      G + b"Connection: close\r\n\r\n", [200, 404, 200], closed=True, body=b"hello world\n")
check("forty pipelined (past the first 1 KB of buffer)",
      (G + b"X-Pad: " + b"p" * 40 + b"\r\n\r\n") * 39 + G + b"Connection: close\r\n\r\n",
      [200] * 40, closed=True, body=b"hello world\n")
check("bare LF line ends", b"GET /a.txt HTTP/1.1\nHost: x\nConnection: close\n\n", [200])
check("a head above --http-max-header", G + b"X-Long: " + b"a" * 3000 + b"\r\n\r\n", [431],
      closed=True)
sys.exit(1 if fails else 0)
EOF

for cache in 0 64; do
	ust_serve "$NS" --http-max-header 2048 --serve "http,root=$T_TMP/www,cache=$cache"
	echo "-- cache=$cache"
	T_CMD_TIMEOUT=60 in_ns "$NS" /usr/bin/python3 "$T_TMP/client.py" "$US_ADDR" ||
		fail "requests answered wrongly with cache=$cache"
	ust_alive || fail "ustack exited"
	ust_stop
	if [ "$cache" = 0 ]; then
		expect_counter http.cache_hits -eq 0
	else
		expect_counter http.cache_hits -ge 8
	fi
done
pass
