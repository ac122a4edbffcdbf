/* dbstat: where an LMDB environment's bytes go, per database; driven by tests/bench/state.sh
 * (BENCH_STATE_DBSTAT=1) to show disk per committed transfer database by database.
 *
 *   dbstat DIR
 *       Opens the environment in DIR read-only (the node stopped) and prints one line per
 *       named database: its rows, branch, leaf and overflow pages, their bytes, and the
 *       rows' payload (key and value bytes, a key counted once per row); then the free
 *       pages (those on LMDB's freelist), the pages of duplicates' sub-databases (which
 *       mdb_stat leaves out of their database's counts: the file's pages less all the
 *       others), and the file's page count. It measures and prints; it asserts nothing. */
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DBSTAT_DBS_MAX 64
#define DBSTAT_NAME_MAX 64

typedef struct dbstat_row {
    char name[DBSTAT_NAME_MAX];
    MDB_stat st;
    uint64_t payload;
} dbstat_row;

/* Sums key and value bytes over every row of dbi. */
static int dbstat_payload(MDB_txn *txn, MDB_dbi dbi, uint64_t *out)
{
    MDB_cursor *cur;
    *out = 0;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    MDB_val k, v;
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        *out += k.mv_size + v.mv_size;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The pages on the freelist: each of its values is a count followed by page numbers. */
static int dbstat_free(MDB_txn *txn, uint64_t *out)
{
    MDB_cursor *cur;
    *out = 0;
    int rc = mdb_cursor_open(txn, 0, &cur);
    MDB_val k, v;
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        size_t n;
        memcpy(&n, v.mv_data, sizeof(n));
        *out += n;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int dbstat_names(MDB_txn *txn, dbstat_row *rows, size_t *n, MDB_stat *main_st)
{
    MDB_dbi main_dbi;
    MDB_cursor *cur = NULL;
    *n = 0;
    int rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
    rc = rc ? rc : mdb_stat(txn, main_dbi, main_st);
    rc = rc ? rc : mdb_cursor_open(txn, main_dbi, &cur);
    MDB_val k, v;
    rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && *n < DBSTAT_DBS_MAX) {
        if (k.mv_size < DBSTAT_NAME_MAX) {
            memcpy(rows[*n].name, k.mv_data, k.mv_size);
            rows[*n].name[k.mv_size] = 0;
            (*n)++;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (cur != NULL) {
        mdb_cursor_close(cur);
    }
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int dbstat_run(MDB_env *env, const char *dir)
{
    static dbstat_row rows[DBSTAT_DBS_MAX];
    MDB_txn *txn;
    size_t n = 0;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
        return rc;
    }
    MDB_stat main_st;
    rc = dbstat_names(txn, rows, &n, &main_st);
    MDB_stat est;
    MDB_envinfo info;
    mdb_env_stat(env, &est);
    mdb_env_info(env, &info);
    uint64_t psize = est.ms_psize;
    uint64_t used = 0;
    printf("%s (page %llu bytes)\n", dir, (unsigned long long)psize);
    printf("  %-14s %10s %8s %10s %8s %12s %12s %6s\n", "database", "rows", "branch", "leaf",
           "overflow", "page bytes", "payload", "fill");
    for (size_t i = 0; i < n && rc == 0; i++) {
        MDB_dbi dbi;
        rc = mdb_dbi_open(txn, rows[i].name, 0, &dbi);
        rc = rc ? rc : mdb_stat(txn, dbi, &rows[i].st);
        rc = rc ? rc : dbstat_payload(txn, dbi, &rows[i].payload);
        if (rc != 0) {
            break;
        }
        const MDB_stat *s = &rows[i].st;
        uint64_t pages = s->ms_branch_pages + s->ms_leaf_pages + s->ms_overflow_pages;
        used += pages;
        printf("  %-14s %10zu %8zu %10zu %8zu %12llu %12llu %5.0f%%\n", rows[i].name, s->ms_entries,
               s->ms_branch_pages, s->ms_leaf_pages, s->ms_overflow_pages,
               (unsigned long long)(pages * psize), (unsigned long long)rows[i].payload,
               pages ? 100.0 * (double)rows[i].payload / (double)(pages * psize) : 0.0);
    }
    uint64_t free_pages = 0;
    MDB_stat fst;
    rc = rc ? rc : mdb_stat(txn, 0, &fst);
    rc = rc ? rc : dbstat_free(txn, &free_pages);
    mdb_txn_abort(txn);
    if (rc == 0) {
        /* Besides the databases' pages: two meta pages, the main database's own (the
         * databases' names), the freelist's, the free pages and the duplicates' subtrees. */
        uint64_t file_pages = info.me_last_pgno + 1;
        uint64_t fl_pages = fst.ms_branch_pages + fst.ms_leaf_pages + fst.ms_overflow_pages;
        uint64_t main_pages = main_st.ms_branch_pages + main_st.ms_leaf_pages;
        uint64_t known = 2 + main_pages + fl_pages + free_pages + used;
        uint64_t dups = file_pages > known ? file_pages - known : 0;
        printf("  free pages %llu (%llu bytes), freelist's own %llu, duplicates' subtrees %llu "
               "(%llu bytes), file %llu pages (%llu bytes), in databases %llu\n",
               (unsigned long long)free_pages, (unsigned long long)(free_pages * psize),
               (unsigned long long)fl_pages, (unsigned long long)dups,
               (unsigned long long)(dups * psize), (unsigned long long)file_pages,
               (unsigned long long)(file_pages * psize), (unsigned long long)used);
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dbstat DIR\n");
        return 2;
    }
    MDB_env *env;
    int rc = mdb_env_create(&env);
    rc = rc ? rc : mdb_env_set_maxdbs(env, DBSTAT_DBS_MAX);
    rc = rc ? rc : mdb_env_open(env, argv[1], MDB_RDONLY, 0600);
    rc = rc ? rc : dbstat_run(env, argv[1]);
    mdb_env_close(env);
    if (rc != 0) {
        fprintf(stderr, "dbstat: %s: %s\n", argv[1], mdb_strerror(rc));
        return 1;
    }
    return 0;
}
