// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Exports to remote peers: the rdma_cm private data (common/export-wire.c)
 * and the "listen" and "max-peers" keywords of pinmgr.conf.
 */
#include <errno.h>
#include <string.h>

#include "export-wire.h"
#include "pinmgr.h"
#include "tap.h"

int main(void)
{
	uint8_t tok[FPX_TOKEN_LEN], back[FPX_TOKEN_LEN];
	unsigned char req[FPX_REQ_LEN + 36], desc[FPX_DESC_LEN], rej[FPX_REJ_LEN];
	struct fpx_desc d = { .access = FPX_ACCESS_READ | FPX_ACCESS_WRITE,
			      .iova = 65536, .length = 1 << 20, .rkey = 0x1234 }, d2;
	char hex[FPX_TOKEN_HEX + 1], host[64], err[256];
	struct pm_config cfg;
	unsigned int port;
	int i;

	for (i = 0; i < FPX_TOKEN_LEN; i++)
		tok[i] = (uint8_t)(i * 17 + 3);
	fpx_token_format(tok, hex);
	is_str(hex, "031425364758697a8b9cadbecfe0f102", "token formats");
	ok(strlen(hex) == FPX_TOKEN_HEX && strspn(hex, "0123456789abcdef") == FPX_TOKEN_HEX,
	   "a token is %d lower-case hex digits", FPX_TOKEN_HEX);
	is_int(fpx_token_parse(hex, back), 0, "and parses back");
	ok(!memcmp(tok, back, sizeof(tok)) && fpx_token_equal(tok, back), "to the same bytes");
	back[15] ^= 1;
	ok(!fpx_token_equal(tok, back), "one bit differs: not equal");
	is_int(fpx_token_parse("0123", back), -EINVAL, "a short token is refused");
	is_int(fpx_token_parse("0123456789abcdef0123456789abcdeg", back), -EINVAL,
	       "a non-hex digit is refused");
	is_int(fpx_token_parse("0123456789abcdef0123456789abcdef0", back), -EINVAL,
	       "a long token is refused");

	/* the request carries the token; rdma_cm pads private data with zeros */
	memset(req, 0, sizeof(req));
	fpx_req_encode(req, tok);
	ok(fpx_req_decode(req, sizeof(req), back) && !memcmp(tok, back, sizeof(tok)),
	   "a request decodes, padded to the CM's 56 bytes");
	ok(!fpx_req_decode(req, FPX_REQ_LEN - 1, back), "a short request does not");
	ok(!fpx_req_decode(NULL, 0, back), "no private data is no request");
	req[0] = 'X';
	ok(!fpx_req_decode(req, sizeof(req), back), "a wrong magic is no request");

	fpx_desc_encode(desc, &d);
	ok(fpx_desc_decode(desc, sizeof(desc), &d2) && d2.iova == d.iova &&
	   d2.length == d.length && d2.rkey == d.rkey && d2.access == d.access,
	   "a descriptor round-trips");
	d.length = 0;
	fpx_desc_encode(desc, &d);
	ok(!fpx_desc_decode(desc, sizeof(desc), &d2), "an empty range is refused");
	d.length = 4096;
	d.iova = UINT64_MAX - 100;
	fpx_desc_encode(desc, &d);
	ok(!fpx_desc_decode(desc, sizeof(desc), &d2), "a wrapping range is refused");
	d.iova = 0;
	d.access = 4;
	fpx_desc_encode(desc, &d);
	ok(!fpx_desc_decode(desc, sizeof(desc), &d2), "an unknown access bit is refused");

	fpx_rej_encode(rej, EACCES);
	is_int(fpx_rej_decode(rej, sizeof(rej)), EACCES, "a reject carries its errno");
	is_int(fpx_rej_decode(desc, sizeof(desc)), 0, "anything else is no reject of ours");

	is_int(fpx_addr_parse("192.0.2.1", host, sizeof(host), &port), 0, "ADDRESS");
	ok(!strcmp(host, "192.0.2.1") && port == FPX_DEFAULT_PORT, "default port %u", port);
	is_int(fpx_addr_parse("192.0.2.1:9000", host, sizeof(host), &port), 0, "ADDRESS:PORT");
	ok(!strcmp(host, "192.0.2.1") && port == 9000, "port 9000");
	is_int(fpx_addr_parse("[fe80::1]:77", host, sizeof(host), &port), 0, "[IPv6]:PORT");
	ok(!strcmp(host, "fe80::1") && port == 77, "host fe80::1 port 77");
	is_int(fpx_addr_parse("fe80::1", host, sizeof(host), &port), -EINVAL,
	       "a bare IPv6 address is refused (use brackets)");
	is_int(fpx_addr_parse("192.0.2.1:0", host, sizeof(host), &port), -EINVAL, "port 0");
	is_int(fpx_addr_parse("192.0.2.1:65536", host, sizeof(host), &port), -EINVAL, "port 65536");
	is_int(fpx_addr_parse("192.0.2.1:", host, sizeof(host), &port), -EINVAL, "an empty port");
	is_int(fpx_addr_parse(":7471", host, sizeof(host), &port), -EINVAL, "no address");

	/* pinmgr.conf */
	is_int(pm_config_parse("", &cfg, err, sizeof(err)), 0, "an empty config");
	ok(!cfg.listen, "does not listen (exports are off by default)");
	is_int(cfg.max_peers, PM_DEFAULT_MAX_PEERS, "max-peers defaults to %d", PM_DEFAULT_MAX_PEERS);
	is_int(cfg.max_exports, PM_DEFAULT_MAX_EXPORTS, "max-exports defaults to %d",
	       PM_DEFAULT_MAX_EXPORTS);
	pm_config_free(&cfg);
	is_int(pm_config_parse("listen 192.0.2.1:7000\nmax-peers 3\nmax-exports 2\n", &cfg, err,
			       sizeof(err)), 0, "listen, max-peers and max-exports");
	ok(cfg.listen && !strcmp(cfg.listen, "192.0.2.1:7000") && cfg.max_peers == 3 &&
	   cfg.max_exports == 2, "are kept");
	pm_config_free(&cfg);
	is_int(pm_config_parse("listen rxe0\n", &cfg, err, sizeof(err)), -EINVAL,
	       "listen needs an IP address");
	ok(strstr(err, "line 1") != NULL, "the error names the line: %s", err);
	is_int(pm_config_parse("max-peers 0\n", &cfg, err, sizeof(err)), -EINVAL,
	       "max-peers 0 is refused");
	return done_testing();
}
