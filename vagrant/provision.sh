#!/bin/sh
# SPDX-License-Identifier: MIT
# Provisions the "stack" VM of the Vagrant lab (vagrant/Vagrantfile): installs what the
# build needs, builds and installs ustack, puts the VM's lab interface and ustack's TAP on
# one Linux bridge, and runs `ustack serve` with chat, echo and http as a systemd unit.
#
#   lab network 192.168.56.0/24 --- eth1 --[br0]-- (192.168.56.10, the VM itself)
#                                            `---- ustap0 --- ustack (MAC 02:00:00:5e:00:14)
#
# The VM's address moves from eth1 to br0, so the VM keeps it and ustack becomes one more
# station on the lab's layer 2: the client VM reaches ustack directly. ustack's address:
# where the lab network hands out addresses by DHCP (libvirt's networks do: dnsmasq),
# ustack leases one (addr=dhcp); where nothing answers DHCP (a VirtualBox host-only
# network made for static addresses), it takes USTACK_STATIC. provision.sh tells which
# by asking: a `ustack ping` with addr=dhcp on the bridge, for at most 12 s. Its MAC is
# fixed, so the lease stays the same across restarts and the client finds ustack by it
# (vagrant/ustack-addr.sh).
#
# Environment (defaults are the lab's):
#   USTACK_SRC      source tree (/opt/ustack-src)
#   LAB_IF          the VM's interface on the lab network (eth1)
#   LAB_HOST_ADDR   the VM's own address on it, moved to the bridge (192.168.56.10/24)
#   USTACK_ADDR     ustack's address on the bridge: auto (default: dhcp if a DHCP server
#                   answers on the bridge, else USTACK_STATIC), dhcp, or A.B.C.D/N
#   USTACK_STATIC   the address auto falls back to (192.168.56.20/24)
#   USTACK_MAC      ustack's MAC on the bridge (02:00:00:5e:00:14)
#   BRIDGE, TAP     device names (br0, ustap0)
#   PROVISION_STEPS all (default): build, network, start; or network: only the bridge and
#                   the unit files (the test suite runs this in a namespace standing in for
#                   the VM, test/integration/t_vagrant_lab.sh)
#   UNIT_DIR        where the systemd units go (/etc/systemd/system)
#   SBIN_DIR        where the bridge script goes (/usr/local/sbin)
#   USTACK_BIN      the installed binary (/usr/local/bin/ustack)
#   WWW             the http service's root (/srv/ustack-www)
set -eu

USTACK_SRC=${USTACK_SRC:-/opt/ustack-src}
LAB_IF=${LAB_IF:-eth1}
LAB_HOST_ADDR=${LAB_HOST_ADDR:-192.168.56.10/24}
USTACK_ADDR=${USTACK_ADDR:-auto}
USTACK_STATIC=${USTACK_STATIC:-192.168.56.20/24}
USTACK_MAC=${USTACK_MAC:-02:00:00:5e:00:14}
BRIDGE=${BRIDGE:-br0}
TAP=${TAP:-ustap0}
PROVISION_STEPS=${PROVISION_STEPS:-all}
UNIT_DIR=${UNIT_DIR:-/etc/systemd/system}
SBIN_DIR=${SBIN_DIR:-/usr/local/sbin}
USTACK_BIN=${USTACK_BIN:-/usr/local/bin/ustack}
WWW=${WWW:-/srv/ustack-www}

# Only what building and running ustack needs, plus the tools to try it from inside the VM
# (`make deps` in the source tree installs the full test suite's list instead).
BUILD_PKGS="build-essential pkg-config libnl-3-dev libnl-route-3-dev libpcap-dev iproute2
telnet curl netcat-openbsd"

build() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $BUILD_PKGS </dev/null
	make -C "$USTACK_SRC" BUILD=/var/tmp/ustack-build all
	install -D -m 0755 /var/tmp/ustack-build/ustack "$USTACK_BIN"
}

# The bridge script: idempotent, run now and at every boot (ustack-bridge.service), since
# the guest's own network configuration knows nothing of br0 and puts the address back on
# eth1 after a reboot.
bridge_script() {
	mkdir -p "$SBIN_DIR"
	cat >"$SBIN_DIR/ustack-lab-bridge" <<SCRIPT
#!/bin/sh
# Written by vagrant/provision.sh: $LAB_IF and ustack's TAP share the bridge $BRIDGE,
# and the VM's lab address $LAB_HOST_ADDR lives on the bridge.
set -eu
ip link show $BRIDGE >/dev/null 2>&1 || ip link add $BRIDGE type bridge stp_state 0 forward_delay 0
ip link set $BRIDGE up
ip link set $LAB_IF master $BRIDGE
ip link set $LAB_IF up
ip -4 addr flush dev $LAB_IF
ip addr replace $LAB_HOST_ADDR dev $BRIDGE
SCRIPT
	chmod 0755 "$SBIN_DIR/ustack-lab-bridge"
}

# ustack_addr: the addr= of ustack's device, in ADDR. For auto, a short-lived ustack with
# addr=dhcp on the bridge (another TAP, another MAC: the service may be running) waits at
# most 12 s for a lease (the DISCOVERs go at 0 and about 4 s) and releases it on exit.
ustack_addr() {
	case "$USTACK_ADDR" in
	auto)
		out=$(timeout 12 "$USTACK_BIN" ping --dev "tap:ustprobe0,addr=dhcp,bridge=$BRIDGE,mac=02:00:00:5e:00:ff" \
			-c 1 -W 1 "${LAB_HOST_ADDR%/*}" 2>&1 || true)
		if echo "$out" | grep -q "leased"; then
			ADDR=dhcp
			echo "provision: a DHCP server answers on $BRIDGE ($(echo "$out" | grep -m1 leased | sed 's/^ustack: //')): ustack leases its address (addr=dhcp)"
		else
			ADDR=$USTACK_STATIC
			echo "provision: no DHCP server answered on $BRIDGE in 12 s: ustack takes $ADDR"
		fi
		;;
	*)
		ADDR=$USTACK_ADDR
		;;
	esac
}

units() {
	mkdir -p "$UNIT_DIR"
	cat >"$UNIT_DIR/ustack-bridge.service" <<UNIT
[Unit]
Description=ustack lab: $LAB_IF and ustack's TAP on bridge $BRIDGE
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$SBIN_DIR/ustack-lab-bridge

[Install]
WantedBy=multi-user.target
UNIT
	cat >"$UNIT_DIR/ustack.service" <<UNIT
[Unit]
Description=ustack user-space TCP/IP stack (chat, echo, http) bridged to $BRIDGE
Requires=ustack-bridge.service
After=ustack-bridge.service

[Service]
ExecStart=$USTACK_BIN serve --dev tap:$TAP,addr=$ADDR,bridge=$BRIDGE,mac=$USTACK_MAC --serve chat --serve echo --serve http,root=$WWW --stats
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
UNIT
}

network() {
	bridge_script
	"$SBIN_DIR/ustack-lab-bridge"
	mkdir -p "$WWW"
	[ -f "$WWW/index.html" ] || echo "<h1>served by ustack</h1>" >"$WWW/index.html"
	ustack_addr
	units
}

start() {
	systemctl daemon-reload
	systemctl enable ustack-bridge.service ustack.service
	since=$(date '+%Y-%m-%d %H:%M:%S')
	systemctl restart ustack-bridge.service ustack.service
	systemctl --no-pager status ustack.service || true
	# with addr=dhcp the services start once the lease is in place: say where
	for _ in $(seq 1 40); do
		journalctl -u ustack.service --since "$since" --no-pager 2>/dev/null | grep -q "serving" && break
		sleep 1
	done
	journalctl -u ustack.service --since "$since" --no-pager 2>/dev/null | grep -E "leased|serving" || true
}

case "$PROVISION_STEPS" in
all)
	build
	network
	start
	;;
network)
	network
	;;
*)
	echo "provision.sh: PROVISION_STEPS must be all or network, not '$PROVISION_STEPS'" >&2
	exit 2
	;;
esac
