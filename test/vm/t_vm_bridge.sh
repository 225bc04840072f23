#!/bin/bash
# SPDX-License-Identifier: MIT
# A real virtual machine on the bridge (make vm-test): QEMU boots Debian 12's own kernel
# with a busybox initramfs (test/vm/build-image.sh; KVM where it can, else TCG), its NIC
# a TAP on a Linux bridge that also carries dnsmasq (DHCP and DNS, as libvirt's default
# network) and ustack's TAP (bridge=). ustack leases its address with addr=dhcp; the guest
# leases its own with udhcpc, sending its name; the guest's /init (test/vm/init) pings
# ustack by name, telnets into its chat and talks with a user on the host, wgets a file
# from its http and reports the md5, then serves a file with busybox httpd; ustack get
# resolves the guest's name through dnsmasq and fetches that file. Each guest step is a
# "VMTEST ..." line on the serial console, which this test waits for and judges.
#
#   ns: bridge labbr0 (192.168.122.1, dnsmasq) <- vmtap0 --- QEMU guest "labvm" (udhcpc)
#                                              <- ustap0 --- ustack serve (addr=dhcp)
#                                              <- ustap1 --- ustack get (addr=dhcp)
#
# SKIP only when QEMU is not installed. Prints the seconds from QEMU's start to the
# guest's lease (and the guest's own uptime then).
. "$(dirname "$0")/../integration/lib.sh"
. "$TESTDIR/bridge_lib.sh"
. "$(dirname "$0")/vm_lib.sh"
t_begin vm_bridge "$1"
SRC=$(cd "$TESTDIR/../.." && pwd)
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip "QEMU cannot run here: qemu-system-x86_64 is not installed (qemu-system-x86: make deps)"
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || fail "dnsmasq is not installed (dnsmasq-base: make deps)"
need_cmd telnet md5sum

# --- the guest image (cached: seconds; the first build downloads two packages)
t0=$(date +%s%N)
timeout 600 sh "$SRC/test/vm/build-image.sh" >"$T_TMP/image" 2>"$T_TMP/image.log" ||
	fail "cannot build the guest image: $(tail -n 5 "$T_TMP/image.log" | tr '\n' ' ')"
KERNEL=$(sed -n 1p "$T_TMP/image")
INITRD=$(sed -n 2p "$T_TMP/image")
echo "guest image in $((($(date +%s%N) - t0) / 1000000)) ms: $KERNEL, $INITRD"

vm_accel "$KERNEL" "$INITRD"
echo "QEMU with $VM_ACCEL ($VM_ACCEL_WHY)"
# Each guest step gets this long (TCG is 5-10 times slower than KVM at booting).
if [ "$VM_ACCEL" = kvm ]; then STEP=30; else STEP=60; fi

# --- the lab network
ns_new NS
br_new "$NS" labbr0
ip -n "$NS" addr add "$VM_BR_ADDR/24" dev labbr0 || fail "cannot address labbr0"
ip -n "$NS" tuntap add vmtap0 mode tap || fail "cannot create the guest's TAP"
ip -n "$NS" link set vmtap0 master labbr0 || fail "cannot add vmtap0 to labbr0"
ip -n "$NS" link set vmtap0 up || fail "cannot bring vmtap0 up"
: >"$T_TMP/leases"
vm_dnsmasq_args labbr0 "$T_TMP/leases" "$T_TMP/dnsmasq.log"
bg_ns "$NS" "$T_TMP/dnsmasq.out" "$DNSMASQ" "${VM_DNSMASQ_ARGS[@]}"
DNSMASQ_PID=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -Hlun 'sport = :67' | grep -q ." ||
	fail "dnsmasq does not listen: $(cat "$T_TMP/dnsmasq.out")"

mkdir "$T_TMP/www"
head -c $((2 * 1024 * 1024 + 77)) /dev/urandom >"$T_TMP/www/lab.bin"
LAB_MD5=$(md5sum <"$T_TMP/www/lab.bin" | cut -d' ' -f1)
UST_TIMEOUT=$((STEP * 8)) ust_start "$NS" serve \
	--dev "tap:ustap0,addr=dhcp,bridge=labbr0,mac=$VM_US_MAC" --stats \
	--serve chat --serve http,root="$T_TMP/www"
wait_for 20 grep -q "serving chat" "$UST_ERR" || fail "ustack serve has no lease after 20 s"
US_IP=$(sed -n 's/^ustack: ustap0: leased \([0-9.]*\)\/24 .*/\1/p' "$UST_ERR" | head -n 1)
[ -n "$US_IP" ] || fail "no lease line from ustack"
echo "ustack leased $US_IP"

# the other chat user, on the host side of the bridge
tn_open host "$NS" "$US_IP"
wait_text 10 "$T_TMP/host.out" "welcome to ustack chat" ||
	fail "the host's telnet got no welcome: $(head -c 300 "$T_TMP/host.out")"

# --- the guest
CONSOLE=$T_TMP/console.log
REPLY="hi $VM_NAME, this is the host"
qemu_t0=$(date +%s%N)
VM_ACCEL=$VM_ACCEL timeout -k 5 $((STEP * 8)) ip netns exec "$NS" bash -c '. "$1"; shift; vm_qemu "$@"' _ \
	"$SRC/test/vm/vm_lib.sh" "$KERNEL" "$INITRD" vmtap0 "$VM_MAC" "file:$CONSOLE" \
	quiet "lab.mode=test" "lab.name=$VM_NAME" "lab.peer=$VM_US_NAME" \
	"lab.reply=${REPLY// /_}" "lab.timeout=$STEP" >"$T_TMP/qemu.out" 2>&1 </dev/null &
QEMU_PID=$!
T_PIDS+=("$QEMU_PID")

# vm_step SECS WORD: the guest printed "VMTEST WORD..." within SECS (the line in STEP_LINE);
# a "VMTEST WORD-fail" or the end of QEMU fails the test with the console's tail.
vm_console_tail()
{
	echo "QEMU: $(tail -n 3 "$T_TMP/qemu.out" | tr '\n' ' ')"
	echo "--- console (last 25 lines):"
	tail -n 25 "$CONSOLE" 2>/dev/null | tr -d '\r'
}
vm_step()
{
	local secs=$1 word=$2 _
	for _ in $(seq 1 $((secs * 5))); do
		# whole lines only: QEMU writes the serial console a few bytes at a time, and a
		# line still being written would pass for the step with its fields cut off
		STEP_LINE=$(head -n "$(wc -l 2>/dev/null <"$CONSOLE" || echo 0)" "$CONSOLE" 2>/dev/null |
			grep -a -m1 "^VMTEST $word" | tr -d '\r')
		case $STEP_LINE in
		"VMTEST $word-fail"* | "VMTEST no-"*) vm_console_tail; fail "guest: ${STEP_LINE#VMTEST }" ;;
		?*) return 0 ;;
		esac
		if grep -aq "^VMTEST no-" "$CONSOLE" 2>/dev/null; then
			vm_console_tail
			fail "guest: $(grep -a -m1 '^VMTEST no-' "$CONSOLE")"
		fi
		kill -0 "$QEMU_PID" 2>/dev/null || { vm_console_tail; fail "QEMU ended before 'VMTEST $word'"; }
		sleep 0.2
	done
	vm_console_tail
	fail "no 'VMTEST $word' from the guest in $secs s ($VM_ACCEL)"
}

vm_step $((STEP * 2)) lease
lease_ms=$((($(date +%s%N) - qemu_t0) / 1000))
VM_IP=$(echo "$STEP_LINE" | awk '{ print $3 }')
echo "guest leased $VM_IP $((lease_ms / 1000000)).$((lease_ms / 100000 % 10)) s after QEMU started" \
	"($VM_ACCEL; guest uptime $(echo "$STEP_LINE" | awk '{ print $5 }') s)"
grep -q " $VM_IP $VM_NAME " "$T_TMP/leases" ||
	fail "dnsmasq did not register the guest's name: $(cat "$T_TMP/leases")"

vm_step "$STEP" ping
echo "guest: ${STEP_LINE#VMTEST }"
echo "$STEP_LINE" | grep -q "replies from $US_IP\$" || fail "the guest pinged another address: $STEP_LINE"

vm_step "$STEP" chat-joined
wait_text "$STEP" "$T_TMP/host.out" "hello from $VM_NAME, the VM" ||
	fail "the host's user did not get the guest's line: $(tail -c 300 "$T_TMP/host.out")"
grep -q "^\[$VM_IP:[0-9]*\] hello from $VM_NAME" "$T_TMP/host.out" ||
	fail "the guest's line came without the guest's address: $(tail -c 300 "$T_TMP/host.out")"
grep -q "^\* $VM_IP:[0-9]* joined (2 users)" "$T_TMP/host.out" ||
	fail "the host's user was not told that the guest joined"
tn_say host "$REPLY"
vm_step "$STEP" chat-got
echo "$STEP_LINE" | grep -qF "[$VM_BR_ADDR:" ||
	fail "the host's line reached the guest without the host's address: $STEP_LINE"
wait_text "$STEP" "$T_TMP/host.out" "* $VM_IP:" && grep -q "^\* $VM_IP:[0-9]* left" "$T_TMP/host.out" ||
	fail "the host's user was not told that the guest left"
echo "chat: the guest and the host's user each sent a line and got the other's"

vm_step "$STEP" wget # VMTEST wget-ok SIZE bytes md5 SUM
read -r -a F <<<"$STEP_LINE"
[ "${F[2]:-}" = "$(stat -c %s "$T_TMP/www/lab.bin")" ] && [ "${F[5]:-}" = "$LAB_MD5" ] ||
	fail "the guest's wget got ${F[2]:-?} bytes md5 ${F[5]:-?}," \
		"want $(stat -c %s "$T_TMP/www/lab.bin") md5 $LAB_MD5"
echo "guest wget http://$VM_US_NAME/lab.bin: ${F[2]} bytes, md5 matches"

vm_step "$STEP" httpd # VMTEST httpd-ok vm.bin SIZE bytes md5 SUM
read -r -a F <<<"$STEP_LINE"
VM_SIZE=${F[3]:-} VM_MD5=${F[6]:-}
[ -n "$VM_MD5" ] || fail "the guest's httpd line has no md5: $STEP_LINE"
T_CMD_TIMEOUT=$((STEP + 10)) in_ns "$NS" "$UST" get --dev "tap:ustap1,addr=dhcp,bridge=labbr0" \
	--stats -o "$T_TMP/vm.bin" "http://$VM_NAME/vm.bin" 2>"$T_TMP/get.err" ||
	fail "ustack get http://$VM_NAME/vm.bin failed ($?): $(grep -v '^[a-z]*\.[a-z_]* ' "$T_TMP/get.err" | tail -n 3)"
got=$(md5sum <"$T_TMP/vm.bin" | cut -d' ' -f1)
[ "$got" = "$VM_MD5" ] && [ "$(stat -c %s "$T_TMP/vm.bin")" = "$VM_SIZE" ] ||
	fail "ustack get: $(stat -c %s "$T_TMP/vm.bin") bytes md5 $got, want $VM_SIZE md5 $VM_MD5"
# the lease's domain (dnsmasq's --domain=lab) is ustack's search domain, as glibc's
# resolver would use it: the bare name is asked as labvm.lab
grep -q "query\[A\] $VM_NAME\.lab from $VM_NET\." "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq answered no query for $VM_NAME.lab: $(grep query "$T_TMP/dnsmasq.log" | tail -n 3)"
grep -q " $VM_NAME\.lab is $VM_IP\$" "$T_TMP/dnsmasq.log" ||
	fail "dnsmasq did not answer $VM_NAME.lab with $VM_IP"
echo "ustack get http://$VM_NAME/vm.bin (resolved by dnsmasq): $VM_SIZE bytes, md5 matches"
vm_step "$STEP" done
total_ms=$((($(date +%s%N) - qemu_t0) / 1000000))
echo "guest: ${STEP_LINE#VMTEST }; all steps $((total_ms / 1000)).$((total_ms / 100 % 10)) s after QEMU started"

stop_pid "$QEMU_PID"
tn_close host
ust_stop
expect_counter dhcp.leases -eq 1
expect_counter tcp.conn_accepts -ge 3
stop_pid "$DNSMASQ_PID"
pass
