#!/bin/sh
# nae-vm-qemu.sh: runs QEMU, in the foreground, on one VM of the image
# utilities/nae-vm-image.sh builds, its NIC a vhost-user server on SOCKET
# (a nae port's options:vhost-server-path), eth0 at ADDRESS.  The console
# goes to NAME-console.log; commands reach the VM through NAME-cmd.sock
# (tests/nae-vm-cmd.py) and QEMU's monitor is on NAME-mon.sock, all in the
# current directory.  The "qemu" tests and bench-vm-migrate share it.
#
# Under TCG unless NAE_QEMU_ACCEL says otherwise: on these machines
# /dev/kvm may exist and still not boot a stock kernel.  Guest memory is a
# shared memfd, as vhost-user needs; MSI-X is off because QEMU 7.2 under
# TCG crashes starting a vhost-user virtio-net with it.
#
# Usage: nae-vm-qemu.sh IMAGE-DIR NAME SOCKET MAC ADDRESS/PLEN
#            [NETDEV-OPTS [DEVICE-OPTS [QEMU-ARGS...]]]
image=$1 name=$2 sock=$3 mac=$4 addr=$5
netdev=${6:+,$6} device=${7:+,$7}
shift 5
shift $(($# < 2 ? $# : 2))
rm -f "$name-console.log"
exec qemu-system-x86_64 -name "$name" \
    -accel "${NAE_QEMU_ACCEL:-tcg,thread=multi}" -m 256 \
    -object memory-backend-memfd,id=mem,size=256M,share=on \
    -numa node,memdev=mem \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "console=ttyS0 quiet panic=-1 nae.ip=$addr" \
    -no-reboot -display none -nodefaults \
    -monitor "unix:$name-mon.sock,server=on,wait=off" \
    -serial "file:$name-console.log" \
    -serial "unix:$name-cmd.sock,server=on,wait=off" \
    -chardev "socket,id=nic0,path=$sock,server=on,wait=off" \
    -netdev "vhost-user,id=nic0,chardev=nic0$netdev" \
    -device "virtio-net-pci,netdev=nic0,mac=$mac,vectors=0$device" \
    "$@"
