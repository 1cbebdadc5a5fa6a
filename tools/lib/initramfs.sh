# Building initramfs images from Debian's kernel and busybox-static, cached.
# Sourced by tools/emuhost and tools/guestkit; expects $cache to be set.

# initramfs_base KDIR NAME INIT MODULE...
# Prints the path of a cached base initramfs: busybox, INIT as /init, and the
# MODULEs with their dependencies (decompressed, with modules.dep, so busybox's
# modprobe loads them), and the host's programs named in INITRAMFS_PROGRAMS
# (an array) with the shared libraries they load. Rebuilt only when an input
# changes.
initramfs_base() {
	local kdir=$1 name=$2 init=$3
	shift 3
	local release key out staging mods path
	local programs=("${INITRAMFS_PROGRAMS[@]}")
	release=$(cat "$kdir/release")
	key=$( {
		echo "$release $* ${programs[*]}"
		cat "$init" /bin/busybox "${BASH_SOURCE[0]}" "${programs[@]}"
	} | sha256sum | cut -c1-16)
	out=$cache/$name/initrd-$key.cpio.gz
	[ -e "$out" ] && { echo "$out"; return 0; }

	mkdir -p "$cache/$name"
	(
		flock 8
		[ -e "$out" ] && exit 0
		staging=$(mktemp -d "$cache/$name/.build.XXXXXX")
		trap 'rm -rf "$staging" "$staging.cpio.gz"' EXIT
		mods=$staging/lib/modules/$release
		mkdir -p "$staging/bin" "$mods/kernel"
		cp /bin/busybox "$staging/bin/busybox"
		cp "$init" "$staging/init"
		chmod 755 "$staging/init"
		for m in "$@"; do
			modprobe -d "$kdir" -S "$release" --show-depends "$m" |
				awk '$1 == "insmod" { print $2 }'
		done | sort -u | while read -r path; do
			xz -dc "$path" >"$mods/kernel/$(basename "$path" .xz)"
		done
		cp "$kdir/lib/modules/$release"/modules.{order,builtin,builtin.modinfo} "$mods/"
		for path in "${programs[@]}"; do
			initramfs_add_program "$staging" "$path"
		done
		depmod -b "$staging" "$release"
		(cd "$staging" && find . -mindepth 1 | cpio --quiet -o -H newc -R 0:0) |
			gzip -1 >"$staging.cpio.gz"
		# The kernel finds an archive appended after this one only at a 4-byte
		# aligned offset; zeros between archives are skipped.
		truncate -s %4 "$staging.cpio.gz"
		find "$cache/$name" -maxdepth 1 -name 'initrd-*.cpio.gz' -delete   # outdated ones
		mv "$staging.cpio.gz" "$out"
	) 8>"$cache/$name/.lock" || return 1
	echo "$out"
}

# initramfs_add_program STAGING PATH: the program at its own path under
# STAGING, with every shared library ldd names (the loader included).
initramfs_add_program() {
	local staging=$1 path=$2 lib
	mkdir -p "$staging$(dirname "$path")"
	cp -L "$path" "$staging$path"
	for lib in $(ldd "$path" | grep -oE '/[^ ]+'); do
		[ -e "$staging$lib" ] && continue
		mkdir -p "$staging$(dirname "$lib")"
		cp -L "$lib" "$staging$lib"
	done
}

# initramfs_append BASE OUT FILE...
# Writes OUT: BASE followed by an archive holding each FILE at the root (the
# kernel unpacks concatenated archives in turn, later files winning).
initramfs_append() {
	local base=$1 out=$2 dir
	shift 2
	dir=$(mktemp -d)
	cp "$@" "$dir/"
	(cd "$dir" && for f in "$@"; do basename "$f"; done | cpio --quiet -o -H newc -R 0:0) >"$dir/.cpio"
	cat "$base" "$dir/.cpio" >"$out.tmp"
	rm -rf "$dir"
	mv "$out.tmp" "$out"
}
