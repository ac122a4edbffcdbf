#include "ledger/trie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "common/enc.h"
#include "ledger/trie_def.h"

#define TRIE_NONE 0xffffffffu
/* First capacity of the node arena; it doubles from there. */
#define TRIE_NODES_FIRST 256u
/* The most nodes one pending version may touch: a block changes at most a few tens of
 * thousands of keys, each with at most 257 nodes on its path. */
#define TRIE_NODES_MAX (1u << 26)
/* The rehash pass keeps at most two entries per level, plus the root. */
#define TRIE_STACK_MAX (2 * (LEDGER_TRIE_LEAF_BIT + 1) + 1)

_Static_assert(LEDGER_TRIE_CACHE_ENTRY_BYTES >= LEDGER_TRIE_ID_BYTES + LEDGER_TRIE_VALUE_MAX + 2,
               "a cache entry holds an id, a value, its length and a flag");

/* A node of the pending version. Clean nodes carry the hash their parent names them by;
 * links (child) are arena indices, TRIE_NONE while the child is not loaded. */
typedef struct trie_node {
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    uint8_t hash[CHR_HASH_LEN];
    uint8_t value[32]; /* a leaf's value hash */
    uint8_t child_hash[2][CHR_HASH_LEN];
    uint32_t child[2];
    uint16_t bit;
    uint16_t child_bit[2];
    uint8_t orig[LEDGER_TRIE_VALUE_MAX]; /* the committed row's value, when stored */
    uint8_t orig_len;
    uint8_t live;    /* in the pending version */
    uint8_t stored;  /* a committed row has this id */
    uint8_t changed; /* its row is written (live) or removed (not live) */
    uint8_t stale;   /* its hash must be recomputed */
    uint8_t visiting;
} trie_node;

typedef struct trie_cache_entry {
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    uint8_t val[LEDGER_TRIE_VALUE_MAX];
    uint8_t len; /* 0: empty */
    uint8_t recent;
} trie_cache_entry;

/* A row as read. */
typedef struct trie_row {
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    uint8_t val[LEDGER_TRIE_VALUE_MAX];
    size_t len;
} trie_row;

struct ledger_trie {
    ledger_trie_source src;
    trie_node *nodes;
    uint32_t len;
    uint32_t cap;
    uint32_t *map; /* open addressing: id -> node index, TRIE_NONE when empty */
    uint32_t map_cap;
    uint32_t root;   /* the pending root's index, TRIE_NONE for the empty trie */
    int root_loaded; /* root is known (else it is the committed one, not read yet) */
    int pending;
    size_t changes;
    /* The committed version. */
    int has_root;
    uint8_t root_id[LEDGER_TRIE_ID_BYTES];
    uint8_t root_hash[CHR_HASH_LEN];
    /* Committed rows, two ways per set. */
    trie_cache_entry *cache;
    size_t cache_sets;
    /* ledger_trie_changes' order: the changed nodes by id. */
    const trie_node **order;
    uint32_t order_cap;
};

/* ---- Ids and rows. ---- */

/* An id's parts: band, prefix (32 bytes), bit. */
#define ID_PREFIX(id) ((id) + 1)

static uint16_t id_bit(const uint8_t id[LEDGER_TRIE_ID_BYTES])
{
    return (uint16_t)((id[33] << 8) | id[34]);
}

/* The band of rows a node at `bit` is stored in (trie.h). */
static uint8_t id_band(unsigned bit)
{
    return bit < 12 ? 0 : bit < 16 ? 1 : 2;
}

/* The id of the node at bit `bit` on key's path: key's first `bit` bits, padded. */
static void id_make(uint8_t id[LEDGER_TRIE_ID_BYTES], const uint8_t key[32], unsigned bit)
{
    CHR_ASSERT(bit <= LEDGER_TRIE_LEAF_BIT);
    id[0] = id_band(bit);
    uint8_t *prefix = ID_PREFIX(id);
    memcpy(prefix, key, 32);
    if (bit < 256) {
        unsigned byte = bit >> 3;
        prefix[byte] &= (uint8_t)(0xff00u >> (bit & 7));
        memset(prefix + byte + 1, 0, 31 - byte);
    }
    id[33] = (uint8_t)(bit >> 8);
    id[34] = (uint8_t)bit;
}

void ledger_trie_leaf_id(uint8_t id[LEDGER_TRIE_ID_BYTES], const uint8_t key[32])
{
    id_make(id, key, LEDGER_TRIE_LEAF_BIT);
}

/* Whether the first n bits of a and b agree. */
static int prefix_eq(const uint8_t a[32], const uint8_t b[32], unsigned n)
{
    return ledger_trie_crit_bit(a, b) >= n;
}

/* A row's format (bit, value length, child bits, padding) and, unless expect is NULL, that
 * it hashes to expect. CHR_ERR_STORE when either does not hold. */
static chr_err row_check(const trie_row *r, const uint8_t *expect)
{
    unsigned bit = id_bit(r->id);
    uint8_t h[CHR_HASH_LEN];
    if (bit > LEDGER_TRIE_LEAF_BIT) {
        return CHR_ERR_STORE;
    }
    if (bit == LEDGER_TRIE_LEAF_BIT) {
        if (r->len != LEDGER_TRIE_LEAF_BYTES) {
            return CHR_ERR_STORE;
        }
        if (r->id[0] != id_band(bit)) {
            return CHR_ERR_STORE;
        }
        ledger_trie_leaf_hash(h, ID_PREFIX(r->id), r->val);
    } else {
        uint8_t padded[LEDGER_TRIE_ID_BYTES];
        id_make(padded, ID_PREFIX(r->id), bit);
        if (r->len != LEDGER_TRIE_NODE_BYTES || memcmp(padded, r->id, LEDGER_TRIE_ID_BYTES) != 0) {
            return CHR_ERR_STORE;
        }
        for (unsigned d = 0; d < 2; d++) {
            unsigned cb = (unsigned)((r->val[64 + 2 * d] << 8) | r->val[65 + 2 * d]);
            if (cb <= bit || cb > LEDGER_TRIE_LEAF_BIT) {
                return CHR_ERR_STORE;
            }
        }
        ledger_trie_inner_hash(h, bit, r->val, r->val + 32);
    }
    if (expect != NULL && memcmp(h, expect, CHR_HASH_LEN) != 0) {
        return CHR_ERR_STORE;
    }
    return CHR_OK;
}

static uint16_t row_child_bit(const trie_row *r, unsigned d)
{
    return (uint16_t)((r->val[64 + 2 * d] << 8) | r->val[65 + 2 * d]);
}

/* Reads the first row at or after from. */
static chr_err src_seek(const ledger_trie_source *src, const uint8_t from[LEDGER_TRIE_ID_BYTES],
                        trie_row *out)
{
    size_t len = 0;
    chr_err err = src->seek(src->ctx, from, out->id, out->val, &len);
    if (err == CHR_OK && len > LEDGER_TRIE_VALUE_MAX) {
        return CHR_ERR_STORE;
    }
    out->len = len;
    return err;
}

/* ---- The cache of committed rows. ---- */

static uint64_t id_hash(const uint8_t id[LEDGER_TRIE_ID_BYTES])
{
    uint64_t h = 0x9e3779b97f4a7c15u;
    for (unsigned i = 0; i < 4; i++) {
        h = (h ^ chr_get_u64be(id + 8 * i)) * 0xff51afd7ed558ccdu;
        h ^= h >> 29;
    }
    h = (h ^ id_bit(id) ^ ((uint64_t)id[32] << 16)) * 0xc4ceb9fe1a85ec53u;
    return h ^ (h >> 32);
}

static trie_cache_entry *cache_find(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES],
                                    trie_cache_entry **set_out)
{
    if (t->cache_sets == 0) {
        *set_out = NULL;
        return NULL;
    }
    trie_cache_entry *set = &t->cache[2 * (id_hash(id) & (t->cache_sets - 1))];
    *set_out = set;
    for (unsigned w = 0; w < 2; w++) {
        if (set[w].len != 0 && memcmp(set[w].id, id, LEDGER_TRIE_ID_BYTES) == 0) {
            set[w].recent = 1;
            set[1 - w].recent = 0;
            return &set[w];
        }
    }
    return NULL;
}

static int cache_get(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES], trie_row *out)
{
    trie_cache_entry *set;
    trie_cache_entry *e = cache_find(t, id, &set);
    if (e == NULL) {
        return 0;
    }
    memcpy(out->id, e->id, LEDGER_TRIE_ID_BYTES);
    memcpy(out->val, e->val, e->len);
    out->len = e->len;
    return 1;
}

static void cache_put(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES], const uint8_t *val,
                      size_t len)
{
    CHR_ASSERT(len > 0 && len <= LEDGER_TRIE_VALUE_MAX);
    trie_cache_entry *set;
    trie_cache_entry *e = cache_find(t, id, &set);
    if (set == NULL) {
        return;
    }
    if (e == NULL) {
        /* An empty way, else the one not used last. */
        unsigned w = set[0].len == 0 ? 0 : set[1].len == 0 ? 1 : set[0].recent ? 1 : 0;
        e = &set[w];
        e->recent = 1;
        set[1 - w].recent = 0;
    }
    memcpy(e->id, id, LEDGER_TRIE_ID_BYTES);
    memcpy(e->val, val, len);
    e->len = (uint8_t)len;
}

static void cache_del(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES])
{
    trie_cache_entry *set;
    trie_cache_entry *e = cache_find(t, id, &set);
    if (e != NULL) {
        e->len = 0;
    }
}

/* ---- Reading the committed rows. ---- */

/* The committed root row, checked against root_hash. */
static chr_err read_root(const ledger_trie_source *src, ledger_trie *t,
                         const uint8_t root_id[LEDGER_TRIE_ID_BYTES],
                         const uint8_t root_hash[CHR_HASH_LEN], trie_row *out)
{
    if (t != NULL && cache_get(t, root_id, out)) {
        return CHR_OK;
    }
    chr_err err = src_seek(src, root_id, out);
    if (err == CHR_ERR_NOT_FOUND ||
        (err == CHR_OK && memcmp(out->id, root_id, LEDGER_TRIE_ID_BYTES) != 0)) {
        return CHR_ERR_STORE;
    }
    err = err ? err : row_check(out, root_hash);
    if (err == CHR_OK && t != NULL) {
        cache_put(t, out->id, out->val, out->len);
    }
    return err;
}

/* The child on side d of the committed internal node (pid, its bit) whose row names it by
 * expect and cbit, on the way to key: first by the id key's bits give (a node with that id
 * in one version is on key's path, so it is this child), else, or when key is NULL, by
 * the first row of the side's run (docs at the top of trie.h). */
static chr_err read_child(const ledger_trie_source *src, ledger_trie *t,
                          const uint8_t pid[LEDGER_TRIE_ID_BYTES], unsigned d, unsigned cbit,
                          const uint8_t expect[CHR_HASH_LEN], const uint8_t *key, trie_row *out)
{
    unsigned pbit = id_bit(pid);
    uint8_t id[LEDGER_TRIE_ID_BYTES];
    chr_err err = CHR_ERR_NOT_FOUND;
    if (key != NULL) {
        id_make(id, key, cbit);
        if (t != NULL && cache_get(t, id, out)) {
            return CHR_OK;
        }
        err = src_seek(src, id, out);
        if (err != CHR_OK && err != CHR_ERR_NOT_FOUND) {
            return err;
        }
    }
    if (err == CHR_ERR_NOT_FOUND || memcmp(out->id, id, LEDGER_TRIE_ID_BYTES) != 0) {
        /* key leaves the trie below this node: the side's run starts with the child. */
        uint8_t from[LEDGER_TRIE_ID_BYTES];
        memcpy(from, pid, LEDGER_TRIE_ID_BYTES);
        from[0] = id_band(cbit);
        if (d) {
            ID_PREFIX(from)[pbit >> 3] |= (uint8_t)(0x80u >> (pbit & 7));
        }
        from[33] = (uint8_t)((pbit + 1) >> 8);
        from[34] = (uint8_t)(pbit + 1);
        err = src_seek(src, from, out);
        if (err == CHR_ERR_NOT_FOUND ||
            (err == CHR_OK && (id_bit(out->id) != cbit ||
                               !prefix_eq(ID_PREFIX(out->id), ID_PREFIX(from), pbit + 1)))) {
            return CHR_ERR_STORE;
        }
        if (err != CHR_OK) {
            return err;
        }
    }
    err = row_check(out, expect);
    if (err == CHR_OK && t != NULL) {
        cache_put(t, out->id, out->val, out->len);
    }
    return err;
}

/* ---- The arena of the pending version. ---- */

static void map_clear(ledger_trie *t)
{
    memset(t->map, 0xff, (size_t)t->map_cap * sizeof(t->map[0]));
}

static uint32_t *map_slot(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES])
{
    uint32_t mask = t->map_cap - 1;
    uint32_t i = (uint32_t)id_hash(id) & mask;
    while (t->map[i] != TRIE_NONE &&
           memcmp(t->nodes[t->map[i]].id, id, LEDGER_TRIE_ID_BYTES) != 0) {
        i = (i + 1) & mask;
    }
    return &t->map[i];
}

/* Room for one more node: the arena and the map (kept at most half full) grow by doubling. */
static chr_err arena_room(ledger_trie *t)
{
    if (t->len < t->cap) {
        return CHR_OK;
    }
    if (t->cap >= TRIE_NODES_MAX) {
        return CHR_ERR_NOMEM;
    }
    uint32_t cap = t->cap * 2;
    trie_node *nodes = realloc(t->nodes, (size_t)cap * sizeof(*nodes));
    if (nodes == NULL) {
        return CHR_ERR_NOMEM;
    }
    t->nodes = nodes;
    uint32_t *map = malloc((size_t)cap * 2 * sizeof(*map));
    if (map == NULL) {
        return CHR_ERR_NOMEM; /* the larger arena is kept; the map still fits the old one */
    }
    free(t->map);
    t->map = map;
    t->map_cap = cap * 2;
    t->cap = cap;
    map_clear(t);
    for (uint32_t i = 0; i < t->len; i++) {
        *map_slot(t, t->nodes[i].id) = i;
    }
    return CHR_OK;
}

/* A node for id: the arena's entry if it has one (a node removed earlier in this version
 * comes back), else a new entry. */
static chr_err node_get(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES], uint32_t *out,
                        int *fresh)
{
    uint32_t *slot = map_slot(t, id);
    if (*slot != TRIE_NONE) {
        *out = *slot;
        *fresh = 0;
        return CHR_OK;
    }
    chr_err err = arena_room(t);
    if (err != CHR_OK) {
        return err;
    }
    slot = map_slot(t, id);
    uint32_t i = t->len++;
    trie_node *n = &t->nodes[i];
    memset(n, 0, sizeof(*n));
    memcpy(n->id, id, LEDGER_TRIE_ID_BYTES);
    n->bit = id_bit(id);
    n->child[0] = n->child[1] = TRIE_NONE;
    *slot = i;
    *out = i;
    *fresh = 1;
    return CHR_OK;
}

/* A committed row read into the arena, clean, named by hash. */
static chr_err node_load(ledger_trie *t, const trie_row *r, const uint8_t hash[CHR_HASH_LEN],
                         uint32_t *out)
{
    int fresh;
    chr_err err = node_get(t, r->id, out, &fresh);
    if (err != CHR_OK) {
        return err;
    }
    if (!fresh) {
        /* A node is loaded once, through its one parent: rows that name one node from two
         * places were not written by a trie (rewritten with their hashes made to fit). */
        return CHR_ERR_STORE;
    }
    trie_node *n = &t->nodes[*out];
    n->live = 1;
    n->stored = 1;
    memcpy(n->orig, r->val, r->len);
    n->orig_len = (uint8_t)r->len;
    memcpy(n->hash, hash, CHR_HASH_LEN);
    if (n->bit == LEDGER_TRIE_LEAF_BIT) {
        memcpy(n->value, r->val, 32);
    } else {
        memcpy(n->child_hash[0], r->val, 32);
        memcpy(n->child_hash[1], r->val + 32, 32);
        n->child_bit[0] = row_child_bit(r, 0);
        n->child_bit[1] = row_child_bit(r, 1);
    }
    return CHR_OK;
}

/* A node this version adds (or brings back), changed. */
static chr_err node_add(ledger_trie *t, const uint8_t id[LEDGER_TRIE_ID_BYTES], uint32_t *out)
{
    int fresh;
    chr_err err = node_get(t, id, out, &fresh);
    if (err != CHR_OK) {
        return err;
    }
    trie_node *n = &t->nodes[*out];
    CHR_ASSERT(fresh || !n->live);
    t->changes += !n->changed;
    n->live = 1;
    n->changed = 1;
    n->stale = 1;
    n->child[0] = n->child[1] = TRIE_NONE;
    return CHR_OK;
}

static void node_touch(ledger_trie *t, uint32_t i)
{
    trie_node *n = &t->nodes[i];
    t->changes += !n->changed;
    n->changed = 1;
    n->stale = 1;
    t->pending = 1;
}

static chr_err root_index(ledger_trie *t, uint32_t *out)
{
    if (!t->root_loaded) {
        t->root = TRIE_NONE;
        if (t->has_root) {
            trie_row r;
            chr_err err = read_root(&t->src, t, t->root_id, t->root_hash, &r);
            err = err ? err : node_load(t, &r, t->root_hash, &t->root);
            if (err != CHR_OK) {
                t->root = TRIE_NONE;
                return err;
            }
        }
        t->root_loaded = 1;
    }
    *out = t->root;
    return CHR_OK;
}

/* The child on side d of the node at index p, loaded if need be, on the way to key (NULL
 * when not known). */
static chr_err child_index(ledger_trie *t, uint32_t p, unsigned d, const uint8_t *key,
                           uint32_t *out)
{
    if (t->nodes[p].child[d] == TRIE_NONE) {
        trie_row r;
        uint8_t expect[CHR_HASH_LEN];
        memcpy(expect, t->nodes[p].child_hash[d], CHR_HASH_LEN);
        if (key != NULL) {
            /* The id key's bits give may name a node this version removed, which the
             * committed rows and the cache still hold: then take the side's run. */
            uint8_t id[LEDGER_TRIE_ID_BYTES];
            id_make(id, key, t->nodes[p].child_bit[d]);
            if (*map_slot(t, id) != TRIE_NONE) {
                key = NULL;
            }
        }
        chr_err err =
            read_child(&t->src, t, t->nodes[p].id, d, t->nodes[p].child_bit[d], expect, key, &r);
        uint32_t c;
        err = err ? err : node_load(t, &r, expect, &c);
        if (err != CHR_OK) {
            return err;
        }
        t->nodes[p].child[d] = c;
    }
    *out = t->nodes[p].child[d];
    return CHR_OK;
}

/* key's path in the pending version: the internal nodes (path) with the side taken at each
 * (dirs), and the leaf it ends at (TRIE_NONE for the empty trie). */
typedef struct trie_path {
    uint32_t node[LEDGER_TRIE_LEAF_BIT];
    uint8_t dir[LEDGER_TRIE_LEAF_BIT];
    unsigned depth;
    uint32_t leaf;
} trie_path;

static chr_err path_walk(ledger_trie *t, const uint8_t key[32], trie_path *p)
{
    p->depth = 0;
    uint32_t i = TRIE_NONE;
    chr_err err = root_index(t, &i);
    while (err == CHR_OK && i != TRIE_NONE && t->nodes[i].bit != LEDGER_TRIE_LEAF_BIT) {
        CHR_ASSERT(p->depth < LEDGER_TRIE_LEAF_BIT);
        unsigned d = ledger_trie_key_bit(key, t->nodes[i].bit);
        p->node[p->depth] = i;
        p->dir[p->depth] = (uint8_t)d;
        p->depth++;
        err = child_index(t, i, d, key, &i);
    }
    p->leaf = i;
    return err;
}

static void path_touch(ledger_trie *t, const trie_path *p, unsigned depth)
{
    for (unsigned k = 0; k < depth; k++) {
        node_touch(t, p->node[k]);
    }
}

/* ---- The public functions. ---- */

chr_err ledger_trie_new(ledger_trie **out, ledger_trie_source src, size_t cache_bytes)
{
    CHR_ASSERT(out != NULL && src.seek != NULL);
    *out = NULL;
    ledger_trie *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return CHR_ERR_NOMEM;
    }
    t->src = src;
    t->cap = TRIE_NODES_FIRST;
    t->map_cap = 2 * TRIE_NODES_FIRST;
    t->nodes = malloc((size_t)t->cap * sizeof(*t->nodes));
    t->map = malloc((size_t)t->map_cap * sizeof(*t->map));
    size_t sets = 1;
    while (sets * 4 * LEDGER_TRIE_CACHE_ENTRY_BYTES <= cache_bytes) {
        sets *= 2;
    }
    t->cache_sets = cache_bytes >= 2 * LEDGER_TRIE_CACHE_ENTRY_BYTES ? sets : 0;
    if (t->cache_sets != 0) {
        t->cache = calloc(2 * t->cache_sets, sizeof(*t->cache));
    }
    if (t->nodes == NULL || t->map == NULL || (t->cache_sets != 0 && t->cache == NULL)) {
        ledger_trie_free(t);
        return CHR_ERR_NOMEM;
    }
    map_clear(t);
    t->root = TRIE_NONE;
    t->root_loaded = 1; /* the empty trie */
    *out = t;
    return CHR_OK;
}

void ledger_trie_free(ledger_trie *t)
{
    if (t == NULL) {
        return;
    }
    free(t->nodes);
    free(t->map);
    free(t->cache);
    free(t->order);
    free(t);
}

static void arena_reset(ledger_trie *t)
{
    if (t->len != 0) {
        map_clear(t);
    }
    t->len = 0;
    t->root_loaded = 0;
    t->pending = 0;
    t->changes = 0;
}

chr_err ledger_trie_open(ledger_trie *t, const uint8_t root[CHR_HASH_LEN])
{
    static const uint8_t zero_id[LEDGER_TRIE_ID_BYTES];
    static const uint8_t zero_hash[CHR_HASH_LEN];
    arena_reset(t);
    if (t->cache_sets != 0) {
        memset(t->cache, 0, 2 * t->cache_sets * sizeof(*t->cache));
    }
    t->has_root = 0;
    trie_row r;
    chr_err err = src_seek(&t->src, zero_id, &r);
    if (err == CHR_ERR_NOT_FOUND) {
        return memcmp(root, zero_hash, CHR_HASH_LEN) == 0 ? CHR_OK : CHR_ERR_STATE_ROOT;
    }
    if (err != CHR_OK) {
        return err;
    }
    err = row_check(&r, NULL);
    if (err == CHR_OK) {
        err = row_check(&r, root) == CHR_OK ? CHR_OK : CHR_ERR_STATE_ROOT;
    }
    if (err == CHR_OK) {
        t->has_root = 1;
        memcpy(t->root_id, r.id, LEDGER_TRIE_ID_BYTES);
        memcpy(t->root_hash, root, CHR_HASH_LEN);
    }
    return err;
}

chr_err ledger_trie_get(ledger_trie *t, const uint8_t key[32], int *found, uint8_t value_hash[32])
{
    trie_path p;
    *found = 0;
    memset(value_hash, 0, 32);
    chr_err err = path_walk(t, key, &p);
    if (err == CHR_OK && p.leaf != TRIE_NONE &&
        memcmp(ID_PREFIX(t->nodes[p.leaf].id), key, 32) == 0) {
        *found = 1;
        memcpy(value_hash, t->nodes[p.leaf].value, 32);
    }
    return err;
}

chr_err ledger_trie_set(ledger_trie *t, const uint8_t key[32], const uint8_t value_hash[32])
{
    trie_path p;
    chr_err err = path_walk(t, key, &p);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t leaf_id[LEDGER_TRIE_ID_BYTES];
    id_make(leaf_id, key, LEDGER_TRIE_LEAF_BIT);
    if (p.leaf != TRIE_NONE && memcmp(ID_PREFIX(t->nodes[p.leaf].id), key, 32) == 0) {
        if (memcmp(t->nodes[p.leaf].value, value_hash, 32) != 0) {
            memcpy(t->nodes[p.leaf].value, value_hash, 32);
            node_touch(t, p.leaf);
            path_touch(t, &p, p.depth);
        }
        return CHR_OK;
    }
    uint32_t leaf;
    err = node_add(t, leaf_id, &leaf);
    if (err != CHR_OK) {
        return err;
    }
    memcpy(t->nodes[leaf].value, value_hash, 32);
    t->pending = 1;
    if (p.leaf == TRIE_NONE) {
        t->root = leaf;
        return CHR_OK;
    }
    /* The new inner node goes above the first node of the path that branches after the
     * bit where key leaves the leaf it reached. */
    unsigned crit = ledger_trie_crit_bit(key, ID_PREFIX(t->nodes[p.leaf].id));
    CHR_ASSERT(crit < 256);
    unsigned k = 0;
    while (k < p.depth && t->nodes[p.node[k]].bit < crit) {
        k++;
    }
    uint32_t below = k < p.depth ? p.node[k] : p.leaf;
    uint8_t inner_id[LEDGER_TRIE_ID_BYTES];
    id_make(inner_id, key, crit);
    uint32_t inner;
    err = node_add(t, inner_id, &inner);
    if (err != CHR_OK) {
        return err;
    }
    trie_node *n = &t->nodes[inner];
    unsigned side = ledger_trie_key_bit(key, crit);
    n->child[side] = leaf;
    n->child_bit[side] = LEDGER_TRIE_LEAF_BIT;
    n->child[1 - side] = below;
    n->child_bit[1 - side] = t->nodes[below].bit;
    memcpy(n->child_hash[1 - side], t->nodes[below].hash, CHR_HASH_LEN);
    if (k == 0) {
        t->root = inner;
    } else {
        trie_node *parent = &t->nodes[p.node[k - 1]];
        parent->child[p.dir[k - 1]] = inner;
        parent->child_bit[p.dir[k - 1]] = (uint16_t)crit;
    }
    path_touch(t, &p, k);
    return CHR_OK;
}

chr_err ledger_trie_delete(ledger_trie *t, const uint8_t key[32], int *found)
{
    trie_path p;
    *found = 0;
    chr_err err = path_walk(t, key, &p);
    if (err != CHR_OK || p.leaf == TRIE_NONE ||
        memcmp(ID_PREFIX(t->nodes[p.leaf].id), key, 32) != 0) {
        return err;
    }
    *found = 1;
    node_touch(t, p.leaf);
    t->nodes[p.leaf].live = 0;
    if (p.depth == 0) {
        t->root = TRIE_NONE;
        return CHR_OK;
    }
    /* The leaf's parent goes, and the leaf's sibling takes the parent's place. */
    uint32_t parent = p.node[p.depth - 1];
    unsigned d = p.dir[p.depth - 1];
    uint32_t sibling;
    err = child_index(t, parent, 1 - d, NULL, &sibling);
    if (err != CHR_OK) {
        return err;
    }
    node_touch(t, parent);
    t->nodes[parent].live = 0;
    if (p.depth == 1) {
        t->root = sibling;
    } else {
        trie_node *g = &t->nodes[p.node[p.depth - 2]];
        unsigned gd = p.dir[p.depth - 2];
        g->child[gd] = sibling;
        g->child_bit[gd] = t->nodes[sibling].bit;
        memcpy(g->child_hash[gd], t->nodes[sibling].hash, CHR_HASH_LEN);
    }
    path_touch(t, &p, p.depth - 1);
    return CHR_OK;
}

static void node_rehash(ledger_trie *t, trie_node *n)
{
    if (n->bit == LEDGER_TRIE_LEAF_BIT) {
        ledger_trie_leaf_hash(n->hash, ID_PREFIX(n->id), n->value);
        return;
    }
    for (unsigned d = 0; d < 2; d++) {
        if (n->child[d] != TRIE_NONE) {
            memcpy(n->child_hash[d], t->nodes[n->child[d]].hash, CHR_HASH_LEN);
        }
    }
    ledger_trie_inner_hash(n->hash, n->bit, n->child_hash[0], n->child_hash[1]);
}

/* Rehashes the stale nodes below the root, children before parents, with an explicit
 * stack: a node is pushed, then its stale children above it; it is hashed when met again
 * on top. */
static void rehash(ledger_trie *t)
{
    if (!t->root_loaded || t->root == TRIE_NONE || !t->nodes[t->root].stale) {
        return;
    }
    uint32_t stack[TRIE_STACK_MAX];
    size_t sp = 0;
    stack[sp++] = t->root;
    while (sp > 0) {
        trie_node *n = &t->nodes[stack[sp - 1]];
        if (!n->visiting && n->bit != LEDGER_TRIE_LEAF_BIT) {
            n->visiting = 1;
            for (unsigned d = 0; d < 2; d++) {
                uint32_t c = n->child[d];
                if (c != TRIE_NONE && t->nodes[c].stale) {
                    CHR_ASSERT(sp < TRIE_STACK_MAX);
                    stack[sp++] = c;
                }
            }
            continue;
        }
        n->visiting = 0;
        node_rehash(t, n);
        n->stale = 0;
        sp--;
    }
}

void ledger_trie_root(ledger_trie *t, uint8_t out[CHR_HASH_LEN])
{
    if (!t->root_loaded) {
        /* Nothing read since the committed version: its root. */
        if (t->has_root) {
            memcpy(out, t->root_hash, CHR_HASH_LEN);
        } else {
            memset(out, 0, CHR_HASH_LEN);
        }
        return;
    }
    rehash(t);
    if (t->root == TRIE_NONE) {
        memset(out, 0, CHR_HASH_LEN);
    } else {
        memcpy(out, t->nodes[t->root].hash, CHR_HASH_LEN);
    }
}

int ledger_trie_pending(const ledger_trie *t)
{
    return t->pending;
}

size_t ledger_trie_changes_len(const ledger_trie *t)
{
    return t->changes;
}

static size_t node_encode(const trie_node *n, uint8_t out[LEDGER_TRIE_VALUE_MAX])
{
    if (n->bit == LEDGER_TRIE_LEAF_BIT) {
        memcpy(out, n->value, 32);
        return LEDGER_TRIE_LEAF_BYTES;
    }
    memcpy(out, n->child_hash[0], 32);
    memcpy(out + 32, n->child_hash[1], 32);
    for (unsigned d = 0; d < 2; d++) {
        out[64 + 2 * d] = (uint8_t)(n->child_bit[d] >> 8);
        out[65 + 2 * d] = (uint8_t)n->child_bit[d];
    }
    return LEDGER_TRIE_NODE_BYTES;
}

static int node_id_cmp(const void *a, const void *b)
{
    const trie_node *x = *(const trie_node *const *)a;
    const trie_node *y = *(const trie_node *const *)b;
    return memcmp(x->id, y->id, LEDGER_TRIE_ID_BYTES);
}

chr_err ledger_trie_changes(ledger_trie *t, chr_err (*fn)(void *ctx, const ledger_trie_change *c),
                            void *ctx)
{
    uint8_t root[CHR_HASH_LEN];
    ledger_trie_root(t, root);
    /* In id order: the store then writes each of its pages' rows together. */
    if (t->order_cap < t->len) {
        const trie_node **order = realloc(t->order, (size_t)t->cap * sizeof(*order));
        if (order == NULL) {
            return CHR_ERR_NOMEM;
        }
        t->order = order;
        t->order_cap = t->cap;
    }
    uint32_t n_changed = 0;
    for (uint32_t i = 0; i < t->len; i++) {
        const trie_node *n = &t->nodes[i];
        if (n->changed && (n->live || n->stored)) {
            t->order[n_changed++] = n;
        }
    }
    if (n_changed > 1) {
        qsort(t->order, n_changed, sizeof(t->order[0]), node_id_cmp);
    }
    for (uint32_t i = 0; i < n_changed; i++) {
        const trie_node *n = t->order[i];
        uint8_t val[LEDGER_TRIE_VALUE_MAX];
        ledger_trie_change c = {
            .id = n->id,
            .val = n->live ? val : NULL,
            .len = n->live ? node_encode(n, val) : 0,
            .old = n->stored ? n->orig : NULL,
            .old_len = n->stored ? n->orig_len : 0,
        };
        chr_err err = fn(ctx, &c);
        if (err != CHR_OK) {
            return err;
        }
    }
    return CHR_OK;
}

void ledger_trie_release(ledger_trie *t)
{
    uint8_t root[CHR_HASH_LEN];
    ledger_trie_root(t, root);
    for (uint32_t i = 0; i < t->len; i++) {
        const trie_node *n = &t->nodes[i];
        if (n->changed && n->live) {
            uint8_t val[LEDGER_TRIE_VALUE_MAX];
            size_t len = node_encode(n, val);
            cache_put(t, n->id, val, len);
        } else if (n->changed) {
            cache_del(t, n->id);
        }
    }
    if (t->root_loaded) {
        t->has_root = t->root != TRIE_NONE;
        if (t->has_root) {
            memcpy(t->root_id, t->nodes[t->root].id, LEDGER_TRIE_ID_BYTES);
            memcpy(t->root_hash, root, CHR_HASH_LEN);
        }
    }
    arena_reset(t);
}

void ledger_trie_rollback(ledger_trie *t)
{
    arena_reset(t);
}

chr_err ledger_trie_prove(const ledger_trie_source *src, const uint8_t root[CHR_HASH_LEN],
                          const uint8_t key[32], ledger_proof *out)
{
    static const uint8_t zero_id[LEDGER_TRIE_ID_BYTES];
    static const uint8_t zero_hash[CHR_HASH_LEN];
    memset(out, 0, sizeof(*out));
    memcpy(out->key, key, 32);
    trie_row r;
    chr_err err = src_seek(src, zero_id, &r);
    if (err == CHR_ERR_NOT_FOUND) {
        return memcmp(root, zero_hash, CHR_HASH_LEN) == 0 ? CHR_OK : CHR_ERR_STATE_ROOT;
    }
    if (err == CHR_OK && row_check(&r, NULL) != CHR_OK) {
        return CHR_ERR_STORE;
    }
    if (err == CHR_OK && row_check(&r, root) != CHR_OK) {
        return CHR_ERR_STATE_ROOT;
    }
    /* Siblings from the root down; the proof lists them from the leaf up. */
    ledger_proof_step down[LEDGER_SMT_DEPTH_MAX];
    unsigned n = 0;
    while (err == CHR_OK && id_bit(r.id) != LEDGER_TRIE_LEAF_BIT) {
        CHR_ASSERT(n < LEDGER_SMT_DEPTH_MAX);
        unsigned bit = id_bit(r.id);
        unsigned d = ledger_trie_key_bit(key, bit);
        down[n].bit = (uint16_t)bit;
        memcpy(down[n].sibling, r.val + 32 * (1 - d), CHR_HASH_LEN);
        n++;
        uint8_t pid[LEDGER_TRIE_ID_BYTES];
        uint8_t expect[CHR_HASH_LEN];
        memcpy(pid, r.id, LEDGER_TRIE_ID_BYTES);
        memcpy(expect, r.val + 32 * d, CHR_HASH_LEN);
        unsigned cbit = row_child_bit(&r, d);
        err = read_child(src, NULL, pid, d, cbit, expect, key, &r);
    }
    if (err != CHR_OK) {
        return err;
    }
    out->has_leaf = 1;
    memcpy(out->leaf_key, ID_PREFIX(r.id), 32);
    memcpy(out->leaf_value, r.val, 32);
    out->steps_len = (uint16_t)n;
    for (unsigned i = 0; i < n; i++) {
        out->steps[i] = down[n - 1 - i];
    }
    return CHR_OK;
}
