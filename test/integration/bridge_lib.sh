# SPDX-License-Identifier: MIT
# Helpers for the bridge, two-instance and Vagrant-lab tests (sourced after lib.sh).
#
#   br_new NS BR                     a Linux bridge BR in NS, up, no STP, no forward delay
#   vm_new VAR BRNS BR ADDR/N [IF]   a namespace standing in for a VM: one veth end, IF
#                                    (eth0) with ADDR/N, in VAR; the other end a port of BR
#   tn_open USER NS HOST [PORT]      a real telnet in NS to HOST:PORT (default 23), driven
#                                    through a fifo; output in $T_TMP/USER.out
#   tn_say USER LINE                 USER types LINE and presses Enter
#   tn_close USER                    USER's stdin reaches EOF: telnet quits
#   fifo_open/fifo_say/fifo_end NAME the same for any reader of $T_TMP/NAME.in
#   pid_gone SECS PID                the process exited within SECS seconds
#   ip_snmp NS FIELD                 an Ip: counter of /proc/net/snmp in NS
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

# vm_new VAR BRNS BR ADDR/N [IFNAME]
vm_new()
{
	local var=$1 brns=$2 br=$3 addr=$4 ifn=${5:-eth0} vm port
	ns_new vm
	BR_VETH_SEQ=$((BR_VETH_SEQ + 1))
	port=vb$BR_VETH_SEQ
	ip -n "$brns" link add "$port" type veth peer name "$ifn" netns "$vm" ||
		fail "cannot create veth $port <-> $vm/$ifn"
	ip -n "$brns" link set "$port" master "$br" || fail "cannot add $port to bridge $br"
	ip -n "$brns" link set "$port" up || fail "cannot bring $port up"
	ip -n "$vm" addr add "$addr" dev "$ifn" || fail "cannot add $addr to $vm/$ifn"
	ip -n "$vm" link set "$ifn" up || fail "cannot bring $vm/$ifn up"
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

# fifo_open NAME: a fifo $T_TMP/NAME.in whose write end a `sleep` holds open, so a reader
# sees EOF only when fifo_end ends that sleep. (A descriptor held by this shell instead
# would be inherited by every process started later, the reader included, and the EOF
# would never come.) The holder's PID is tracked by lib.sh, so the cleanup trap ends it.
fifo_open()
{
	mkfifo "$T_TMP/$1.in" || fail "mkfifo $T_TMP/$1.in failed"
	timeout 120 sleep 120 >"$T_TMP/$1.in" &
	T_PIDS+=("$!")
	printf -v "FIFO_HOLD_$1" '%s' "$!"
}

# fifo_say NAME LINE: the write end is already open, so this open does not block for long;
# bounded anyway in case the reader died before opening its end.
fifo_say()
{
	timeout 5 bash -c 'printf "%s\n" "$1" >"$2"' _ "$2" "$T_TMP/$1.in" ||
		fail "cannot write to the fifo $1"
}

fifo_end()
{
	local holder=FIFO_HOLD_$1
	kill -TERM "${!holder}" 2>/dev/null
	wait "${!holder}" 2>/dev/null
}

# tn_open USER NS HOST [PORT]: telnet in NS reading the fifo USER; its PID in TN_PID_USER.
tn_open()
{
	local user=$1 ns=$2 host=$3 port=${4:-23}
	fifo_open "$user"
	BG_STDIN=$T_TMP/$user.in bg_ns "$ns" "$T_TMP/$user.out" telnet "$host" "$port"
	printf -v "TN_PID_$user" '%s' "$BG_PID"
}

tn_say() { fifo_say "$@"; }
tn_close() { fifo_end "$1"; }

# pid_gone SECS PID: the process has exited within SECS seconds.
pid_gone()
{
	local i
	for i in $(seq 1 $(($1 * 10))); do
		kill -0 "$2" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# ip_snmp NS FIELD: a counter from the Ip: lines of /proc/net/snmp in NS (ForwDatagrams...).
ip_snmp()
{
	ip netns exec "$1" cat /proc/net/snmp | awk -v f="$2" '
		$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1; next }
		$1 == "Ip:" && h { print $c; exit }'
}
