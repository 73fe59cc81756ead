# libfilepin holds the lease for the program while its MR exists: fp-pin
# (it registers with ibv_reg_mr, takes no lease itself with -L none) runs
# linked with -lfilepin before -libverbs (fp-pin-linked), and unmodified
# under LD_PRELOAD.  While the MR exists: RDMA moves data both ways,
# /proc/<pid>/file_pins lists the file, /proc/locks shows the lease and
# truncate is refused with ETXTBSY.  After ibv_dereg_mr: no lease, no pin,
# truncate works.
# vm-fs: each
# vm-timeout: 300
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
lib=$FILEPIN_BUILD/lib/.libs/libfilepin.so.1
linked=$FILEPIN_BUILD/tests/lib/vm/fp-pin-linked
[ -e "$lib" ] || skip_all "libfilepin.so.1 is not built"
[ -x "$linked" ] || skip_all "fp-pin-linked is not built"
plan 23

out=$(fp-pin -L none -l 1M nolib.file 2>&1)
is "$?:$out" "1:ibv_reg_mr: Operation not permitted (errno=EPERM)" \
	"without libfilepin and without a lease, fp-pin's registration is refused"

# holder_start runs "fp-pin": point that name at the linked build
mkdir -p linked-bin
ln -sf "$linked" linked-bin/fp-pin

# flow HOW FILE: the checks for one holder
flow() {
	_how=$1 _f=$2
	truncate -s 0 "$_f"
	case $_how in
	linked) _path=$PATH; PATH=$PWD/linked-bin:$PATH
		holder_start -L none -l 2M "$_f"; _rc=$?
		PATH=$_path ;;
	preload) LD_PRELOAD=$lib; export LD_PRELOAD
		holder_start -L none -l 2M "$_f"; _rc=$?
		unset LD_PRELOAD ;;
	esac
	if [ "$_rc" -ne 0 ]; then
		not_ok "$_how: fp-pin registers the DAX file"
		return 1
	fi
	ok "$_how: fp-pin registers the DAX file"
	ino=$(stat -c %i "$_f")
	is "$(holder_cmd write 0 2M)" "ok write" "$_how: RDMA WRITE of 2 MiB is read back by pread()"
	is "$(holder_cmd read 4096 1M)" "ok read" "$_how: pwrite() is seen by RDMA READ"
	pins=$(cat "/proc/$holder_pid/file_pins" 2>&1)
	like "$pins" " $ino .*$(basename "$_f")\$" "$_how: /proc/<pid>/file_pins lists the file"
	like "$(cat /proc/locks)" "LEASE .* $holder_pid [0-9a-f]+:[0-9a-f]+:$ino " \
		"$_how: /proc/locks shows the library's lease"
	out=$(quick 10 truncate -s 0 "$_f")
	like "$?:$out" "^1:.*Text file busy" "$_how: truncate is refused with ETXTBSY at once"
	is "$(holder_cmd dereg)" "ok dereg" "$_how: ibv_dereg_mr"
	locks=$(grep -E "LEASE .* $holder_pid [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks)
	is "$locks" "" "$_how: after dereg the lease is gone from /proc/locks"
	pins=$(grep " $ino " "/proc/$holder_pid/file_pins")
	is "$pins" "" "$_how: after dereg file_pins no longer lists the file"
	check "$_how: after dereg truncate works" truncate -s 0 "$_f"
	holder_stop
	is "$?" 0 "$_how: fp-pin exits cleanly"
}

flow linked linked.file
flow preload preload.file
