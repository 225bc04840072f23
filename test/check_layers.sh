#!/bin/sh
# SPDX-License-Identifier: MIT
# The include rule of docs/architecture.md ("What may include what"), checked: every
# `#include "DIR/..."` in a library folder must name that folder or one below it. Prints
# PASS or FAIL with one line per offending include; exits non-zero on a violation. Besides,
# TCP's internal header tcp/tcp_var.h may be included only by tcp/ and test/.
#   test/check_layers.sh [ROOT]          (ROOT: the tree to check, default the repository)
# Before the tree, it checks a made-up tree with one upward include and fails if that is
# not caught, so a check that has stopped seeing anything cannot pass.
# If UST_RESULTS names a file, "layers PASSED FAILED 0" is appended to it.
set -u
ROOT=$(cd "${1:-$(dirname "$0")/..}" && pwd) || exit 1

# folder: the folders its files may include (itself included). apps/ and test/ may include
# anything and are not checked.
allowed() {
	case $1 in
	net)    echo "net" ;;
	driver) echo "net driver" ;;
	ether)  echo "net ether" ;;
	arp)    echo "net ether arp" ;;
	ip)     echo "net arp ip" ;;
	ip6)    echo "net ip6" ;;
	nd)     echo "net ether ip6 nd" ;;
	udp)    echo "net ip udp" ;;
	tcp)    echo "net ip tcp" ;;
	dhcp)   echo "net dhcp" ;;
	dns)    echo "net dns include" ;;
	lib)    echo "net driver ether arp ip ip6 nd udp tcp dhcp dns lib" ;;
	preload) echo "net lib preload" ;;
	esac
}
LAYER_DIRS="net driver ether arp ip ip6 nd udp tcp dhcp dns lib preload"

# Prints "file:line: includes DIR/... (FOLDER/ may include: ...)" per violation.
check_tree() {
	root=$1
	for d in $LAYER_DIRS; do
		[ -d "$root/$d" ] || continue
		ok=$(allowed "$d")
		for f in "$root/$d"/*.c "$root/$d"/*.h; do
			[ -f "$f" ] || continue
			# each `#include "DIR/NAME"` as LINE:TEXT; a name with no folder counts as "-"
			grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			while IFS= read -r hit; do
				line=${hit%%:*}
				inc=$(printf '%s\n' "$hit" | sed 's/^[^"]*"\([^"]*\)".*/\1/')
				case $inc in
				*/*) top=${inc%%/*} ;;
				*)   top=- ;;
				esac
				case " $ok " in
				*" $top "*) ;;
				*) echo "${f#"$root"/}:$line: includes \"$inc\" ($d/ may include: $ok)" ;;
				esac
			done
		done
	done
}

# The check must be able to fail: an upward include in a made-up tree is reported.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ust-layers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/net" "$tmp/tcp"
printf '#include "net/pkb.h"\n#include "tcp/tcp.h"\n' >"$tmp/net/bad.c"
printf '#include "net/pkb.h"\n#include "ip/ip.h"\n' >"$tmp/tcp/good.c"
self=$(check_tree "$tmp")
passed=0 failed=0
if [ "$self" != 'net/bad.c:2: includes "tcp/tcp.h" (net/ may include: net)' ]; then
	echo "FAIL layers: the check does not catch net/ including tcp/ (got: ${self:-nothing})"
	failed=1
else
	out=$(check_tree "$ROOT")
	# tcp/tcp_var.h is TCP's internal header: outside tcp/ only the tests include it
	for f in "$ROOT"/*/*.c "$ROOT"/*/*.h; do
		case ${f#"$ROOT"/} in tcp/* | test/*) continue ;; esac
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"tcp/tcp_var.h"' "$f" |
		sed "s|^\([0-9]*\):.*|${f#"$ROOT"/}:\1: includes \"tcp/tcp_var.h\" (internal to tcp/)|"
	done >"$tmp/var"
	[ -s "$tmp/var" ] && out=$(printf '%s\n%s' "$out" "$(cat "$tmp/var")" | sed '/^$/d')
	if [ -n "$out" ]; then
		echo "FAIL layers: includes against the layer order (docs/architecture.md):"
		printf '%s\n' "$out" | sed 's/^/    | /'
		failed=1
	else
		echo "PASS layers (include order of $LAYER_DIRS)"
		passed=1
	fi
fi
[ -n "${UST_RESULTS:-}" ] && echo "layers $passed $failed 0" >>"$UST_RESULTS"
[ "$failed" -eq 0 ]
