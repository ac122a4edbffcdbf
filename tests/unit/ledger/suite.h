/* The tests of the ledger module; each file adds its functions here and to main.c. */
#ifndef CHR_TEST_LEDGER_SUITE_H
#define CHR_TEST_LEDGER_SUITE_H

#include <stdint.h>

#include "ledger/evidence.h"
#include "ledger/sig.h"
#include "ledger/tx.h"

/* Helpers shared by the ledger tests, defined in test_tx.c. They abort the binary when
 * the library fails where it cannot (a test setup error, not a test failure). */

/* A deterministic key pair: sk = SHA256("chroom-test-key/v1:" || u32 index). */
void ltest_key(uint8_t sk[32], uint8_t pk[32], uint32_t index);
/* The binary's one signer, created on first use and kept to the end. */
ledger_signer *ltest_signer(void);
/* Signs tx (its sighash, aux_rand zero) with sk into tx->sig. */
void ltest_sign_tx(ledger_tx *tx, const uint8_t sk[32]);
/* An unsigned transfer with no memo and no expiry. */
void ltest_transfer(ledger_tx *tx, const char *chain_id, const uint8_t from[32],
                    const uint8_t to[32], uint64_t nonce, uint64_t fee, uint64_t amount);

/* Valid evidence on chain_id by validator key `key` (ltest_key): two votes of type,
 * height and round for blocks filled with bytes a < b. Defined in test_evidence.c. */
void ltest_evidence(ledger_evidence *ev, const char *chain_id, uint32_t key, uint8_t type,
                    uint64_t height, uint32_t round, uint8_t a, uint8_t b);

void test_evidence_encoding(void);
void test_evidence_check_rules(void);
void test_evidence_root_rfc6962(void);
void test_evidence_in_blocks(void);
void test_store_evidence_rows(void);

void test_smt_empty_and_one_key(void);
void test_smt_two_keys_by_hand(void);
void test_smt_known_vector(void);
void test_smt_matches_reference(void);
void test_smt_deepest_path(void);
void test_smt_order_independent(void);
void test_smt_idempotent_set(void);
void test_smt_full_at_keys_max(void);
void test_smt_new_rejects_bad_keys_max(void);
void test_smt_checkpoint_rollback_random(void);
void test_smt_checkpoint_release_keeps(void);
void test_smt_checkpoint_twice_is_arg(void);
void test_smt_checkpoint_rollback_no_changes(void);
void test_smt_checkpoint_many_cycles(void);
void test_smt_checkpoint_from_empty(void);
void test_smt_checkpoint_deepest_path(void);

void test_objects_get_put_delete(void);
void test_objects_full(void);
void test_objects_scan_merged(void);
void test_objects_trie_matches_reference_random(void);
void test_store_objects(void);

void test_media_check_rules(void);
void test_media_meeting_encoding(void);
void test_media_register(void);
void test_media_update_deregister(void);
void test_media_deregister_waits_for_meetings(void);
void test_meeting_create_escrow(void);
void test_meeting_check_rules(void);
void test_meeting_end_cancel(void);
void test_meeting_allocation_rules(void);
void test_meeting_allocation_spread(void);
void test_meeting_params(void);
void test_settle_receipt_final(void);
void test_settle_every_person(void);
void test_meeting_128_people(void);
void test_settle_window_dispute_refund(void);
void test_meetings_totals(void);
void test_meetings_totals_encoding(void);
void test_meetings_audit(void);

void test_trie_matches_reference_random(void);
void test_trie_many_keys_small_cache(void);
void test_trie_open_checks_root(void);
void test_trie_damaged_rows_refused(void);

void test_proof_empty_and_one_key(void);
void test_proof_random_present_and_absent(void);
void test_proof_long_prefixes(void);
void test_proof_tampered_refused(void);
void test_proof_decode_errors(void);
void test_proof_ref_matches_smt(void);
void test_proof_trie_matches_reference(void);

void test_light_same_set(void);
void test_light_skipping(void);
void test_light_next_set(void);
void test_light_bisect(void);
void test_light_bisect_lies(void);
void test_light_bisect_budget(void);
void test_light_fresh(void);

void test_tx_round_trip_random(void);
void test_tx_encoding_layout(void);
void test_tx_decode_rejects_header(void);
void test_tx_decode_rejects_chain_id(void);
void test_tx_decode_rejects_memo(void);
void test_tx_decode_rejects_truncation(void);
void test_tx_decode_rejects_trailing_and_size(void);
void test_tx_sign_and_verify(void);
void test_tx_any_byte_flip_detected(void);
void test_tx_signature_bound_to_chain_id(void);
void test_tx_signature_bound_to_domain(void);
void test_tx_check_rules(void);

void test_bip340_vectors(void);
void test_bip340_bad_secret_keys(void);
void test_bip340_random_sign_verify(void);

void test_state_account_encoding(void);
void test_state_overlay_put_get_reset(void);
void test_state_apply_nonce_exact(void);
void test_state_apply_balance_boundary(void);
void test_state_apply_expiry(void);
void test_state_apply_failure_leaves_overlay(void);
void test_state_apply_fee_to_proposer(void);
void test_state_apply_block_bound_fits(void);
void test_state_apply_load_error(void);
void test_state_supply_conserved_random(void);

void test_mempool_admits_in_nonce_order(void);
void test_mempool_owns_the_encoding(void);
void test_mempool_rejects_nonces(void);
void test_mempool_pending_spend_counted(void);
void test_mempool_count_and_byte_limits(void);
void test_mempool_remove_committed(void);
void test_mempool_evict_from(void);
void test_mempool_random_model(void);

void test_block_header_round_trip(void);
void test_block_commit_round_trip(void);
void test_block_round_trip(void);
void test_block_rejects_mismatched_links(void);
void test_block_count_bounded_by_input(void);
void test_block_truncated_everywhere(void);
void test_block_commit_quorum(void);
void test_block_commit_rejects_foreign(void);
void test_block_tx_root_rfc6962(void);
void test_block_valset(void);

void test_store_blocks_round_trip(void);
void test_store_map_full_then_grow(void);
void test_store_index_tail_and_rebuild(void);
void test_store_index_row_format(void);
void test_store_index_prefix_collisions(void);
void test_store_index_parts_crash(void);
void test_store_tail_full_indexes_inline(void);
void test_store_reads_are_checked(void);
void test_store_trie_migrates_and_checks_accounts(void);
void test_store_trie_versions_kept_and_pruned(void);
void test_store_trie_past_reads_bounded(void);
void test_store_trie_archive_reads_any_height(void);

void test_chain_propose_check_commit(void);
void test_chain_commit_extend_late_precommit(void);
void test_chain_staking_block(void);
void test_chain_set_follows_stake(void);
void test_chain_gov_param_change(void);
void test_chain_gov_upgrade_stops(void);
void test_chain_check_refuses_bad_blocks(void);
void test_chain_failures_and_view_errors(void);
void test_chain_decided_other_than_prepared(void);
void test_chain_evidence_once(void);
void test_chain_evidence_pool_full(void);

/* test_heartbeat.c */
void test_heartbeat_roundtrip_and_vector(void);
void test_heartbeat_decode_rejections(void);
void test_heartbeat_verify_rejections(void);

#endif
