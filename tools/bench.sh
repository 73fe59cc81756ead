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
	*) patched="$patched $b" ;;
	esac
done
rc=0
for kind in patched stock; do
	eval "list=\$$kind"
	[ -n "$list" ] || continue
	opt=""
	[ "$kind" = stock ] && opt=--stock
	results=$(mktemp -d "${TMPDIR:-/tmp}/filepin-bench.XXXXXX")
	# shellcheck disable=SC2086
	tests/vm/run $opt -b _build -o "$results" "$@" $list >"$results/run.out" 2>&1 || rc=1
	while IFS="$(printf '\t')" read -r n path fs _; do
		echo "=== ${path#"$top"/} ${fs#-} ($kind kernel)"
		grep -E '^# |^not ok .*TODO|^ok ' "$results/$n.tap" || cat "$results/run.out"
	done <"$results/cases"
done
exit $rc
