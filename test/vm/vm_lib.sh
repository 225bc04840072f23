# SPDX-License-Identifier: MIT
# What the VM test (test/vm/t_vm_bridge.sh) and `make lab` (test/vm/lab.sh) share: the lab
# network's addresses, how QEMU is accelerated, and QEMU's command line (bash; sourced).
#
#   vm_accel KERNEL INITRD   sets VM_ACCEL (kvm or tcg) and VM_ACCEL_WHY
#   vm_qemu KERNEL INITRD TAP MAC SERIAL APPEND...
#                            runs QEMU (exec: call it in the namespace that holds TAP)
#   vm_dnsmasq_args BR LEASES LOG  the dnsmasq options of the lab network, in VM_DNSMASQ_ARGS
#
# The lab network is libvirt's default one: a bridge with 192.168.122.1/24 and dnsmasq
# handing out 192.168.122.2-254 by DHCP and answering DNS for the names its DHCP clients
# sent. ustack's TAP gets a fixed MAC, which dnsmasq names "ustack" (as a <host> entry of
# a libvirt network would), so the guest reaches it by name.

VM_NET=192.168.122
VM_BR_ADDR=$VM_NET.1
VM_US_MAC=02:00:00:5e:00:02 # ustack's TAP (locally administered)
VM_MAC=52:54:00:5e:00:10    # the guest's NIC (QEMU's prefix)
VM_NAME=labvm
VM_US_NAME=ustack

# vm_accel KERNEL INITRD: KVM where it runs this guest, else TCG (emulation: slower, the
# same guest). VM_ACCEL=kvm|tcg in the environment forces one. A /dev/kvm is not enough:
# it must open read-write and be backed by hardware virtualisation (kvm_intel or
# kvm_amd; a /dev/kvm from another backend, such as kvm_pvm in some sandboxes, runs only
# guests built for it and hangs a stock Debian kernel before its first message); then the
# guest is booted once with KVM (lab.mode=probe: it says so and powers off, a second or
# two) and must say "VMTEST boot" within 20 s.
vm_accel()
{
	local log
	if [ -n "${VM_ACCEL:-}" ]; then
		VM_ACCEL_WHY="VM_ACCEL=$VM_ACCEL in the environment"
	elif [ ! -c /dev/kvm ]; then
		VM_ACCEL=tcg VM_ACCEL_WHY="no /dev/kvm"
	elif ! (: <>/dev/kvm) 2>/dev/null; then
		VM_ACCEL=tcg VM_ACCEL_WHY="/dev/kvm cannot be opened read-write"
	elif [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
		VM_ACCEL=tcg VM_ACCEL_WHY="/dev/kvm without kvm_intel or kvm_amd ($(ls /sys/module | grep '^kvm' | tr '\n' ' '))"
	else
		log=$(mktemp "${TMPDIR:-/tmp}/ustack-vm-probe.XXXXXX")
		# (in a subshell: a QEMU that aborts is reported there, to /dev/null)
		(timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -m 256 -smp 1 -nodefaults \
			-no-user-config -display none -serial "file:$log" -monitor none -no-reboot \
			-kernel "$1" -initrd "$2" -append "console=ttyS0 panic=-1 quiet lab.mode=probe" \
			>"$log.err" 2>&1 </dev/null; :) 2>/dev/null
		if grep -aq "^VMTEST boot" "$log"; then
			VM_ACCEL=kvm VM_ACCEL_WHY="/dev/kvm with $(ls -d /sys/module/kvm_intel /sys/module/kvm_amd 2>/dev/null | xargs -n1 basename), the guest boots"
		else
			VM_ACCEL=tcg VM_ACCEL_WHY="KVM did not boot the guest within 20 s (QEMU: $(head -c 200 "$log.err" | tr '\n' ' '))"
		fi
		rm -f "$log" "$log.err"
	fi
	return 0
}

# vm_qemu KERNEL INITRD TAP MAC SERIAL APPEND...: one CPU, 256 MB, no disk, no display,
# the serial console where SERIAL says (file:PATH, or mon:stdio for a person: Ctrl-A X
# quits), the NIC a virtio-net on the existing TAP (script=no: QEMU configures nothing;
# romfile= : no iPXE boot ROM, the kernel is given directly). -no-reboot with panic=-1:
# a guest that panics or powers off ends QEMU.
vm_qemu()
{
	local kernel=$1 initrd=$2 tap=$3 mac=$4 serial=$5 accel
	shift 5
	if [ "$VM_ACCEL" = kvm ]; then
		accel="-accel kvm -cpu host"
	else
		accel="-accel tcg"
	fi
	# shellcheck disable=SC2086
	exec qemu-system-x86_64 $accel -m 256 -smp 1 -nodefaults -no-user-config \
		-display none -serial "$serial" -monitor none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 panic=-1 $*" \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$mac,romfile="
}

# vm_dnsmasq_args BR LEASEFILE LOGFILE: libvirt's default network's DHCP and DNS on the
# bridge (BR); no upstream servers, no /etc/hosts: it answers only for the lab.
vm_dnsmasq_args()
{
	local br=$1 leases=$2 log=$3
	VM_DNSMASQ_ARGS=(--keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts
		--interface="$br" --bind-dynamic --except-interface=lo --strict-order
		--domain=lab --local=/lab/ --expand-hosts
		--dhcp-range="$VM_NET.2,$VM_NET.254,255.255.255.0,1h" --dhcp-authoritative
		--dhcp-no-override --dhcp-lease-max=253 --dhcp-leasefile="$leases"
		--dhcp-host="$VM_US_MAC,$VM_US_NAME"
		--log-dhcp --log-queries --log-facility="$log" --user=root --group=root)
}
