/* How the REST server parses a JSON body (rpc_parse_body), shared with the fuzz
 * targets of the decoders that read those bodies. Private to rpc/. */
#ifndef RPC_INTERNAL_JSON_H
#define RPC_INTERNAL_JSON_H

#include <jansson.h>

/* Duplicate keys are refused (docs/API.md). A \u0000 escape in a string value
 * is taken, so that the field it is in refuses it with its own code (a memo's
 * is bad_memo, a hex transaction's bad_hex): every decoder of a body checks its
 * strings' length and bytes, never stops at a NUL. */
#define RPC_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

#endif
