#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack get` as curl users know it, against a kernel web server in the namespace
# (http_redirect.py): -o and -O write the file byte-exact; -L follows a relative and an
# absolute redirect, and gives exit 47 on a loop after exactly --max-redirs follows; -I
# prints the head of a HEAD and no body, -i the head before the body; the curl exit codes
# for a 404 (22), a redirect to https (1), a refused connection (7), a stalled body (28), a
# host name (6), hostile heads (8: endless headers or interim responses, a negative
# Content-Length, a Location with a CR or too long); no progress output when stderr is
# not a terminal, and a progress bar on a pseudo-terminal (script(1)).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin get_cli "$1"
need_cmd script
ns_new NS
PORT=8080
URL=http://$K_ADDR:$PORT
SIZE=$((3 * 1024 * 1024))
mkdir -p "$T_TMP/www/dir" "$T_TMP/cwd"
rand_file "$T_TMP/www/file.bin" $SIZE
want=$(sha "$T_TMP/www/file.bin")
printf 'hello\n' >"$T_TMP/www/small.txt"
: >"$T_TMP/req.log"
bg_ns "$NS" "$T_TMP/httpd.log" "$PY" "$TESTDIR/http_redirect.py" "$T_TMP/www" $PORT "$T_TMP/req.log"
wait_for 10 in_ns "$NS" sh -c "ss -Hltn 'sport = :$PORT' | grep -q $PORT" ||
	fail "the web server is not listening: $(tail -n 3 "$T_TMP/httpd.log")"

# uget ARGS...: ustack get in the namespace, stdout in $T_TMP/out, stderr in $T_TMP/err,
# run from $T_TMP/cwd; its exit status in RC.
uget()
{
	(cd "$T_TMP/cwd" && timeout -k 2 40 ip netns exec "$NS" "$UST" get --dev "$(dev_spec)" \
		"$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null)
	RC=$?
}

# expect_rc CODE WHAT: the last uget exited CODE.
expect_rc()
{
	[ "$RC" -eq "$1" ] || fail "$2: exit $RC, want $1; stderr: $(head -c 400 "$T_TMP/err")"
}

requests() # requests 'GET /loop': how many the server logged
{
	grep -cx "$1" "$T_TMP/req.log"
}

# -o FILE: byte-exact, nothing on stdout, and stderr empty: no progress bar into a file
uget -o "$T_TMP/o.bin" "$URL/file.bin"
expect_rc 0 "get -o"
[ "$(sha "$T_TMP/o.bin")" = "$want" ] || fail "get -o: the file differs ($(stat -c %s "$T_TMP/o.bin") bytes)"
[ ! -s "$T_TMP/out" ] || fail "get -o wrote $(stat -c %s "$T_TMP/out") bytes to stdout"
[ ! -s "$T_TMP/err" ] || fail "get -o with stderr not a terminal printed: $(head -c 300 "$T_TMP/err")"
echo "-o: 3 MB byte-exact, stdout and stderr empty"

# -O: the name from the URL's last path part, in the current directory
uget -O "$URL/file.bin?v=1"
expect_rc 0 "get -O"
[ -f "$T_TMP/cwd/file.bin" ] || fail "get -O did not write file.bin: $(ls "$T_TMP/cwd")"
[ "$(sha "$T_TMP/cwd/file.bin")" = "$want" ] || fail "get -O: file.bin differs"
[ ! -s "$T_TMP/err" ] || fail "get -O printed on stderr: $(head -c 300 "$T_TMP/err")"
uget -O "$URL/dir/"
expect_rc 2 "get -O of a URL ending in /"
echo "-O: file.bin byte-exact; a URL with no file name is a usage error"

# to stdout, as before
uget "$URL/small.txt"
expect_rc 0 "get to stdout"
[ "$(cat "$T_TMP/out")" = hello ] || fail "get to stdout: got '$(head -c 100 "$T_TMP/out")'"

# -L through two redirects: /a -> b (relative) -> http://.../dir/../file.bin
: >"$T_TMP/req.log"
uget -L -o "$T_TMP/l.bin" "$URL/a"
expect_rc 0 "get -L"
[ "$(sha "$T_TMP/l.bin")" = "$want" ] || fail "get -L: the file differs"
[ "$(cat "$T_TMP/req.log" | tr '\n' ' ')" = "GET /a GET /b GET /file.bin " ] ||
	fail "get -L asked for: $(cat "$T_TMP/req.log" | tr '\n' ' ') (want /a /b /file.bin)"
# without -L: the redirect is not followed, its Location is named, exit 0 (as curl)
uget "$URL/a"
expect_rc 0 "get of a redirect without -L"
grep -q "Location: b.*-L" "$T_TMP/err" || fail "get without -L: stderr '$(cat "$T_TMP/err")'"
echo "-L: /a -> b -> /dir/../file.bin followed, byte-exact; without -L named and not followed"

# the bound: a loop gives up after --max-redirs follows with exit 47
: >"$T_TMP/req.log"
uget -L --max-redirs 3 "$URL/loop"
expect_rc 47 "get -L --max-redirs 3 of a loop"
[ "$(requests 'GET /loop')" -eq 4 ] || fail "the loop was asked $(requests 'GET /loop') times, want 4"
[ "$(wc -l <"$T_TMP/err")" -eq 1 ] || fail "a redirect loop printed: $(cat "$T_TMP/err")"
: >"$T_TMP/req.log"
uget -L "$URL/loop"
expect_rc 47 "get -L of a loop (default bound)"
[ "$(requests 'GET /loop')" -eq 11 ] ||
	fail "the loop was asked $(requests 'GET /loop') times with the default bound, want 11"
echo "-L on a loop: exit 47 after 3 (--max-redirs 3) and 10 (default) follows"

# -I: HEAD, the head on stdout and no body
: >"$T_TMP/req.log"
uget -I "$URL/file.bin"
expect_rc 0 "get -I"
head -n 1 "$T_TMP/out" | grep -q '^HTTP/1\.[01] 200' || fail "get -I: first line '$(head -n 1 "$T_TMP/out")'"
grep -qi "^Content-Length: $SIZE" "$T_TMP/out" || fail "get -I: no Content-Length: $(cat "$T_TMP/out")"
[ "$(stat -c %s "$T_TMP/out")" -lt 1000 ] || fail "get -I wrote $(stat -c %s "$T_TMP/out") bytes: a body?"
[ "$(cat "$T_TMP/req.log")" = "HEAD /file.bin" ] || fail "get -I sent: $(cat "$T_TMP/req.log")"
# -i: head, empty line, body
uget -i "$URL/small.txt"
expect_rc 0 "get -i"
head -n 1 "$T_TMP/out" | grep -q '^HTTP/1\.[01] 200' || fail "get -i: first line '$(head -n 1 "$T_TMP/out")'"
[ "$(tail -n 2 "$T_TMP/out" | tr -d '\r')" = "$(printf '\nhello')" ] ||
	fail "get -i: the head is not followed by an empty line and the body: $(cat -A "$T_TMP/out" | tail -n 3)"
# -i -L: each response's head, as curl -iL prints them
uget -i -L "$URL/a"
expect_rc 0 "get -i -L"
[ "$(grep -c '^HTTP/1' "$T_TMP/out")" -eq 3 ] || fail "get -i -L printed $(grep -c '^HTTP/1' "$T_TMP/out") heads, want 3"
echo "-I: HEAD's head only; -i: head, empty line, body; -iL: three heads"

# curl's exit codes
uget -o "$T_TMP/missing.out" "$URL/missing"
expect_rc 22 "get of a 404"
grep -q "404" "$T_TMP/err" || fail "get of a 404 said: $(cat "$T_TMP/err")"
[ ! -e "$T_TMP/missing.out" ] || fail "get -o of a 404 created the file"
uget -L "$URL/nowhere"
expect_rc 22 "get -L of a redirect to a 404"
uget -L "$URL/tls"
expect_rc 1 "get -L of a redirect to https"
uget "http://$K_ADDR:$((PORT + 1))/"
expect_rc 7 "get from a port nobody listens on"
grep -qi "refused" "$T_TMP/err" || fail "a refused get said: $(cat "$T_TMP/err")"
t0=$(date +%s)
uget --timeout 2 "$URL/stall"
expect_rc 28 "get of a stalled body with --timeout 2"
t1=$(date +%s)
[ $((t1 - t0)) -lt 10 ] || fail "the stalled get took $((t1 - t0)) s with --timeout 2"
uget "http://nosuchhost:$PORT/"
expect_rc 6 "get of a host name"
[ "$(wc -l <"$T_TMP/err")" -eq 1 ] || fail "get of a host name printed: $(cat "$T_TMP/err")"
uget -o "/nonexistent-dir/x" "$URL/small.txt"
expect_rc 23 "get -o into a missing directory"
echo "exit codes: 404 22, to https 1, refused 7, stall 28, host name 6, unwritable 23"

# hostile servers: a head past 64 KiB (header lines, or interim responses, without end)
# and a Content-Length that is no length are weird replies (8), said in one line; a
# Location with a CR in it is not followed (the CR would start a line of the request)
for p in bighead many100 badlen; do
	t0=$(date +%s)
	uget "$URL/$p"
	expect_rc 8 "get of /$p"
	[ "$(wc -l <"$T_TMP/err")" -eq 1 ] || fail "get of /$p printed: $(head -c 400 "$T_TMP/err")"
	[ ! -s "$T_TMP/out" ] || fail "get of /$p wrote $(stat -c %s "$T_TMP/out") bytes of body"
	echo "/$p: exit 8 in $(( $(date +%s) - t0 )) s: $(cat "$T_TMP/err")"
done
: >"$T_TMP/req.log"
uget -L "$URL/inject"
expect_rc 8 "get -L of a Location with a CR"
[ "$(cat "$T_TMP/req.log")" = "GET /inject" ] || fail "get -L /inject then asked: $(cat "$T_TMP/req.log")"
# -L on a Location longer than a URL may be: not followed, not taken for none
: >"$T_TMP/req.log"
uget -L "$URL/longloc"
expect_rc 8 "get -L of a 3000-byte Location"
[ "$(wc -l <"$T_TMP/err")" -eq 1 ] && grep -q "Location" "$T_TMP/err" ||
	fail "get -L /longloc said: $(head -c 300 "$T_TMP/err")"
[ "$(cat "$T_TMP/req.log")" = "GET /longloc" ] || fail "get -L /longloc then asked: $(head -c 300 "$T_TMP/req.log")"
# -L on a redirect without a Location: the body, exit 0, and a line that says so (not
# a hint to give the -L already given)
uget -L "$URL/noloc"
expect_rc 0 "get -L of a redirect without a Location"
[ "$(cat "$T_TMP/out")" = "moved, but not said where" ] || fail "get -L /noloc: body '$(cat "$T_TMP/out")'"
grep -q "no Location" "$T_TMP/err" && ! grep -q -- "-L follows" "$T_TMP/err" ||
	fail "get -L /noloc said: $(cat "$T_TMP/err")"

# the progress bar, on a pseudo-terminal: script(1) gives the command one for stdout and
# stderr; -o keeps the body out of it. A 20 ms delay makes the transfer last long enough
# to see the redraws bounded to about 10 a second.
t0=$(date +%s%N)
script -qec "timeout -k 2 40 ip netns exec $NS $UST get --dev $(dev_spec) --impair delay=20 -o $T_TMP/p.bin $URL/file.bin" \
	/dev/null >"$T_TMP/tty.out" 2>&1 </dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$rc" -eq 0 ] || fail "get on a terminal exited $rc: $(head -c 300 "$T_TMP/tty.out")"
[ "$(sha "$T_TMP/p.bin")" = "$want" ] || fail "get on a terminal: the file differs"
grep -aq '100% \[=*\] 3.0 MiB / 3.0 MiB .*/s' "$T_TMP/tty.out" ||
	fail "no finished progress bar on the terminal: $(tr '\r' '\n' <"$T_TMP/tty.out" | tail -n 3)"
draws=$(tr -cd '\r' <"$T_TMP/tty.out" | wc -c)
[ "$draws" -le $((ms / 100 + 2)) ] || fail "the progress bar was drawn $draws times in $ms ms"
echo "progress bar on a terminal: $draws draws in $ms ms; last: $(tr '\r' '\n' <"$T_TMP/tty.out" | grep -a '100%' | tail -n 1 | sed 's/\x1b\[K//')"
# -s silences it
script -qec "timeout -k 2 40 ip netns exec $NS $UST get --dev $(dev_spec) -s -o $T_TMP/p.bin $URL/file.bin" \
	/dev/null >"$T_TMP/tty.out" 2>&1 </dev/null
[ ! -s "$T_TMP/tty.out" ] || fail "get -s on a terminal printed: $(head -c 300 "$T_TMP/tty.out")"
pass
