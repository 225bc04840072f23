#!/bin/bash
# SPDX-License-Identifier: MIT
# ApacheBench: 5000 requests, 50 at a time, against ustack's `http`: every request
# completes, none fails, none gets a non-2xx status.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin tcp_ab "$1"
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/page.bin" 4096
ust_serve "$NS" --serve "http,root=$T_TMP/www"

out=$(T_CMD_TIMEOUT=90 in_ns "$NS" ab -q -n 5000 -c 50 -s 10 "http://$US_ADDR/page.bin" 2>&1)
rc=$?
echo "$out" | grep -E '^(Complete|Failed|Non-2xx|Requests per|Document Length|   \(Connect)' 
[ "$rc" -eq 0 ] || fail "ab exited $rc: $(echo "$out" | tail -n 5)"
complete=$(echo "$out" | sed -n 's/^Complete requests: *\([0-9]*\).*/\1/p')
failed=$(echo "$out" | sed -n 's/^Failed requests: *\([0-9]*\).*/\1/p')
non2xx=$(echo "$out" | sed -n 's/^Non-2xx responses: *\([0-9]*\).*/\1/p')
doclen=$(echo "$out" | sed -n 's/^Document Length: *\([0-9]*\) bytes.*/\1/p')
[ "$complete" = 5000 ] || fail "ab completed '$complete' requests, want 5000"
[ "$failed" = 0 ] || fail "ab: $failed failed requests, want 0"
[ -z "$non2xx" ] || [ "$non2xx" = 0 ] || fail "ab: $non2xx non-2xx responses, want 0"
[ "$doclen" = 4096 ] || fail "ab: document length '$doclen', want 4096"
ust_alive || fail "ustack exited during the run"
ust_stop
expect_counter tcp.conn_accepts -ge 5000
pass
