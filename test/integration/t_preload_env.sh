#!/bin/bash
# SPDX-License-Identifier: MIT
# The preload library without the wrapper (docs/preload.md): LD_PRELOAD plus
# USTACK_PRELOAD holding `ustack run`'s options, and nothing else, start a stack for the
# program. curl downloads 4 MB byte-exact from a kernel server with --pcap (its GET in the
# capture); `sh -c 'curl ...; wget ...; exit 3'` is one tree on one stack (every process
# sees the same attach=NAME, the shell's status kept); two programs started back to back
# on the same device both run; a preloaded Python client killed with SIGKILL while it
# holds a connection (seen by `ustack ctl run-PID ss`) takes its stack with it; and a
# start that cannot work (an unknown option, a bad device option, a device in use, a quote
# not closed, no ustack program, a program word among the options) prints one line, exits
# non-zero and never runs the program. After each, no process of ours is left in the
# namespace.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_env "$1"
need_cmd curl wget
LIB=$(dirname "$UST")/libustack-preload.so
[ -f "$LIB" ] || fail "$LIB not built (make all)"
ns_new NS
mkdir "$T_TMP/www"
rand_file "$T_TMP/www/f.bin" $((4 * 1024 * 1024))
want=$(sha "$T_TMP/www/f.bin")
DEV=$(dev_spec)
T_CMD_TIMEOUT=60

# pre OPTIONS CMD...: CMD in the namespace with the library and USTACK_PRELOAD=OPTIONS only
pre()
{
	local opts=$1
	shift
	in_ns "$NS" env LD_PRELOAD="$LIB" USTACK_PRELOAD="$opts" "$@"
}

# sha_is FILE WHAT: FILE has the file's sha256
sha_is()
{
	[ -f "$1" ] || fail "$2: no output file"
	[ "$(sha "$1")" = "$want" ] || fail "$2: $(stat -c %s "$1") bytes, not the file's"
	rm -f "$1"
}

# live_in_ns: the processes of the namespace that have not ended (zombies not counted:
# their parent reaps them), but those in KEEP (the kernel server)
KEEP=
live_in_ns()
{
	local p s
	for p in $(ip netns pids "$NS" 2>/dev/null); do
		case " $KEEP " in *" $p "*) continue ;; esac
		s=$(awk '/^State:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$s" ] && [ "$s" != Z ] && echo "$p"
	done
}

# none_left WHAT: within 3 s no process of ours is left in the namespace, nor its TAP
none_left()
{
	local i left
	for i in $(seq 1 30); do
		left=$(live_in_ns)
		[ -z "$left" ] && ! ip -n "$NS" link show "$TAPIF" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$1: left behind: ${left:-the TAP $TAPIF} $(for p in $left; do tr '\0' ' ' <"/proc/$p/cmdline"; done)"
}

# --- curl alone, with a capture: the options reach the stack ---
bg_ns "$NS" "$T_TMP/kweb.log" "$PY" -m http.server -b 0.0.0.0 -d "$T_TMP/www" 8080
KWEB=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':8080 '" || fail "the kernel's http.server did not listen"
KEEP=$(ip netns pids "$NS" | tr '\n' ' ')
[ -n "$KEEP" ] || fail "cannot find the kernel server's pid"
pre "--dev $DEV --pcap '$T_TMP/c.pcap'" curl -sS --max-time 40 -o "$T_TMP/c.bin" \
	"http://$K_ADDR:8080/f.bin" 2>"$T_TMP/c.err" ||
	{ UST_ERR=$T_TMP/c.err; fail "curl with USTACK_PRELOAD failed (exit $?)"; }
sha_is "$T_TMP/c.bin" "curl from the kernel"
grep -q "^$US_ADDR " "$T_TMP/kweb.log" || fail "the kernel server saw no client at $US_ADDR"
none_left "curl"
[ "$(stat -c %s "$T_TMP/c.pcap")" -gt 10000 ] || fail "--pcap from USTACK_PRELOAD: no capture"
if command -v tshark >/dev/null; then
	n=$(timeout 60 tshark -r "$T_TMP/c.pcap" -Y 'http.request.uri == "/f.bin"' 2>/dev/null | wc -l)
	[ "$n" -ge 1 ] || fail "the capture does not show curl's GET"
fi
echo "curl with LD_PRELOAD + USTACK_PRELOAD only: 4 MB byte-exact, --pcap captured it, nothing left"

# --- a tree: every process on the one stack, the shell's status kept ---
pre "--dev $DEV" sh -c "echo \"sh \$USTACK_PRELOAD\"; curl -sS -o '$T_TMP/s1.bin' \
	http://$K_ADDR:8080/f.bin && wget -q -O '$T_TMP/s2.bin' http://$K_ADDR:8080/f.bin &&
	$PY -c 'import os; print(\"py\", os.environ[\"USTACK_PRELOAD\"])'; exit 3" \
	>"$T_TMP/tree.out" 2>"$T_TMP/tree.err"
rc=$?
UST_ERR=$T_TMP/tree.err
[ "$rc" -eq 3 ] || fail "sh -c 'curl; wget; exit 3' with USTACK_PRELOAD: exit $rc, want 3"
sha_is "$T_TMP/s1.bin" "curl in sh -c"
sha_is "$T_TMP/s2.bin" "wget in sh -c"
name=$(sed -n 's/^sh attach=//p' "$T_TMP/tree.out")
[ -n "$name" ] || fail "the shell's USTACK_PRELOAD is not attach=NAME: $(cat "$T_TMP/tree.out")"
grep -qx "py attach=$name" "$T_TMP/tree.out" || fail "python in the tree has another stack: $(cat "$T_TMP/tree.out")"
none_left "sh -c 'curl; wget'"
echo "sh -c 'curl; wget; python3; exit 3': one stack ($name) for the tree, byte-exact, exit 3, nothing left"
UST_ERR=

# --- back to back on one device: the second waits for the first's stack to let go ---
for i in 1 2 3; do
	pre "--dev $DEV" curl -sS --max-time 20 -o /dev/null "http://$K_ADDR:8080/f.bin" \
		2>"$T_TMP/b2b.err" || { UST_ERR=$T_TMP/b2b.err; fail "back-to-back run $i failed"; }
done
none_left "three runs back to back"
echo "three runs back to back on $TAPIF: all ran"

# --- the program killed while it holds a connection: its stack goes with it ---
cat >"$T_TMP/hold.py" <<'EOF'
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 8080), timeout=10)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d %s\n" % (os.getpid(), os.environ["USTACK_PRELOAD"]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(60)
EOF
BG_STDIN=/dev/null bg_ns "$NS" "$T_TMP/hold.log" env LD_PRELOAD="$LIB" \
	USTACK_PRELOAD="--dev $DEV" "$PY" "$T_TMP/hold.py" "$K_ADDR" "$T_TMP/hold.pid"
HOLD=$BG_PID
wait_for 10 test -s "$T_TMP/hold.pid" || fail "the preloaded python did not connect: $(cat "$T_TMP/hold.log")"
read -r pypid attach <"$T_TMP/hold.pid"
hname=${attach#attach=}
in_ns "$NS" "$UST" ctl "$hname" ss >"$T_TMP/ss.out" 2>&1 || fail "ustack ctl $hname ss: $(cat "$T_TMP/ss.out")"
grep -q "$K_ADDR:8080" "$T_TMP/ss.out" || fail "ctl $hname ss does not show the connection: $(cat "$T_TMP/ss.out")"
kill -KILL "$pypid"
stop_pid "$HOLD"
none_left "python killed with SIGKILL"
echo "python (pid $pypid) killed while connected: its stack $hname ended with it"

# --- starts that cannot work: one line, non-zero, the program never runs ---
# bad_start WHAT OPTIONS [VAR=VALUE]: touch must not run
bad_start()
{
	local what=$1 opts=$2 rc
	shift 2
	rm -f "$T_TMP/ran"
	in_ns "$NS" env LD_PRELOAD="$LIB" USTACK_PRELOAD="$opts" "$@" touch "$T_TMP/ran" \
		>"$T_TMP/bad.out" 2>"$T_TMP/bad.err"
	rc=$?
	[ "$rc" -ne 0 ] || fail "$what: exit 0"
	[ -e "$T_TMP/ran" ] && fail "$what: the program ran although its stack could not start"
	[ "$(wc -l <"$T_TMP/bad.err")" -eq 1 ] || fail "$what: want one line, got: $(cat "$T_TMP/bad.err")"
	[ -s "$T_TMP/bad.out" ] && fail "$what: printed on stdout: $(cat "$T_TMP/bad.out")"
	none_left "$what"
	echo "$what: exit $rc, not run: $(cat "$T_TMP/bad.err")"
}
bad_start "an unknown option" "--dev $DEV --no-such-option"
bad_start "a bad device option" "--dev tap:$TAPIF,addr=10.0.0.300/24"
bad_start "a quote not closed" "--dev '$DEV"
bad_start "a program among the options" "--dev $DEV curl"
bad_start "no ustack program" "--dev $DEV" USTACK_BIN=/nonexistent/ustack
# the device held by a running serve: waited for 2 s, then in use
ust_serve "$NS" --serve "http,root=$T_TMP/www"
rm -f "$T_TMP/ran"
start=$(date +%s%N)
in_ns "$NS" env LD_PRELOAD="$LIB" USTACK_PRELOAD="--dev $DEV" touch "$T_TMP/ran" 2>"$T_TMP/bad.err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -ne 0 ] || fail "a device in use: exit 0"
[ -e "$T_TMP/ran" ] && fail "a device in use: the program ran"
[ "$(wc -l <"$T_TMP/bad.err")" -eq 1 ] || fail "a device in use: want one line, got: $(cat "$T_TMP/bad.err")"
grep -q "in use" "$T_TMP/bad.err" || fail "a device in use: $(cat "$T_TMP/bad.err")"
echo "a device in use: exit $rc after $ms ms, not run: $(cat "$T_TMP/bad.err")"
ust_stop
stop_pid "$KWEB"
pass
