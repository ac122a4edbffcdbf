/* The tests of the consensus module; each file adds its functions here and to main.c. */
#ifndef CHR_TEST_CONSENSUS_SUITE_H
#define CHR_TEST_CONSENSUS_SUITE_H

/* The worked vectors of docs/CONSENSUS.md (secret key 32 bytes of 0x11, chain
 * chroom-devnet, height 7, round 2, block id 32 bytes of 0xab; the proposal's pol_round 1).
 * Checked by test_msg_vectors; independently reproduced with tests/functional/bip340.py. */
#define T_VOTE_SIGHASH "8b898302944763bbe7829f1be2df57d867a4cbfdd47e2f035a1a70bcaba4ac6b"
#define T_VOTE_SIG                                                                                 \
    "f9ecad9184dc275aafb3ab32981967d75bdcf43fff0eacc80e52f2fa89035650a8d6e2119adf90c0380fec0b"     \
    "d24236214f00202c3c7c95c782bf7039f3411a6e"
#define T_PROPOSAL_SIGHASH "5e8663faa9fea692bcf07dfc9294279e8641a02bd60b3210b0f844edc9bff2e0"
#define T_PROPOSAL_SIG                                                                             \
    "a721fe8dbd412608d722e1743d2ce85fb0fdc4969a723d568f72d0fa0a5c50c6acbf98700cad88ca62a776a7"     \
    "29e7d2a62b25879234c479567aa149d677438304"

void test_msg_round_trip_every_kind(void);
void test_msg_layout(void);
void test_msg_rejects_fields(void);
void test_msg_rejects_kind(void);
void test_msg_rejects_status_bits(void);
void test_msg_rejects_evidence(void);
void test_msg_rejects_truncation(void);
void test_msg_rejects_sizes(void);
void test_msg_encode_refuses(void);
void test_msg_encode_decode_property(void);
void test_msg_vote_signature(void);
void test_msg_proposal_signature(void);
void test_msg_domain_separation(void);
void test_msg_vectors(void);
void test_msg_peek_every_kind(void);
void test_msg_peek_rejects(void);
void test_msg_peek_agrees_with_decode(void);

void test_proposer_equal_round_robin(void);
void test_proposer_proportional(void);
void test_proposer_vector(void);
void test_proposer_rounds_advance(void);
void test_proposer_tiny_power(void);
void test_proposer_deterministic(void);

void test_core_happy_path(void);
void test_core_happy_path_network(void);
void test_core_proposer_silent(void);
void test_core_lock_refuses_fresh_value(void);
void test_core_lock_accepts_pol(void);
void test_core_pol_missing_waits(void);
void test_core_lock_released_by_later_pol(void);
void test_core_round_skip(void);
void test_core_wal_restore_prevote(void);
void test_core_wal_restore_lock(void);
void test_core_wal_restore_refuses(void);
void test_core_evidence_once(void);
void test_core_committed(void);
void test_core_status(void);
void test_core_other_heights_ignored(void);
void test_core_refuses_bad_messages(void);
void test_core_full_node(void);
void test_core_status_answer_bounded(void);
void test_core_equivocator_vote_in_pol(void);
void test_core_equivocator_pol_recovered(void);
void test_core_equivocator_liveness_network(void);
void test_core_restart_keeps_pol(void);
void test_core_evidence_far_round_once(void);
void test_core_pol_sent_once(void);
void test_core_peer_gone(void);
void test_core_peer_claims_need_blocks(void);

void test_wal_scan_records(void);
void test_wal_scan_torn_tail(void);
void test_wal_scan_damage(void);
void test_wal_file_round_trip(void);
void test_wal_file_torn_tail(void);
void test_wal_file_reset(void);
void test_wal_file_limits(void);
void test_wal_append_after_failed_append(void);
void test_wal_open_out_of_memory(void);
void test_wal_next_intact(void);
void test_wal_file_corrupt_middle(void);
void test_wal_file_relative_path(void);

#endif
