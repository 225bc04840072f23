#!/bin/bash
# SPDX-License-Identifier: MIT
# make lab: the network of the VM test, to use by hand (docs/lab.md). In a namespace
# "ustack-lab": a bridge labbr0 (192.168.122.1) with dnsmasq (DHCP and DNS, as libvirt's
# default network), ustack serve (chat, echo, http) on its TAP with addr=dhcp, and a QEMU
# guest (Debian 12's kernel, busybox) whose serial console is this terminal: the guest
# leases an address, then gives a shell in which `telnet ustack` reaches ustack's chat.
# `poweroff -f` in the guest (or Ctrl-A X) ends the lab and removes everything it made.
#
#   test/vm/lab.sh build/ustack        (root)
#
# Environment: VM_ACCEL=kvm|tcg forces the accelerator; LAB_NS names the namespace.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/test/vm/vm_lib.sh"
UST=$(cd "$(dirname "${1:-build/ustack}")" && pwd)/$(basename "${1:-build/ustack}")
NS=${LAB_NS:-ustack-lab}

die() { echo "lab: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (a network namespace, TAP devices, a bridge)"
[ -x "$UST" ] || die "$UST not built (make)"
command -v qemu-system-x86_64 >/dev/null 2>&1 || die "QEMU is not installed (make deps)"
[ -x /usr/sbin/dnsmasq ] || die "dnsmasq is not installed (make deps)"
ip netns list | grep -qw "$NS" &&
	die "namespace $NS exists: another lab runs (or remove it: ip netns del $NS)"

IMG=$(sh "$SRC/test/vm/build-image.sh") || die "cannot build the guest image"
KERNEL=$(echo "$IMG" | sed -n 1p)
INITRD=$(echo "$IMG" | sed -n 2p)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ustack-lab.XXXXXX") || exit 1
PIDS=()

cleanup()
{
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	echo "lab: stopped; logs were in $TMP (removed)"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS" || die "cannot create namespace $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add labbr0 type bridge stp_state 0 forward_delay 0
ip -n "$NS" addr add "$VM_BR_ADDR/24" dev labbr0
ip -n "$NS" link set labbr0 up
ip -n "$NS" tuntap add vmtap0 mode tap
ip -n "$NS" link set vmtap0 master labbr0
ip -n "$NS" link set vmtap0 up

vm_dnsmasq_args labbr0 "$TMP/leases" "$TMP/dnsmasq.log"
ip netns exec "$NS" /usr/sbin/dnsmasq "${VM_DNSMASQ_ARGS[@]}" >"$TMP/dnsmasq.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do
	ip netns exec "$NS" ss -Hlun 'sport = :67' | grep -q . && break
	sleep 0.1
done

mkdir -p "$TMP/www"
echo "served by ustack in the lab" >"$TMP/www/index.html"
ip netns exec "$NS" "$UST" serve --dev "tap:ustap0,addr=dhcp,bridge=labbr0,mac=$VM_US_MAC" \
	--name lab --serve chat --serve echo --serve http,root="$TMP/www" >"$TMP/ustack.out" 2>"$TMP/ustack.err" &
PIDS+=($!)
for _ in $(seq 1 300); do
	grep -q "serving chat" "$TMP/ustack.err" && break
	kill -0 "${PIDS[1]}" 2>/dev/null || break
	sleep 0.1
done
grep -q "serving chat" "$TMP/ustack.err" || die "ustack did not come up: $(cat "$TMP/ustack.err")"
US_IP=$(sed -n 's/^ustack: ustap0: leased \([0-9.]*\)\/.*/\1/p' "$TMP/ustack.err" | head -n 1)

vm_accel "$KERNEL" "$INITRD"
cat <<EOF
lab: $(sed -n 's/^ustack: //p' "$TMP/ustack.err" | head -n 1)
lab: dnsmasq on labbr0 ($VM_BR_ADDR) names it "$VM_US_NAME"; the guest will be "$VM_NAME"
lab: QEMU with $VM_ACCEL ($VM_ACCEL_WHY); its console follows (Ctrl-A X quits QEMU)
lab: from another terminal, a second chat user:  ip netns exec $NS telnet $US_IP
lab:   ustack's sockets:                         $UST ctl lab ss
lab:   the guest's web server:                   ip netns exec $NS $UST get --dev tap:ustap1,addr=dhcp,bridge=labbr0 http://$VM_NAME/

EOF
VM_ACCEL=$VM_ACCEL ip netns exec "$NS" bash -c '. "$1"; shift; vm_qemu "$@"' _ "$SRC/test/vm/vm_lib.sh" \
	"$KERNEL" "$INITRD" vmtap0 "$VM_MAC" mon:stdio quiet lab.mode=lab "lab.name=$VM_NAME" \
	"lab.peer=$VM_US_NAME"
