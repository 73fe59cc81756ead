#!/bin/sh
# filepin's benchmarks: every tests/vm/bench/*.sh on the patched kernel
# (cases headed "# vm-kernel: stock" on the stock kernel), each printing
# the ratios it measured side by side in one guest run.  Goals that a TCG
# guest misses show as TODO, never as failures: these numbers are reported,
# not tested.  Options go to tests/vm/run (e.g. -v).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. tests/vm/lib.sh

tools/install-deps all
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
mkdir -p _build
(cd _build && { [ -f Makefile ] || ../configure -q; } && make -j"$(nproc)" >/dev/null)

patched="" stock=""
for b in tests/vm/bench/*.sh; do
	case $(vm_case_header "$b" kernel patched) in
	stock) stock="$stock $b" ;;
	both) stock="$stock $b" patched="$patched $b" ;;
	*) patched="$patched $b" ;;
	esac
done
rc=0
all=$(mktemp -d "${TMPDIR:-/tmp}/filepin-bench.XXXXXX")
for kind in patched stock; do
	eval "list=\$$kind"
	[ -n "$list" ] || continue
	opt=""
	[ "$kind" = stock ] && opt=--stock
	results=$all/$kind
	# shellcheck disable=SC2086
	tests/vm/run $opt -b _build -o "$results" "$@" $list >"$results.out" 2>&1 || rc=1
	while IFS="$(printf '\t')" read -r n path fs _; do
		echo "=== ${path#"$top"/} ${fs#-} ($kind kernel)"
		grep -E '^# |^not ok .*TODO|^ok ' "$results/$n.tap" || cat "$results.out"
		sed -n 's/^# kbench //p' "$results/$n.tap" >>"$all/$kind.kbench"
	done <"$results/cases"
done
# Values measured on both kernels, side by side in this run: patched / stock.
if [ -s "$all/patched.kbench" ] && [ -s "$all/stock.kbench" ]; then
	echo "=== patched / stock"
	awk 'NR == FNR { s[$1] = $2; next }
	     ($1 in s) && s[$1] > 0 { printf "%s: %s / %s = %.3f\n", $1, $2, s[$1], $2 / s[$1] }' \
		"$all/stock.kbench" "$all/patched.kbench"
fi
echo "(results in $all)"
exit $rc
