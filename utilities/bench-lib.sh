# bench-lib.sh: what the benchmark scripts share; they source it.

# bench_prepare DIR HUGEPAGES: makes DIR (emptied) the benchmark's directory
# and the current one, OVS's run, log and database directory, with at
# least HUGEPAGES 2 MiB hugepages mounted on DIR/huge.  On exit: kills
# every process with a pid file in DIR, unmounts the hugepages and gives
# them back.
bench_prepare() {
    bench=$1
    bench_huge_pages=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    export OVS_RUNDIR=$bench OVS_LOGDIR=$bench OVS_DBDIR=$bench
    export OVS_SYSCONFDIR=$bench
    trap bench_cleanup EXIT
    rm -rf "$bench"
    mkdir -p "$bench/huge"
    cd "$bench"
    bench_old_huge=$(cat $bench_huge_pages)
    if [ "$bench_old_huge" -lt "$2" ]; then
        echo "$2" > $bench_huge_pages
    fi
    mount -t hugetlbfs -o pagesize=2M nodev "$bench/huge"
}

bench_cleanup() {
    set +e
    for p in "$bench"/*.pid; do
        [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
    done
    sleep 1
    umount "$bench/huge" 2>/dev/null
    if [ -n "$bench_old_huge" ]; then
        echo "$bench_old_huge" > $bench_huge_pages
    fi
}
