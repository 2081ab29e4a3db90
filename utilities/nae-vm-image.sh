#!/bin/sh
# nae-vm-image.sh: builds the Linux guest the "qemu" tests and the VM
# quick-start boot, from Debian packages only: the kernel of Debian's
# linux-image-amd64 (fetched with apt-get download and unpacked with
# dpkg-deb, not installed on the host), an initramfs of busybox-static, the
# virtio modules of that kernel and e1000e (the primary NIC of QEMU's
# virtio-net failover, which bench-vm-failover compares against), ping,
# iperf3 and ethtool with the libraries they link (the host's, from
# Debian's packages), and each TOOL named on the command line (a program
# of this tree, such as utilities/nae-udp-seq).
#
# The guest's /init brings up eth0 with the address of "nae.ip=ADDR/LEN" on
# the kernel command line, prints NAE-VM-READY on the first serial port and
# runs commands that tests/nae-vm-cmd.py sends on the second.
#
# Usage: nae-vm-image.sh OUTDIR [TOOL...]
#        (writes OUTDIR/vmlinuz, OUTDIR/initrd.img)
set -e

out=${1:?usage: $0 OUTDIR [TOOL...]}
shift
extra_tools=
for tool in "$@"; do
    if [ ! -x "$tool" ]; then
        echo "$0: $tool is not an executable file" >&2
        exit 1
    fi
    extra_tools="$extra_tools $(realpath "$tool")"
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/nae-vm-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null \
       | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [ -z "$kpkg" ]; then
    echo "$0: apt-cache knows no linux-image-amd64 (run apt-get update)" >&2
    exit 1
fi
for tool in iperf3 ping ethtool; do
    if ! command -v $tool > /dev/null; then
        echo "$0: $tool is missing (utilities/install-deps.sh installs it)" >&2
        exit 1
    fi
done

cd "$work"
# apt-get download writes as user _apt when it can.
chmod 777 "$work"
apt-get download -q "$kpkg" busybox-static > download.log 2>&1 || {
    cat download.log >&2
    exit 1
}
dpkg-deb -x "$kpkg"_*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox
kver=${kpkg#linux-image-}
kmod=kernel/lib/modules/$kver/kernel

root=$work/root
mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" \
    "$root/dev" "$root/tmp" "$root/etc"
cp busybox/bin/busybox "$root/bin/busybox"

# In load order: each after those it depends on.
modules="drivers/virtio/virtio_ring drivers/virtio/virtio
         drivers/virtio/virtio_pci_legacy_dev
         drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci
         net/core/failover drivers/net/net_failover drivers/net/virtio_net
         drivers/net/ethernet/intel/e1000e/e1000e"
: > "$root/lib/modules/order"
for m in $modules; do
    name=$(basename "$m")
    cp "$kmod/$m.ko" "$root/lib/modules/$name.ko"
    echo "$name" >> "$root/lib/modules/order"
done

for tool in iperf3 ping ethtool $extra_tools; do
    path=$(command -v $tool)
    cp "$path" "$root/bin/"
    for lib in $(ldd "$path" | awk '/=> \// { print $3 }
                                                 /^\t\// { print $1 }'); do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
done
# The dynamic loader under the name the binaries ask for.
mkdir -p "$root/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
echo '127.0.0.1 localhost' > "$root/etc/hosts"

cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
for m in $(cat /lib/modules/order); do
    insmod /lib/modules/$m.ko || echo "NAE-VM-ERROR insmod $m"
done
addr=
for arg in $(cat /proc/cmdline); do
    case $arg in
        nae.ip=*) addr=${arg#nae.ip=} ;;
    esac
done
ip link set lo up
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
ip link set eth0 up
[ -n "$addr" ] && ip addr add "$addr" dev eth0
echo "NAE-VM-READY $(cat /sys/class/net/eth0/address)" > /dev/ttyS0

# Commands on the second serial port, one per line: "ID COMMAND".  Each
# runs to its end; its output, then "NAE-VM-END ID STATUS", comes back.
stty -F /dev/ttyS1 raw -echo
exec < /dev/ttyS1 > /dev/ttyS1 2>&1
while read -r id cmd; do
    sh -c "$cmd" > /tmp/.out 2>&1 < /dev/null
    rc=$?
    cat /tmp/.out
    echo "NAE-VM-END $id $rc"
done
EOF
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) \
    > "$out/initrd.img.tmp"
cp "kernel/boot/vmlinuz-$kver" "$out/vmlinuz"
mv "$out/initrd.img.tmp" "$out/initrd.img"
echo "$0: $out/vmlinuz ($kver) and $out/initrd.img"
