// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pinmgr wire protocol: every message type survives a round trip, and
 * the decoder rejects short, long, truncated, wrong-version, wrong-length,
 * unknown-type and malformed packets.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pinmgr-proto.h"
#include "tap.h"

static struct pinmgr_msg samples[7];

static void make_samples(void)
{
	struct pinmgr_msg *m = samples;

	m->type = PINMGR_HELLO;
	m->hello.pid = 4242;
	m->hello.flags = PINMGR_HELLO_REVOKE;
	m++;
	m->type = PINMGR_PIN_ADD;
	m->pin_add.id = 0x1122334455667788ULL;
	m->pin_add.pid = 77;
	m->pin_add.mr_handle = 5;
	m->pin_add.lkey = 0xdeadbeef;
	m->pin_add.rkey = 0xfeedf00d;
	m->pin_add.dev_major = 259;
	m->pin_add.dev_minor = 1048575;
	m->pin_add.ino = UINT64_MAX - 1;
	m->pin_add.offset = 0xffffffffffe00000ULL;
	m->pin_add.length = 0x100000;
	strcpy(m->pin_add.rdma_dev, "rxe0");
	strcpy(m->pin_add.path, "/mnt/ext4/a file\nwith a newline");
	m++;
	m->type = PINMGR_PIN_DEL;
	m->pin_del.id = 99;
	m++;
	m->type = PINMGR_REVOKE;
	m->revoke.cookie = 1;
	m->revoke.dev_major = 8;
	m->revoke.dev_minor = 1;
	m->revoke.ino = 12;
	m++;
	m->type = PINMGR_REVOKE_DONE;
	m->revoke = samples[3].revoke;
	m++;
	m->type = PINMGR_REVOKE_REFUSED;
	m->revoke = samples[3].revoke;
	m->revoke.error = EBUSY;
	m++;
	m->type = PINMGR_ERROR;
	m->error.error = EPROTONOSUPPORT;
	strcpy(m->error.message, "protocol version 2 only");
}

static int same(const struct pinmgr_msg *a, const struct pinmgr_msg *b)
{
	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case PINMGR_HELLO:
		return !memcmp(&a->hello, &b->hello, sizeof(a->hello));
	case PINMGR_PIN_ADD:
		return a->pin_add.id == b->pin_add.id &&
		       a->pin_add.pid == b->pin_add.pid &&
		       a->pin_add.mr_handle == b->pin_add.mr_handle &&
		       a->pin_add.lkey == b->pin_add.lkey &&
		       a->pin_add.rkey == b->pin_add.rkey &&
		       a->pin_add.dev_major == b->pin_add.dev_major &&
		       a->pin_add.dev_minor == b->pin_add.dev_minor &&
		       a->pin_add.ino == b->pin_add.ino &&
		       a->pin_add.offset == b->pin_add.offset &&
		       a->pin_add.length == b->pin_add.length &&
		       !strcmp(a->pin_add.rdma_dev, b->pin_add.rdma_dev) &&
		       !strcmp(a->pin_add.path, b->pin_add.path);
	case PINMGR_PIN_DEL:
		return a->pin_del.id == b->pin_del.id;
	case PINMGR_REVOKE:
	case PINMGR_REVOKE_DONE:
	case PINMGR_REVOKE_REFUSED:
		return !memcmp(&a->revoke, &b->revoke, sizeof(a->revoke));
	case PINMGR_ERROR:
		return a->error.error == b->error.error &&
		       !strcmp(a->error.message, b->error.message);
	}
	return 0;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

int main(void)
{
	unsigned char buf[PINMGR_MSG_MAX + 64], copy[PINMGR_MSG_MAX + 64];
	struct pinmgr_msg out, m;
	size_t i, cut;
	ssize_t n;

	make_samples();

	/* round trips, and every truncation of every message is rejected */
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const char *name = pinmgr_msg_type_name(samples[i].type);
		int bad = 0;

		n = pinmgr_msg_encode(&samples[i], buf, sizeof(buf));
		if (!ok(n >= PINMGR_HDR_SIZE, "%s encodes", name)) {
			diag("  encode: %zd", n);
			continue;
		}
		is_int(pinmgr_msg_decode(buf, (size_t)n, &out), 0, "%s decodes", name);
		ok(same(&samples[i], &out), "%s round trip keeps every field", name);
		for (cut = 0; cut < (size_t)n; cut++) {
			memcpy(copy, buf, (size_t)n);
			put_le32(copy + 4, (uint32_t)cut);	/* consistent length */
			if (pinmgr_msg_decode(copy, cut, &out) != -EBADMSG)
				bad++;
		}
		is_int(bad, 0, "%s: each of its %zd truncations is -EBADMSG", name, n);
		/* one byte too many, with the header saying so */
		memcpy(copy, buf, (size_t)n);
		copy[n] = 0;
		put_le32(copy + 4, (uint32_t)n + 1);
		is_int(pinmgr_msg_decode(copy, (size_t)n + 1, &out), -EBADMSG,
		       "%s with a trailing byte is rejected", name);
		/* a length field that disagrees with the packet */
		memcpy(copy, buf, (size_t)n);
		put_le32(copy + 4, (uint32_t)n - 1);
		is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
		       "%s with a wrong length field is rejected", name);
		/* another protocol version */
		memcpy(copy, buf, (size_t)n);
		copy[0] = 2;
		is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EPROTONOSUPPORT,
		       "%s of version 2 is rejected", name);
	}

	/* the header alone, and less */
	n = pinmgr_msg_encode(&samples[2], buf, sizeof(buf));
	is_int(pinmgr_msg_decode(buf, 0, &out), -EBADMSG, "empty packet rejected");
	is_int(pinmgr_msg_decode(buf, 7, &out), -EBADMSG, "7-byte packet rejected");
	/* unknown types */
	memcpy(copy, buf, (size_t)n);
	copy[2] = 0;
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EOPNOTSUPP, "type 0 rejected");
	copy[2] = 8;
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EOPNOTSUPP, "type 8 rejected");
	copy[2] = 0xff;
	copy[3] = 0xff;
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EOPNOTSUPP, "type 65535 rejected");
	/* an oversized packet */
	memset(copy, 0, sizeof(copy));
	memcpy(copy, buf, PINMGR_HDR_SIZE);
	put_le32(copy + 4, PINMGR_MSG_MAX + 1);
	is_int(pinmgr_msg_decode(copy, PINMGR_MSG_MAX + 1, &out), -EBADMSG,
	       "packet over PINMGR_MSG_MAX rejected");

	/* strings: too long, empty, embedded NUL, length past the end */
	m = samples[1];
	memset(m.pin_add.rdma_dev, 'x', PINMGR_RDMA_DEV_MAX + 1);
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL,
	       "encode refuses a 64-byte RDMA device name");
	m = samples[1];
	m.pin_add.path[0] = 0;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL,
	       "encode refuses an empty path");
	m = samples[1];
	memset(m.pin_add.path, 'p', PINMGR_PATH_MAX);
	m.pin_add.path[PINMGR_PATH_MAX] = 0;
	n = pinmgr_msg_encode(&m, buf, sizeof(buf));
	ok(n > 0, "a path of PINMGR_PATH_MAX bytes encodes (%zd bytes)", n);
	is_int(pinmgr_msg_decode(buf, (size_t)n, &out), 0, "... and decodes");
	is_int(strlen(out.pin_add.path), PINMGR_PATH_MAX, "... whole");
	is_int(pinmgr_msg_encode(&m, buf, 100), -EMSGSIZE,
	       "encode into a short buffer is -EMSGSIZE");

	n = pinmgr_msg_encode(&samples[1], buf, sizeof(buf));
	/*
	 * PIN_ADD layout: header 8, id 8, six u32 24, ino/offset/length 24:
	 * the length field at 56, rdma_dev's count at 64, "rxe0" at 66, the
	 * path's count at 70.
	 */
	memcpy(copy, buf, (size_t)n);
	copy[64] = PINMGR_RDMA_DEV_MAX + 1;
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
	       "decode rejects a 64-byte device name length");
	memcpy(copy, buf, (size_t)n);
	copy[67] = 0;	/* "r\0e0" */
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
	       "decode rejects a NUL inside a string");
	memcpy(copy, buf, (size_t)n);
	copy[64] = 0;
	copy[65] = 0;
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
	       "decode rejects an empty device name");
	memcpy(copy, buf, (size_t)n);
	copy[70] = 0xff;	/* path length 4095 > what is left */
	copy[71] = 0x0f;
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
	       "decode rejects a string running past the packet");

	/* fields out of range */
	m = samples[1];
	m.pin_add.length = 0;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL, "encode refuses length 0");
	m = samples[1];
	m.pin_add.length = 0x200001;	/* offset + length wraps */
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL,
	       "encode refuses a range that wraps");
	n = pinmgr_msg_encode(&samples[1], buf, sizeof(buf));
	memcpy(copy, buf, (size_t)n);
	memset(copy + 56, 0xff, 8);	/* length */
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
	       "decode rejects a range that wraps");
	memset(copy + 56, 0, 8);
	is_int(pinmgr_msg_decode(copy, (size_t)n, &out), -EBADMSG,
	       "decode rejects length 0");

	m = samples[0];
	m.hello.flags = 2;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL, "encode refuses unknown HELLO flags");
	n = pinmgr_msg_encode(&samples[0], buf, sizeof(buf));
	buf[12] = 2;
	is_int(pinmgr_msg_decode(buf, (size_t)n, &out), -EBADMSG, "decode rejects unknown HELLO flags");

	m = samples[5];
	m.revoke.error = 0;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL, "REVOKE_REFUSED needs an error");
	m = samples[3];
	m.revoke.error = EBUSY;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL, "REVOKE carries no error");
	n = pinmgr_msg_encode(&samples[5], buf, sizeof(buf));
	memset(buf + n - 4, 0, 4);
	is_int(pinmgr_msg_decode(buf, (size_t)n, &out), -EBADMSG, "decode rejects REVOKE_REFUSED with error 0");
	m = samples[6];
	m.error.error = 0;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL, "ERROR needs an error");
	m = samples[0];
	m.type = 42;
	is_int(pinmgr_msg_encode(&m, buf, sizeof(buf)), -EINVAL, "encode refuses an unknown type");

	/* random packets never crash the decoder (ASan/UBSan builds check) */
	{
		unsigned int seed = 1, accepted = 0, k;

		for (k = 0; k < 20000; k++) {
			size_t len = (size_t)(rand_r(&seed) % 200);

			for (i = 0; i < len; i++)
				copy[i] = (unsigned char)rand_r(&seed);
			if (len >= 8) {
				copy[0] = 1;
				copy[1] = 0;
				copy[2] = (unsigned char)(rand_r(&seed) % 9);
				copy[3] = 0;
				put_le32(copy + 4, (uint32_t)len);
			}
			if (!pinmgr_msg_decode(copy, len, &out))
				accepted++;
		}
		ok(1, "20000 random packets decoded without a crash (%u accepted)", accepted);
	}
	is_str(pinmgr_msg_type_name(PINMGR_REVOKE_REFUSED), "REVOKE_REFUSED", "type names");
	is_str(pinmgr_msg_type_name(0), "?", "unknown type name");
	return done_testing();
}
