// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the decoders pinmgr runs on every packet it receives, the
 * admin protocol (pinmgr_adm_decode) and the library protocol
 * (pinmgr_msg_decode).  Invariant: what decodes encodes back to the same
 * bytes (there is exactly one encoding of a message).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pinmgr-admin.h"
#include "pinmgr-proto.h"

static struct pinmgr_adm_msg am;
static uint8_t out[PINMGR_ADM_SIZE_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pinmgr_msg lm;
	ssize_t n;

	if (!pinmgr_adm_decode(data, size, &am)) {
		n = pinmgr_adm_encode(&am, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size))
			abort();
	}
	if (!pinmgr_msg_decode(data, size, &lm)) {
		n = pinmgr_msg_encode(&lm, out, sizeof(out));
		if (n != (ssize_t)size || memcmp(out, data, size))
			abort();
	}
	return 0;
}

size_t fuzz_seed(size_t i, uint8_t *buf, size_t size)
{
	static const uint16_t types[] = {
		PINMGR_ADM_STATUS, PINMGR_ADM_LIST, PINMGR_ADM_SHOW, PINMGR_ADM_EVENTS,
		PINMGR_ADM_BREAK, PINMGR_ADM_PIN, PINMGR_ADM_UNPIN, PINMGR_ADM_CONNECT,
		PINMGR_ADM_STATUS_REPLY, PINMGR_ADM_PIN_ENTRY, PINMGR_ADM_EVENT,
		PINMGR_ADM_OWNER, PINMGR_ADM_PINNED, PINMGR_ADM_SHOW_REPLY,
		PINMGR_ADM_CONNECTED, PINMGR_ADM_DONE, PINMGR_ADM_ERROR,
	};
	struct pinmgr_msg lm;
	ssize_t n;

	if (i < sizeof(types) / sizeof(types[0])) {
		memset(&am, 0, sizeof(am));
		am.type = types[i];
		/* the values every type accepts */
		am.list.pid = 1;
		am.pin.access = PINMGR_ADM_ACCESS_REMOTE_READ;
		strcpy(am.pin.rdma_dev, "rxe0");
		switch (am.type) {
		case PINMGR_ADM_UNPIN: am.unpin.id = 3; break;
		case PINMGR_ADM_CONNECT: am.connect.id = 1; am.connect.mtu = 3; break;
		case PINMGR_ADM_STATUS_REPLY: strcpy(am.status.version, "0.1"); break;
		case PINMGR_ADM_OWNER: am.owner.error = 16; strcpy(am.owner.comm, "fp"); break;
		case PINMGR_ADM_PINNED: am.pinned.id = 1; am.pinned.length = 4096;
			am.pinned.access = 1; strcpy(am.pinned.rdma_dev, "rxe0"); break;
		case PINMGR_ADM_SHOW_REPLY: am.show_reply.policy = 1;
			strcpy(am.show_reply.path, "/mnt/x"); break;
		case PINMGR_ADM_ERROR: am.error.error = 1; strcpy(am.error.message, "m"); break;
		case PINMGR_ADM_PIN_ENTRY: strcpy(am.entry.path, "/mnt/x");
			am.entry.owner = 1; break;
		case PINMGR_ADM_EVENT: strcpy(am.event.path, "/p"); break;
		case PINMGR_ADM_LIST: am.list.flags = PINMGR_ADM_LIST_PID; break;
		default: break;
		}
		n = pinmgr_adm_encode(&am, buf, size);
		return n > 0 ? (size_t)n : 0;
	}
	i -= sizeof(types) / sizeof(types[0]);
	memset(&lm, 0, sizeof(lm));
	switch (i) {
	case 0: lm.type = PINMGR_HELLO; lm.hello.pid = 5; lm.hello.flags = 1; break;
	case 1: lm.type = PINMGR_PIN_ADD; lm.pin_add.length = 4096;
		strcpy(lm.pin_add.rdma_dev, "rxe0"); strcpy(lm.pin_add.path, "/f"); break;
	case 2: lm.type = PINMGR_PIN_DEL; lm.pin_del.id = 2; break;
	case 3: lm.type = PINMGR_REVOKE_REFUSED; lm.revoke.error = 16; break;
	case 4: lm.type = PINMGR_ERROR; lm.error.error = 5; break;
	default: return 0;
	}
	n = pinmgr_msg_encode(&lm, buf, size);
	return n > 0 ? (size_t)n : 0;
}
