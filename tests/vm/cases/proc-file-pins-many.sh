# Kernel rule 7 (issues 9 and 12): /proc/<pid>/file_pins is read one record
# at a time from a cursor: 20000 records read in 1000-byte reads are each
# listed exactly once; a reader that opened it before an execve() reads
# nothing of the new image (as /proc/<pid>/maps), setuid or not.
# vm-fs: ext4
# vm-timeout: 900
. "$FILEPIN_TOP/tests/vm/case-lib.sh"
[ -e /sys/kernel/debug/file_pins_test ] || skip_all "no /sys/kernel/debug/file_pins_test"
plan 3

is "$(quick 600 fp-pinlist many many 20000 2>&1)" \
	"many: 20000 pinned, 20000 listed, 0 missing, 0 duplicate, 0 foreign" \
	"20000 records, each listed exactly once"

prog=$(command -v fp-pinlist)
is "$(quick 60 fp-pinlist exec "$FILEPIN_DIR/plain" "$prog" 2>&1)" "before exec: 0 lines
child pinned after exec: yes
fd opened before exec: 0 lines
fd opened after exec: 1 lines" \
	"an fd opened before execve() shows nothing of the new image"

# The same across a setuid-root execve(), read by an unprivileged user
cp "$prog" "$FILEPIN_DIR/fp-suid"
chmod 4755 "$FILEPIN_DIR/fp-suid"
chmod 0777 "$FILEPIN_DIR"
is "$(quick 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$prog" exec "$FILEPIN_DIR/suid" "$FILEPIN_DIR/fp-suid" 2>&1)" "before exec: 0 lines
child pinned after exec: yes
fd opened before exec: 0 lines
fd opened after exec: errno=EACCES" \
	"a reader that opened before a setuid execve() reads nothing of it"
