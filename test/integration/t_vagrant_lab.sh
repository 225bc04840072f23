#!/bin/bash
# SPDX-License-Identifier: MIT
# The Vagrant lab (vagrant/): `vagrant validate` on the Vagrantfile (and on a deliberately
# broken copy, which must fail), then provision.sh's network step in namespaces standing
# in for the VMs, and the unit's own ExecStart command line started by hand:
#
#   lab ns: bridge labnet (the hypervisor's private network)
#     <- vb1 ... eth1 in "stack" (192.168.56.10/24 until provision.sh moves it to br0)
#     <- vb2 ... eth1 in "client" (192.168.56.11/24)
#   stack ns after provisioning: br0 = { eth1, ustap0 }, 192.168.56.10/24 on br0,
#     ustack 192.168.56.20 behind ustap0
#
# The client telnets into chat and talks with a user on the stack VM itself, fetches a
# file over http byte-exact, and uses echo; the stack VM keeps its own address. With no
# DHCP server on the lab network, provision.sh's USTACK_ADDR=auto falls back to the
# static 192.168.56.20; then dnsmasq on the lab bridge (192.168.56.1, as libvirt's network
# would run it) makes the same provisioning choose addr=dhcp, ustack leases its address,
# and the client finds it by its MAC with vagrant/ustack-addr.sh and fetches a page.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/bridge_lib.sh"
t_begin vagrant_lab "$1"

SRC=$(cd "$TESTDIR/../.." && pwd)
VDIR=$SRC/vagrant
[ -f "$VDIR/Vagrantfile" ] && [ -f "$VDIR/provision.sh" ] || fail "vagrant/ files missing"

# --- 1. vagrant validate (no provider is installed here: --ignore-provider)
if command -v vagrant >/dev/null 2>&1; then
	export VAGRANT_HOME=$T_TMP/vagrant.d VAGRANT_DOTFILE_PATH=$T_TMP/vagrant.dot
	export VAGRANT_CHECKPOINT_DISABLE=1 VAGRANT_NO_COLOR=1
	(cd "$VDIR" && timeout 60 vagrant validate --ignore-provider) >"$T_TMP/validate.out" 2>&1 ||
		fail "vagrant validate failed: $(tail -n 5 "$T_TMP/validate.out" | tr '\n' ' ')"
	grep -q "Vagrantfile validated successfully" "$T_TMP/validate.out" ||
		fail "vagrant validate said: $(head -c 300 "$T_TMP/validate.out")"
	# The same check must reject a Vagrantfile with an unknown setting.
	mkdir "$T_TMP/broken"
	cp "$VDIR/provision.sh" "$T_TMP/broken/"
	sed 's/config.vm.box = /config.vm.no_such_setting = 1\n  config.vm.box = /' \
		"$VDIR/Vagrantfile" >"$T_TMP/broken/Vagrantfile"
	(cd "$T_TMP/broken" && VAGRANT_DOTFILE_PATH=$T_TMP/broken.dot timeout 60 \
		vagrant validate --ignore-provider) >"$T_TMP/broken.out" 2>&1 &&
		fail "vagrant validate accepted a Vagrantfile with config.vm.no_such_setting"
	grep -q "no_such_setting" "$T_TMP/broken.out" ||
		fail "vagrant validate failed on the broken copy for another reason:" \
			"$(tail -n 5 "$T_TMP/broken.out" | tr '\n' ' ')"
	echo "vagrant validate: the lab's Vagrantfile is valid, a broken copy is rejected"
else
	# Debian 12 packages it (apt-get install vagrant); test/deps.sh installs it.
	echo "NOTE vagrant_lab: vagrant is not installed: Vagrantfile not validated" \
		"(apt-get install vagrant); checking its Ruby syntax and the provisioning only"
	if command -v ruby >/dev/null 2>&1; then
		ruby -c "$VDIR/Vagrantfile" >/dev/null 2>"$T_TMP/ruby.err" ||
			fail "Vagrantfile: $(head -c 300 "$T_TMP/ruby.err")"
	fi
fi
sh -n "$VDIR/provision.sh" || fail "provision.sh has a syntax error"

# --- 2. provision.sh's network step in the "stack" namespace
ns_new LAB
br_new "$LAB" labnet
vm_new STACK "$LAB" labnet 192.168.56.10/24 eth1
vm_new CLIENT "$LAB" labnet 192.168.56.11/24 eth1

mkdir -p "$T_TMP/www" "$T_TMP/units" "$T_TMP/sbin"
head -c $((2 * 1024 * 1024 + 5)) /dev/urandom >"$T_TMP/www/lab.bin"
want=$(sha "$T_TMP/www/lab.bin")

# provision [VAR=VALUE...]: provision.sh's network step in the stack namespace
provision()
{
	in_ns "$STACK" env "$@" PROVISION_STEPS=network UNIT_DIR="$T_TMP/units" SBIN_DIR="$T_TMP/sbin" \
		WWW="$T_TMP/www" USTACK_BIN="$UST" sh "$VDIR/provision.sh" >"$T_TMP/prov.out" 2>&1 ||
		fail "provision.sh (network) failed: $(tail -n 5 "$T_TMP/prov.out" | tr '\n' ' ')"
}
provision
grep -q "no DHCP server answered on br0" "$T_TMP/prov.out" ||
	fail "provision.sh did not report the missing DHCP server: $(cat "$T_TMP/prov.out")"
grep -q "addr=192.168.56.20/24," "$T_TMP/units/ustack.service" ||
	fail "without a DHCP server the unit does not use 192.168.56.20: $(grep ExecStart "$T_TMP/units/ustack.service")"
# again: provisioning is re-run by `vagrant provision`, so it must be idempotent
provision USTACK_ADDR=192.168.56.20/24

ip -n "$STACK" -o link show eth1 | grep -q "master br0" || fail "eth1 is not a port of br0"
ip -n "$STACK" -o -4 addr show dev br0 | grep -q "inet 192.168.56.10/24" ||
	fail "the VM's address is not on br0: $(ip -n "$STACK" -o -4 addr show)"
ip -n "$STACK" -o -4 addr show dev eth1 | grep -q inet && fail "eth1 kept an IPv4 address"
[ "$(ip -n "$STACK" -o -4 addr show | grep -c 192.168.56.10)" -eq 1 ] ||
	fail "192.168.56.10 is configured more than once after two runs"
[ -s "$T_TMP/www/index.html" ] || fail "provision.sh wrote no index.html"
for u in ustack.service ustack-bridge.service; do
	[ -f "$T_TMP/units/$u" ] || fail "provision.sh wrote no $u"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	# Checks the syntax and that ExecStart's binary exists; unknown-dependency complaints
	# (ustack-bridge.service is not in the system's unit path) are filtered out.
	SYSTEMD_LOG_LEVEL=warning timeout 30 systemd-analyze verify "$T_TMP/units/ustack.service" \
		"$T_TMP/units/ustack-bridge.service" >"$T_TMP/verify.out" 2>&1
	grep -v -e "ustack-bridge.service" -e "^$" "$T_TMP/verify.out" | grep -qi . &&
		fail "systemd-analyze verify: $(head -n 3 "$T_TMP/verify.out" | tr '\n' ' ')"
fi

# --- 3. the unit's ExecStart, started by hand in the "stack" namespace
line=$(sed -n 's/^ExecStart=//p' "$T_TMP/units/ustack.service")
read -r -a argv <<<"$line"
[ "${argv[0]}" = "$UST" ] || fail "ExecStart runs '${argv[0]}', not USTACK_BIN ($UST)"
[ "${argv[1]}" = serve ] || fail "ExecStart is not 'ustack serve': $line"
echo "ExecStart: $line"
ust_start "$STACK" "${argv[@]:1}"
ip -n "$STACK" -o link show ustap0 | grep -q "master br0" || fail "ustap0 did not join br0"

# The stack VM itself is still reachable at its own address, through the bridge.
in_ns "$CLIENT" ping -c 2 -i 0.2 -W 2 192.168.56.10 >/dev/null ||
	fail "the stack VM's own address 192.168.56.10 no longer answers"

# http: index and a 2 MB file, byte-exact
page=$(in_ns "$CLIENT" curl -sS --max-time 10 http://192.168.56.20/ 2>&1) ||
	fail "curl / from the client failed: $page"
[ "$page" = "<h1>served by ustack</h1>" ] || fail "index page: '$page'"
in_ns "$CLIENT" curl -sS --max-time 20 -o "$T_TMP/got.bin" http://192.168.56.20/lab.bin \
	2>"$T_TMP/curl.err" || fail "curl lab.bin failed: $(head -c 300 "$T_TMP/curl.err")"
[ "$(sha "$T_TMP/got.bin")" = "$want" ] ||
	fail "lab.bin: $(stat -c %s "$T_TMP/got.bin") bytes, sha256 differs"

# echo
got=$(echo "echo through the lab bridge" | in_ns "$CLIENT" nc -q 2 -w 5 192.168.56.20 7)
[ "$got" = "echo through the lab bridge" ] || fail "echo service returned '$got'"

# chat: a user on the client VM and one on the stack VM itself (from 192.168.56.10)
tn_open client "$CLIENT" 192.168.56.20
wait_text 10 "$T_TMP/client.out" "welcome to ustack chat" ||
	fail "client: no chat welcome ($(head -c 300 "$T_TMP/client.out"))"
tn_open local "$STACK" 192.168.56.20
wait_text 10 "$T_TMP/local.out" "welcome to ustack chat: 1 other user" ||
	fail "stack VM user: no welcome ($(head -c 300 "$T_TMP/local.out"))"
tn_say client "hello from the client VM"
wait_text 5 "$T_TMP/local.out" "[192.168.56.11:" || fail "the client's line did not arrive"
grep -q "hello from the client VM" "$T_TMP/local.out" || fail "the client's line was altered"
tn_say local "hello from the stack VM"
wait_text 5 "$T_TMP/client.out" "hello from the stack VM" ||
	fail "the stack VM user's line did not reach the client"
grep -q '^\[192\.168\.56\.10:[0-9]*\] hello from the stack VM' "$T_TMP/client.out" ||
	fail "the stack VM user's line came without its address"
tn_close local
wait_text 5 "$T_TMP/client.out" " left" || fail "the client was not told that the other user left"
grep -q '^\* 192\.168\.56\.10:[0-9]* left' "$T_TMP/client.out" || fail "leave notice malformed"
tn_close client
echo "lab: chat between the VMs, http byte-exact, echo, all over br0"

ust_alive || fail "ustack exited during the test"
ust_stop
expect_counter tcp.conn_accepts -ge 5

# --- 4. a lab network that hands out addresses: dnsmasq on the lab bridge
DNSMASQ=/usr/sbin/dnsmasq
[ -x "$DNSMASQ" ] || skip "dnsmasq is not installed (dnsmasq-base): the DHCP lab not checked"
ip -n "$LAB" addr add 192.168.56.1/24 dev labnet || fail "cannot address labnet"
: >"$T_TMP/leases"
bg_ns "$LAB" "$T_TMP/dnsmasq.out" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null \
	--no-resolv --no-hosts --interface=labnet --bind-dynamic \
	--dhcp-range=192.168.56.100,192.168.56.150,255.255.255.0,1h \
	--dhcp-leasefile="$T_TMP/leases" --log-dhcp --log-facility="$T_TMP/dnsmasq.log"
DNSMASQ_PID=$BG_PID
wait_for 10 in_ns "$LAB" sh -c "ss -Hlun 'sport = :67' | grep -q ." ||
	fail "dnsmasq does not listen: $(cat "$T_TMP/dnsmasq.out")"
provision
grep -q "a DHCP server answers on br0" "$T_TMP/prov.out" ||
	fail "provision.sh found no DHCP server: $(cat "$T_TMP/prov.out")"
grep -q "addr=dhcp,bridge=br0,mac=02:00:00:5e:00:14 " "$T_TMP/units/ustack.service" ||
	fail "with a DHCP server the unit does not lease: $(grep ExecStart "$T_TMP/units/ustack.service")"
wait_for 5 sh -c "grep -q 'DHCPRELEASE.*02:00:00:5e:00:ff' '$T_TMP/dnsmasq.log'" ||
	fail "provision.sh's DHCP probe did not release its lease"
line=$(sed -n 's/^ExecStart=//p' "$T_TMP/units/ustack.service")
read -r -a argv <<<"$line"
ust_start "$STACK" "${argv[@]:1}"
wait_for 20 grep -q "serving http" "$UST_ERR" || fail "ustack with addr=dhcp has no lease after 20 s"
leased=$(sed -n 's/^ustack: ustap0: leased \([0-9.]*\)\/24 .*/\1/p' "$UST_ERR" | head -n 1)
found=$(T_CMD_TIMEOUT=20 in_ns "$CLIENT" sh "$VDIR/ustack-addr.sh" eth1 02:00:00:5e:00:14) ||
	fail "ustack-addr.sh found no ustack from the client"
[ -n "$leased" ] && [ "$found" = "$leased" ] ||
	fail "ustack-addr.sh found '$found', ustack leased '$leased'"
grep -q " 02:00:00:5e:00:14 $leased " "$T_TMP/leases" ||
	fail "dnsmasq's lease file has no $leased for ustack: $(cat "$T_TMP/leases")"
page=$(in_ns "$CLIENT" curl -sS --max-time 10 "http://$found/" 2>&1) ||
	fail "curl http://$found/ from the client failed: $page"
[ "$page" = "<h1>served by ustack</h1>" ] || fail "index page at the leased address: '$page'"
echo "lab with DHCP: ustack leased $leased, the client found it by its MAC and fetched a page"
ust_stop
stop_pid "$DNSMASQ_PID"
pass
