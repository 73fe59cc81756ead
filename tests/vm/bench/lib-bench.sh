# libfilepin's cost, as ratios (issue 4, 12): pass-through of
# ibv_reg_mr/ibv_dereg_mr of 4 KiB anonymous buffers never seen before, with
# the library preloaded / without, in a process with 10 and with 5000
# mappings (goal <= 1.02; runs interleaved, median of the pairs' ratios
# with min-max); registering 1 GiB of a DAX file
# through the library / 1 GiB of anonymous memory (goal <= 1.0);
# ib_write_bw bandwidth into a DAX-file MR / into anonymous memory (goal
# >= 0.97).  Measured under TCG, so the goals are TODO checks: the numbers
# are what matters, printed as diagnostics.
# vm-fs: ext4
# vm-timeout: 900
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
lib=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1
bench=$FILEPIN_BUILD/tests/bench/fp-bench
{ [ -e "$lib" ] && [ -x "$bench" ]; } || skip_all "libfilepin.so.1 or fp-bench is not built"
plan 8

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "nan" }'; }
# measured VALUE...: every value is a number above 0
measured() {
	for _v; do
		awk -v v="$_v" 'BEGIN { exit !(v + 0 > 0) }' || return 1
	done
}
goal() { # RATIO OP LIMIT DESC
	if [ "$1" = nan ]; then
		not_ok "$4: not measured # TODO see above"
	elif awk -v r="$1" -v l="$3" -v op="$2" 'BEGIN { exit !(op == "<=" ? r <= l : r >= l) }'; then
		ok "$4: $1 $2 $3"
	else
		not_ok "$4: $1 $2 $3 # TODO performance goal missed (TCG guest)"
	fi
}

# 1. pass-through cost: reg+dereg of 4 KiB anonymous buffers, each one
# mapped just before (no cache has seen it), in a process with about 10 and
# with 5000 mappings.
#  a. side by side in one process (fp-bench regpair): blocks of 2 through
#     libibverbs' own functions and through libfilepin's (dlopen()ed: the
#     functions a preload interposes), alternating, 400 blocks each way; the
#     median of the blocks' ratios with min-max (short blocks: a host that
#     preempts the guest spoils few of them).  This is the goal.
#  b. end to end with LD_PRELOAD: plain and preloaded runs alternate (the
#     order too), PAIRS times; the median of the pairs' ratios, min-max.
#     Whole processes seconds apart on a shared machine: noisier.
PAIRS=${FP_BENCH_PAIRS:-5}
passthrough() { # MAPPINGS: prints "MEDIAN MIN MAX PLAIN_NS PRELOADED_NS"
	_i=0
	: >pairs.txt
	while [ $_i -lt "$PAIRS" ]; do
		if [ $((_i % 2)) -eq 0 ]; then
			_p=$("$bench" regloop -d rxe0 -n 500 -s 4096 -m "$1" --fresh | awk '{ print $4 }')
			_l=$(LD_PRELOAD=$lib "$bench" regloop -d rxe0 -n 500 -s 4096 -m "$1" --fresh | awk '{ print $4 }')
		else
			_l=$(LD_PRELOAD=$lib "$bench" regloop -d rxe0 -n 500 -s 4096 -m "$1" --fresh | awk '{ print $4 }')
			_p=$("$bench" regloop -d rxe0 -n 500 -s 4096 -m "$1" --fresh | awk '{ print $4 }')
		fi
		measured "$_p" "$_l" || return 1
		echo "$_p $_l" >>pairs.txt
		_i=$((_i + 1))
	done
	awk '{ print $2 / $1, $1, $2 }' pairs.txt | sort -n |
		awk '{ r[NR] = $1; p[NR] = $2; l[NR] = $3 }
		     END { m = int((NR + 1) / 2)
			   printf "%.3f %.3f %.3f %s %s\n", r[m], r[1], r[NR], p[m], l[m] }'
}
for m in 10 5000; do
	out=$("$bench" regpair --lib "$lib" -d rxe0 -n 400 -k 2 -s 4096 -m $m)
	set -- $out
	if [ "$1" = regpair ] && measured "$5" "$6"; then
		ok "pass-through measured side by side with $m mappings ($2 mappings, $3 x $4 each way)"
	else
		not_ok "pass-through measured side by side with $m mappings"
		set -- regpair 0 0 0 0 0 nan nan nan
	fi
	diag "reg+dereg of a fresh 4 KiB anonymous buffer, $2 mappings: $5 ns plain, $6 ns through libfilepin (means); library / plain per block: median $7, min-max $8-$9"
	goal "$7" "<=" 1.02 "pass-through ratio with $m mappings (library / plain, median of $3 blocks, min-max $8-$9)"
	eval "r1_$m=\$7"
	if out=$(passthrough $m) && [ -n "$out" ]; then
		set -- $out
		diag "LD_PRELOAD end to end, $m mappings, $PAIRS pairs of 500: plain $4 ns, preloaded $5 ns (median pair); preloaded / plain median $1, min-max $2-$3"
	else
		diag "LD_PRELOAD end to end, $m mappings: not measured"
	fi
done
rm -f pairs.txt

# 2. 1 GiB: DAX file through the library vs anonymous memory
anon=$("$bench" reg -d rxe0 --anon -l 1G -r 3 | awk '{ print $3 }')
dax=$(LD_PRELOAD=$lib "$bench" reg -d rxe0 --file bench.dax -l 1G -r 3 | awk '{ print $3 }')
if measured "$anon" "$dax"; then ok "1 GiB registrations measured"; else not_ok "1 GiB registrations measured"; fi
r2=$(ratio "$dax" "$anon")
diag "ibv_reg_mr of 1 GiB: DAX file via libfilepin $dax s, anonymous $anon s: ratio $r2"
goal "$r2" "<=" 1.0 "1 GiB DAX / anonymous registration time"
rm -f bench.dax

# 3. ib_write_bw into a DAX MR vs into anonymous memory (server side)
bw() { # PORT [SERVER-ARGS]: the client's average MB/s
	_p=$1; shift
	timeout 120 ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 2000 -p "$_p" "$@" >bw-server.out 2>&1 &
	_s=$!
	wait_port "$_p" || { kill $_s; return 1; }
	timeout 120 ib_write_bw -d rxe0 -x 1 -F -s 65536 -n 2000 -p "$_p" 192.0.2.1 >bw-client.out 2>&1
	wait $_s || return 1
	awk '/BW average/ { getline; print $4 }' bw-client.out
}
dd if=/dev/zero of=bw.dax bs=1M count=8 2>/dev/null
bwa=$(bw 18620)
LD_PRELOAD=$lib
export LD_PRELOAD
bwd=$(bw 18621 --mmap=bw.dax)
unset LD_PRELOAD
if measured "$bwa" "$bwd"; then ok "bandwidth measured"; else not_ok "bandwidth measured"; fi
r3=$(ratio "$bwd" "$bwa")
diag "ib_write_bw 64 KiB: into a DAX MR $bwd MB/s, into anonymous memory $bwa MB/s: ratio $r3"
goal "$r3" ">=" 0.97 "bandwidth DAX / anonymous"
echo "# ratios: passthrough10=$r1_10 passthrough5000=$r1_5000 reg1G=$r2 bw=$r3"
rm -f bw.dax
