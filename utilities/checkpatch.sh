#! /bin/sh
# checkpatch.sh: OVS's utilities/checkpatch.py over every C source of
# ovs-nae ("make check-style", run by CI).  Fails on any error and on any
# warning but one: "Line lacks whitespace around operator", which
# checkpatch also gives for a path inside a string ("/dev/net/tun") or a
# negative index (p[-1]); those are printed, not counted.
#
# Code that links no OVS library (the guest programs, the emulated NIC, the
# libc-only engines and the benchmark and fuzz harnesses built on them)
# cannot call OVS's helpers, so the rules asking for them (xmalloc() for
# malloc(), ovs_strerror() for strerror(), ovs_abort() for abort(), ...)
# do not apply there.
#
# Usage: checkpatch.sh OVS_SRCDIR [SRCDIR]
set -u
ovs_srcdir=$1
srcdir=${2:-.}
checkpatch=$ovs_srcdir/utilities/checkpatch.py
[ -f "$checkpatch" ] || { echo "$0: no $checkpatch" >&2; exit 1; }

is_libc_only() {
    case $1 in
        guest/* | emunic/* | tests/fuzz/* | tests/sio-impair.c \
        | tests/esw-test.c | tests/nae-hostile.c | ofproto-ext/dpi.[ch] \
        | splitio/* | include/* | utilities/*) return 0 ;;
    esac
    return 1
}

cd "$srcdir" || exit 1
files=$(find include splitio lib ofproto-ext emunic guest vswitchd-plugin \
             tests utilities -name '*.[ch]' | sort)
helper_rule='^ERROR: Use (x[a-z]*|ovs_[a-z]*)\(\) in place of'
status=0 n=0
for f in $files; do
    n=$((n + 1))
    out=$(python3 "$checkpatch" -f "$f" 2>&1 | grep -A3 -E '^(ERROR|WARNING):')
    [ -n "$out" ] || continue
    # Each finding: the rule line, then file:line and the text.
    libc=0
    is_libc_only "$f" && libc=1
    findings=$(printf '%s\n' "$out" | awk -v libc=$libc -v rule="$helper_rule" '
        /^(ERROR|WARNING):/ {
            counted = !(libc && $0 ~ rule) \
                      && $0 !~ /^WARNING: Line lacks whitespace around/
            if (counted || $0 !~ rule) {
                show = 1
                print (counted ? "" : "(not counted) ") $0
            } else {
                show = 0
            }
            next
        }
        /^--$/ { next }
        show && NF { print "    " $0 }')
    if printf '%s\n' "$findings" | grep -qE '^(ERROR|WARNING):'; then
        status=1
    fi
    [ -n "$findings" ] && printf '%s\n' "$findings"
done
echo "checkpatch: $n files, $([ $status = 0 ] && echo clean || echo FAILED)"
exit $status
