#!/bin/bash
# SPDX-License-Identifier: MIT
# OpenSSH's client on ustack through `ustack run` (docs/preload.md): `ssh` runs a command
# on a kernel sshd, and `scp` copies 10 MB up and 10 MB down, byte-exact (scp execs ssh:
# two programs of one tree on one stack). The sshd is the test's own: a throwaway host key
# and client key in the temp dir, its config on the command line (-f), a test port, in the
# namespace and under a tmpfs /run of a mount namespace of its own (its privilege
# separation directory), so the system's sshd and its files are never touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
t_begin preload_ssh "$1"
need_cmd ssh scp ssh-keygen unshare
[ -x /usr/sbin/sshd ] || skip "sshd is not installed (openssh-server)"
LIB=$(dirname "$UST")/libustack-preload.so
[ -f "$LIB" ] || fail "$LIB not built (make all)"
ns_new NS
DEV=$(dev_spec)
T_CMD_TIMEOUT=40
S=$T_TMP/ssh
mkdir "$S"
ssh-keygen -q -t ed25519 -N '' -C host -f "$S/host" || fail "ssh-keygen (host key) failed"
ssh-keygen -q -t ed25519 -N '' -C client -f "$S/client" || fail "ssh-keygen (client key) failed"
cp "$S/client.pub" "$S/authorized_keys"
cat >"$S/sshd_config" <<CONF
Port 2222
ListenAddress 0.0.0.0
HostKey $S/host
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
StrictModes no
Subsystem sftp internal-sftp
CONF
bg_ns "$NS" "$T_TMP/sshd.log" unshare -m --propagation private sh -c \
	"mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd && exec /usr/sbin/sshd -D -e -f '$S/sshd_config'"
SSHD=$BG_PID
wait_for 10 in_ns "$NS" sh -c "ss -tln | grep -q ':2222 '" || fail "the test's sshd did not listen: $(tail -n 3 "$T_TMP/sshd.log")"
SSHO=(-F /dev/null -i "$S/client" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR)

# --- ssh: a command on the kernel's sshd; it sees the client at ustack's address ---
out=$(in_ns "$NS" "$UST" run --dev "$DEV" -- ssh "${SSHO[@]}" -p 2222 "root@$K_ADDR" \
	'echo "from $SSH_CLIENT"; exit 4' 2>"$T_TMP/run.err")
rc=$?
UST_ERR=$T_TMP/run.err
[ "$rc" -eq 4 ] || fail "ssh under ustack run: exit $rc, want the command's 4 (sshd: $(tail -n 2 "$T_TMP/sshd.log"))"
case "$out" in
"from $US_ADDR "*" 2222") ;;
*) fail "ssh under ustack run printed '$out'" ;;
esac
grep -q ustack-preload "$T_TMP/run.err" && fail "the preload complained: $(grep ustack-preload "$T_TMP/run.err")"
echo "ssh under ustack run: the command ran on the kernel's sshd ($out), its exit status kept"

# --- scp: 10 MB up, then down ---
rand_file "$T_TMP/ten.bin" $((10 * 1024 * 1024))
in_ns "$NS" "$UST" run --dev "$DEV" -- scp "${SSHO[@]}" -P 2222 "$T_TMP/ten.bin" \
	"root@$K_ADDR:$T_TMP/up.bin" 2>"$T_TMP/run.err" || fail "scp up under ustack run failed"
cmp -s "$T_TMP/ten.bin" "$T_TMP/up.bin" || fail "scp up: $(stat -c %s "$T_TMP/up.bin" 2>/dev/null || echo no) bytes differ"
in_ns "$NS" "$UST" run --dev "$DEV" -- scp "${SSHO[@]}" -P 2222 "root@$K_ADDR:$T_TMP/ten.bin" \
	"$T_TMP/down.bin" 2>"$T_TMP/run.err" || fail "scp down under ustack run failed"
cmp -s "$T_TMP/ten.bin" "$T_TMP/down.bin" || fail "scp down: $(stat -c %s "$T_TMP/down.bin" 2>/dev/null || echo no) bytes differ"
n=$(grep -c "Accepted publickey for root from $US_ADDR " "$T_TMP/sshd.log")
[ "$n" -eq 3 ] || fail "sshd accepted $n logins from $US_ADDR, want 3"
stop_pid "$SSHD"
echo "scp under ustack run: 10 MB up and 10 MB down byte-exact"
pass
