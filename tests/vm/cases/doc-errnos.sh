# Issue 13: the documented errors are the ones the kernel returns.
# kernel/man-pages/errnos.txt lists each documented errno with a scenario
# that provokes it; this case checks that the fcntl (F_GETLEASE.2const)
# man-pages patch documents exactly those errno names in its ERRORS
# section, that Documentation/filesystems/file-pins.rst names each of them
# in its "Errors" section, and that every scenario gets exactly its errno
# from the kernel (F_SETLEASE with F_LAYOUT and F_EXCLUSIVE, layout
# changes under an exclusive lease or over a pin, pins without the lease).
# vm-fs: each
. "$FILEPIN_TOP/tests/vm/case-lib.sh"

table=$FILEPIN_TOP/kernel/man-pages/errnos.txt
manpatch=$(ls "$FILEPIN_TOP"/kernel/man-pages/*-F_GETLEASE.2const-*.patch 2>/dev/null | head -n 1)
rstpatch=$(ls "$FILEPIN_TOP"/kernel/patches/*-Documentation-filesystems-describe-layout-leases*.patch 2>/dev/null | head -n 1)
[ -r "$table" ] || bail "no $table"
[ -n "$manpatch" ] || bail "no F_GETLEASE.2const patch in kernel/man-pages"
[ -n "$rstpatch" ] || bail "no Documentation patch in kernel/patches"

# The rows of the table that apply to this file system: "errno scenario"
rows=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$table" |
	awk -v fs="$FILEPIN_FS" '$3 == "all" || $3 == fs { print $1, $2 }')
plan $(($(echo "$rows" | wc -l) + 4))

# --- the documents ------------------------------------------------------
# errno names that the man page's ERRORS section gains (".B EXXX" lines)
man_errnos=$(awk '/^[ +]\.SH /{ in_err = ($0 ~ /^[ +]\.SH ERRORS/) }
	in_err && /^\+\.B E[A-Z]+$/ { print $2 }' "$manpatch" | sort -u)
table_errnos=$(sed -e 's/#.*//' "$table" | awk '$1 ~ /^E[A-Z]+$/ { print $1 }' | sort -u)
is "$(echo $man_errnos)" "$(echo $table_errnos)" \
	"the man page documents exactly the errnos of the table"
# errno names in the "Errors" section of the .rst
rst_errnos=$(sed -n '/^+Errors$/,/^+Testing$/p' "$rstpatch" |
	grep -o '``E[A-Z]*``' | tr -d '`' | sort -u)
missing=
for e in $table_errnos; do
	echo "$rst_errnos" | grep -qx "$e" || missing="$missing $e"
done
is "$missing" "" "Documentation/filesystems/file-pins.rst names every errno of the table"
grep -q '^+(48);$' "$manpatch" && grep -q '(48)' "$rstpatch"
is "$?" 0 "both document that F_GETLEASE returns 48 for F_LAYOUT | F_EXCLUSIVE"

# --- helpers --------------------------------------------------------------
# result OUTPUT STEP: the errno NAME that fp-errno printed for STEP, "ok",
# or "none" when STEP did not run
result() {
	_r=$(printf '%s\n' "$1" | sed -n "s/^$2: //p" | head -n 1)
	case $_r in
	errno=*) echo "${_r#errno=}" ;;
	"") echo none ;;
	*) echo "$_r" ;;
	esac
}

# one_step FILE STEP [FP-ERRNO-OPTION]: run one fp-errno step on FILE
one_step() {
	result "$(fp-errno $3 "$1" "$2" 2>&1)" "$2"
}

old_break=$(cat /proc/sys/fs/lease-break-time)

# --- F_SETLEASE -------------------------------------------------------------
sc_setlease_not_owner() {
	: >no
	chmod 644 no
	result "$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		fp-errno no exclusive 2>&1)" exclusive
}

# A read lease being broken by an open for write: a new layout lease
# (from another open file description) is refused meanwhile.
sc_setlease_other_breaking() {
	: >rl
	rm -f rl.ctl
	mkfifo rl.ctl
	echo 30 >/proc/sys/fs/lease-break-time
	fp-errno rl read sigio wait <rl.ctl >rl.out 2>&1 &
	_h=$!
	exec 6>rl.ctl
	wait_until 30 grep -q '^read: ok' rl.out || diag "read lease: $(cat rl.out)" >&2
	sh -c ': >>rl' &
	_o=$!
	wait_until 30 grep -q '^sigio: ok' rl.out || diag "no lease break: $(cat rl.out)" >&2
	one_step rl layout
	exec 6>&-
	wait "$_h" "$_o"
	echo "$old_break" >/proc/sys/fs/lease-break-time
}

# The holder of a plain layout lease that is being broken (by a truncate)
# asks to make it exclusive.  xfs drops the inode lock while it breaks
# layout leases: EAGAIN.  ext4 holds it, so F_SETLEASE waits for the
# truncate, which goes on when lease-break-time has passed, and the
# exclusive lease is then granted: "waits".
sc_setlease_own_breaking() {
	head -c 64K /dev/zero >ob
	rm -f ob.ctl
	mkfifo ob.ctl
	echo 4 >/proc/sys/fs/lease-break-time
	fp-errno ob layout sigio exclusive get wait <ob.ctl >ob.out 2>&1 &
	_h=$!
	exec 6>ob.ctl
	wait_until 30 grep -q '^layout: ok' ob.out || diag "layout lease: $(cat ob.out)" >&2
	truncate -s 0 ob &
	_t=$!
	wait_until 30 grep -q '^sigio: ok' ob.out || diag "no lease break: $(cat ob.out)" >&2
	_s=$(date +%s)
	wait_until 60 grep -q '^exclusive: ' ob.out
	_w=$(($(date +%s) - _s))
	_r=$(result "$(cat ob.out)" exclusive)
	exec 6>&-
	wait "$_h" "$_t"
	diag "$FILEPIN_FS: holder said: $(tr '\n' ' ' <ob.out)(after ${_w}s)" >&2
	echo "$old_break" >/proc/sys/fs/lease-break-time
	# granted, but only once lease-break-time had passed and the
	# truncate had gone on (3 s: the break timer has 1 s granularity)
	if [ "$_r" = ok ] && [ "$_w" -ge 3 ] && [ "$(stat -c %s ob)" = 0 ]; then
		echo waits
	else
		echo "$_r"
	fi
}

sc_setlease_unlck_none() {
	: >un
	one_step un unlck
}

sc_setlease_read_to_layout() {
	: >rtl
	result "$(fp-errno rtl read layout 2>&1)" layout
}

sc_setlease_layout_to_read() {
	: >ltr
	result "$(fp-errno ltr layout read 2>&1)" read
}

sc_setlease_layout_to_write() {
	: >ltw
	result "$(fp-errno -w ltw layout write 2>&1)" write
}

sc_setlease_directory() {
	mkdir -p dir
	one_step dir exclusive
}

sc_setlease_exclusive_alone() {
	: >ea
	one_step ea 32
}

sc_setlease_unknown_bits() {
	: >ub
	one_step ub 80
}

sc_setlease_tmpfs() {
	mkdir -p /tmp/doc-errnos
	: >/tmp/doc-errnos/t
	one_step /tmp/doc-errnos/t exclusive
}

sc_setlease_leases_disabled() {
	: >ld
	echo 0 >/proc/sys/fs/leases-enable
	one_step ld exclusive
	echo 1 >/proc/sys/fs/leases-enable
}

# --- layout changes -----------------------------------------------------------
# layout_under_lease STEP: STEP on a 1 MiB file with an exclusive layout
# lease held by another process
layout_under_lease() {
	head -c 1M /dev/zero >ll
	lease_hold exclusive ll ll.out || { echo "no-lease"; return; }
	one_step ll "$1"
	lease_release
}

sc_layout_truncate_lease() { layout_under_lease truncate:4096; }
sc_layout_punch_lease() { layout_under_lease punch:0:65536; }
sc_layout_collapse_lease() { layout_under_lease collapse:0:65536; }
sc_layout_insert_lease() { layout_under_lease insert:0:65536; }
sc_layout_zero_lease() { layout_under_lease zero:0:65536; }

# A pin (ibv_reg_mr over rxe0) whose lease has been released
sc_layout_punch_pin() {
	holder_start -L exclusive -l 1M pinned || { echo "no-pin"; return; }
	_u=$(holder_cmd unlease)
	[ "$_u" = "ok unlease" ] || diag "unlease: $_u" >&2
	one_step pinned punch:65536:4096
	holder_stop
}

# --- pins -------------------------------------------------------------------
# pin_errno LEASE: the errno of ibv_reg_mr of a DAX mapping under LEASE
pin_errno() {
	fp-pin -L "$1" -l 1M "pin-$1" 2>&1 | sed -n 's/.*(errno=\(E[A-Z]*\))$/\1/p' |
		head -n 1 | grep . || echo ok
}
sc_pin_no_lease() { pin_errno none; }
sc_pin_plain_lease() { pin_errno layout; }

# --- run the table ----------------------------------------------------------------
# (not a pipe: the TAP counter must survive the loop; the scenarios get
# /dev/null as stdin and say what went wrong on stderr, shown after them)
_ifs=$IFS
IFS='
'
for row in $rows; do
	IFS=$_ifs
	set -- $row
	want=$1
	scenario=$2
	fn=sc_$(echo "$scenario" | tr - _)
	if ! command -v "$fn" >/dev/null 2>&1; then
		not_ok "$scenario: no such scenario in doc-errnos.sh"
		continue
	fi
	got=$($fn </dev/null 2>sc.err)
	is "$got" "$want" "$scenario: $want"
	sed 's/^\([^#]\)/# \1/' sc.err
done
IFS=$_ifs

# F_GETLEASE after taking each kind of layout lease
: >gl
is "$(fp-errno gl exclusive get layout get 2>&1 | grep '^get: ' | tr '\n' ' ')" \
	"get: 48 get: 16 " "F_GETLEASE returns 48, then 16 after switching in place"
