#!/bin/bash
# SPDX-License-Identifier: MIT
# What `serve http` serves and refuses, whichever way it opened the file (openat2 beneath
# the root, or realpath and a check when openat2 cannot decide): files, index.html,
# symbolic links that stay under the root (relative, absolute, out and back in) served;
# links that leave it (absolute, relative, a directory, through /proc's magic links) 404;
# ".." above the root 400; a FIFO 404 at once (the server does not wait for a writer); a
# file replaced, rewritten, or removed between requests and the root directory itself
# replaced under its name: seen at once without the open-file cache (cache=0), and within
# cache-check (200 ms here) with it, where repeated requests are answered from memory.
. "$(dirname "$0")/lib.sh"
t_begin http_paths "$1"
ns_new NS
W=$T_TMP/www
echo SECRET >"$T_TMP/secret"

# The tree, made afresh for each run (the runs replace files and the root).
make_tree()
{
	rm -rf "$W" "$T_TMP/www.old" "$T_TMP/outside"
	mkdir -p "$W/sub" "$T_TMP/outside"
	echo A >"$W/a.txt"
	echo ROOTINDEX >"$W/index.html"
	echo SUBINDEX >"$W/sub/index.html"
	echo SECRET2 >"$T_TMP/outside/s.txt"
	ln -s a.txt "$W/in-rel"
	ln -s "$W/a.txt" "$W/in-abs"
	ln -s ../www/a.txt "$W/in-up"
	ln -s sub "$W/in-dir"
	ln -s "$T_TMP/secret" "$W/out-abs"
	ln -s ../secret "$W/out-rel"
	ln -s sub/../../secret "$W/out-sub"
	ln -s "$T_TMP/outside" "$W/out-dir"
	ln -s ../outside "$W/out-dirrel"
	ln -s "/proc/self/root$T_TMP/secret" "$W/out-proc"
	ln -s /proc/self/cwd "$W/out-cwd"
	mkfifo "$W/fifo"
}

# get PATH WANT-CODE [WANT-BODY]: one curl (the path sent as written) and its answer.
get()
{
	local code body
	code=$(T_CMD_TIMEOUT=10 in_ns "$NS" curl --path-as-is -s --max-time 5 \
		-o "$T_TMP/body" -w '%{http_code}' "http://$US_ADDR$1")
	body=$(cat "$T_TMP/body" 2>/dev/null)
	[ "$code" = "$2" ] || fail "GET $1: status $code, want $2 (body: $(head -c 80 "$T_TMP/body"))"
	[ -z "${3:-}" ] || [ "$body" = "$3" ] ||
		fail "GET $1: body '$(head -c 80 "$T_TMP/body")', want '$3'"
	rm -f "$T_TMP/body"
}

# settle: after a change, the time the server may go on answering from its cache
settle() { [ "$CACHED" = 0 ] || sleep 0.3; }

for CACHED in 0 1; do
	make_tree
	if [ "$CACHED" = 1 ]; then
		ust_serve "$NS" --serve "http,root=$W,cache-check=200"
		echo "-- with the open-file cache (cache-check=200)"
	else
		ust_serve "$NS" --serve "http,root=$W,cache=0"
		echo "-- without the open-file cache (cache=0)"
	fi

	get /a.txt 200 A
	get / 200 ROOTINDEX
	get /sub/ 200 SUBINDEX
	get /sub 200 SUBINDEX
	get /in-rel 200 A
	get /in-abs 200 A
	get /in-up 200 A
	get /in-dir/ 200 SUBINDEX
	get /in-dir/index.html 200 SUBINDEX
	# five requests for one file on one connection (curl's URL glob; the query is ignored)
	body=$(T_CMD_TIMEOUT=10 in_ns "$NS" curl -s --max-time 5 "http://$US_ADDR/a.txt?[1-5]" |
		tr -d '\n')
	[ "$body" = AAAAA ] || fail "five GETs of /a.txt on one connection: '$body'"
	echo "served: files, index.html, links under the root (relative, absolute, out and back, a dir)"
	for p in /out-abs /out-rel /out-sub /out-dir/s.txt /out-dirrel/s.txt /out-proc \
		/out-cwd/secret /missing /sub/missing /a.txt/x; do
		get "$p" 404
	done
	echo "404: links leaving the root (absolute, relative, directories, /proc), missing files"
	for p in /../secret /%2e%2e/secret /sub/../../secret /sub/%2E%2E/%2e%2e/secret; do
		get "$p" 400
	done
	echo "400: .. above the root, plain and encoded"
	start=$(date +%s%N)
	get /fifo 404
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -lt 3000 ] || fail "the FIFO took $ms ms"
	get /a.txt 200 A
	echo "FIFO: 404 in $ms ms, the server still answers"

	echo B-LONGER >"$T_TMP/new"
	mv "$T_TMP/new" "$W/a.txt"
	settle
	get /a.txt 200 B-LONGER
	echo C >"$W/a.txt"
	settle
	get /a.txt 200 C
	get /in-rel 200 C
	rm "$W/a.txt"
	settle
	get /a.txt 404
	get /in-abs 404
	echo "file replaced, rewritten shorter, removed: each request sees it as it is"

	mkdir "$T_TMP/www2"
	echo NEWROOT >"$T_TMP/www2/a.txt"
	mv "$W" "$T_TMP/www.old"
	mv "$T_TMP/www2" "$W"
	settle
	get /a.txt 200 NEWROOT
	get /sub/ 404
	echo "root directory replaced under its name: the new one is served"

	ust_alive || fail "ustack exited"
	ust_stop
	if [ "$CACHED" = 1 ]; then
		# a.txt, index.html and the rest filled once, then answered from memory; the changes
		# above found by a check after the period
		expect_counter http.cache_hits -ge 4
		expect_counter http.cache_filled -ge 5
		expect_counter http.cache_stale -ge 2
	else
		expect_counter http.cache_hits -eq 0
		expect_counter http.cache_filled -eq 0
	fi
done
pass
