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

# median N...: the median of its arguments.
median() {
    printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1}
        END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# bench_svg_bars DATA TITLE UNIT > FILE.svg: a grouped bar chart of DATA,
# lines of "GROUP SERIES VALUE" (GROUP and SERIES without spaces; groups
# and series in the order they first appear), values in UNIT.  Plain SVG,
# no plotting package: what the benchmarks put in docs/.
bench_svg_bars() {
    awk -v title="$2" -v unit="$3" '
        !($1 in gi) { gi[$1] = ng++; gname[ng - 1] = $1 }
        !($2 in si) { si[$2] = ns++; sname[ns - 1] = $2 }
        { v[gi[$1], si[$2]] = $3; if ($3 > max) max = $3 }
        END {
            if (max <= 0) max = 1
            split("#4c72b0 #dd8452 #55a868 #c44e52", color, " ")
            bw = 28; gap = 24; left = 60; top = 40; h = 200
            width = left + ng * (ns * bw + gap) + 20 + 140
            printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", width, top + h + 60
            printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            printf "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>\n", left, title
            printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n", left, top + h, width - 150, top + h
            printf "<text x=\"10\" y=\"%d\" transform=\"rotate(-90 10 %d)\">%s</text>\n", top + h, top + h, unit
            for (g = 0; g < ng; g++) {
                x0 = left + gap / 2 + g * (ns * bw + gap)
                for (s = 0; s < ns; s++) {
                    val = v[g, s] + 0; bh = val / max * h
                    x = x0 + s * bw
                    printf "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"/>\n", x, top + h - bh, bw - 4, bh, color[s % 4 + 1]
                    printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", x + (bw - 4) / 2, top + h - bh - 3, val
                }
                printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x0 + ns * bw / 2, top + h + 18, gname[g]
            }
            for (s = 0; s < ns; s++) {
                printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", width - 140, top + s * 18, color[s % 4 + 1]
                printf "<text x=\"%d\" y=\"%d\">%s</text>\n", width - 122, top + s * 18 + 11, sname[s]
            }
            print "</svg>"
        }' "$1"
}
