#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

static const chr_test tests[] = {
    {"apikey_text_round_trip", test_apikey_text_round_trip},
    {"apikey_text_rejects", test_apikey_text_rejects},
    {"scopes_parse_and_format", test_scopes_parse_and_format},
    {"token_round_trip", test_token_round_trip},
    {"token_tamper_rejected", test_token_tamper_rejected},
    {"form_parse_rules", test_form_parse_rules},
    {"basic_parse", test_basic_parse},
    {"bearer_parse", test_bearer_parse},
    {"auth_field_rule", test_auth_field_rule},
    {"rate_bucket_exact", test_rate_bucket_exact},
    {"rate_peek_and_no_limit", test_rate_peek_and_no_limit},
    {"rate_full_set_refuses_then_frees", test_rate_full_set_refuses_then_frees},
    {"rate_export_import", test_rate_export_import},
    {"rate_state_decode_rejects", test_rate_state_decode_rejects},
    {"apikeys_store", test_apikeys_store},
    {"apikeys_state_blobs", test_apikeys_state_blobs},
    {"apikeys_sponsor_binding", test_apikeys_sponsor_binding},
    {"apikeys_spend_allowance", test_apikeys_spend_allowance},
    {"error_codes_pinned_and_unique", test_error_codes_pinned_and_unique},
    {"quote_memo_nul_and_bytes", test_quote_memo_nul_and_bytes},
    {"framing_judge_rules", test_framing_judge_rules},
    {"mhd_log_rate_limit", test_mhd_log_rate_limit},
    {"conns_evict_order", test_conns_evict_order},
    {"body_budget_exact", test_body_budget_exact},
    {"session_open_find_end", test_session_open_find_end},
    {"session_expiry", test_session_expiry},
    {"session_capacity", test_session_capacity},
    {"session_hash_only", test_session_hash_only},
    {"session_csrf_compare", test_session_csrf_compare},
    {"key_cursor_round_trip_and_tamper", test_key_cursor_round_trip_and_tamper},
};

CHR_TESTS_MAIN("rpc", tests)
