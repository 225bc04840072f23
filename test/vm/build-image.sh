#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds the guest of the VM test and of `make lab`: Debian 12's own kernel and a small
# initramfs made of busybox-static, test/vm/init and the modules the virtio NIC needs.
# Nothing is installed on this machine: both packages are fetched with `apt-get download`
# and unpacked with `dpkg -x` into a cache directory, one directory per package version,
# reused by every later run (a new kernel in the archive is a new directory).
#
#   test/vm/build-image.sh           prints two lines: the kernel's path, the initramfs's
#
# Environment:
#   USTACK_VM_CACHE   the cache directory [/var/cache/ustack-vm]
#   VM_KERNEL_PKG     the kernel package [what linux-image-amd64 depends on]
#
# The initramfs is keyed too (by the two package versions and a checksum of init and of
# this script), so editing init makes a new one and an unchanged tree reuses the old.
# Progress goes to stderr; stdout carries only the two paths.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${USTACK_VM_CACHE:-/var/cache/ustack-vm}
# The modules loaded at boot, in this order; their own dependencies come from modules.dep.
MODULES="virtio_pci virtio_net"

say() { echo "build-image: $*" >&2; }
die() { say "$*"; exit 1; }

for c in apt-get apt-cache dpkg dpkg-deb cpio gzip; do
	command -v "$c" >/dev/null 2>&1 || die "$c not found (Debian's apt, dpkg, cpio, gzip: make deps)"
done
mkdir -p "$CACHE/debs" || die "cannot create $CACHE (run as root or set USTACK_VM_CACHE)"
# apt downloads as its own user where it can write (else it warns and does it as root).
id _apt >/dev/null 2>&1 && chown _apt "$CACHE/debs" 2>/dev/null
# One build at a time per cache (the test and `make lab` may start together).
exec 9>"$CACHE/.lock"
command -v flock >/dev/null 2>&1 && flock -w 600 9

# pkg_version PKG: the version apt would install (the candidate).
pkg_version()
{
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1
}

kernel_pkg()
{
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1
}
# Package lists removed (a slim container) or never fetched: fetch them once.
if [ -z "$(kernel_pkg)" ] || ! pkg_version busybox-static | grep -q '^[0-9]'; then
	say "apt knows no linux-image-amd64 or busybox-static: apt-get update"
	apt-get -q update >&2 || die "apt-get update failed"
fi
[ -n "${VM_KERNEL_PKG:-}" ] || VM_KERNEL_PKG=$(kernel_pkg)
[ -n "$VM_KERNEL_PKG" ] || die "cannot tell which kernel linux-image-amd64 depends on"

# unpacked PKG FAMILY: downloads PKG's candidate version (once) and unpacks it into
# $CACHE/PKG_VERSION (once); prints that directory. Once unpacked, the other trees whose
# names start with FAMILY (older versions, older kernel ABIs) are removed.
unpacked()
{
	pkg=$1 family=$2
	ver=$(pkg_version "$pkg")
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "apt has no version of $pkg"
	dir=$CACHE/${pkg}_$(echo "$ver" | tr ':' '+')
	if [ ! -f "$dir/.unpacked" ]; then
		(cd "$CACHE/debs" && { apt-get -q download "$pkg=$ver" >&2 ||
			{ apt-get -q update >&2 && apt-get -q download "$pkg=$ver" >&2; }; }) ||
			die "apt-get download $pkg=$ver failed"
		deb=$(ls "$CACHE/debs/${pkg}_"*"$(echo "$ver" | sed 's/^[0-9]*://')_amd64.deb" | head -n 1)
		[ -f "$deb" ] || die "downloaded $pkg but found no .deb in $CACHE/debs"
		rm -rf "$dir.tmp"
		say "unpacking $(basename "$deb")"
		dpkg -x "$deb" "$dir.tmp"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
		rm -f "$deb" # the unpacked tree is what is kept
		touch "$dir/.unpacked"
		# Older versions of the package are not used again (about 400 MB a kernel).
		for old in "$CACHE/$family"*; do
			[ "$old" = "$dir" ] || rm -rf "$old"
		done
	fi
	echo "$dir"
}

KDIR=$(unpacked "$VM_KERNEL_PKG" linux-image-)
BBDIR=$(unpacked busybox-static busybox-static_)
BB=$BBDIR/bin/busybox
[ -x "$BB" ] || die "no busybox in $BBDIR"
KVER=$(ls "$KDIR/lib/modules" | head -n 1)
KERNEL=$KDIR/boot/vmlinuz-$KVER
[ -f "$KERNEL" ] || die "no kernel image in $KDIR/boot"
# The package leaves modules.dep to depmod in its postinst, which dpkg -x does not run.
if [ ! -f "$KDIR/lib/modules/$KVER/modules.dep" ]; then
	say "modules.dep for $KVER"
	"$BB" depmod -b "$KDIR" "$KVER"
fi

key=$( { basename "$KDIR"; basename "$BBDIR"; echo "$MODULES"; cat "$HERE/init" "$0"; } |
	sha256sum | cut -c1-16)
INITRD=$CACHE/initrd-$key.cpio.gz
if [ ! -f "$INITRD" ]; then
	say "initramfs $INITRD"
	stage=$(mktemp -d "${TMPDIR:-/tmp}/ustack-vm-initrd.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/bin" "$stage/sbin" "$stage/etc" "$stage/proc" "$stage/sys" \
		"$stage/dev" "$stage/tmp" "$stage/run" "$stage/root" "$stage/www" \
		"$stage/lib/modules/$KVER"
	cp "$BB" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh" # the rest of the applets are linked by init
	cp "$HERE/init" "$stage/init"
	chmod 0755 "$stage/init"
	# Each module named, and what modules.dep says it needs, at the same relative path.
	mods=""
	for m in $MODULES; do
		line=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$KDIR/lib/modules/$KVER/modules.dep") ||
			die "$m is not a module of $KVER (built in? not built?)"
		mods="$mods $(echo "$line" | tr -d ':')"
	done
	mods=$(echo "$mods" | tr ' ' '\n' | awk 'NF && !seen[$0]++')
	for f in $mods; do
		mkdir -p "$stage/lib/modules/$KVER/$(dirname "$f")"
		cp "$KDIR/lib/modules/$KVER/$f" "$stage/lib/modules/$KVER/$f"
	done
	cp "$KDIR/lib/modules/$KVER/modules.builtin" "$stage/lib/modules/$KVER/" 2>/dev/null || true
	"$BB" depmod -b "$stage" "$KVER"
	echo "$MODULES" >"$stage/etc/modules"
	echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
	echo "root:x:0:" >"$stage/etc/group"
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) \
		>"$INITRD.tmp"
	mv "$INITRD.tmp" "$INITRD"
	say "$(echo "$mods" | wc -w) modules: $(for f in $mods; do basename "$f" .ko; done | tr '\n' ' ')"
fi
touch "$INITRD"
# initramfs files of other trees or older versions: gone after a week unused
find "$CACHE" -maxdepth 1 -name 'initrd-*.cpio.gz' -mtime +7 -delete 2>/dev/null
echo "$KERNEL"
echo "$INITRD"
