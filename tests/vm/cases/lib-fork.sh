# fork() with libfilepin (libfilepin(3), FORK): fp-fork, linked with
# -lfilepin before -libverbs, registers a DAX file with ibv_reg_mr() and
# forks; the child maps the same file and registers it on a device context
# of its own: it succeeds under a lease of the child's own (the library
# gives the child an empty lease table; under the kernel's first rule the
# parent's lease did not let the child pin, under the open-file-description
# rule it would have, and the child must not depend on it), and the
# parent's lease and ETXTBSY protection survive the child.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
prog=$FILEPIN_BUILD/tests/lib/vm/fp-fork
[ -x "$prog" ] || skip_all "fp-fork is not built"
plan 13

"$prog" -d rxe0 fork.file >fork.out 2>&1
rc=$?
while IFS= read -r l; do
	case $l in
	"ok - "*) ok "${l#ok - }" ;;
	"not ok - "*) not_ok "${l#not ok - }" ;;
	*) diag "$l" ;;
	esac
done <fork.out
is "$rc" 0 "fp-fork exits 0"
