#!/usr/bin/env bash
# emuhost: --cpus 2
# Virtual block devices, as an administrator uses them: disk = [...] in a
# config, the guest's own xen-blkfront. A guest makes an ext4 on its xvda,
# writes and syncs, and is destroyed without a shutdown: the host's fsck is
# clean and every synced file has its checksum. Two guests share an image
# read-only, and a writable open of an image in use is refused. A block
# device (a loop device) and a cdrom. A domain boots from a qcow2 (served
# by qemu-nbd); a qcow2 and a disk on an NBD server keep their data across
# a restart of the domain. block-attach, block-list and block-detach on a
# running guest. Statistics in xm list --long.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='blktest-*'
. "$(dirname "$0")/../lib/xm.sh"

# The guest runs each line typed at its console.
cat >"$work/guest.sh" <<'GUEST'
modprobe ext4
mkdir -p /mnt
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

config() { guest_config "$1" disk "${@:2}"; }

ok "xend start" "$xend" start

truncate -s 64M "$work/a.img"
mkdir "$work/shared"
echo "the same bytes for everyone" >"$work/shared/hello"
mkfs.ext4 -q -d "$work/shared" "$work/ro.img" 16M >/dev/null
qemu-img create -q -f qcow2 "$work/q.qcow2" 64M
truncate -s 32M "$work/n.img" "$work/h.img"
qemu-nbd --fork --persistent --format=raw --bind=127.0.0.1 --port=10810 --pid-file="$work/nbd.pid" "$work/n.img"
# A block device: a loop device over an image, named as phy: names a
# device under /dev.
modprobe loop
truncate -s 32M "$work/p.img"
loop=$(losetup --find --show "$work/p.img")
printf 'a read-only medium' | dd of="$work/cd.img" conv=sync bs=1M 2>/dev/null
trap 'kill "$(cat "$work/nbd.pid" 2>/dev/null)" 2>/dev/null; xm_test_cleanup; losetup -d "$loop"' EXIT

# A root file system on a qcow2: busybox, and an /sbin/init that counts its
# boots there and powers off. The guest's initramfs only mounts xvda and
# switches to it, as a distribution's does.
mkdir -p "$work/root/bin" "$work/root/sbin" "$work/root/proc" "$work/root/dev" "$work/stage1"
cp /bin/busybox "$work/root/bin/busybox"
cat >"$work/root/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
n=$(($(cat /boots 2>/dev/null || echo 0) + 1))
echo $n >/boots
sync
echo "root $(awk '$2 == "/" { print $1 }' /proc/mounts), boot $n"
poweroff -f
INIT
chmod 755 "$work/root/sbin/init"
mkfs.ext4 -q -d "$work/root" "$work/root.raw" 32M >/dev/null
qemu-img convert -O qcow2 "$work/root.raw" "$work/boot.qcow2"
cat >"$work/stage1/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /newroot
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
modprobe xen-blkfront
modprobe ext4
for i in $(seq 100); do [ -b /dev/xvda ] && break; sleep 0.1; done
mount /dev/xvda /newroot && exec switch_root /newroot /sbin/init
echo "stage one: cannot mount /dev/xvda"
poweroff -f
INIT
chmod 755 "$work/stage1/init"
. "$root/tools/lib/initramfs.sh"
initramfs_append "$work/guest.img" "$work/boot.img" "$work/stage1/init"
RAMDISK=$work/boot.img config blktest-b "tap:qcow2:$work/boot.qcow2,xvda,w"

# Linux's blkfront asks for one ring page and one queue unless told more:
# this guest asks for two queues of four-page rings.
VCPUS=2 EXTRA="xen_blkfront.max_ring_page_order=2 xen_blkfront.max_queues=2" config blktest-a "file:$work/a.img,xvda,w"
config blktest-r1 "file:$work/ro.img,xvda,r"
config blktest-r2 "tap:aio:$work/ro.img,hda,r"
config blktest-q "tap:qcow2:$work/q.qcow2,xvda,w"
config blktest-n "nbd:127.0.0.1:10810,xvdb,w"
config blktest-h
config blktest-p "phy:${loop#/dev/},xvda,w" "file:$work/cd.img,hdc:cdrom,r"
for d in a r1 r2 q n h p; do
	ok "xm create blktest-$d" "$xm" create "blktest-$d"
done
for d in a r1 r2 q n h p; do
	ok "blktest-$d comes up" wait_for "$(console_log "blktest-$d")" '^guest ready$' 180
done

# --- a domain booting from a qcow2 ---
ok "xm create blktest-b, its root on a qcow2" "$xm" create blktest-b
ok "it boots with /dev/xvda as its root, and writes there" wait_for "$(console_log blktest-b)" '^root /dev/xvda, boot 1$' 180
gone() { for _ in $(seq 100); do "$xm" list "$1" >/dev/null 2>&1 || return 0; sleep 0.2; done; return 1; }
ok "... then powers off" gone blktest-b
ok "xm create blktest-b again" "$xm" create blktest-b
ok "it boots from the qcow2 again and finds what it wrote" wait_for "$(console_log blktest-b)" '^root /dev/xvda, boot 2$' 180
ok "... and powers off" gone blktest-b

# --- data safety: mkfs, synced files, xm destroy, fsck on the host ---
ok "the guest sees its 64 MiB disk as xvda" run blktest-a '^size 131072$' 'echo "size $(cat /sys/block/xvda/size)"'
fe=/local/domain/$("$xm" domid blktest-a)/device/vbd/51712
is "the frontend asked for two queues" "$(xenstore-read "$fe/multi-queue-num-queues")" 2
is "... of four-page rings" "$(xenstore-read "$fe/ring-page-order")" 2
ok "... and granted them (queue-1/ring-ref3)" xenstore-read "$fe/queue-1/ring-ref3"
ok "... which the backend took (state 4)" test "$(xenstore-read "$(xenstore-read "$fe/backend")/state")" = 4
like "xm block-list shows its first queue's event channel and ring" "$("$xm" block-list blktest-a)" \
	'^51712 +0 +0 +4 +[0-9]+ +[0-9]+ +/local/domain/0/backend/vbd/'
ok "the backend offers indirect requests, flush, barriers and discard" test \
	"$(cd / && for n in feature-max-indirect-segments feature-flush-cache feature-barrier feature-discard; do
		xenstore-read "$(xenstore-read "$fe/backend")/$n"; done | tr '\n' ' ')" = "256 1 1 1 "
ok "mkfs.ext4 on xvda, files written and synced" run blktest-a '^synced$' \
	'mkfs.ext4 -q /dev/xvda && mount /dev/xvda /mnt && for i in 1 2 3 4 5; do dd if=/dev/urandom of=/mnt/f$i bs=64k count=$((i * 8)) 2>/dev/null; done && (cd /mnt && sha256sum f?) | sed "s/^/sum /" && sync && echo synced'
like "mkfs.ext4's discards reached the backend, and its flushes" "$("$xm" list --long blktest-a)" \
	'\(dev xvda\).*\(f_req [1-9][0-9]*\).*\(ds_req [1-9][0-9]*\) \(errors 0\)'
log_of blktest-a | sed -n 's/^sum \([0-9a-f]\{64\}\)  \(f[0-9]\)$/\1  \2/p' >"$work/a.sums"
is "the guest printed five checksums" "$(wc -l <"$work/a.sums")" 5
# Writes still under way when the domain dies are the guest's loss, not
# the synced files'.
send blktest-a 'dd if=/dev/urandom of=/mnt/late bs=1M count=16 2>/dev/null &'
ok "xm destroy blktest-a, no shutdown" "$xm" destroy blktest-a
# Preening is what a boot does: replay the journal, fix silently only what
# ext4 leaves to fsck (the superblock's free counts); anything else fails it.
out=$(e2fsck -fp "$work/a.img" 2>&1)
status=$?
ok "the host's e2fsck -fp replays the journal and finds nothing unexpected" test $status -le 1
[ $status -le 1 ] || diag "$out"
out=$(e2fsck -fn "$work/a.img" 2>&1)
is "the host's e2fsck -fn of the image is then clean" "$?" 0
mkdir "$work/a.out"
for i in 1 2 3 4 5; do debugfs -R "dump /f$i $work/a.out/f$i" "$work/a.img" >/dev/null 2>&1; done
is "every synced file has the checksum the guest printed" "$(cd "$work/a.out" && sha256sum -c "$work/a.sums" 2>&1 | grep -c ': OK$')" 5

# --- sharing: read-only twice, and a writable open refused ---
ok "blktest-r1 reads the shared image" run blktest-r1 '^hello: the same bytes' \
	'mount -o ro /dev/xvda /mnt && echo "hello: $(cat /mnt/hello)"'
ok "blktest-r2 reads it too, at the same time, as hda" run blktest-r2 '^hello: the same bytes' \
	'mount -o ro /dev/xvda /mnt && echo "hello: $(cat /mnt/hello)"'
ok "a read-only disk is read-only in the guest" run blktest-r1 '^ro 1$' 'echo "ro $(cat /sys/block/xvda/ro)"'
ok "... and a write to it fails" run blktest-r1 '^write refused$' \
	'blockdev --setrw /dev/xvda 2>/dev/null; dd if=/dev/zero of=/dev/xvda bs=4k count=1 oflag=direct 2>/dev/null && echo "write done" || echo "write refused"'
config blktest-w "file:$work/ro.img,xvda,w"
out=$("$xm" create blktest-w 2>&1)
is "a writable open of an image in use read-only is refused" "$?" 1
like "... naming the image and the domain using it" "$out" "ro\.img.*in use by domain blktest-r[12]"
unlike "xm list has no blktest-w" "$("$xm" list)" '^blktest-w '
is "... and XenStore keeps nothing of it" "$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | grep -c blktest-w)" 0
config blktest-w2 "tap:qcow2:$work/q.qcow2,xvda,w"
like "a second writer of the qcow2 in use is refused" "$("$xm" create blktest-w2 2>&1)" "q\.qcow2.*in use by domain blktest-q"

# --- a block device, and a cdrom ---
ok "phy:${loop#/dev/} is the guest's 32 MiB xvda" run blktest-p '^size 65536$' 'echo "size $(cat /sys/block/xvda/size)"'
ok "the guest writes it" run blktest-p '^psum ' \
	'dd if=/dev/urandom of=/tmp/p bs=64k count=16 2>/dev/null && dd if=/tmp/p of=/dev/xvda bs=64k oflag=direct 2>/dev/null && echo "psum $(sha256sum </tmp/p)"'
psum=$(log_of blktest-p | sed -n 's/^psum \([0-9a-f]*\).*/\1/p' | tail -1)
is "the host's block device holds what the guest wrote" "$(dd if="$loop" bs=64k count=16 2>/dev/null | sha256sum | cut -d' ' -f1)" "$psum"
be=/local/domain/0/backend/vbd/$("$xm" domid blktest-p)/51712
host_discards=$([ "$(cat "/sys/block/${loop#/dev/}/queue/discard_max_bytes")" -gt 0 ] && echo 1 || echo 0)
is "feature-discard says what the host's device can do" "$(xenstore-read "$be/feature-discard")" "$host_discards"
if [ "$host_discards" = 1 ]; then
	ok "blkdiscard in the guest reaches the device" run blktest-p '^discarded$' 'blkdiscard /dev/xvda && echo discarded'
	like "... and counts" "$("$xm" list --long blktest-p)" '\(dev xvda\).*\(ds_req [1-9][0-9]*\) \(errors 0\)'
fi
ok "the cdrom (hdc) is the guest's xvdc, removable and read-only" run blktest-p '^cdrom 1 1$' \
	'echo "cdrom $(cat /sys/block/xvdc/removable) $(cat /sys/block/xvdc/ro)"'
ok "... and reads back the medium" run blktest-p '^medium: a read-only medium$' \
	'echo "medium: $(head -c 18 /dev/xvdc)"'

# --- qcow2 through qemu-nbd, and an NBD server ---
ok "the qcow2 disk takes an ext4 and a file" run blktest-q '^qsum ' \
	'mkfs.ext4 -q /dev/xvda && mount /dev/xvda /mnt && dd if=/dev/urandom of=/mnt/data bs=64k count=64 2>/dev/null && sync && echo "qsum $(sha256sum </mnt/data)"'
qsum=$(log_of blktest-q | sed -n 's/^qsum \([0-9a-f]*\).*/\1/p' | tail -1)
ok "the NBD disk takes writes" run blktest-n '^nsum ' \
	'dd if=/dev/urandom of=/tmp/n bs=64k count=32 2>/dev/null && dd if=/tmp/n of=/dev/xvdb bs=64k oflag=direct 2>/dev/null && sync && echo "nsum $(sha256sum </tmp/n)"'
nsum=$(log_of blktest-n | sed -n 's/^nsum \([0-9a-f]*\).*/\1/p' | tail -1)
ok "xm shutdown -w blktest-q" "$xm" shutdown -w blktest-q
ok "xm destroy blktest-n" "$xm" destroy blktest-n
is "no qemu-nbd of ours is left once the qcow2's domain is gone" "$(pgrep -fc 'qemu-nbd --format=qcow2')" 0
ok "qemu-img check finds the qcow2 clean" qemu-img check -q "$work/q.qcow2"
is "the NBD server's image holds what the guest wrote" "$(head -c 2M "$work/n.img" | sha256sum | cut -d' ' -f1)" "$nsum"
# Their first boots' consoles are kept aside, for the crash check at the end.
mv "$(console_log blktest-q)" "$(console_log blktest-q).1"
mv "$(console_log blktest-n)" "$(console_log blktest-n).1"
ok "blktest-q starts again" "$xm" create blktest-q
ok "blktest-n starts again" "$xm" create blktest-n
ok "blktest-q comes up" wait_for "$(console_log blktest-q)" '^guest ready$' 180
ok "blktest-n comes up" wait_for "$(console_log blktest-n)" '^guest ready$' 180
ok "the qcow2's file survived the restart" run blktest-q "^qsum $qsum" \
	'mount /dev/xvda /mnt && echo "qsum $(sha256sum </mnt/data)"'
ok "the NBD disk's data survived it" run blktest-n "^nsum $nsum" \
	'echo "nsum $(dd if=/dev/xvdb bs=64k count=32 2>/dev/null | sha256sum)"'

# --- hot-plug ---
ok "xm block-attach blktest-h file:h.img xvdc w" "$xm" block-attach blktest-h "file:$work/h.img" xvdc w
ok "the guest sees xvdc appear" run blktest-h '^xvdc 65536$' \
	'for i in $(seq 100); do [ -b /dev/xvdc ] && break; sleep 0.1; done; echo "xvdc $(cat /sys/block/xvdc/size)"'
list=$("$xm" block-list blktest-h)
like "xm block-list shows the header Xen prints" "$list" '^Vdev +BE +handle +state +evt-ch +ring-ref +BE-path'
like "... and xvdc (51744), connected (4)" "$list" '^51744 +0 +0 +4 +[0-9]+ +[0-9]+ +/local/domain/0/backend/vbd/[0-9]+/51744'
ok "the guest writes and reads xvdc" run blktest-h '^hot ok$' \
	'echo hot-plugged >/tmp/h && dd if=/tmp/h of=/dev/xvdc bs=512 count=1 conv=sync,fsync 2>/dev/null && dd if=/dev/xvdc bs=512 count=1 2>/dev/null | grep -q hot-plugged && echo "hot ok"'
long=$("$xm" list --long blktest-h)
like "xm list --long counts xvdc's requests and sectors" "$long" '\(dev xvdc\).*\(rd_req [1-9][0-9]*\).*\(wr_req [1-9][0-9]*\)'
ok "xm block-detach blktest-h xvdc" "$xm" block-detach blktest-h xvdc
ok "the guest sees xvdc go" run blktest-h '^xvdc gone$' \
	'for i in $(seq 100); do [ -b /dev/xvdc ] || break; sleep 0.1; done; [ -b /dev/xvdc ] || echo "xvdc gone"'
is "xm block-list shows no device" "$("$xm" block-list blktest-h | tail -n +2)" ""
is "the backend's folder is gone from XenStore" "$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | grep -c 51744)" 0
out=$("$xm" block-detach blktest-h xvdc 2>&1)
is "detaching it again fails" "$?" 1
like "... saying it is not attached" "$out" 'xvdc.*not attached|no .*xvdc'

for d in a r1 r2 q n h p; do "$xm" destroy "blktest-$d" >/dev/null 2>&1; done
is "destroying the domains leaves no vbd in XenStore" "$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | grep -c .)" 0
done_testing
