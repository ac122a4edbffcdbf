/* A store snapshot as the ledger's object table reads it (rpc/internal/snapshot.h). */
#include <stdlib.h>
#include <string.h>

#include "rpc/internal/snapshot.h"

static chr_err snap_load(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                         size_t *value_len, int *found)
{
    ledger_object *o = malloc(sizeof(*o));
    *value_len = 0;
    *found = 0;
    if (o == NULL) {
        return CHR_ERR_NOMEM;
    }
    chr_err err = ledger_store_object(ctx, kind, natural, natural_len, o, found);
    if (err == CHR_OK && *found) {
        memcpy(value, o->value, o->value_len);
        *value_len = o->value_len;
    }
    free(o);
    return err == CHR_ERR_STATE_ROOT ? CHR_ERR_STORE : err;
}

static chr_err snap_next(void *ctx, ledger_state_kind kind, const uint8_t *prefix,
                         size_t prefix_len, const uint8_t *after, size_t after_len,
                         ledger_object *out)
{
    return ledger_store_object_next(ctx, kind, prefix, prefix_len, after, after_len, out);
}

chr_err rpc_snapshot_objects(ledger_store_read *rd, ledger_objects **out)
{
    return ledger_objects_new(out, 1, snap_load, snap_next, rd);
}
