/* The tests of the rpc module's access layer; each file adds its functions here and to
 * main.c. */
#ifndef CHR_TEST_RPC_SUITE_H
#define CHR_TEST_RPC_SUITE_H

void test_apikey_text_round_trip(void);
void test_apikey_text_rejects(void);
void test_scopes_parse_and_format(void);
void test_token_round_trip(void);
void test_token_tamper_rejected(void);
void test_form_parse_rules(void);
void test_basic_parse(void);
void test_bearer_parse(void);
void test_auth_field_rule(void);
void test_rate_bucket_exact(void);
void test_rate_peek_and_no_limit(void);
void test_rate_full_set_refuses_then_frees(void);
void test_rate_export_import(void);
void test_rate_state_decode_rejects(void);
void test_apikeys_store(void);
void test_apikeys_state_blobs(void);
void test_apikeys_sponsor_binding(void);
void test_apikeys_spend_allowance(void);
void test_error_codes_pinned_and_unique(void);
void test_quote_memo_nul_and_bytes(void);
void test_framing_judge_rules(void);
void test_mhd_log_rate_limit(void);
void test_conns_evict_order(void);
void test_body_budget_exact(void);
void test_session_open_find_end(void);
void test_session_expiry(void);
void test_session_capacity(void);
void test_session_hash_only(void);
void test_session_csrf_compare(void);
void test_key_cursor_round_trip_and_tamper(void);
void test_render_validator_jail_end(void);

/* test_analytics.c */
void test_analytics_record_rules(void);
void test_analytics_windows_and_health(void);
void test_analytics_retention(void);

#endif
