/* The tests of ledger/objects.c, the state objects beside accounts: the block's table (get,
 * put, delete, its bound) merged with the committed objects, the ordered scan, and their
 * leaves in the persisted trie against the reference trie (ledger/smt.c). */
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/objects.h"
#include "ledger/smt.h"
#include "ledger/trie_mem.h"
#include "tests/unit/ledger/suite.h"
#include "tests/unit/test.h"

#define OBJ_ACCOUNTS 12
#define OBJ_NAMES 40
#define OBJ_MODEL_MAX (OBJ_NAMES * 7)

/* The committed state: accounts in a table, objects and trie rows in a ledger_trie_mem. */
typedef struct obj_db {
    uint8_t addr[OBJ_ACCOUNTS][32];
    ledger_account acct[OBJ_ACCOUNTS];
    int has[OBJ_ACCOUNTS];
    ledger_trie_mem *mem;
} obj_db;

/* One object of the model. */
typedef struct obj_row {
    uint8_t kind;
    ledger_object o;
} obj_row;

typedef struct obj_model {
    obj_row rows[OBJ_MODEL_MAX];
    size_t len;
} obj_model;

static chr_err db_account(void *ctx, const uint8_t addr[32], ledger_account *out)
{
    obj_db *db = ctx;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < OBJ_ACCOUNTS; i++) {
        if (db->has[i] && memcmp(db->addr[i], addr, 32) == 0) {
            *out = db->acct[i];
        }
    }
    return CHR_OK;
}

static chr_err db_object(void *ctx, ledger_state_kind kind, const uint8_t *natural,
                         size_t natural_len, uint8_t value[LEDGER_OBJECT_VALUE_MAX],
                         size_t *value_len, int *found)
{
    obj_db *db = ctx;
    return ledger_trie_mem_object(db->mem, kind, natural, natural_len, value, value_len, found);
}

static chr_err db_scan(void *ctx, ledger_state_kind kind, const uint8_t *prefix, size_t prefix_len,
                       const uint8_t *after, size_t after_len, ledger_object *out)
{
    obj_db *db = ctx;
    return ledger_trie_mem_object_scan(db->mem, kind, prefix, prefix_len, after, after_len, out);
}

/* An overlay with an object table of objects_max over db. */
static void overlay_open(obj_db *db, ledger_overlay **o, ledger_objects **t, size_t objects_max)
{
    CHR_ASSERT(ledger_overlay_new(o, 64, db_account, db) == CHR_OK);
    CHR_ASSERT(ledger_objects_new(t, objects_max, db_object, db_scan, db) == CHR_OK);
    ledger_overlay_attach_objects(*o, *t);
}

/* Writes the table's changes and the trie's pending version into db, as a store would. */
static void db_commit(obj_db *db, ledger_overlay *o, ledger_trie *trie)
{
    for (size_t i = 0; i < ledger_overlay_len(o); i++) {
        const uint8_t *addr;
        ledger_account a;
        ledger_overlay_at(o, i, &addr, &a);
        for (size_t k = 0; k < OBJ_ACCOUNTS; k++) {
            if (memcmp(db->addr[k], addr, 32) == 0) {
                db->acct[k] = a;
                db->has[k] = 1;
            }
        }
    }
    CHR_ASSERT(ledger_trie_mem_objects_store(db->mem, ledger_overlay_objects(o)) == CHR_OK);
    CHR_ASSERT(ledger_trie_mem_store(db->mem, trie) == CHR_OK);
    ledger_trie_release(trie);
    ledger_overlay_reset(o);
}

static void put(ledger_objects *t, ledger_state_kind kind, const char *natural, const char *value)
{
    CHR_ASSERT(ledger_object_put(t, kind, (const uint8_t *)natural, strlen(natural),
                                 (const uint8_t *)value, strlen(value)) == CHR_OK);
}

/* The scan's natural keys joined with ',' (for compact expectations). */
static void scan_str(ledger_objects *t, ledger_state_kind kind, const char *prefix,
                     const char *after, size_t n, char *out, size_t cap)
{
    ledger_object res[16];
    size_t len = 99;
    CHR_ASSERT(n <= 16);
    CHR_ASSERT(ledger_object_scan(t, kind, (const uint8_t *)prefix, strlen(prefix),
                                  (const uint8_t *)after, after ? strlen(after) : 0, res, n,
                                  &len) == CHR_OK);
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        CHR_ASSERT(used + res[i].natural_len + 2 < cap);
        if (i > 0) {
            out[used++] = ',';
        }
        memcpy(out + used, res[i].natural, res[i].natural_len);
        used += res[i].natural_len;
        out[used] = '\0';
    }
}

/* Get, put and delete as the table sees them: a put shadows the committed value, a delete
 * hides a committed object, deleting an absent object takes no entry, and a reset forgets
 * every change. */
void test_objects_get_put_delete(void)
{
    obj_db db = {0};
    CHECK_OK(ledger_trie_mem_new(&db.mem));
    ledger_overlay *o;
    ledger_objects *t;
    overlay_open(&db, &o, &t, 8);
    put(t, LEDGER_STATE_VALIDATOR, "v1", "committed");
    put(t, LEDGER_STATE_DELEGATION, "d1", "x");
    ledger_trie *trie;
    CHECK_OK(ledger_trie_new(&trie, ledger_trie_mem_source(db.mem), 0));
    CHECK_OK(ledger_overlay_trie_apply(trie, o));
    db_commit(&db, o, trie);
    CHECK(ledger_objects_len(t) == 0);
    CHECK(ledger_trie_mem_objects_len(db.mem) == 2);

    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t vlen;
    int found;
    CHECK_OK(
        ledger_object_get(t, LEDGER_STATE_VALIDATOR, (const uint8_t *)"v1", 2, v, &vlen, &found));
    CHECK(found && vlen == 9 && memcmp(v, "committed", 9) == 0);
    /* The same natural key under another kind is another object. */
    CHECK_OK(
        ledger_object_get(t, LEDGER_STATE_MEETING, (const uint8_t *)"v1", 2, v, &vlen, &found));
    CHECK(!found && vlen == 0);
    put(t, LEDGER_STATE_VALIDATOR, "v1", "pending");
    CHECK_OK(
        ledger_object_get(t, LEDGER_STATE_VALIDATOR, (const uint8_t *)"v1", 2, v, &vlen, &found));
    CHECK(found && vlen == 7 && memcmp(v, "pending", 7) == 0);
    CHECK_OK(ledger_object_delete(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"d1", 2, &found));
    CHECK(found);
    CHECK_OK(
        ledger_object_get(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"d1", 2, v, &vlen, &found));
    CHECK(!found);
    CHECK(ledger_objects_len(t) == 2);
    /* Absent: no entry taken. */
    CHECK_OK(ledger_object_delete(t, LEDGER_STATE_VOTE, (const uint8_t *)"nope", 4, &found));
    CHECK(!found && ledger_objects_len(t) == 2);
    /* The empty natural key names one object of its kind. */
    put(t, LEDGER_STATE_PROPOSAL, "", "singleton");
    CHECK_OK(ledger_object_get(t, LEDGER_STATE_PROPOSAL, NULL, 0, v, &vlen, &found));
    CHECK(found && vlen == 9);
    ledger_state_kind kind;
    const uint8_t *natural;
    const uint8_t *value;
    size_t nlen;
    ledger_objects_at(t, 1, &kind, &natural, &nlen, &value, &vlen);
    CHECK(kind == LEDGER_STATE_DELEGATION && nlen == 2 && value == NULL && vlen == 0);
    ledger_overlay_reset(o); /* reaches the attached table */
    CHECK(ledger_objects_len(t) == 0);
    CHECK_OK(
        ledger_object_get(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"d1", 2, v, &vlen, &found));
    CHECK(found && vlen == 1);
    ledger_trie_free(trie);
    ledger_objects_free(t);
    ledger_overlay_free(o);
    ledger_trie_mem_free(db.mem);
}

/* The table takes at most entries_max objects: a new one past that is CHR_ERR_FULL with the
 * table unchanged, while changing an object it holds still works; deleting a committed
 * object needs an entry too. */
void test_objects_full(void)
{
    obj_db db = {0};
    CHECK_OK(ledger_trie_mem_new(&db.mem));
    ledger_overlay *o;
    ledger_objects *t;
    overlay_open(&db, &o, &t, 3);
    put(t, LEDGER_STATE_VALIDATOR, "c", "committed");
    ledger_trie *trie;
    CHECK_OK(ledger_trie_new(&trie, ledger_trie_mem_source(db.mem), 0));
    CHECK_OK(ledger_overlay_trie_apply(trie, o));
    db_commit(&db, o, trie);

    put(t, LEDGER_STATE_VALIDATOR, "a", "1");
    put(t, LEDGER_STATE_VALIDATOR, "b", "2");
    put(t, LEDGER_STATE_VOTE, "a", "3");
    CHECK(ledger_objects_room(t) == 0);
    CHECK(ledger_object_put(t, LEDGER_STATE_VOTE, (const uint8_t *)"b", 1, (const uint8_t *)"4",
                            1) == CHR_ERR_FULL);
    int found;
    CHECK(ledger_object_delete(t, LEDGER_STATE_VALIDATOR, (const uint8_t *)"c", 1, &found) ==
          CHR_ERR_FULL);
    CHECK(!found && ledger_objects_len(t) == 3);
    uint8_t v[LEDGER_OBJECT_VALUE_MAX];
    size_t vlen;
    CHECK_OK(
        ledger_object_get(t, LEDGER_STATE_VALIDATOR, (const uint8_t *)"c", 1, v, &vlen, &found));
    CHECK(found);                                 /* the refused delete changed nothing */
    put(t, LEDGER_STATE_VALIDATOR, "a", "again"); /* held already: no new entry */
    CHECK_OK(ledger_object_delete(t, LEDGER_STATE_VALIDATOR, (const uint8_t *)"b", 1, &found));
    CHECK(found && ledger_objects_len(t) == 3);
    ledger_trie_free(trie);
    ledger_objects_free(t);
    ledger_overlay_free(o);
    ledger_trie_mem_free(db.mem);
}

/* The scan merges committed objects with the table's puts in natural-key order, leaves out
 * deleted ones, keeps to its kind and prefix (a key before the longer keys it prefixes),
 * starts strictly after `after` (also an `after` outside the prefix's range), and stops at
 * n. */
void test_objects_scan_merged(void)
{
    obj_db db = {0};
    CHECK_OK(ledger_trie_mem_new(&db.mem));
    ledger_overlay *o;
    ledger_objects *t;
    overlay_open(&db, &o, &t, 32);
    const char *committed[] = {"a", "ab", "abc", "b", "ba", "bb", "c"};
    for (size_t i = 0; i < 7; i++) {
        put(t, LEDGER_STATE_DELEGATION, committed[i], "c");
    }
    put(t, LEDGER_STATE_VALIDATOR, "b0", "other kind");
    put(t, LEDGER_STATE_UNBONDING, "zz", "other kind");
    ledger_trie *trie;
    CHECK_OK(ledger_trie_new(&trie, ledger_trie_mem_source(db.mem), 0));
    CHECK_OK(ledger_overlay_trie_apply(trie, o));
    db_commit(&db, o, trie);

    char s[256];
    scan_str(t, LEDGER_STATE_DELEGATION, "", NULL, 16, s, sizeof(s));
    CHECK(strcmp(s, "a,ab,abc,b,ba,bb,c") == 0);
    /* Pending: a new key between committed ones, one before all, a changed one, deletes. */
    put(t, LEDGER_STATE_DELEGATION, "aa", "p");
    put(t, LEDGER_STATE_DELEGATION, "", "p");
    put(t, LEDGER_STATE_DELEGATION, "ba", "changed");
    int found;
    CHECK_OK(ledger_object_delete(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"ab", 2, &found));
    CHECK_OK(ledger_object_delete(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"bb", 2, &found));
    put(t, LEDGER_STATE_DELEGATION, "bz", "p");
    CHECK_OK(ledger_object_delete(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"bz", 2, &found));
    scan_str(t, LEDGER_STATE_DELEGATION, "", NULL, 16, s, sizeof(s));
    CHECK(strcmp(s, ",a,aa,abc,b,ba,c") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "a", NULL, 16, s, sizeof(s));
    CHECK(strcmp(s, "a,aa,abc") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "b", NULL, 16, s, sizeof(s));
    CHECK(strcmp(s, "b,ba") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "b", "b", 16, s, sizeof(s));
    CHECK(strcmp(s, "ba") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "", "aa", 2, s, sizeof(s));
    CHECK(strcmp(s, "abc,b") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "", "ab", 16, s, sizeof(s)); /* after a deleted key */
    CHECK(strcmp(s, "abc,b,ba,c") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "b", "a", 16, s, sizeof(s)); /* after below range */
    CHECK(strcmp(s, "b,ba") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "a", "b", 16, s, sizeof(s)); /* after above range */
    CHECK(strcmp(s, "") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "", "c", 16, s, sizeof(s));
    CHECK(strcmp(s, "") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "abcd", NULL, 16, s, sizeof(s));
    CHECK(strcmp(s, "") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "", NULL, 0, s, sizeof(s));
    CHECK(strcmp(s, "") == 0);
    scan_str(t, LEDGER_STATE_DELEGATION, "", NULL, 1, s, sizeof(s));
    CHECK(strcmp(s, "") == 0); /* the empty key first */
    scan_str(t, LEDGER_STATE_MEETING, "", NULL, 16, s, sizeof(s));
    CHECK(strcmp(s, "") == 0);
    /* The values are the table's where it changed them. */
    ledger_object res[2];
    size_t n;
    CHECK_OK(ledger_object_scan(t, LEDGER_STATE_DELEGATION, (const uint8_t *)"ba", 2, NULL, 0, res,
                                2, &n));
    CHECK(n == 1 && res[0].value_len == 7 && memcmp(res[0].value, "changed", 7) == 0);
    ledger_trie_free(trie);
    ledger_objects_free(t);
    ledger_overlay_free(o);
    ledger_trie_mem_free(db.mem);
}

/* ---- The randomized comparison with a model and the reference trie. ---- */

static int row_cmp(const void *a, const void *b)
{
    const obj_row *x = a;
    const obj_row *y = b;
    if (x->kind != y->kind) {
        return x->kind < y->kind ? -1 : 1;
    }
    return ledger_object_natural_cmp(x->o.natural, x->o.natural_len, y->o.natural,
                                     y->o.natural_len);
}

static obj_row *model_find(obj_model *m, uint8_t kind, const uint8_t *natural, size_t len)
{
    for (size_t i = 0; i < m->len; i++) {
        if (m->rows[i].kind == kind &&
            ledger_object_natural_cmp(m->rows[i].o.natural, m->rows[i].o.natural_len, natural,
                                      len) == 0) {
            return &m->rows[i];
        }
    }
    return NULL;
}

static void model_put(obj_model *m, uint8_t kind, const ledger_object *o)
{
    obj_row *r = model_find(m, kind, o->natural, o->natural_len);
    if (r == NULL) {
        CHR_ASSERT(m->len < OBJ_MODEL_MAX);
        r = &m->rows[m->len++];
    }
    r->kind = kind;
    r->o = *o;
}

static void model_delete(obj_model *m, uint8_t kind, const uint8_t *natural, size_t len)
{
    obj_row *r = model_find(m, kind, natural, len);
    if (r != NULL) {
        *r = m->rows[--m->len];
    }
}

/* The reference root of the model's objects and db's accounts (with the pending ones). */
static void reference_root(const obj_model *m, const obj_db *db, const ledger_account *acct,
                           const int *has, uint8_t out[32])
{
    ledger_smt *s;
    CHR_ASSERT(ledger_smt_new(&s, OBJ_MODEL_MAX + OBJ_ACCOUNTS) == CHR_OK);
    for (size_t i = 0; i < OBJ_ACCOUNTS; i++) {
        if (has[i]) {
            uint8_t h[32];
            ledger_account_hash(h, &acct[i]);
            CHR_ASSERT(ledger_smt_set(s, db->addr[i], h) == CHR_OK);
        }
    }
    for (size_t i = 0; i < m->len; i++) {
        uint8_t key[32];
        uint8_t h[32];
        ledger_state_key(key, m->rows[i].kind, m->rows[i].o.natural, m->rows[i].o.natural_len);
        chr_sha256_hash(h, m->rows[i].o.value, m->rows[i].o.value_len);
        CHR_ASSERT(ledger_smt_set(s, key, h) == CHR_OK);
    }
    ledger_smt_root(s, out);
    ledger_smt_free(s);
}

static void mem_digest(ledger_trie_mem *mem, uint8_t out[32])
{
    chr_sha256 h;
    chr_sha256_start(&h);
    for (size_t i = 0; i < ledger_trie_mem_len(mem); i++) {
        uint8_t *val;
        size_t len;
        uint8_t *id = ledger_trie_mem_row(mem, i, &val, &len);
        chr_sha256_update(&h, id, LEDGER_TRIE_ID_BYTES);
        chr_sha256_update(&h, val, len);
    }
    chr_sha256_final(&h, out);
}

/* Natural keys with shared prefixes and of every length from 0: each extends a prefix of
 * an earlier one. */
static void name_pool(uint64_t *rng, ledger_object names[OBJ_NAMES])
{
    for (size_t i = 0; i < OBJ_NAMES; i++) {
        ledger_object *n = &names[i];
        size_t keep = 0;
        if (i > 0) {
            const ledger_object *other = &names[chr_test_rand(rng) % i];
            keep = chr_test_rand(rng) % (other->natural_len + 1);
            memcpy(n->natural, other->natural, keep);
        }
        size_t room = LEDGER_STATE_NATURAL_KEY_MAX - keep;
        size_t extra = chr_test_rand(rng) % 4 == 0 ? room : chr_test_rand(rng) % 4;
        extra = extra > room ? room : extra;
        for (size_t k = 0; k < extra; k++) {
            n->natural[keep + k] = (uint8_t)(chr_test_rand(rng) % 3); /* few bytes: collisions */
        }
        n->natural_len = keep + extra;
        CHR_ASSERT(n->natural_len <= LEDGER_STATE_NATURAL_KEY_MAX);
    }
}

/* Checks one random scan of t against the pending model. */
static void scan_check(uint64_t *rng, ledger_objects *t, obj_model *pending,
                       const ledger_object names[OBJ_NAMES])
{
    uint8_t kind = (uint8_t)(LEDGER_STATE_VALIDATOR + chr_test_rand(rng) % 3);
    const ledger_object *pn = &names[chr_test_rand(rng) % OBJ_NAMES];
    size_t plen = chr_test_rand(rng) % (pn->natural_len + 1);
    plen = chr_test_rand(rng) % 3 == 0 ? 0 : plen;
    const ledger_object *an =
        chr_test_rand(rng) % 2 ? &names[chr_test_rand(rng) % OBJ_NAMES] : NULL;
    size_t n = chr_test_rand(rng) % 12;
    static ledger_object res[12];
    size_t len;
    CHECK_OK(ledger_object_scan(t, kind, pn->natural, plen, an ? an->natural : NULL,
                                an ? an->natural_len : 0, res, n, &len));
    static obj_model want;
    want.len = 0;
    for (size_t i = 0; i < pending->len; i++) {
        const obj_row *r = &pending->rows[i];
        if (r->kind == kind && r->o.natural_len >= plen &&
            (plen == 0 || memcmp(r->o.natural, pn->natural, plen) == 0) &&
            (an == NULL || ledger_object_natural_cmp(r->o.natural, r->o.natural_len, an->natural,
                                                     an->natural_len) > 0)) {
            want.rows[want.len++] = *r;
        }
    }
    qsort(want.rows, want.len, sizeof(want.rows[0]), row_cmp);
    CHECK(len == (want.len < n ? want.len : n));
    for (size_t i = 0; i < len && i < want.len; i++) {
        CHECK(ledger_object_natural_cmp(res[i].natural, res[i].natural_len, want.rows[i].o.natural,
                                        want.rows[i].o.natural_len) == 0);
        CHECK(res[i].value_len == want.rows[i].o.value_len &&
              memcmp(res[i].value, want.rows[i].o.value, res[i].value_len) == 0);
    }
}

/* Random blocks of account changes and object puts and deletes (three kinds, keys with
 * shared prefixes, values up to the maximum), each stored or rolled back: the persisted
 * trie's root always equals the reference trie's over the same accounts and objects, a
 * rollback leaves the committed rows byte for byte as they were, and random scans agree
 * with the model. 300 seeds of 20 blocks (some 90,000 operations). */
void test_objects_trie_matches_reference_random(void)
{
    static obj_model committed;
    static obj_model pending;
    static ledger_object names[OBJ_NAMES];
    uint64_t base = chr_test_seed();
    for (uint64_t seed = base; seed < base + 300; seed++) {
        uint64_t rng = seed * 2654435761u + 1;
        obj_db db = {0};
        CHECK_OK(ledger_trie_mem_new(&db.mem));
        for (size_t i = 0; i < OBJ_ACCOUNTS; i++) {
            for (size_t k = 0; k < 32; k++) {
                db.addr[i][k] = (uint8_t)chr_test_rand(&rng);
            }
        }
        name_pool(&rng, names);
        committed.len = 0;
        ledger_overlay *o;
        ledger_objects *t;
        overlay_open(&db, &o, &t, OBJ_MODEL_MAX);
        ledger_trie *trie;
        CHECK_OK(ledger_trie_new(&trie, ledger_trie_mem_source(db.mem), 4096));
        uint8_t root[32];
        uint8_t want[32];
        for (int block = 0; block < 20; block++) {
            pending = committed;
            ledger_account acct[OBJ_ACCOUNTS];
            int has[OBJ_ACCOUNTS];
            memcpy(acct, db.acct, sizeof(acct));
            memcpy(has, db.has, sizeof(has));
            size_t ops = chr_test_rand(&rng) % 30;
            for (size_t op = 0; op < ops; op++) {
                uint64_t r = chr_test_rand(&rng) % 10;
                uint8_t kind = (uint8_t)(LEDGER_STATE_VALIDATOR + chr_test_rand(&rng) % 3);
                ledger_object ob = names[chr_test_rand(&rng) % OBJ_NAMES];
                if (r < 2) {
                    size_t i = chr_test_rand(&rng) % OBJ_ACCOUNTS;
                    ledger_account a = {chr_test_rand(&rng) % 1000, chr_test_rand(&rng) % 3};
                    CHECK_OK(ledger_overlay_put(o, db.addr[i], &a));
                    acct[i] = a;
                    has[i] = 1;
                } else if (r < 7) {
                    ob.value_len = chr_test_rand(&rng) % 8 == 0 ? LEDGER_OBJECT_VALUE_MAX
                                                                : 1 + chr_test_rand(&rng) % 40;
                    for (size_t k = 0; k < ob.value_len; k++) {
                        ob.value[k] = (uint8_t)chr_test_rand(&rng);
                    }
                    CHECK_OK(ledger_object_put(t, kind, ob.natural, ob.natural_len, ob.value,
                                               ob.value_len));
                    model_put(&pending, kind, &ob);
                } else {
                    int found;
                    CHECK_OK(ledger_object_delete(t, kind, ob.natural, ob.natural_len, &found));
                    CHECK(found ==
                          (model_find(&pending, kind, ob.natural, ob.natural_len) != NULL));
                    model_delete(&pending, kind, ob.natural, ob.natural_len);
                }
            }
            scan_check(&rng, t, &pending, names);
            uint8_t before[32];
            mem_digest(db.mem, before);
            CHECK_OK(ledger_overlay_trie_apply(trie, o));
            ledger_trie_root(trie, root);
            reference_root(&pending, &db, acct, has, want);
            CHECK(memcmp(root, want, 32) == 0);
            if (chr_test_rand(&rng) % 4 == 0) {
                ledger_trie_rollback(trie);
                ledger_overlay_reset(o);
                uint8_t after[32];
                mem_digest(db.mem, after);
                CHECK(memcmp(before, after, 32) == 0);
                reference_root(&committed, &db, db.acct, db.has, want);
                ledger_trie_root(trie, root);
                CHECK(memcmp(root, want, 32) == 0);
            } else {
                db_commit(&db, o, trie);
                committed = pending;
                CHECK(ledger_trie_mem_objects_len(db.mem) == committed.len);
            }
        }
        ledger_trie_free(trie);
        ledger_objects_free(t);
        ledger_overlay_free(o);
        ledger_trie_mem_free(db.mem);
    }
}
