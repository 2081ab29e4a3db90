#! /bin/bash
# nae-vm-failover-bench.sh: the same VF unplug, side by side in one run,
# with QEMU's virtio-net failover and with a nae port's hardware channel.
#
#   failover: a VM with a virtio-net standby (failover=on, vhost-user on a
#       plain nae port) and an e1000e primary (failover_pair_id, on a
#       pcie-root-port, its backend a tap on the bridge), which the guest's
#       net_failover enslaves; the unplug is QEMU's "device_del" of the
#       primary, then "device_add" tries to plug it back.
#   nae: a VM with one virtio-net device on a nae port whose hardware
#       channel is a VF of the emulated NIC in virtio mode; the unplug is
#       "esw/vf-unplug" (the port takes the rings back first), then
#       "esw/vf-plug" (the port lends them again), then N round trips of
#       "nae/set-path" sw/hw (default 25) for the hand-overs' distribution.
#
# During each, a peer in a network namespace (on a veth port of the same
# bridge) and the VM ping each other every 20 ms and send each other
# numbered UDP datagrams (utilities/nae-udp-seq, 500/s each way).  Prints
# per round and kind: pings and datagrams lost each way, the longest gap
# between two datagrams each way (measured by the receiver: inside the VM
# it includes TCG's own stalls), and for nae the hand-overs' durations the
# switch logged (the time the rings were in neither's hands).  A
# benchmark, not a test: it never fails on its figures.
#
# The VMs boot tests/vm's image ("make vm-image") under TCG (or
# NAE_QEMU_ACCEL); q35 machines, for the pcie-root-port.
#
# Usage: nae-vm-failover-bench.sh --builddir=DIR --ovs-builddir=DIR
#            --ovs-srcdir=DIR [--rounds=N] [--switches=N]
set -e -o pipefail

rounds=3
switches=25
for arg; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --rounds=*) rounds=${arg#*=} ;;
        --switches=*) switches=${arg#*=} ;;
        *) echo "$0: unknown argument $arg" >&2; exit 1 ;;
    esac
done
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(cd "$builddir" && pwd)
image=$builddir/tests/vm
udpseq=$builddir/utilities/nae-udp-seq
[ -f "$image/initrd.img" ] || { echo "$0: run make vm-image first" >&2; exit 1; }

export PATH=$builddir/vswitchd-plugin:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
cmd="python3 $srcdir/tests/nae-vm-cmd.py"
ns=nae-fo-peer
peer="ip netns exec $ns"

. "$srcdir/utilities/bench-lib.sh"
bench_prepare "$builddir/bench-vm-failover" 512
trap 'bench_cleanup; ip netns del $ns 2> /dev/null; ip link del fo-peer 2> /dev/null' EXIT

ovsdb-tool create conf.db "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$bench/db.sock"
ovs-vsctl --no-wait init -- set Open_vSwitch . \
    other_config:dpdk-init=true \
    other_config:dpdk-extra="--huge-dir $bench/huge --no-pci -m 512 --vdev net_nae_esw0,vfs=2,flows=64,shm_dir=$bench" \
    other_config:per-port-memory=true \
    other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:off
ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
    fail-mode=standalone \
    -- add-port br0 fo-sby -- set Interface fo-sby type=nae \
        options:vhost-server-path="$bench/fo-sby.sock" \
    -- add-port br0 nae-hw -- set Interface nae-hw type=nae \
        options:vhost-server-path="$bench/nae-hw.sock" \
        options:hw-channel=net_nae_esw0,representor=vf0

# The peer, 10.9.0.100, with checksums filled in by its kernel (OVS reads
# the veth with AF_PACKET and passes frames on as they are).
ip netns add $ns
ip link add fo-peer type veth peer name eth0 netns $ns
ip link set fo-peer up
$peer ip link set lo up
$peer ip link set eth0 up
$peer ip addr add 10.9.0.100/24 dev eth0
$peer ethtool -K eth0 tx off > /dev/null
ovs-vsctl add-port br0 fo-peer

# vm NAME SOCKET MAC ADDRESS DEVICE-OPTS [QEMU-ARGS...]: boots a VM in the
# background (bench_cleanup kills it by its pid file if the round does
# not).
vm() {
    local name=$1 sock=$2 mac=$3 addr=$4 device=$5
    shift 5
    sh "$srcdir/utilities/nae-vm-qemu.sh" "$image" $name $sock $mac $addr \
        "" "$device" -M q35 "$@" > $name-qemu.log 2>&1 &
    echo $! > $name-qemu.pid
}

wait_until() {
    for i in $(seq 600); do
        eval "$1" > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "$0: timed out waiting for: $1" >&2
    return 1
}

# traffic_start VM ADDRESS: pings and datagrams both ways between the peer
# and VM (at ADDRESS), for at most a minute.
traffic_start() {
    local vm=$1 addr=$2
    $cmd $vm-cmd.sock "nae-udp-seq recv 5001 /tmp/recv.out > /dev/null 2>&1 < /dev/null & echo \$! > /tmp/recv.pid" > /dev/null
    $peer $udpseq recv 5002 $vm-peer-recv.out > /dev/null 2>&1 &
    echo $! > $vm-peer-recv.pid
    wait_until "test -e $vm-peer-recv.out && $cmd $vm-cmd.sock 'test -e /tmp/recv.out'"
    $cmd $vm-cmd.sock "nae-udp-seq send 10.9.0.100 5002 500 60 > /tmp/send.out 2>&1 < /dev/null & echo \$! > /tmp/send.pid" > /dev/null
    $cmd $vm-cmd.sock "ping -i 0.02 -W 1 10.9.0.100 > /tmp/ping.out 2>&1 < /dev/null & echo \$! > /tmp/ping.pid" > /dev/null
    $peer $udpseq send $addr 5001 500 60 > $vm-peer-send.out 2>&1 &
    echo $! > $vm-peer-send.pid
    $peer ping -i 0.02 -W 1 $addr > $vm-peer-ping.out 2>&1 &
    echo $! > $vm-peer-ping.pid
}

# traffic_mark VM: notes where the receivers are, just before the unplug.
traffic_mark() {
    local vm=$1
    cp $vm-peer-recv.out $vm-peer-recv.before
    $cmd $vm-cmd.sock 'cat /tmp/recv.out' > $vm-vm-recv.before
}

# ping_lost FILE FIRST: pings lost, from the replies ping printed in FILE
# (sequence numbers from FIRST): those missing below the last answered,
# so that the one in flight when ping stopped is not counted.
ping_lost() {
    grep -v DUP "$1" | grep -o 'seq=[0-9]*' | cut -d= -f2 | sort -un \
        | awk -v first=$2 '{ n++; last = $1 } END { print last + 1 - first - n }'
}

# traffic_stop VM: stops the senders, then (once the last datagram is in)
# the receivers; prints "PINGS-TO-VM LOST PINGS-FROM-VM LOST UDP-TO-VM
# LOST LOST-BEFORE-UNPLUG DUP+REORDERED GAP-US UDP-FROM-VM LOST
# LOST-BEFORE-UNPLUG DUP+REORDERED GAP-US".
traffic_stop() {
    local vm=$1 pid
    $cmd $vm-cmd.sock 'kill -INT $(cat /tmp/ping.pid); kill -TERM $(cat /tmp/send.pid)' > /dev/null
    for pid in $vm-peer-send.pid $vm-peer-ping.pid; do
        kill -INT $(cat $pid) 2> /dev/null || true
    done
    sleep 2
    $cmd $vm-cmd.sock 'kill -TERM $(cat /tmp/recv.pid); sleep 1; cat /tmp/ping.out /tmp/send.out /tmp/recv.out' > $vm-vm.out
    kill -TERM $(cat $vm-peer-recv.pid) 2> /dev/null || true
    sleep 1
    rm -f $vm-peer-*.pid
    grep '^received' $vm-vm.out > $vm-vm-recv.out
    # Where what was lost went, for the record.
    {
        for port in fo-sby fo-pri nae-hw fo-peer; do
            echo "$port: $(ovs-vsctl --if-exists get Interface $port statistics)"
        done
        echo "peer:"; $peer nstat -az 2> /dev/null | grep -E 'Udp|IpExt' || true
        echo "$vm:"; $cmd $vm-cmd.sock 'cat /proc/net/snmp /proc/net/dev'
    } > $vm-counters.txt 2>&1
    # "received N lost L dup D reordered R last S max_gap_us G"
    local f
    echo "$(grep -c 'icmp_seq=' $vm-peer-ping.out) $(ping_lost $vm-peer-ping.out 1)" \
         "$(grep -c ' seq=' $vm-vm.out) $(ping_lost $vm-vm.out 0)"
    for f in $vm-vm-recv $vm-peer-recv; do
        echo "$(awk '{ print $2 + $4, $4 }' $f.out)" \
             "$(awk '{ print $4 }' $f.before)" \
             "$(awk '{ print $6 + $8, $12 }' $f.out)"
    done
}

# round N: one failover VM and one nae VM, each through its unplug (and
# the plug back); appends to results.txt.
round() {
    local n=$1 fo=fo-$1 nv=nae-$1 mac=52:54:00:09:00:02
    rm -f ./*-console.log
    ovs-vsctl --if-exists del-port br0 fo-pri
    vm $fo "$bench/fo-sby.sock" $mac 10.9.0.2/24 "failover=on,id=nic0" \
        -device pcie-root-port,id=rp1,chassis=1,slot=1 \
        -netdev tap,id=pri,ifname=fo-pri,script=no,downscript=no \
        -device e1000e,netdev=pri,mac=$mac,failover_pair_id=nic0,bus=rp1,id=primary
    vm $nv "$bench/nae-hw.sock" 52:54:00:09:00:03 10.9.0.3/24 ""
    wait_until "grep -q NAE-VM-READY $fo-console.log"
    wait_until "grep -q NAE-VM-READY $nv-console.log"
    wait_until "ip link show fo-pri"
    ip link set fo-pri up
    ovs-vsctl add-port br0 fo-pri
    # The guest enslaves the primary once QEMU shows it (after the guest
    # acked the standby feature).
    wait_until "$cmd $fo-cmd.sock 'test \$(ls -d /sys/class/net/eth0/lower_* | wc -l) = 2'"
    # Linux's net_failover keeps offering the primary's checksum offload
    # once the primary is gone, and a standby without it (the nae port
    # without userspace TSO) then sends partial checksums: turn it off, so
    # that what is measured is the switch, not that.
    $cmd $fo-cmd.sock 'ethtool -K eth0 tx off' > /dev/null
    wait_until "ovs-appctl nae/show nae-hw | grep -q 'vm rings: on the VF'"
    for v in $fo $nv; do
        $cmd $v-cmd.sock 'for f in max default; do echo 4194304 > /proc/sys/net/core/rmem_$f; done' > /dev/null
    done
    $peer ping -c 3 -W 3 10.9.0.2 > /dev/null || true
    $peer ping -c 3 -W 3 10.9.0.3 > /dev/null || true

    # QEMU's failover.
    traffic_start $fo 10.9.0.2
    sleep 3
    traffic_mark $fo
    $cmd --hmp $fo-mon.sock 'device_del primary' > $fo-del.out
    wait_until "$cmd $fo-cmd.sock 'test \$(ls -d /sys/class/net/eth0/lower_* | wc -l) = 1'" || true
    sleep 3
    $cmd --hmp $fo-mon.sock "device_add e1000e,netdev=pri,mac=$mac,failover_pair_id=nic0,bus=rp1,id=primary" > $fo-add.out 2>&1 || true
    sleep 3
    local fo_res replug
    fo_res=$(traffic_stop $fo)
    if [ -s $fo-add.out ]; then
        # HMP's own parse errors go to QEMU's stderr.
        replug="refused: $(grep -m1 -i error $fo-add.out \
                           || tail -1 $fo-qemu.log | sed 's/^[^:]*: //')"
    elif $cmd $fo-cmd.sock 'test $(ls -d /sys/class/net/eth0/lower_* | wc -l) = 2' > /dev/null 2>&1; then
        replug="plugged back"
    else
        replug="not enslaved again"
    fi

    # Ours: the same unplug, and the plug back.
    local log_start
    log_start=$(wc -l < ovs-vswitchd.log)
    traffic_start $nv 10.9.0.3
    sleep 3
    traffic_mark $nv
    ovs-appctl esw/vf-unplug net_nae_esw0 0 > /dev/null
    wait_until "ovs-appctl nae/show nae-hw | grep -q 'vm rings: in software'"
    sleep 3
    ovs-appctl esw/vf-plug net_nae_esw0 0 > /dev/null
    wait_until "ovs-appctl nae/show nae-hw | grep -q 'vm rings: on the VF'"
    sleep 1
    # More hand-overs for their distribution: switches on demand.
    for i in $(seq $switches); do
        for path in sw hw; do
            ovs-appctl nae/set-path nae-hw $path > /dev/null
            wait_until "ovs-appctl nae/show nae-hw | grep -q 'path: $path (mode'"
        done
    done
    ovs-appctl nae/set-path nae-hw auto > /dev/null
    sleep 2
    local nae_res handovers
    nae_res=$(traffic_stop $nv)
    handovers=$(tail -n +$log_start ovs-vswitchd.log \
                | sed -n "s/.*nae-hw: the VM's rings are \(lent to the VF\|back in software\) in \([0-9]*\) us.*/\2/p" \
                | tr '\n' ' ')
    echo "$handovers" >> handovers.txt

    kill $(cat $fo-qemu.pid $nv-qemu.pid) 2> /dev/null || true
    rm -f $fo-qemu.pid $nv-qemu.pid
    sleep 1
    ovs-vsctl --if-exists del-port br0 fo-pri
    for kind in failover:"$fo_res" nae:"$nae_res"; do
        set -- ${kind#*:}
        printf '%-9s %3s %8s %8s %12s %7s %12s %7s\n' ${kind%%:*} $n \
            "$2/$1" "$4/$3" "$6($7)/$5" "$(( $9 / 1000 ))" \
            "${11}(${12})/${10}" "$(( ${14} / 1000 ))" | tee -a results.txt
        echo "${kind%%:*} $2 $4 $6 ${11}" >> lost.txt
        if [ "$8" != 0 ] || [ "${13}" != 0 ]; then
            echo "  ${kind%%:*}: datagrams duplicated or out of order:" \
                 "to the VM $8, from it ${13}" | tee -a results.txt
        fi
    done
    echo "  failover re-plug: $replug" | tee -a results.txt
    echo "  nae hand-overs (us): $handovers" | tee -a results.txt
}

{
    echo "ovs-nae VF unplug benchmark: QEMU virtio-net failover vs nae" \
         "hardware channel; $(ovs-vswitchd --version | head -1)"
    echo "QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')," \
         "accel ${NAE_QEMU_ACCEL:-tcg,thread=multi}; $rounds rounds;" \
         "pings every 20 ms and 500 datagrams/s each way"
    echo "lost/sent, and (lost before the unplug); gap: the receiver's" \
         "longest silence, ms"
    printf '%-9s %3s %8s %8s %12s %7s %12s %7s\n' kind round \
        "ping>vm" "ping<vm" "udp>vm" "gap>vm" "udp<vm" "gap<vm"
} | tee results.txt
for n in $(seq "$rounds"); do
    round $n
done
# Hand-over durations over every round: the switch-over gap on ours.
tr ' ' '\n' < handovers.txt | grep . | sort -n | awk '{ v[NR] = $1 }
    END {
        if (NR) {
            p99 = int(NR * 0.99); if (p99 < 1) p99 = 1
            printf "nae hand-overs: %d, p50 %d us, p99 %d us, max %d us\n",
                   NR, v[int((NR + 1) / 2)], v[p99], v[NR]
        }
    }' | tee -a results.txt
# The picture: what one unplug (and, on ours, the plug back and the
# switches) lost, averaged over the rounds.
awk '{ for (i = 2; i <= 5; i++) t[$1, i] += $i; n[$1]++ }
     END {
         split("pings_to_VM pings_from_VM datagrams_to_VM datagrams_from_VM", what, " ")
         for (i = 2; i <= 5; i++)
             for (k in n)
                 print what[i - 1], (k == "nae" ? "nae_vDPA_VF" : "QEMU_failover"), t[k, i] / n[k]
     }' lost.txt | sort -s -k1,1 -k2,2r > lost-mean.txt
bench_svg_bars lost-mean.txt "Lost at a VF unplug (mean of $rounds rounds)" \
    "frames lost" > results.svg
echo "results in $bench/results.txt and results.svg; logs beside them"
