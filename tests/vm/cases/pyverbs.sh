# rdma-core's pyverbs suite, as Debian ships it, against rxe0: guards the
# kernel series against breaking ordinary RDMA.  Failures known on 6.1 rxe
# are listed, each with its reason, in tests/vm/pyverbs-known-failures.
# vm-fs: none
# vm-timeout: 1500
. "$FILEPIN_TOP/tests/vm/case-lib.sh"

src=/usr/share/doc/rdma-core/tests
[ -f "$src/run_tests.py" ] || skip_all "python3-pyverbs is not installed ($src missing)"
mkdir -p pv
cp -r "$src" pv/tests
gunzip -f pv/tests/*.gz
exec python3 "$FILEPIN_TOP/tests/vm/pyverbs-tap.py" "$PWD/pv/tests" \
	"$FILEPIN_TOP/tests/vm/pyverbs-known-failures" --dev rxe0 --gid 1
