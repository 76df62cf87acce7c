#!/bin/sh
# Capture the DMA translations of a Linux guest under QEMU's VT-d emulation
# (doc/workloads.md, "Captured streams"). Not part of `make test`: it installs Debian packages
# (as root) and boots a guest for about a minute.
#
#   tools/qemu_capture/capture.sh [OUT.log] [strict|lazy]
#
# Writes the QEMU trace log (vtd_* events) to OUT.log (default
# build/qemu_capture/capture-<mode>.log) and the guest console to OUT.log.console.
# Environment: WORK (scratch directory, default build/qemu_capture), ACCEL (kvm or tcg,
# default tcg), NET_KB (kilobytes the guest downloads, default 512),
# DISK_KB (kilobytes read from and written to the disk, default 512), TIMEOUT (seconds, 300).
set -eu

OUT=${1:-}
MODE=${2:-strict}
case "$MODE" in
    strict) STRICT=1 ;;
    lazy) STRICT=0 ;;
    *) echo "capture.sh: mode must be strict or lazy, got '$MODE'" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$ROOT/build/qemu_capture}
OUT=${OUT:-$WORK/capture-$MODE.log}
NET_KB=${NET_KB:-512}
DISK_KB=${DISK_KB:-512}
mkdir -p "$WORK" "$(dirname "$OUT")"

need_pkg() {  # need_pkg COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "capture.sh: '$1' is missing and apt-get is not available: install $2" >&2
        exit 2
    fi
    echo "capture.sh: installing $2"
    apt-get install -y --no-install-recommends "$2" >"$WORK/apt.log" 2>&1 || {
        echo "capture.sh: 'apt-get install $2' failed (see $WORK/apt.log)" >&2; exit 2; }
}
need_pkg qemu-system-x86_64 qemu-system-x86
need_pkg busybox busybox-static
need_pkg cpio cpio
BUSYBOX=$(command -v busybox)
if ! file -L "$BUSYBOX" 2>/dev/null | grep -q static && [ -x /bin/busybox ]; then
    BUSYBOX=/bin/busybox
fi

# A Debian kernel, unpacked into $WORK (nothing under /boot is touched).
if [ ! -d "$WORK/kernel/boot" ]; then
    command -v apt-get >/dev/null 2>&1 || {
        echo "capture.sh: apt-get is not available to download a Debian kernel" >&2; exit 2; }
    PKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$PKG" ] || { echo "capture.sh: apt-cache knows no linux-image-amd64 (apt-get update?)" >&2; exit 2; }
    mkdir -p "$WORK/kpkg" && (cd "$WORK/kpkg" && apt-get download "$PKG" >/dev/null)
    dpkg -x "$WORK"/kpkg/"$PKG"_*.deb "$WORK/kernel"
fi
KVER=$(ls "$WORK/kernel/lib/modules" | head -1)
VMLINUZ="$WORK/kernel/boot/vmlinuz-$KVER"
MODDIR="$WORK/kernel/lib/modules/$KVER/kernel"

# The initramfs: static busybox, the virtio modules (in dependency order) and /init.
RD="$WORK/initramfs"
rm -rf "$RD" && mkdir -p "$RD/bin" "$RD/lib/modules" "$RD/proc" "$RD/sys" "$RD/dev" "$RD/tmp"
cp "$BUSYBOX" "$RD/bin/busybox"
for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
         drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
         net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
    cp "$MODDIR/$m.ko" "$RD/lib/modules/"
done
cat >"$RD/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
         failover net_failover virtio_net; do insmod /lib/modules/\$m.ko; done
echo "capture: iommu groups: \$(ls /sys/kernel/iommu_groups | wc -l)"
cat /sys/kernel/iommu_groups/*/type 2>/dev/null | sort | uniq -c
ifconfig eth0 10.0.2.15 netmask 255.255.255.0 up
route add default gw 10.0.2.2
echo "capture: begin workload"
dd if=/dev/vda of=/dev/null bs=4096 count=$((DISK_KB / 4)) 2>&1 | tail -1
dd if=/dev/urandom of=/tmp/blk bs=1024 count=$DISK_KB 2>/dev/null
dd if=/tmp/blk of=/dev/vda bs=4096 seek=1024 conv=fsync 2>&1 | tail -1
ping -c 8 -s 1400 10.0.2.2 | tail -2
wget -q -O /tmp/net http://10.0.2.2:\$(cat /proc/cmdline | sed 's/.*capture_port=\([0-9]*\).*/\1/')/payload
echo "capture: downloaded \$(wc -c < /tmp/net) bytes"
dd if=/dev/vda of=/dev/null bs=65536 skip=8 count=$((DISK_KB / 64)) 2>&1 | tail -1
echo "capture: end workload"
sync
poweroff -f
INIT
chmod +x "$RD/init"
(cd "$RD" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$WORK/initramfs.gz"

# The disk and a host-side HTTP server the guest reaches through user networking (10.0.2.2).
truncate -s 16M "$WORK/disk.img"
mkdir -p "$WORK/www" && head -c $((NET_KB * 1024)) /dev/urandom >"$WORK/www/payload"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$WORK/www" >"$WORK/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null || true' EXIT INT TERM

# TCG by default: nested KVM on the machine this was written on booted the BIOS but hung in
# the kernel (ACCEL=kvm to try it; the trace is the same either way).
ACCEL=${ACCEL:-tcg}
if [ "$ACCEL" = kvm ]; then CPU=host; else CPU=max; fi
CMDLINE="console=ttyS0 quiet intel_iommu=on iommu.strict=$STRICT iommu.passthrough=0 capture_port=$PORT panic=-1"
set -- -machine q35,accel="$ACCEL",kernel-irqchip=split -cpu "$CPU" -smp 1 -m 512M -nographic -no-reboot \
    -device intel-iommu,intremap=on,caching-mode=off \
    -netdev user,id=n0 -device virtio-net-pci,netdev=n0,iommu_platform=on,disable-legacy=on \
    -drive file="$WORK/disk.img",if=none,format=raw,id=d0 \
    -device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on \
    -kernel "$VMLINUZ" -initrd "$WORK/initramfs.gz" -append "$CMDLINE" \
    -trace 'vtd_*' -D "$OUT"
echo "capture: qemu-system-x86_64 $*" | tee "$OUT.cmdline"
timeout ${TIMEOUT:-300} qemu-system-x86_64 "$@" >"$OUT.console" 2>&1 || {
    echo "capture.sh: QEMU failed or timed out (console: $OUT.console)" >&2; exit 1; }
grep -q "capture: end workload" "$OUT.console" || {
    echo "capture.sh: the guest did not finish its workload (console: $OUT.console)" >&2; exit 1; }
{
    echo "qemu: $(qemu-system-x86_64 --version | head -1)"
    echo "kernel: $KVER ($(basename "$VMLINUZ"))"
    echo "accel: $ACCEL"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$OUT.info"
echo "capture: $(wc -l <"$OUT") trace lines -> $OUT"
