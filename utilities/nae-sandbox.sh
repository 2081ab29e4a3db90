#! /bin/bash
# nae-sandbox.sh: ovs-nae's "make sandbox".  Starts, in a private run
# directory, ovsdb-server and our ovs-vswitchd (userspace datapath, DPDK
# without hugepages unless some are free), a bridge with two nae ports and
# two guests (network namespaces running nae-guestd), then shows ping, a
# short iperf3, an OpenFlow drop rule taking effect and being lifted, and
# nae/show.  Everything stays up for you to poke at; "--stop" tears it down.
#
# Usage: nae-sandbox.sh [--builddir=DIR] [--ovs-builddir=DIR]
#                       [--ovs-srcdir=DIR] [--sandbox=DIR] [--no-demo]
#        nae-sandbox.sh --stop [--sandbox=DIR]

set -e

builddir=$(pwd)
ovs_builddir=
ovs_srcdir=
sandbox=
demo=true
stop=false

for arg in "$@"; do
    case $arg in
        --builddir=*) builddir=${arg#*=} ;;
        --ovs-builddir=*) ovs_builddir=${arg#*=} ;;
        --ovs-srcdir=*) ovs_srcdir=${arg#*=} ;;
        --sandbox=*) sandbox=${arg#*=} ;;
        --no-demo) demo=false ;;
        --stop) stop=true ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "$0: unknown option $arg (try --help)" >&2; exit 1 ;;
    esac
done

builddir=$(cd "$builddir" && pwd)
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
: "${sandbox:=$builddir/sandbox}"
: "${ovs_builddir:=$(sed -n 's/^OVS_BUILDDIR = //p' "$builddir/Makefile" 2>/dev/null)}"
: "${ovs_srcdir:=$(sed -n 's/^OVS_SRCDIR = //p' "$builddir/Makefile" 2>/dev/null)}"

GUESTS="vm1 vm2"
ns_of() { echo "nae-$1"; }

stop_sandbox() {
    for vm in $GUESTS; do
        ns=$(ns_of $vm)
        if [ -f "$sandbox/guest-$vm.pid" ]; then
            kill "$(cat "$sandbox/guest-$vm.pid")" 2>/dev/null || true
        fi
        if ip netns pids "$ns" >/dev/null 2>&1; then
            ip netns pids "$ns" | xargs -r kill 2>/dev/null || true
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    for daemon in ovs-vswitchd ovsdb-server; do
        if [ -f "$sandbox/$daemon.pid" ]; then
            kill "$(cat "$sandbox/$daemon.pid")" 2>/dev/null || true
        fi
    done
    sleep 1
}

if $stop; then
    stop_sandbox
    echo "sandbox in $sandbox stopped"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "$0: the sandbox creates network namespaces and TAP devices:" \
         "run it as root" >&2
    exit 1
fi
for prog in "$builddir/vswitchd-plugin/ovs-vswitchd" \
            "$builddir/guest/nae-guestd"; do
    [ -x "$prog" ] || { echo "$0: $prog is not built (run make)" >&2; exit 1; }
done
[ -f "$ovs_srcdir/vswitchd/vswitch.ovsschema" ] ||
    { echo "$0: no OVS source tree at '$ovs_srcdir'" >&2; exit 1; }

stop_sandbox
rm -rf "$sandbox"
mkdir -p "$sandbox"
cd "$sandbox"

export OVS_RUNDIR=$sandbox OVS_LOGDIR=$sandbox OVS_DBDIR=$sandbox
export OVS_SYSCONFDIR=$sandbox
export PATH=$builddir/vswitchd-plugin:$builddir/guest:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH

step() { printf '\n=== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# DPDK: hugepages if some are free, else plain memory.
free_huge=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free_huge:-0}" -ge 512 ]; then
    mkdir -p "$sandbox/huge"
    mount -t hugetlbfs -o pagesize=2M nodev "$sandbox/huge"
    dpdk_extra="--huge-dir $sandbox/huge --no-pci --in-memory"
else
    # OVS adds --in-memory unless --legacy-mem is given; --no-huge needs
    # legacy memory.
    dpdk_extra="--no-huge --legacy-mem -m 1024 --no-pci --no-shconf"
fi

step "Starting ovsdb-server and ovs-vswitchd in $sandbox"
ovsdb-tool create conf.db "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file -vconsole:warn \
    --remote=punix:"$sandbox/db.sock"
ovs-vsctl --no-wait init
# The PMD thread gets core 1; the main thread and the guests core 0.
# Userspace TSO: the guests negotiate checksum offload and TSO, and TCP
# crosses the ports in 64 KiB frames (docs/nae-ports.md).
ovs-vsctl --no-wait set Open_vSwitch . other_config:dpdk-init=true \
    other_config:dpdk-extra="$dpdk_extra" other_config:pmd-cpu-mask=0x2 \
    other_config:dpdk-lcore-mask=0x1 other_config:userspace-tso-enable=true
ovs-vswitchd --detach --no-chdir --pidfile --log-file -vconsole:warn
ovs-vswitchd --version | head -1

step "A bridge with two nae ports"
run ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev
for vm in $GUESTS; do
    run ovs-vsctl add-port br0 $vm -- set Interface $vm type=nae \
        options:n-channels=2
done

step "Two guests: network namespaces running nae-guestd"
i=0
for vm in $GUESTS; do
    i=$((i + 1))
    ns=$(ns_of $vm)
    ip netns add "$ns"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" taskset -c 0 nae-guestd \
        --socket="$sandbox/nae-$vm.sock" --tap=eth0 \
        --pidfile="$sandbox/guest-$vm.pid" \
        > "$sandbox/guest-$vm.log" 2>&1 &
    for t in $(seq 50); do
        ip netns exec "$ns" ip link show eth0 >/dev/null 2>&1 && break
        sleep 0.1
    done
    ip netns exec "$ns" ip addr add 10.10.0.$i/24 dev eth0
    ip netns exec "$ns" ip link set eth0 up
    echo "$vm: namespace $ns, eth0 10.10.0.$i/24"
done
for vm in $GUESTS; do
    for t in $(seq 100); do
        [ "$(ovs-vsctl get Interface $vm link_state)" = up ] && break
        sleep 0.1
    done
done

if $demo; then
    step "ping from vm1 to vm2"
    run ip netns exec nae-vm1 ping -c 3 -i 0.2 10.10.0.2

    if command -v iperf3 >/dev/null; then
        step "iperf3, 3 seconds, vm1 -> vm2"
        ip netns exec nae-vm2 iperf3 -s -1 -D -p 5201
        sleep 0.5
        run ip netns exec nae-vm1 iperf3 -c 10.10.0.2 -p 5201 -t 3 -f m |
            grep -E 'sender|receiver'
    fi

    step "An OpenFlow rule that drops ICMP between the guests"
    run ovs-ofctl add-flow br0 "priority=100,icmp,actions=drop"
    if ip netns exec nae-vm1 ping -c 2 -W 1 10.10.0.2 >/dev/null; then
        echo "unexpected: ping went through the drop rule" >&2
        exit 1
    fi
    echo "ping is blocked, as the rule says; TCP still flows:"
    ip netns exec nae-vm2 sh -c 'echo hello over nae | nc -l -N -p 7000' &
    listener=$!
    sleep 0.3
    run ip netns exec nae-vm1 nc -N -w 2 10.10.0.2 7000 < /dev/null
    wait $listener
    run ovs-ofctl --strict del-flows br0 "priority=100,icmp"
    run ip netns exec nae-vm1 ping -c 2 -i 0.2 10.10.0.2

    step "nae/show"
    run ovs-appctl nae/show
fi

cat <<EOF

The sandbox is running in $sandbox.  To poke at it:

  export OVS_RUNDIR=$sandbox
  export PATH=$builddir/vswitchd-plugin:$builddir/guest:$ovs_builddir/utilities:\$PATH
  ovs-vsctl show
  ovs-appctl nae/show
  ovs-vsctl get Interface vm1 statistics status
  ovs-ofctl dump-flows br0
  ip netns exec nae-vm1 ping 10.10.0.2

Logs: $sandbox/ovs-vswitchd.log, $sandbox/guest-vm1.log.
To stop it:  $self --stop --sandbox=$sandbox
EOF
