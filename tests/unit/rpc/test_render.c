#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "ledger/staking.h"
#include "rpc/render.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

/* Proves a validator's jailed_until renders as the API documents: an RFC 3339 time for a
 * downtime jail, null when unset, and null for a tombstoned validator's jail that never
 * ends (2^64 - 1 ms), which once rendered as year 584556019 against the schema. */
void test_render_validator_jail_end(void)
{
    ledger_staking_validator v;
    memset(&v, 0, sizeof(v));
    v.tokens = 9000000;
    v.jailed = 1;
    v.jailed_until_ms = 1000;
    json_t *o = rpc_render_validator(&v, 1000000);
    CHECK(o != NULL);
    const char *s = json_string_value(json_object_get(o, "jailed_until"));
    CHECK(s != NULL && strcmp(s, "1970-01-01T00:00:01.000Z") == 0);
    CHECK(strcmp(json_string_value(json_object_get(o, "power")), "9") == 0);
    json_decref(o);
    v.jailed_until_ms = UINT64_MAX;
    v.tombstoned = 1;
    o = rpc_render_validator(&v, 1000000);
    CHECK(o != NULL && json_is_null(json_object_get(o, "jailed_until")));
    CHECK(json_is_true(json_object_get(o, "tombstoned")));
    json_decref(o);
    v.jailed = 0;
    v.tombstoned = 0;
    v.jailed_until_ms = 0;
    o = rpc_render_validator(&v, 1000000);
    CHECK(o != NULL && json_is_null(json_object_get(o, "jailed_until")));
    json_decref(o);
}
