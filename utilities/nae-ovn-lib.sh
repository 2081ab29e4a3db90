# nae-ovn-lib.sh: a small OVN deployment around ovs-nae's switches, in one
# directory of one machine: what the "ovn" tests (tests/nae-ovn-macros.at)
# and the OVN benchmark (utilities/nae-ovn-bench.sh) share; they source it.
#
# OVN's central services (the northbound and southbound ovsdb-servers and
# ovn-northd, from Debian's ovn-central) and N chassis (ovn-host), each in
# a network namespace of its own with its own ovsdb-server, our
# ovs-vswitchd (userspace datapath, DPDK for nae ports) and ovn-controller.
# The chassis reach each other over geneve on an underlay: a veth pair per
# chassis, its inner end a port of the chassis' br-phy (whose internal port
# has the chassis' encap IP, as OVS's userspace tunnelling wants), its
# outer end on one Linux bridge in the root namespace.
#
# The caller sets:
#   nae_ovn_base    the directory (chassis HV's files in nae_ovn_base/HV)
#   nae_ovn_tag     a short word that makes its namespace and link names
#                   its own (at most 5 characters)
#   nae_ovn_dpdk    DPDK's EAL options for every ovs-vswitchd
#   nae_ovn_ul_type the underlay port's type: "system" (AF_PACKET, polled
#                   by the main thread) or "afxdp" (AF_XDP, polled by the
#                   PMD thread; faster, see docs/ovn.md)
# and ovs_srcdir (the OVS source tree, for its schema), and provides
# "on_exit COMMAND" (run COMMAND when done) and
# "nae_bg NAME COMMAND..." (run COMMAND in the background, pid in
# NAME.pid, output in NAME.log), as the OVS test macros and bench-lib.sh
# do.  ovsdb-server, ovs-vsctl and our ovs-vswitchd are found on PATH.

# The schemas of the OVN databases, as Debian's ovn-common installs them.
nae_ovn_schemas=/usr/share/ovn

nae_ovn_missing () {
    for prog in ovn-northd ovn-controller ovn-nbctl ovn-sbctl; do
        if ! command -v $prog > /dev/null; then
            echo "needs $prog (Debian's ovn-central and ovn-host)"
            return
        fi
    done
}

# nae_ovn_ns HV: the network namespace of chassis or guest HV.
nae_ovn_ns () {
    echo "nae$nae_ovn_tag-$1"
}

# nae_ovn_underlay: the Linux bridge the chassis' underlays meet on.
nae_ovn_underlay () {
    echo "naeul$nae_ovn_tag"
}

# nae_ovn_env: points ovn-nbctl and ovn-sbctl at the databases.
nae_ovn_env () {
    OVN_NB_DB=unix:$nae_ovn_base/ovn/ovn-nb.sock
    OVN_SB_DB=unix:$nae_ovn_base/ovn/ovn-sb.sock
    export OVN_NB_DB OVN_SB_DB
}

# nae_ovn_as HV COMMAND...: runs COMMAND against chassis HV's switch.
nae_ovn_as () {
    local d=$nae_ovn_base/$1

    shift
    OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d \
        OVN_RUNDIR=$d "$@"
}

# nae_ovn_start: starts OVN's central services in $nae_ovn_base/ovn, and
# the underlay bridge.
nae_ovn_start () {
    local d=$nae_ovn_base/ovn

    mkdir -p $d
    for db in nb sb; do
        ovsdb-tool create $d/ovn-$db.db $nae_ovn_schemas/ovn-$db.ovsschema \
            || return 1
        OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d \
        ovsdb-server --detach --no-chdir --pidfile=$d/ovsdb-$db.pid \
            --unixctl=$d/ovsdb-$db.ctl \
            --log-file=$d/ovsdb-$db.log --remote=punix:$d/ovn-$db.sock \
            -vconsole:off $d/ovn-$db.db || return 1
        on_exit "kill \$(cat $d/ovsdb-$db.pid)"
    done
    nae_ovn_env
    OVN_RUNDIR=$d OVN_LOGDIR=$d OVN_DBDIR=$d \
    ovn-northd --detach --no-chdir --pidfile=$d/ovn-northd.pid \
        --log-file=$d/ovn-northd.log -vconsole:off \
        --ovnnb-db=$OVN_NB_DB --ovnsb-db=$OVN_SB_DB || return 1
    on_exit "kill \$(cat $d/ovn-northd.pid)"
    ip link add $(nae_ovn_underlay) type bridge || return 1
    on_exit "ip link del $(nae_ovn_underlay)"
    ip link set $(nae_ovn_underlay) mtu 9000 up
}

# nae_ovn_chassis_add HV N: chassis HV, the N'th (1-99), with encap IP
# 172.31.0.N, its files in $nae_ovn_base/HV, its namespace
# $(nae_ovn_ns HV).  Its ovs-vswitchd runs one PMD thread that sleeps when
# idle (pmd-maxsleep), on core 0 or 1 (odd and even chassis), so that the
# chassis share the machine's cores.  The underlay's MTU (9000) leaves
# room for geneve around the guests' 1500-byte frames.
nae_ovn_chassis_add () {
    local hv=$1 n=$2 d=$nae_ovn_base/$1 ns=$(nae_ovn_ns $1)
    local veth=naeul$nae_ovn_tag-$2

    mkdir $d || return 1
    ip netns add $ns || return 1
    on_exit "ip netns del $ns"
    ip netns exec $ns ip link set lo up
    ip link add $veth mtu 9000 type veth peer name ul0 netns $ns mtu 9000 \
        || return 1
    ip link set $veth master $(nae_ovn_underlay) up
    ip netns exec $ns ip link set ul0 up

    : > $d/.conf.db.~lock~
    nae_ovn_as $hv ovsdb-tool create $d/conf.db \
            $ovs_srcdir/vswitchd/vswitch.ovsschema \
        && nae_ovn_as $hv ovsdb-server --detach --no-chdir --pidfile \
            --log-file --remote=punix:$d/db.sock -vconsole:off \
        || return 1
    on_exit "kill \$(cat $d/ovsdb-server.pid)"
    nae_ovn_as $hv ovs-vsctl --no-wait init \
        && nae_ovn_as $hv ovs-vsctl --no-wait set Open_vSwitch . \
            other_config:dpdk-init=true \
            other_config:dpdk-extra="$nae_ovn_dpdk" \
            other_config:pmd-cpu-mask=$((1 << (n % 2))) \
            other_config:pmd-maxsleep=50 \
            external_ids:system-id=$hv \
            external_ids:ovn-remote=$OVN_SB_DB \
            external_ids:ovn-encap-type=geneve \
            external_ids:ovn-encap-ip=172.31.0.$n \
            external_ids:ovn-bridge-datapath-type=netdev \
        && nae_ovn_as $hv ip netns exec $ns ovs-vswitchd --detach \
            --no-chdir --pidfile --log-file -vconsole:off -vvconn -vunixctl \
        || return 1
    on_exit "kill \$(cat $d/ovs-vswitchd.pid)"
    nae_ovn_as $hv ovs-vsctl add-br br-phy \
            -- set Bridge br-phy datapath_type=netdev \
            -- set Interface br-phy mtu_request=9000 \
            -- add-port br-phy ul0 \
            -- set Interface ul0 type=${nae_ovn_ul_type:-system} \
        && ip netns exec $ns ip addr add 172.31.0.$n/24 dev br-phy \
        && ip netns exec $ns ip link set br-phy up \
        && nae_ovn_as $hv ip netns exec $ns ovn-controller --detach \
            --no-chdir --pidfile --log-file -vconsole:off unix:$d/db.sock \
        || return 1
    on_exit "kill \$(cat $d/ovn-controller.pid)"
}

# nae_ovn_chassis_ready HV: whether chassis HV is in the southbound
# database and has its br-int.
nae_ovn_chassis_ready () {
    ovn-sbctl --bare --columns=name find Chassis name=$1 | grep -q $1 \
        && nae_ovn_as $1 ovs-vsctl br-exists br-int
}

# nae_ovn_wait_activated LSP HV: waits up to 10 s until OVN has activated
# logical port LSP's binding on additional chassis HV (it saw the guest's
# RARP there).  Returns nonzero if it did not.
nae_ovn_wait_activated () {
    for i in $(seq 100); do
        if [ "$(ovn-sbctl get Port_Binding $1 \
                options:additional-chassis-activated 2> /dev/null)" = $2 ]
        then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# nae_ovn_guest HV PORT MAC ADDRESS/PLEN [nae-guestd-args]: a nae port
# PORT on HV's br-int, bound to logical port PORT (which the caller
# creates), with a process guest in namespace $(nae_ovn_ns PORT) whose eth0
# has MAC and ADDRESS; the guest takes commands on
# $nae_ovn_base/guest-PORT.ctl, logs to guest-PORT.log.
nae_ovn_guest () {
    local hv=$1 port=$2 mac=$3 addr=$4 ns=$(nae_ovn_ns $2)

    shift 4
    nae_ovn_as $hv ovs-vsctl add-port br-int $port \
        -- set Interface $port type=nae options:mac=$mac \
               external_ids:iface-id=$port || return 1
    ip netns add $ns || return 1
    on_exit "ip netns del $ns"
    ip netns exec $ns ip link set lo up
    nae_bg guest-$port ip netns exec $ns nae-guestd \
        --socket=$nae_ovn_base/$hv/nae-$port.sock --tap=eth0 \
        --control=$nae_ovn_base/guest-$port.ctl "$@"
    for i in $(seq 100); do
        if ip netns exec $ns ip link show eth0 > /dev/null 2>&1; then
            ip netns exec $ns ip addr add $addr dev eth0
            return
        fi
        sleep 0.1
    done
    echo "the guest of $port made no eth0"
    return 1
}
