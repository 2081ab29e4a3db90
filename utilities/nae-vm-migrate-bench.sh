#! /bin/bash
# nae-vm-migrate-bench.sh: QEMU live migration of a VM between two ports of
# one switch while a second VM pings it every 50 ms and streams UDP to it,
# on VM-facing nae ports and, side by side in the same run, on OVS's own
# dpdkvhostuserclient ports.  Prints, per round and as medians, the
# downtime QEMU reports, pings lost and UDP datagrams lost.  A benchmark,
# not a test: it never fails on its figures.
#
# The VMs boot tests/vm's image ("make vm-image") under TCG (or
# NAE_QEMU_ACCEL).  Rounds alternate (nae, vhost, nae, ...) so that the
# machine's drifting load is not credited to one side.  OVS's vhost ports
# take their mbufs from hugepages, so this mounts some, as nae-bench.sh.
#
# Usage: nae-vm-migrate-bench.sh --builddir=DIR --ovs-builddir=DIR
#            --ovs-srcdir=DIR [--rounds=N]
set -e -o pipefail

rounds=3
for arg; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --rounds=*) rounds=${arg#*=} ;;
        *) echo "$0: unknown argument $arg" >&2; exit 1 ;;
    esac
done
srcdir=$(cd "$(dirname "$0")/.." && pwd)
image=$builddir/tests/vm
[ -f "$image/initrd.img" ] || { echo "$0: run make vm-image first" >&2; exit 1; }

export PATH=$builddir/vswitchd-plugin:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
cmd="python3 $srcdir/tests/nae-vm-cmd.py"

. "$srcdir/utilities/bench-lib.sh"
bench_prepare "$builddir/bench-vm" 512

ovsdb-tool create conf.db "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$bench/db.sock"
ovs-vsctl --no-wait init -- set Open_vSwitch . \
    other_config:dpdk-init=true \
    other_config:dpdk-extra="--huge-dir $bench/huge --no-pci -m 512" \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off
ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
    fail-mode=standalone
for p in peer src dst; do
    ovs-vsctl add-port br0 nae-$p -- set Interface nae-$p type=nae \
            options:vhost-server-path="$bench/nae-$p.sock" \
        -- add-port br0 vhost-$p -- set Interface vhost-$p \
            type=dpdkvhostuserclient \
            options:vhost-server-path="$bench/vhost-$p.sock"
done

# vm NAME SOCKET MAC ADDRESS [QEMU-ARGS...]: boots a VM in the background
# (bench_cleanup kills it by its pid file if the round does not).
vm() {
    local name=$1 sock=$2 mac=$3 addr=$4
    shift 4
    sh "$srcdir/utilities/nae-vm-qemu.sh" "$image" $name $sock $mac $addr \
        "" "" "$@" > $name-qemu.log 2>&1 &
    echo $! > $name-qemu.pid
}

wait_ready() {
    for i in $(seq 900); do
        grep -q NAE-VM-READY "$1-console.log" 2>/dev/null && return 0
        sleep 0.2
    done
    echo "$0: $1 did not boot" >&2
    return 1
}

# round KIND N: one migration on KIND's ports; prints "DOWNTIME-MS
# PINGS-SENT PINGS-LOST UDP-LOST UDP-TOTAL".
round() {
    local kind=$1 n=$2 p=$1-$2
    rm -f ./*-console.log migrate.sock
    vm $p-peer "$bench/$kind-peer.sock" 52:54:00:09:00:01 10.9.0.1/24
    vm $p-src "$bench/$kind-src.sock" 52:54:00:09:00:02 10.9.0.2/24
    vm $p-dst "$bench/$kind-dst.sock" 52:54:00:09:00:02 10.9.0.2/24 \
        -incoming unix:$bench/migrate.sock
    wait_ready $p-peer
    wait_ready $p-src
    # A receive buffer for 2 s of the stream: a burst of what the switch
    # kept while the VM moved must not overflow the guest's socket.
    $cmd $p-src-cmd.sock \
        'for f in max default; do echo 4194304 > /proc/sys/net/core/rmem_$f; done' \
        > /dev/null
    $cmd $p-src-cmd.sock 'iperf3 -s -D' > /dev/null
    $cmd $p-peer-cmd.sock 'ping -c 3 -W 3 10.9.0.2' > /dev/null || true
    $cmd $p-peer-cmd.sock 'ping -i 0.05 -c 240 -W 1 10.9.0.2 > /tmp/ping.out 2>&1 &' > /dev/null
    $cmd $p-peer-cmd.sock 'iperf3 -u -c 10.9.0.2 -b 2M -l 512 -t 11 > /tmp/udp.out 2>&1 &' > /dev/null
    sleep 4
    $cmd --hmp $p-src-mon.sock "migrate -d unix:$bench/migrate.sock" > /dev/null
    for i in $(seq 600); do
        $cmd --hmp $p-src-mon.sock 'info migrate' > $p-migrate.info
        grep -q 'Migration status: completed' $p-migrate.info && break
        sleep 0.2
    done
    $cmd --hmp $p-src-mon.sock quit > /dev/null 2>&1 || true
    sleep 12
    $cmd $p-peer-cmd.sock 'cat /tmp/ping.out /tmp/udp.out' > $p-traffic.out
    kill $(cat $p-peer-qemu.pid $p-src-qemu.pid $p-dst-qemu.pid) \
        2>/dev/null || true
    rm -f $p-*-qemu.pid
    sleep 1
    local down sent recv udp
    down=$(awk '/^downtime:/ { print $2 }' $p-migrate.info)
    sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' $p-traffic.out)
    recv=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' $p-traffic.out)
    udp=$(awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) print $i }' \
          $p-traffic.out | tail -1)
    echo "${down:-?} ${sent:-0} $(( ${sent:-0} - ${recv:-0} )) ${udp%/*} ${udp#*/}"
}


{
    echo "ovs-nae VM migration benchmark: $(ovs-vswitchd --version | head -1)"
    echo "QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')," \
         "accel ${NAE_QEMU_ACCEL:-tcg,thread=multi}; $rounds alternating" \
         "rounds; ping every 50 ms, UDP 2 Mbit/s in 512 B datagrams"
    printf '%-6s %5s %12s %8s %10s %12s\n' ports round "downtime ms" \
        "pings" "pings lost" "UDP lost"
} | tee results.txt
declare -A down lost udp
for n in $(seq "$rounds"); do
    for kind in nae vhost; do
        read -r d s l ul ut < <(round $kind $n)
        printf '%-6s %5s %12s %8s %10s %12s\n' $kind $n "$d" "$s" "$l" \
            "$ul/$ut" | tee -a results.txt
        down[$kind]+="$d " lost[$kind]+="$l " udp[$kind]+="$ul "
    done
done
for kind in nae vhost; do
    echo "median $kind: downtime $(median ${down[$kind]}) ms," \
         "pings lost $(median ${lost[$kind]})," \
         "UDP datagrams lost $(median ${udp[$kind]})" | tee -a results.txt
done
echo "results in $bench/results.txt; logs beside it"
