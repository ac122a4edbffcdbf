/* The tests of the peer-to-peer transport; each file adds its functions here and to
 * main.c. */
#ifndef CHR_TEST_P2P_SUITE_H
#define CHR_TEST_P2P_SUITE_H

/* cons_p2p_auth_hash of the fixed inputs of test_wire_auth_hash (docs/P2P.md). */
#define T_AUTH_VECTOR "ab921f0632d8eb4dfb20ca121449da35c1a79aa2c9597db6d4a90d33f4390f7e"

void test_wire_frame_header(void);
void test_wire_hello_round_trip(void);
void test_wire_hello_rejects(void);
void test_wire_auth_ping(void);
void test_wire_auth_hash(void);
void test_net_two_nodes(void);
void test_net_three_nodes(void);
void test_net_ten_thousand_in_order(void);
void test_net_large_message(void);
void test_net_restart_redialed(void);
void test_net_duplicate_one_left(void);
void test_net_peers_max(void);
void test_net_stop_in_flight(void);
void test_net_send_errors(void);
void test_net_config_rejects(void);
void test_net_allowed_ids(void);
void test_net_misbehaved_banned(void);
void test_net_loopback_not_banned_by_address(void);
void test_net_keepalive(void);
void test_net_self_dial(void);
void test_net_urgent_overtakes_bulk(void);
void test_hostile_control(void);
void test_hostile_wrong_chain(void);
void test_hostile_wrong_genesis(void);
void test_hostile_wrong_version(void);
void test_hostile_bad_signature(void);
void test_hostile_claimed_id(void);
void test_hostile_oversized_frame(void);
void test_hostile_protocol_violations(void);
void test_hostile_handshake_timeout(void);
void test_tls_pinned(void);

#endif
