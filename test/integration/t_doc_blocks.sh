#!/bin/bash
# SPDX-License-Identifier: MIT
# Every shell block of README.md and docs/*.md runs as written. doc_blocks.py extracts the
# blocks (its comment gives the fence tags: sh and bash blocks run, `continues` joins the
# block before, `needs=PATH` and `not-run: REASON` skip with a reason, other tags are not
# commands, an untagged fence fails the test). Each group of blocks runs as root with
# bash -eE, from the source tree, in a fresh network namespace (lo up) and a mount
# namespace of its own with private /tmp, /run/netns and /run/ustack, so the names it
# picks (namespaces, control sockets, files) meet nobody else's; bounded in time. A group
# passes when every command succeeds and it leaves no process running; a failure names
# the file and line of the command. The counts of run, skipped and other blocks are printed.
# With a build other than build/ (make san's build/san), "build/" in a block means that
# build, and cc links with the sanitizers when the library has them.
# ust: lock make (make in the source tree: run.sh never runs two such tests at once)
. "$(dirname "$0")/lib.sh"
t_begin doc_blocks "$1"
need_cmd unshare setsid
ROOT=$(cd "$TESTDIR/../.." && pwd)
BUILD=$(dirname "$UST")
BUILD=${BUILD#"$ROOT"/}
GROUP_SECS=${DOC_BLOCK_SECS:-100}
SAN=
readelf -d "$ROOT/$BUILD/ustack" 2>/dev/null | grep -q 'libasan' &&
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

mkdir "$T_TMP/blocks"
(cd "$ROOT" && "$PY" "$TESTDIR/doc_blocks.py" "$T_TMP/blocks" README.md docs/*.md) \
	>"$T_TMP/list" || fail "doc_blocks.py failed"
untagged=$(awk '$1 == "untagged" { print $2 }' "$T_TMP/list")
[ -z "$untagged" ] ||
	fail "untagged code fences (tag them sh to run, or text, c, ...): $(echo $untagged)"
n_other=$(grep -c '^other ' "$T_TMP/list")
n_skip=$(grep -c '^skip ' "$T_TMP/list")
n_run=$(grep -c '^run ' "$T_TMP/list")
grep '^skip ' "$T_TMP/list" | sed 's/^skip /skipped (not-run): /'

# run_group N: runs group N; sets GROUP_RESULT (pass, skip or fail) and GROUP_WHY.
run_group()
{
	local n=$1 base=$T_TMP/blocks/$1 name p rc pid line where left
	name=$(cat "$base.name")
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		if [ ! -e "$ROOT/${p/#build\//$BUILD/}" ]; then
			GROUP_RESULT=skip GROUP_WHY="$name: needs $p"
			return
		fi
	done <"$base.needs"
	if [ "$BUILD" != build ]; then
		sed -i "s#\\bbuild/#$BUILD/#g" "$base.sh"
	fi
	setsid timeout -k 5 "$GROUP_SECS" unshare --mount --net --propagation private \
		bash -c '
		set -e
		script=$(cat "$1")
		# The tree may itself be under /tmp (a CI clone), which the private tmpfs hides:
		# the working directory still holds it, and is bound back at its own path.
		cd "$2"
		mount -t tmpfs doc-tmp /tmp
		case "$2" in
		/tmp/*)
			mkdir -p "$2"
			mount --no-canonicalize --bind /proc/self/cwd "$2"
			cd "$2"
			;;
		esac
		mkdir -p /run/netns /run/ustack
		mount -t tmpfs doc-netns /run/netns
		mount -t tmpfs doc-ustack /run/ustack
		ip link set lo up
		if [ "$4" != build ]; then
			export BUILD=$4 # make in a block builds (or finds up to date) this tree
		fi
		if [ -n "$3" ]; then
			# as make san builds it, so that make in a block finds it up to date
			export DEBUG=1 CFLAGS="-O1 -g $3 -fno-omit-frame-pointer"
			mkdir /tmp/.doc-bin
			printf "#!/bin/sh\nexec /usr/bin/cc %s \"\$@\"\n" "$3" >/tmp/.doc-bin/cc
			chmod +x /tmp/.doc-bin/cc
			PATH=/tmp/.doc-bin:$PATH
		fi
		exec bash -eE -c "$script"
		' doc-block "$base.sh" "$ROOT" "$SAN" "$BUILD" >"$base.out" 2>&1 </dev/null &
	pid=$!
	T_PIDS+=("$pid")
	wait "$pid"
	rc=$?
	left=$(pgrep -g "$pid" 2>/dev/null | xargs -r ps -o pid=,args= -p 2>/dev/null)
	[ -n "$left" ] && kill -KILL -- -"$pid" 2>/dev/null
	if [ "$rc" -eq 0 ] && [ -z "$left" ]; then
		GROUP_RESULT=pass GROUP_WHY=$name
		return
	fi
	GROUP_RESULT=fail
	line=$(sed -n 's/^doc-block-failed-at \([0-9]*\) status.*/\1/p' "$base.out" | tail -n 1)
	where=$name
	[ -n "$line" ] && where=$(sed -n "${line}p" "$base.map")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		GROUP_WHY="$where: still running after $GROUP_SECS s (the block starting at $name)"
	elif [ "$rc" -ne 0 ]; then
		GROUP_WHY="$where: exit status $rc (the block starting at $name)"
	else
		GROUP_WHY="$name: left processes running: $(echo "$left" | head -n 3 | tr '\n' ';')"
	fi
	echo "    --- output of $name:"
	tail -n 25 "$base.out" | sed 's/^/    | /'
}

passed=0 skipped=0 failed=0 first_fail=
for f in $(ls "$T_TMP"/blocks/*.name 2>/dev/null | sort -V); do
	[ -e "$f" ] || continue
	n=$(basename "$f" .name)
	t0=$(date +%s)
	run_group "$n"
	echo "$GROUP_RESULT $GROUP_WHY ($(($(date +%s) - t0)) s)"
	case $GROUP_RESULT in
	pass) passed=$((passed + 1)) ;;
	skip) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)); [ -n "$first_fail" ] || first_fail=$GROUP_WHY ;;
	esac
done
summary="$n_run shell blocks in $((passed + skipped + failed)) groups: $passed passed, $failed failed,"
summary="$summary $skipped skipped for a missing build; $n_skip blocks not-run, $n_other not shell"
echo "doc blocks: $summary"
[ "$failed" -eq 0 ] || fail "$failed group(s) failed; first: $first_fail"
[ "$passed" -gt 0 ] || fail "no block ran"
T_NAME="doc_blocks ($summary)" # the counts reach run.sh's one line
pass
