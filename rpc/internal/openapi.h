/* The openapi.yaml this binary was built with, embedded at build time by
 * rpc/embed.sh (the Makefile writes $(BUILD)/gen/openapi_yaml.c), so that GET
 * /api/v1/openapi.yaml serves exactly the spec of the routes compiled in.
 * Length 0 when the tree had no openapi.yaml. Private to rpc/. */
#ifndef RPC_INTERNAL_OPENAPI_H
#define RPC_INTERNAL_OPENAPI_H

#include <stddef.h>

extern const unsigned char rpc_openapi_yaml[]; /* rpc_openapi_yaml_len bytes, then a NUL */
extern const size_t rpc_openapi_yaml_len;

#endif
