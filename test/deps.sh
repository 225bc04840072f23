#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages the build and the tests need, only those missing.
# Works without a terminal (CI): no prompts, `apt-get update` at most once.
set -eu

PKGS="build-essential pkg-config libnl-3-dev libnl-route-3-dev libcmocka-dev libpcap-dev groff-base man-db
iproute2 iputils-ping arping tshark tcpdump python3-scapy netcat-openbsd telnet curl wget hping3
apache2-utils iperf nftables ethtool vagrant clang libclang-rt-14-dev liblwip-dev libslirp-dev
gnuplot-nox dnsmasq-base qemu-system-x86 cpio socat nginx-light redis-server iperf3 openssh-server"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing; run 'make deps' as root to install them" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture; answer no up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# Wait for another apt/dpkg run (unattended upgrades) instead of failing at once.
LOCK="-o DPkg::Lock::Timeout=300"
# shellcheck disable=SC2086
apt-get $LOCK update -q
# The servers among the packages (nginx, redis, sshd) are for the preload tests, which
# start their own in namespaces: their system services must not start now (policy-rc.d
# says no to invoke-rc.d and deb-systemd-invoke while we install, unless one is already
# there) nor at boot (disabled below, only those installed now).
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
apt-get $LOCK install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing </dev/null
for p in $missing; do
	case $p in
	nginx-light) unit=nginx ;;
	redis-server) unit=redis-server ;;
	openssh-server) unit=ssh ;;
	*) continue ;;
	esac
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable -q "$unit" 2>/dev/null || true
	fi
done
