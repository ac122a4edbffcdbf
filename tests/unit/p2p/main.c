#include <stdlib.h>

#include "common/log.h"
#include "tests/unit/p2p/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"wire_frame_header", test_wire_frame_header},
    {"wire_hello_round_trip", test_wire_hello_round_trip},
    {"wire_hello_rejects", test_wire_hello_rejects},
    {"wire_auth_ping", test_wire_auth_ping},
    {"wire_auth_hash", test_wire_auth_hash},
    {"net_two_nodes", test_net_two_nodes},
    {"net_three_nodes", test_net_three_nodes},
    {"net_ten_thousand_in_order", test_net_ten_thousand_in_order},
    {"net_large_message", test_net_large_message},
    {"net_restart_redialed", test_net_restart_redialed},
    {"net_duplicate_one_left", test_net_duplicate_one_left},
    {"net_peers_max", test_net_peers_max},
    {"net_stop_in_flight", test_net_stop_in_flight},
    {"net_send_errors", test_net_send_errors},
    {"net_config_rejects", test_net_config_rejects},
    {"net_allowed_ids", test_net_allowed_ids},
    {"net_misbehaved_banned", test_net_misbehaved_banned},
    {"net_loopback_not_banned_by_address", test_net_loopback_not_banned_by_address},
    {"net_keepalive", test_net_keepalive},
    {"net_self_dial", test_net_self_dial},
    {"net_urgent_overtakes_bulk", test_net_urgent_overtakes_bulk},
    {"hostile_control", test_hostile_control},
    {"hostile_wrong_chain", test_hostile_wrong_chain},
    {"hostile_wrong_genesis", test_hostile_wrong_genesis},
    {"hostile_wrong_version", test_hostile_wrong_version},
    {"hostile_bad_signature", test_hostile_bad_signature},
    {"hostile_claimed_id", test_hostile_claimed_id},
    {"hostile_oversized_frame", test_hostile_oversized_frame},
    {"hostile_protocol_violations", test_hostile_protocol_violations},
    {"hostile_handshake_timeout", test_hostile_handshake_timeout},
    {"tls_pinned", test_tls_pinned},
};

/* The transport logs every refusal, which is most of what these tests provoke: quiet by
 * default, CHROOM_P2P_LOG=debug (or info, warn) to see it. */
int main(int argc, char **argv)
{
    const char *level = getenv("CHROOM_P2P_LOG");
    int l = level != NULL ? chr_log_level_parse(level) : -1;
    chr_log_set_level(l >= 0 ? (chr_log_level)l : CHR_LOG_ERROR);
    return chr_test_main(argc, argv, "p2p", tests, sizeof(tests) / sizeof(tests[0]));
}
