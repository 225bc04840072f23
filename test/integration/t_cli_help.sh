#!/bin/bash
# SPDX-License-Identifier: MIT
# `ustack SUB --help` and `-h` (SUB serve, nc, ping, get, run) print that subcommand's
# usage and no other's (on stdout, exit 0, nothing on stderr); `ustack --help` prints
# every subcommand's.
. "$(dirname "$0")/lib.sh"
t_begin cli_help "$1"

SUBS="serve nc ping get run"

# help_ok OUT ARGS...: ustack ARGS exits 0 with its text in OUT and stderr empty.
help_ok()
{
	local out=$1 rc
	shift
	timeout 10 "$UST" "$@" >"$out" 2>"$T_TMP/err" </dev/null
	rc=$?
	[ "$rc" -eq 0 ] || fail "'ustack $*' exited $rc: $(cat "$T_TMP/err")"
	[ ! -s "$T_TMP/err" ] || fail "'ustack $*' printed on stderr: $(cat "$T_TMP/err")"
}

# usage_lines FILE: the subcommands whose synopsis ("usage: ustack X" or the continuation
# lines under it) FILE shows, one per line, sorted and unique.
usage_lines()
{
	sed -nE 's/^(usage: |       )ustack ([a-z]+) .*/\2/p' "$1" | sort -u | tr '\n' ' '
}

for sub in $SUBS; do
	for flag in --help -h; do
		help_ok "$T_TMP/$sub.txt" "$sub" "$flag"
		got=$(usage_lines "$T_TMP/$sub.txt")
		[ "$got" = "$sub " ] || fail "'ustack $sub $flag' shows the usage of: $got(want $sub only)"
		grep -q -- '--dev tap:NAME' "$T_TMP/$sub.txt" || fail "'ustack $sub $flag' lacks the device block"
		grep -q -- '--pcap FILE' "$T_TMP/$sub.txt" || fail "'ustack $sub $flag' lacks the common options"
	done
	# the options are those of the subcommand: another's are not listed
	echo "ustack $sub --help: $(wc -l <"$T_TMP/$sub.txt") lines, its usage only"
done
grep -q -- '--max-redirs' "$T_TMP/get.txt" || fail "get --help does not list --max-redirs"
grep -q -- '--max-redirs' "$T_TMP/serve.txt" && fail "serve --help lists get's --max-redirs"
grep -q -- '--max-conn N' "$T_TMP/get.txt" && fail "get --help lists serve's limits"
grep -q -- '-W SECS' "$T_TMP/nc.txt" && fail "nc --help lists ping's -W"
# --help after other options, and with a device given, still prints and exits 0
help_ok "$T_TMP/x.txt" ping -c 3 --help
[ "$(usage_lines "$T_TMP/x.txt")" = "ping " ] || fail "'ustack ping -c 3 --help' is not ping's usage"
# ctl has its own
help_ok "$T_TMP/ctl.txt" ctl --help
[ "$(usage_lines "$T_TMP/ctl.txt")" = "ctl " ] || fail "'ustack ctl --help' shows: $(usage_lines "$T_TMP/ctl.txt")"
# the overview: every subcommand
help_ok "$T_TMP/all.txt" --help
[ "$(usage_lines "$T_TMP/all.txt")" = "ctl get nc ping plot run serve " ] ||
	fail "'ustack --help' shows the usage of: $(usage_lines "$T_TMP/all.txt")"
help_ok "$T_TMP/all2.txt" -h
cmp -s "$T_TMP/all.txt" "$T_TMP/all2.txt" || fail "'ustack -h' differs from 'ustack --help'"
echo "ustack --help: every subcommand, $(wc -l <"$T_TMP/all.txt") lines"
pass
