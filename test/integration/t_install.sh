#!/bin/bash
# SPDX-License-Identifier: MIT
# `make install` as a distribution package uses it, checked from the outside:
#  - the file list under DESTDIR (default PREFIX /usr/local), the soname and its symlinks;
#  - the shared library exports only the public API: every name `nm -D` lists is us_* or
#    ustack_* and declared in the installed <ustack.h>, and a program taking the address of
#    every function the header declares links against it (the count is printed);
#  - a program built with nothing but `pkg-config --cflags --libs ustack` (pointed into
#    DESTDIR) against the installed header and shared library runs a stack and moves a UDP
#    datagram and a TCP stream over its loopback (test/install/client.c); the same program
#    linked statically with `pkg-config --static --libs` runs too;
#  - a program defining its own ip_input, tcp_input, cksum and log_level links against the
#    shared library, and against the static one, calls its own, and the stack still works
#    (client.c built -DCLASH); the installed libustack.a has no other globals than the .so;
#  - libustack-preload.so is installed and exports the calls it interposes, not its own
#    functions;
#  - the man page renders without a groff warning and names every option of `ustack --help`
#    and every `--tcp` setting; `ustack --version` agrees with ustack.pc;
#  - PREFIX=/usr with a multiarch LIBDIR lands where asked, and `make uninstall` removes
#    every file it installed.
# No namespace or device: the stack in the programs only uses its own loopback.
# ust: lock make (make in the source tree: run.sh never runs two such tests at once)
. "$(dirname "$0")/lib.sh"
t_begin install "$1"
need_cmd make cc nm readelf pkg-config groff man

ROOT=$(cd "$TESTDIR/../.." && pwd)
BUILD=$(dirname "$UST")
BUILD=${BUILD#"$ROOT"/}
[ -f "$ROOT/include/ustack.h" ] ||
	skip "include/ustack.h is not in this tree: there is no public header to install yet"

# make in the tree, outside any jobserver of a calling make (make test runs this).
tree_make()
{
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL timeout 300 make -s -C "$ROOT" BUILD="$BUILD" "$@" \
		>"$T_TMP/make.log" 2>&1 || fail "make $*: $(tail -n 20 "$T_TMP/make.log")"
}

# The library's sanitizer, if it was built with one (make san): programs linking it need it.
SAN=
readelf -d "$ROOT/$BUILD/libustack.so" 2>/dev/null | grep -q 'libasan' &&
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

DEST=$T_TMP/dest
tree_make install DESTDIR="$DEST"
P=$DEST/usr/local

# --- the file list ---
expected="bin/ustack
include/ustack.h
lib/libustack-preload.so
lib/libustack.a
lib/libustack.so
lib/libustack.so.0
lib/libustack.so.$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")
lib/pkgconfig/ustack.pc
share/man/man8/ustack.8"
[ -f "$ROOT/man/ustack.3" ] && expected="$expected
share/man/man3/ustack.3"
got=$(cd "$P" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
[ "$got" = "$(echo "$expected" | sort)" ] ||
	fail "installed files differ: got [$(echo $got)], want [$(echo $expected)]"
[ "$(cd "$DEST" && find . \( -type f -o -type l \) | grep -vc '^\./usr/local/')" -eq 0 ] ||
	fail "files installed outside PREFIX: $(cd "$DEST" && find . -type f | grep -v '^\./usr/local/')"
[ "$(readlink "$P/lib/libustack.so")" = libustack.so.0 ] || fail "libustack.so does not point to libustack.so.0"
[ -f "$(readlink -f "$P/lib/libustack.so.0")" ] || fail "libustack.so.0 is a dangling link"
soname=$(readelf -d "$P/lib/libustack.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libustack.so.0 ] || fail "soname is '$soname', want libustack.so.0"
[ -x "$P/bin/ustack" ] || fail "bin/ustack is not executable"
[ ! -x "$(readlink -f "$P/lib/libustack.so")" ] || fail "the shared library is executable (install it 644)"

# --- exported symbols: only the public API ---
nm -D --defined-only "$P/lib/libustack.so" | awk '{ print $NF }' | sort >"$T_TMP/exported"
n=$(wc -l <"$T_TMP/exported")
[ "$n" -gt 0 ] || fail "libustack.so exports nothing"
stray=$(grep -vE '^(us|ustack)_[a-z0-9_]+$' "$T_TMP/exported")
[ -z "$stray" ] || fail "libustack.so exports names outside us_*/ustack_*: $(echo $stray)"
cc -fpreprocessed -dD -E -P -x c "$P/include/ustack.h" |
	grep -oE '\b(us|ustack)_[a-z0-9_]+ *[(]' | sed 's/ *[(]$//' | sort -u >"$T_TMP/declared"
undeclared=$(comm -23 "$T_TMP/exported" "$T_TMP/declared")
[ -z "$undeclared" ] || fail "exported but not in <ustack.h>: $(echo $undeclared)"
echo "libustack.so exports $n symbols, all declared in <ustack.h>: $(echo $(cat "$T_TMP/exported"))"
# the preload library exports the calls it interposes and nothing of its own
pexp=$(nm -D --defined-only "$P/lib/libustack-preload.so" | awk '{ print $NF }')
echo "$pexp" | grep -qx connect || fail "libustack-preload.so does not export connect"
stray=$(echo "$pexp" | grep -E '^(pl_|fd_|ctl_|rpc|real_|get_)')
[ -z "$stray" ] || fail "libustack-preload.so exports its internals: $(echo $stray)"
# The installed archive hides the internals the same way.
nm -g --defined-only "$P/lib/libustack.a" | awk 'NF == 3 { print $3 }' | sort >"$T_TMP/archived"
cmp -s "$T_TMP/archived" "$T_TMP/exported" ||
	fail "libustack.a's globals differ from the shared library's: $(echo $(comm -3 "$T_TMP/archived" "$T_TMP/exported"))"

export PKG_CONFIG_PATH=$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST
flags=$(pkg-config --cflags --libs ustack) || fail "pkg-config --cflags --libs ustack failed"
sflags=$(pkg-config --cflags --static --libs ustack) || fail "pkg-config --static --libs ustack failed"
echo "pkg-config --cflags --libs ustack: $flags"

# Every function <ustack.h> declares resolves in the shared library.
{
	echo '#include <ustack.h>'
	echo 'typedef void (*fn)(void);'
	echo 'int main(void) { static volatile fn f[] = {'
	sed 's/.*/(fn)&,/' "$T_TMP/declared"
	echo '}; return f[0] == 0; }'
} >"$T_TMP/decl.c"
# shellcheck disable=SC2086
timeout 60 cc $SAN -o "$T_TMP/decl" "$T_TMP/decl.c" $flags 2>"$T_TMP/cc.log" ||
	fail "a declared function is missing from libustack.so: $(grep -o 'undefined reference to .*' "$T_TMP/cc.log" | head -5)"

# --- a program built from pkg-config alone, shared and static ---
build()
{
	local out=$1
	shift
	# shellcheck disable=SC2086
	timeout 60 cc $SAN -Wall -Werror -o "$T_TMP/$out" "$ROOT/test/install/client.c" "$@" \
		>"$T_TMP/cc.log" 2>&1 || fail "building $out: $(head -20 "$T_TMP/cc.log")"
}
# run NAME WANT: runs the program (the installed shared library first in the search path);
# it must print WANT and nothing on stderr.
run()
{
	LD_LIBRARY_PATH=$P/lib timeout 30 "$T_TMP/$1" >"$T_TMP/$1.out" 2>"$T_TMP/$1.err" ||
		fail "$1 failed (exit $?): $(cat "$T_TMP/$1.out" "$T_TMP/$1.err" | head -20)"
	grep -q "^ok: .*$2" "$T_TMP/$1.out" || fail "$1 printed '$(cat "$T_TMP/$1.out")', want ok ...$2"
	[ ! -s "$T_TMP/$1.err" ] || fail "$1 wrote on stderr: $(head -5 "$T_TMP/$1.err")"
	echo "$1: $(cat "$T_TMP/$1.out")"
}
# shellcheck disable=SC2086
build client $flags
lib=$(LD_LIBRARY_PATH=$P/lib ldd "$T_TMP/client" | awk '/libustack/ { print $3 }')
[ "$(readlink -f "$lib")" = "$(readlink -f "$P/lib/libustack.so.0")" ] ||
	fail "client loads libustack from '$lib', not from DESTDIR"
run client "tcp"
# shellcheck disable=SC2086
build client-static $(echo "$sflags" | sed "s|-lustack\b|$P/lib/libustack.a|")
LD_LIBRARY_PATH=$P/lib ldd "$T_TMP/client-static" | grep -q libustack &&
	fail "client-static still needs libustack.so"
run client-static "tcp"

# --- the stack's internal names do not clash with a program's ---
# shellcheck disable=SC2086
build clash -DCLASH $flags
nm "$T_TMP/clash" | grep -qE ' T ip_input$' || fail "clash does not define its own ip_input"
run clash "own ip_input, tcp_input, cksum and log_level"
# shellcheck disable=SC2086
build clash-static -DCLASH $(echo "$sflags" | sed "s|-lustack\b|$P/lib/libustack.a|")
run clash-static "own ip_input, tcp_input, cksum and log_level"

# --- the man page and the version ---
man8=$P/share/man/man8/ustack.8
warn=$(groff -man -Tutf8 -ww -z "$man8" 2>&1)
[ -z "$warn" ] || fail "groff warns about ustack.8: $warn"
for w in 80 120; do
	warn=$(LC_ALL=C.UTF-8 MANWIDTH=$w man --warnings -l "$man8" 2>&1 >/dev/null)
	[ -z "$warn" ] || fail "man (width $w) warns about ustack.8: $warn"
done
if [ -f "$P/share/man/man3/ustack.3" ]; then
	warn=$(groff -man -Tutf8 -ww -z "$P/share/man/man3/ustack.3" 2>&1)
	[ -z "$warn" ] || fail "groff warns about ustack.3: $warn"
fi
missing=""
for o in $("$P/bin/ustack" --help | grep -oE '(^|[ ,\[])--[a-z][a-z-]*' | sed 's/^[ ,[]*--//' | sort -u); do
	grep -qF -- "\\-\\-${o//-/\\-}" "$man8" || missing="$missing --$o"
done
for s in $("$P/bin/ustack" serve --tcp help | awk 'NR > 1 { print $1 }'); do
	grep -qx "\\.B $s" "$man8" || missing="$missing tcp:$s"
done
[ -z "$missing" ] || fail "ustack.8 does not document:$missing"
ver=$("$P/bin/ustack" --version)
[ "$ver" = "ustack $(pkg-config --modversion ustack)" ] ||
	fail "ustack --version says '$ver', ustack.pc says $(pkg-config --modversion ustack)"
[ "$("$P/bin/ustack" -V)" = "$ver" ] || fail "ustack -V differs from --version"

# --- a Debian-like layout, then uninstall ---
D2=$T_TMP/dest2
ML="PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu"
# shellcheck disable=SC2086
tree_make install DESTDIR="$D2" $ML
pc=$D2/usr/lib/x86_64-linux-gnu/pkgconfig/ustack.pc
[ -f "$pc" ] && [ -f "$D2/usr/lib/x86_64-linux-gnu/libustack.so.0" ] && [ -f "$D2/usr/bin/ustack" ] ||
	fail "PREFIX=/usr LIBDIR=/usr/lib/x86_64-linux-gnu: files not where asked"
grep -qx 'prefix=/usr' "$pc" && grep -qx 'libdir=${prefix}/lib/x86_64-linux-gnu' "$pc" ||
	fail "ustack.pc for PREFIX=/usr: $(head -3 "$pc" | tr '\n' ' ')"
# shellcheck disable=SC2086
tree_make uninstall DESTDIR="$D2" $ML
left=$(cd "$D2" && find . \( -type f -o -type l \))
[ -z "$left" ] || fail "make uninstall left: $(echo $left)"
# Put the build's ustack.pc back to the default PREFIX.
tree_make "$BUILD/ustack.pc"
pass
