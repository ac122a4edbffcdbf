#include <stddef.h>

#include "rpc/internal/framing.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

/* Proves the framing rules of RFC 9112 sections 3.2 and 6.3 as the node applies them:
 * Host exactly once in HTTP/1.1 (at most once in 1.0), one Content-Length value, and
 * Transfer-Encoding only as one "chunked", from HTTP/1.1 on, without Content-Length. */
void test_framing_judge_rules(void)
{
    rpc_framing ok = {.host_count = 1};
    CHECK(rpc_framing_judge(&ok) == NULL);
    rpc_framing f = ok;
    f.host_count = 0;
    CHECK(rpc_framing_judge(&f) != NULL);
    f.http_1_0 = 1;
    CHECK(rpc_framing_judge(&f) == NULL);
    f.host_count = 2;
    CHECK(rpc_framing_judge(&f) != NULL);

    f = ok;
    f.length = "5";
    f.length_count = 2;
    CHECK(rpc_framing_judge(&f) == NULL); /* the same value twice is one length */
    f.length_differs = 1;
    CHECK(rpc_framing_judge(&f) != NULL);

    f = ok;
    f.encoding = "chunked";
    f.encoding_count = 1;
    CHECK(rpc_framing_judge(&f) == NULL);
    f.encoding = "CHUNKED";
    CHECK(rpc_framing_judge(&f) == NULL);
    f.length = "5";
    f.length_count = 1;
    CHECK(rpc_framing_judge(&f) != NULL);
    f.length = NULL;
    f.length_count = 0;
    f.encoding_count = 2;
    CHECK(rpc_framing_judge(&f) != NULL);
    f.encoding_count = 1;
    const char *codings[] = {"gzip", "gzip, chunked", "chunked, gzip", "chunked ", ""};
    for (size_t i = 0; i < sizeof(codings) / sizeof(codings[0]); i++) {
        f.encoding = codings[i];
        CHECK(rpc_framing_judge(&f) != NULL);
    }
    f.encoding = "chunked";
    f.http_1_0 = 1;
    CHECK(rpc_framing_judge(&f) != NULL);
}
