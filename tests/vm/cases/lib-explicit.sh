# libfilepin's explicit API (filepin_reg_mr/filepin_dereg_mr) on a DAX file:
# fp-libpin registers an unaligned range, moves data both ways with loopback
# RDMA, and checks ETXTBSY on truncate, /proc/self/file_pins and
# /proc/locks while the MR exists and after filepin_dereg_mr.  Once with the
# mapping address as the MR's address, once with the file offset (--iova).
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
prog=$FILEPIN_BUILD/tests/lib/vm/fp-libpin
[ -x "$prog" ] || skip_all "fp-libpin is not built"
plan 22

# run ARGS...: fp-libpin's 10 checks as TAP, plus its exit status
run() {
	"$prog" "$@" >libpin.out 2>&1
	rc=$?
	while IFS= read -r l; do
		case $l in
		"ok - "*) ok "$* : ${l#ok - }" ;;
		"not ok - "*) not_ok "$* : ${l#not ok - }" ;;
		*) diag "$l" ;;
		esac
	done <libpin.out
	is "$rc" 0 "fp-libpin $* exits 0"
}

run -d rxe0 -o 4608 -l 3M explicit.file
run -d rxe0 -o 1M -l 1M --iova explicit-iova.file
