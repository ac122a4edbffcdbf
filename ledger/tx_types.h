/* The one table of transaction types. Every rule that differs by type is reached through
 * it: the body's encoding, the stateless checks, the curve checks of keys the body names,
 * the state transition and the accounts the transaction index files it under. A new type
 * is a pair of files (ledger/tx_<type>.{h,c}, the header its contract) and one row here;
 * docs/PROTOCOL.md gives its encoding, its checks in order and a signed vector.
 *
 * Deterministic core: no I/O, clock or randomness. The table is constant: thread-safe. */
#ifndef LEDGER_TX_TYPES_H
#define LEDGER_TX_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "common/enc.h"
#include "common/err.h"
#include "ledger/params.h"
#include "ledger/sig.h"
#include "ledger/state.h"
#include "ledger/tx.h"

typedef struct ledger_tx_kind {
    uint8_t type;     /* the encoding's type byte */
    const char *name; /* the API's name of the type ("transfer") */
    /* Appends the body (after the memo) to enc; the caller checks the encoder's result. */
    void (*body_encode)(chr_enc *enc, const ledger_tx *tx);
    /* Reads the body into tx->body; a decoding error, or the type's own error for a field
     * whose bytes decode but break an encoding rule. */
    chr_err (*body_decode)(chr_dec *dec, ledger_tx *tx);
    /* The type's stateless rules, after the shared ones of ledger_tx_check; detail says
     * which field is wrong. */
    chr_err (*check)(const ledger_tx *tx, const ledger_params *params, char *detail,
                     size_t detail_cap);
    /* Curve checks of the public keys the body names (the sender's is the signature's):
     * CHR_ERR_PUBKEY. kc may be NULL. */
    chr_err (*verify_keys)(const ledger_tx *tx, ledger_key_cache *kc);
    /* The type's state transition, once the shared rules (expiry, nonce) passed; `from` is
     * the sender as the overlay holds it. The contract of ledger_tx_apply holds: on a rule's
     * error and on CHR_ERR_FULL the overlay is unchanged. */
    chr_err (*apply)(ledger_overlay *o, const ledger_tx *tx, const ledger_account *from,
                     const ledger_apply_env *env, char *detail, size_t detail_cap);
    /* The other account the transaction is filed under in account histories (the
     * recipient of a transfer); 0 when there is none. */
    int (*counterparty)(const ledger_tx *tx, uint8_t out[32]);
    /* The liquid amount taken from the sender besides the fee (ledger_tx_spend). */
    uint64_t (*spend)(const ledger_tx *tx);
    /* Accounts one transaction of this type changes at most, the sender and the
     * proposer included: sizes a block's overlay. */
    size_t accounts_changed_max;
    /* State objects (ledger/objects.h) one transaction of this type changes at most, besides
     * one per LEDGER_TX_BYTES_PER_OBJECT of its encoding for the types whose lists grow with
     * a meeting (a settle's claims, a meeting-create's participant chunks): sizes a block's
     * object table. */
    size_t objects_changed_max;
} ledger_tx_kind;

/* The bytes of encoding that bring at most one more object to a transaction's fixed count:
 * a claim without receipt (asserted in ledger/tx_types.c). */
#define LEDGER_TX_BYTES_PER_OBJECT LEDGER_CLAIM_BYTES_MIN

/* The row of type, or NULL for a type this build does not know. */
const ledger_tx_kind *ledger_tx_kind_of(uint8_t type);

/* The most accounts any one known transaction changes (the overlay of a block of n
 * transactions needs n times this, at most). */
size_t ledger_tx_accounts_changed_max(void);
/* The most objects any one known transaction changes besides its bytes' share (above). */
size_t ledger_tx_objects_changed_max(void);

#endif
