#include <string.h>

#include "rpc/internal/http.h"
#include "rpc/limits.h"
#include "tests/unit/rpc/suite.h"
#include "tests/unit/test.h"

/* Proves libmicrohttpd's lines are admitted up to RPC_MHD_LOG_LINES_MAX a window, the rest
 * counted (and whether a warning was among them), and the count handed over once when the
 * next window begins. */
void test_mhd_log_rate_limit(void)
{
    rpc_mhd_log l;
    unsigned left_out;
    int left_out_warn;
    rpc_mhd_log_init(&l, 1000);
    for (unsigned i = 0; i < RPC_MHD_LOG_LINES_MAX; i++) {
        CHECK(rpc_mhd_log_admit(&l, 1000 + i, 0, &left_out, &left_out_warn) == 1);
        CHECK(left_out == 0 && left_out_warn == 0);
    }
    CHECK(rpc_mhd_log_admit(&l, 2000, 0, &left_out, &left_out_warn) == 0);
    CHECK(rpc_mhd_log_admit(&l, 2001, 1, &left_out, &left_out_warn) == 0);
    CHECK(rpc_mhd_log_admit(&l, 1000 + RPC_MHD_LOG_WINDOW_MS - 1, 0, &left_out, &left_out_warn) ==
          0);
    CHECK(left_out == 0);
    CHECK(rpc_mhd_log_admit(&l, 1000 + RPC_MHD_LOG_WINDOW_MS, 0, &left_out, &left_out_warn) == 1);
    CHECK(left_out == 3 && left_out_warn == 1);
    CHECK(rpc_mhd_log_admit(&l, 1000 + RPC_MHD_LOG_WINDOW_MS + 1, 0, &left_out, &left_out_warn) ==
          1);
    CHECK(left_out == 0 && left_out_warn == 0);
    rpc_mhd_log_deinit(&l);
}
