# Helpers for the bridge, two-instance and Vagrant-lab tests (sourced after lib.sh).
#
#   br_new NS BR                     a Linux bridge BR in NS, up, no STP, no forward delay
#   vm_new VAR BRNS BR ADDR/N        a namespace standing in for a VM: one veth end, eth0
#                                    with ADDR/N, in VAR; the other end is a port of BR
#   tn_open USER NS HOST [PORT]      a real telnet in NS to HOST:PORT (default 23), driven
#                                    through a fifo; output in $T_TMP/USER.out
#   tn_say USER LINE                 USER types LINE and presses Enter
#   tn_close USER                    USER's stdin reaches EOF: telnet quits
#   wait_text SECS FILE TEXT         TEXT shows up in FILE within SECS seconds
#   sha FILE                         its sha256 (hex only)
#
# Names: namespaces come from lib.sh (ust-<pid>-<n>); devices live inside them, so short
# fixed names (ustbr0, vb1, eth0) cannot clash with the host or another test.

BR_VETH_SEQ=0

# br_new NS BR
br_new()
{
	ip -n "$1" link add "$2" type bridge stp_state 0 forward_delay 0 ||
		fail "cannot create bridge $2 in $1"
	ip -n "$1" link set "$2" up || fail "cannot bring bridge $2 up in $1"
}

# vm_new VAR BRNS BR ADDR/N
vm_new()
{
	local var=$1 brns=$2 br=$3 addr=$4 vm port
	ns_new vm
	BR_VETH_SEQ=$((BR_VETH_SEQ + 1))
	port=vb$BR_VETH_SEQ
	ip -n "$brns" link add "$port" type veth peer name eth0 netns "$vm" ||
		fail "cannot create veth $port <-> $vm/eth0"
	ip -n "$brns" link set "$port" master "$br" || fail "cannot add $port to bridge $br"
	ip -n "$brns" link set "$port" up || fail "cannot bring $port up"
	ip -n "$vm" addr add "$addr" dev eth0 || fail "cannot add $addr to $vm/eth0"
	ip -n "$vm" link set eth0 up || fail "cannot bring $vm/eth0 up"
	printf -v "$var" '%s' "$vm"
}

wait_text()
{
	wait_for "$1" grep -qF -- "$3" "$2"
}

sha()
{
	sha256sum <"$1" | cut -d' ' -f1
}

# tn_open USER NS HOST [PORT]: telnet reads a fifo whose write end a `sleep` holds open, so
# telnet sees EOF only when tn_close ends that sleep. (A descriptor held by this shell
# instead would be inherited by every process started later, telnet included, and the
# EOF would never come.) Both PIDs are tracked by lib.sh, so the cleanup trap ends them.
tn_open()
{
	local user=$1 ns=$2 host=$3 port=${4:-23}
	mkfifo "$T_TMP/$user.in" || fail "mkfifo failed"
	timeout 120 sleep 120 >"$T_TMP/$user.in" &
	T_PIDS+=("$!")
	printf -v "TN_HOLD_$user" '%s' "$!"
	BG_STDIN=$T_TMP/$user.in bg_ns "$ns" "$T_TMP/$user.out" telnet "$host" "$port"
	printf -v "TN_PID_$user" '%s' "$BG_PID"
}

# tn_say USER LINE: the write end is already open, so this open never blocks for long;
# bounded anyway in case telnet died before opening its end.
tn_say()
{
	timeout 5 bash -c 'printf "%s\n" "$1" >"$2"' _ "$2" "$T_TMP/$1.in" ||
		fail "cannot write to $1's telnet"
}

tn_close()
{
	local holder=TN_HOLD_$1
	kill -TERM "${!holder}" 2>/dev/null
	wait "${!holder}" 2>/dev/null
}
