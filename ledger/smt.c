#include "ledger/smt.h"

#include <stdlib.h>
#include <string.h>

#include "common/assert.h"
#include "ledger/trie_def.h"

/* A reference to a node is a u32: leaves are tagged with the top bit, internal nodes are
 * not, and LEDGER_SMT_NONE stands for the empty trie's root. */
#define LEDGER_SMT_LEAF_TAG 0x80000000u
#define LEDGER_SMT_NONE 0xffffffffu
/* The root pass keeps, for each internal node on the current path, at most that node and
 * one pending sibling, plus the root: 2 * 256 + 1 entries. */
#define LEDGER_SMT_STACK_MAX (2 * LEDGER_SMT_DEPTH_MAX + 1)
/* First capacity of each node array; later growth doubles. */
#define LEDGER_SMT_CAP_FIRST 64u

_Static_assert(LEDGER_SMT_KEYS_MAX < LEDGER_SMT_LEAF_TAG, "leaf indices must fit the tag");

typedef struct ledger_smt_leaf {
    uint8_t key[32];
    uint8_t value_hash[32];
    uint8_t hash[CHR_HASH_LEN];
    uint8_t dirty;
    /* 1 while the open checkpoint's journal holds this leaf as it was at the checkpoint. */
    uint8_t saved;
} ledger_smt_leaf;

typedef struct ledger_smt_node {
    uint8_t hash[CHR_HASH_LEN];
    uint32_t child[2];
    uint16_t bit;
    uint8_t dirty;
    /* As in ledger_smt_leaf; it fills what was the struct's padding byte. */
    uint8_t saved;
} ledger_smt_node;

/* Undo journal entries: an element's index and its contents at the checkpoint. */
typedef struct ledger_smt_leaf_undo {
    uint32_t index;
    ledger_smt_leaf old;
} ledger_smt_leaf_undo;

typedef struct ledger_smt_node_undo {
    uint32_t index;
    ledger_smt_node old;
} ledger_smt_node_undo;

/* While a checkpoint is open (cp_open), cp_* hold the lengths and root to go back to.
 * Leaves and nodes at or past those lengths are new and are simply cut off by a rollback;
 * each older one is copied to its journal just before its first write since the
 * checkpoint and marked saved, so a journal holds at most one entry per element and never
 * more than cp_leaves_len or cp_nodes_len entries. Every element is clean at the
 * checkpoint (ledger_smt_checkpoint rehashes first), and ledger_smt_root writes only to
 * dirty elements, which ledger_smt_set saved when it marked them: so the root pass needs
 * no journal room of its own and cannot fail. The journals' memory is kept for the next
 * checkpoint. */
struct ledger_smt {
    ledger_smt_leaf *leaves;
    ledger_smt_node *nodes;
    uint32_t leaves_len;
    uint32_t leaves_cap;
    uint32_t nodes_len;
    uint32_t nodes_cap;
    uint32_t keys_max;
    uint32_t root;
    int cp_open;
    uint32_t cp_leaves_len;
    uint32_t cp_nodes_len;
    uint32_t cp_root;
    ledger_smt_leaf_undo *undo_leaves;
    uint32_t undo_leaves_len;
    uint32_t undo_leaves_cap;
    ledger_smt_node_undo *undo_nodes;
    uint32_t undo_nodes_len;
    uint32_t undo_nodes_cap;
#ifdef CHR_DEBUG
    /* ledger_smt_digest at the checkpoint, checked again after a rollback. */
    uint64_t cp_digest;
#endif
};

static int ledger_smt_is_leaf(uint32_t ref)
{
    return (ref & LEDGER_SMT_LEAF_TAG) != 0;
}

static ledger_smt_leaf *ledger_smt_leaf_at(const ledger_smt *t, uint32_t ref)
{
    uint32_t i = ref & ~LEDGER_SMT_LEAF_TAG;
    CHR_ASSERT(ledger_smt_is_leaf(ref));
    CHR_ASSERT(i < t->leaves_len);
    return &t->leaves[i];
}

static ledger_smt_node *ledger_smt_node_at(const ledger_smt *t, uint32_t ref)
{
    CHR_ASSERT(!ledger_smt_is_leaf(ref));
    CHR_ASSERT(ref < t->nodes_len);
    return &t->nodes[ref];
}

chr_err ledger_smt_new(ledger_smt **out, size_t keys_max)
{
    CHR_ASSERT(out != NULL);
    *out = NULL;
    if (keys_max == 0 || keys_max > LEDGER_SMT_KEYS_MAX) {
        return CHR_ERR_ARG;
    }
    ledger_smt *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return CHR_ERR_NOMEM;
    }
    t->keys_max = (uint32_t)keys_max;
    t->root = LEDGER_SMT_NONE;
    *out = t;
    return CHR_OK;
}

void ledger_smt_free(ledger_smt *t)
{
    if (t == NULL) {
        return;
    }
    free(t->leaves);
    free(t->nodes);
    free(t->undo_leaves);
    free(t->undo_nodes);
    free(t);
}

size_t ledger_smt_count(const ledger_smt *t)
{
    CHR_ASSERT(t != NULL);
    CHR_ASSERT(t->leaves_len <= t->keys_max);
    return t->leaves_len;
}

/* The leaf that key's bits lead to from the root: key's own leaf if key is present, else
 * the leaf sharing the longest prefix with key among those on key's path. depth_out gets
 * the number of internal nodes on that path. */
static uint32_t ledger_smt_best_leaf(const ledger_smt *t, const uint8_t key[32],
                                     unsigned *depth_out)
{
    CHR_ASSERT(t->root != LEDGER_SMT_NONE);
    uint32_t ref = t->root;
    unsigned depth = 0;
    while (!ledger_smt_is_leaf(ref)) {
        const ledger_smt_node *n = ledger_smt_node_at(t, ref);
        ref = n->child[ledger_trie_key_bit(key, n->bit)];
        depth++;
    }
    CHR_ASSERT(depth <= LEDGER_SMT_DEPTH_MAX);
    *depth_out = depth;
    return ref;
}

int ledger_smt_get(const ledger_smt *t, const uint8_t key[32], uint8_t value_hash_out[32])
{
    CHR_ASSERT(t != NULL);
    if (t->root != LEDGER_SMT_NONE) {
        unsigned depth;
        const ledger_smt_leaf *leaf = ledger_smt_leaf_at(t, ledger_smt_best_leaf(t, key, &depth));
        if (memcmp(leaf->key, key, 32) == 0) {
            memcpy(value_hash_out, leaf->value_hash, 32);
            return 1;
        }
    }
    memset(value_hash_out, 0, 32);
    return 0;
}

/* The next capacity of an array at cap elements that may hold at most max. */
static uint32_t ledger_smt_cap_next(uint32_t cap, uint32_t max)
{
    CHR_ASSERT(cap < max);
    uint32_t next = cap == 0 ? LEDGER_SMT_CAP_FIRST : cap * 2;
    return next > max || next < cap ? max : next;
}

/* Makes room for one more leaf and, once the trie is not empty, one more internal node,
 * so that an insertion cannot fail halfway. A partial growth leaves the trie intact. */
static chr_err ledger_smt_reserve(ledger_smt *t)
{
    CHR_ASSERT(t->leaves_len < t->keys_max);
    if (t->leaves_len == t->leaves_cap) {
        uint32_t cap = ledger_smt_cap_next(t->leaves_cap, t->keys_max);
        void *p = realloc(t->leaves, (size_t)cap * sizeof(t->leaves[0]));
        if (p == NULL) {
            return CHR_ERR_NOMEM;
        }
        t->leaves = p;
        t->leaves_cap = cap;
    }
    if (t->leaves_len > 0 && t->nodes_len == t->nodes_cap) {
        uint32_t cap = ledger_smt_cap_next(t->nodes_cap, t->keys_max - 1);
        void *p = realloc(t->nodes, (size_t)cap * sizeof(t->nodes[0]));
        if (p == NULL) {
            return CHR_ERR_NOMEM;
        }
        t->nodes = p;
        t->nodes_cap = cap;
    }
    CHR_ASSERT(t->leaves_len == 0 || t->nodes_len + 1 == t->leaves_len);
    return CHR_OK;
}

/* The journal capacity needed for need more entries when len are used and at most max
 * can ever be (one per element older than the checkpoint), or cap if it suffices. */
static uint32_t ledger_smt_undo_cap(uint32_t cap, uint32_t len, uint32_t need, uint32_t max)
{
    CHR_ASSERT(len <= cap);
    CHR_ASSERT(len <= max);
    if (need > max - len) {
        need = max - len;
    }
    if (cap - len >= need) {
        return cap;
    }
    uint32_t next = cap < LEDGER_SMT_CAP_FIRST ? LEDGER_SMT_CAP_FIRST : cap * 2;
    if (next < len + need) {
        next = len + need;
    }
    return next > max ? max : next;
}

/* Makes journal room for the writes of one set: leaves_need leaves and nodes_need nodes
 * at most, so that the set cannot fail after its first write. Only growth can fail, and
 * it leaves the trie and the journal intact. */
static chr_err ledger_smt_undo_reserve(ledger_smt *t, uint32_t leaves_need, uint32_t nodes_need)
{
    if (!t->cp_open) {
        return CHR_OK;
    }
    uint32_t cap =
        ledger_smt_undo_cap(t->undo_leaves_cap, t->undo_leaves_len, leaves_need, t->cp_leaves_len);
    if (cap != t->undo_leaves_cap) {
        void *p = realloc(t->undo_leaves, (size_t)cap * sizeof(t->undo_leaves[0]));
        if (p == NULL) {
            return CHR_ERR_NOMEM;
        }
        t->undo_leaves = p;
        t->undo_leaves_cap = cap;
    }
    cap = ledger_smt_undo_cap(t->undo_nodes_cap, t->undo_nodes_len, nodes_need, t->cp_nodes_len);
    if (cap != t->undo_nodes_cap) {
        void *p = realloc(t->undo_nodes, (size_t)cap * sizeof(t->undo_nodes[0]));
        if (p == NULL) {
            return CHR_ERR_NOMEM;
        }
        t->undo_nodes = p;
        t->undo_nodes_cap = cap;
    }
    return CHR_OK;
}

/* Whether ref may be written without journaling: no checkpoint is open, ref is newer
 * than it, or its contents at the checkpoint are already in the journal. */
static int ledger_smt_is_saved(const ledger_smt *t, uint32_t ref)
{
    if (!t->cp_open) {
        return 1;
    }
    if (ledger_smt_is_leaf(ref)) {
        uint32_t i = ref & ~LEDGER_SMT_LEAF_TAG;
        return i >= t->cp_leaves_len || ledger_smt_leaf_at(t, ref)->saved;
    }
    return ref >= t->cp_nodes_len || ledger_smt_node_at(t, ref)->saved;
}

/* Journals ref's contents before its first write since the checkpoint. The room was
 * reserved by ledger_smt_undo_reserve. An element not yet written since the checkpoint
 * is still clean, as all were then. */
static void ledger_smt_save(ledger_smt *t, uint32_t ref)
{
    if (ledger_smt_is_saved(t, ref)) {
        return;
    }
    if (ledger_smt_is_leaf(ref)) {
        ledger_smt_leaf *leaf = ledger_smt_leaf_at(t, ref);
        CHR_ASSERT(!leaf->dirty);
        CHR_ASSERT(t->undo_leaves_len < t->undo_leaves_cap);
        ledger_smt_leaf_undo *u = &t->undo_leaves[t->undo_leaves_len++];
        u->index = ref & ~LEDGER_SMT_LEAF_TAG;
        u->old = *leaf;
        leaf->saved = 1;
    } else {
        ledger_smt_node *n = ledger_smt_node_at(t, ref);
        CHR_ASSERT(!n->dirty);
        CHR_ASSERT(t->undo_nodes_len < t->undo_nodes_cap);
        ledger_smt_node_undo *u = &t->undo_nodes[t->undo_nodes_len++];
        u->index = ref;
        u->old = *n;
        n->saved = 1;
    }
}

/* Walks key's path from the root through the internal nodes whose bit is below stop,
 * marking each dirty (a dirty node's ancestors are always dirty, which ledger_smt_root
 * relies on), and returns the slot where the walk stopped. Each node is journaled before
 * it is marked, which also covers a later write to the returned slot: that slot is the
 * root or a child of the last node marked. */
static uint32_t *ledger_smt_mark_path(ledger_smt *t, const uint8_t key[32], unsigned stop)
{
    uint32_t *slot = &t->root;
    unsigned depth = 0;
    while (!ledger_smt_is_leaf(*slot)) {
        ledger_smt_node *n = ledger_smt_node_at(t, *slot);
        if (n->bit >= stop) {
            break;
        }
        ledger_smt_save(t, *slot);
        n->dirty = 1;
        slot = &n->child[ledger_trie_key_bit(key, n->bit)];
        depth++;
    }
    CHR_ASSERT(depth <= LEDGER_SMT_DEPTH_MAX);
    return slot;
}

static uint32_t ledger_smt_leaf_push(ledger_smt *t, const uint8_t key[32],
                                     const uint8_t value_hash[32])
{
    CHR_ASSERT(t->leaves_len < t->leaves_cap);
    ledger_smt_leaf *leaf = &t->leaves[t->leaves_len];
    memcpy(leaf->key, key, 32);
    memcpy(leaf->value_hash, value_hash, 32);
    memset(leaf->hash, 0, sizeof(leaf->hash));
    leaf->dirty = 1;
    leaf->saved = 0;
    return LEDGER_SMT_LEAF_TAG | t->leaves_len++;
}

/* Inserts a new key that first differs from the trie's keys at bit crit: a new internal
 * node with bit crit goes where key's path meets the first node whose bit is past crit
 * (or a leaf), with the new leaf on key's side and the displaced subtree on the other. */
static void ledger_smt_insert(ledger_smt *t, const uint8_t key[32], const uint8_t value_hash[32],
                              unsigned crit)
{
    CHR_ASSERT(crit < 256);
    CHR_ASSERT(t->nodes_len < t->nodes_cap);
    uint32_t *slot = ledger_smt_mark_path(t, key, crit);
    CHR_ASSERT(ledger_smt_is_leaf(*slot) || ledger_smt_node_at(t, *slot)->bit > crit);
    uint32_t leaf = ledger_smt_leaf_push(t, key, value_hash);
    uint32_t ref = t->nodes_len++;
    ledger_smt_node *n = &t->nodes[ref];
    unsigned side = ledger_trie_key_bit(key, crit);
    memset(n->hash, 0, sizeof(n->hash));
    n->bit = (uint16_t)crit;
    n->dirty = 1;
    n->saved = 0;
    n->child[side] = leaf;
    n->child[side ^ 1u] = *slot;
    *slot = ref;
}

/* Sets the value of the present key whose leaf is ref, depth internal nodes down. */
static chr_err ledger_smt_update(ledger_smt *t, uint32_t ref, unsigned depth,
                                 const uint8_t value_hash[32])
{
    ledger_smt_leaf *leaf = ledger_smt_leaf_at(t, ref);
    if (memcmp(leaf->value_hash, value_hash, 32) == 0) {
        return CHR_OK;
    }
    chr_err err = ledger_smt_undo_reserve(t, 1, depth);
    if (err != CHR_OK) {
        return err;
    }
    ledger_smt_save(t, ref);
    memcpy(leaf->value_hash, value_hash, 32);
    leaf->dirty = 1;
    (void)ledger_smt_mark_path(t, leaf->key, 256);
    CHR_ASSERT(ledger_smt_is_saved(t, ref));
    return CHR_OK;
}

chr_err ledger_smt_set(ledger_smt *t, const uint8_t key[32], const uint8_t value_hash[32])
{
    CHR_ASSERT(t != NULL);
    CHR_ASSERT(key != NULL && value_hash != NULL);
    unsigned crit = 0;
    unsigned depth = 0;
    if (t->root != LEDGER_SMT_NONE) {
        uint32_t ref = ledger_smt_best_leaf(t, key, &depth);
        crit = ledger_trie_crit_bit(ledger_smt_leaf_at(t, ref)->key, key);
        if (crit == 256) {
            return ledger_smt_update(t, ref, depth, value_hash);
        }
    }
    if (t->leaves_len == t->keys_max) {
        return CHR_ERR_FULL;
    }
    /* Growing the node arrays first is harmless if the journal then fails: spare capacity
     * is not part of the trie. */
    chr_err err = ledger_smt_reserve(t);
    if (err == CHR_OK) {
        err = ledger_smt_undo_reserve(t, 0, depth);
    }
    if (err != CHR_OK) {
        return err;
    }
    if (t->root == LEDGER_SMT_NONE) {
        t->root = ledger_smt_leaf_push(t, key, value_hash);
    } else {
        ledger_smt_insert(t, key, value_hash, crit);
    }
    return CHR_OK;
}

static int ledger_smt_is_dirty(const ledger_smt *t, uint32_t ref)
{
    if (ledger_smt_is_leaf(ref)) {
        return ledger_smt_leaf_at(t, ref)->dirty;
    }
    return ledger_smt_node_at(t, ref)->dirty;
}

static void ledger_smt_hash_leaf(ledger_smt_leaf *leaf)
{
    CHR_ASSERT(leaf->dirty);
    ledger_trie_leaf_hash(leaf->hash, leaf->key, leaf->value_hash);
    leaf->dirty = 0;
}

static const uint8_t *ledger_smt_hash_of(const ledger_smt *t, uint32_t ref)
{
    CHR_ASSERT(!ledger_smt_is_dirty(t, ref));
    if (ledger_smt_is_leaf(ref)) {
        return ledger_smt_leaf_at(t, ref)->hash;
    }
    return ledger_smt_node_at(t, ref)->hash;
}

static void ledger_smt_hash_node(const ledger_smt *t, ledger_smt_node *n)
{
    CHR_ASSERT(n->dirty);
    CHR_ASSERT(n->bit < 256);
    ledger_trie_inner_hash(n->hash, n->bit, ledger_smt_hash_of(t, n->child[0]),
                           ledger_smt_hash_of(t, n->child[1]));
    n->dirty = 0;
}

/* Rehashes the dirty nodes in post-order. Since every dirty node's ancestors are dirty,
 * the dirty nodes form a subtree at the root and clean subtrees are never entered. An
 * internal node is looked at twice: first it pushes its dirty children, then, once they
 * are clean, it is hashed. */
static void ledger_smt_rehash(ledger_smt *t)
{
    CHR_ASSERT(ledger_smt_is_dirty(t, t->root));
    uint32_t stack[LEDGER_SMT_STACK_MAX];
    size_t sp = 0;
    stack[sp++] = t->root;
    while (sp > 0) {
        uint32_t ref = stack[sp - 1];
        /* What makes this pass safe under a checkpoint: see struct ledger_smt. */
        CHR_ASSERT(ledger_smt_is_saved(t, ref));
        if (ledger_smt_is_leaf(ref)) {
            ledger_smt_hash_leaf(ledger_smt_leaf_at(t, ref));
            sp--;
            continue;
        }
        ledger_smt_node *n = ledger_smt_node_at(t, ref);
        size_t sp_before = sp;
        for (unsigned side = 0; side < 2; side++) {
            if (ledger_smt_is_dirty(t, n->child[side])) {
                CHR_ASSERT(sp < LEDGER_SMT_STACK_MAX);
                stack[sp++] = n->child[side];
            }
        }
        if (sp == sp_before) {
            ledger_smt_hash_node(t, n);
            sp--;
        }
    }
    CHR_ASSERT(!ledger_smt_is_dirty(t, t->root));
}

void ledger_smt_root(ledger_smt *t, uint8_t out[CHR_HASH_LEN])
{
    CHR_ASSERT(t != NULL);
    if (t->root == LEDGER_SMT_NONE) {
        CHR_ASSERT(t->leaves_len == 0);
        memset(out, 0, CHR_HASH_LEN);
        return;
    }
    if (ledger_smt_is_dirty(t, t->root)) {
        ledger_smt_rehash(t);
    }
    memcpy(out, ledger_smt_hash_of(t, t->root), CHR_HASH_LEN);
}

#ifdef CHR_DEBUG
/* FNV-1a over t's contents (lengths, root, and every field of every leaf and node in
 * use), so that test builds check a rollback restores the layout byte for byte. Fields
 * are hashed one by one because the structs' padding is not meaningful. */
static uint64_t ledger_smt_fnv(uint64_t h, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ b[i]) * 0x100000001b3ULL;
    }
    return h;
}

static uint64_t ledger_smt_digest(const ledger_smt *t)
{
    uint64_t h = ledger_smt_fnv(0xcbf29ce484222325ULL, &t->leaves_len, sizeof(t->leaves_len));
    h = ledger_smt_fnv(h, &t->nodes_len, sizeof(t->nodes_len));
    h = ledger_smt_fnv(h, &t->root, sizeof(t->root));
    for (uint32_t i = 0; i < t->leaves_len; i++) {
        const ledger_smt_leaf *l = &t->leaves[i];
        h = ledger_smt_fnv(h, l->key, sizeof(l->key));
        h = ledger_smt_fnv(h, l->value_hash, sizeof(l->value_hash));
        h = ledger_smt_fnv(h, l->hash, sizeof(l->hash));
        h = ledger_smt_fnv(h, &l->dirty, 1);
        h = ledger_smt_fnv(h, &l->saved, 1);
    }
    for (uint32_t i = 0; i < t->nodes_len; i++) {
        const ledger_smt_node *n = &t->nodes[i];
        h = ledger_smt_fnv(h, n->hash, sizeof(n->hash));
        h = ledger_smt_fnv(h, n->child, sizeof(n->child));
        h = ledger_smt_fnv(h, &n->bit, sizeof(n->bit));
        h = ledger_smt_fnv(h, &n->dirty, 1);
        h = ledger_smt_fnv(h, &n->saved, 1);
    }
    return h;
}
#endif

chr_err ledger_smt_checkpoint(ledger_smt *t)
{
    CHR_ASSERT(t != NULL);
    if (t->cp_open) {
        return CHR_ERR_ARG;
    }
    CHR_ASSERT(t->undo_leaves_len == 0 && t->undo_nodes_len == 0);
    /* A clean trie is what lets the root pass run without journaling (struct ledger_smt);
     * the work is the same a later ledger_smt_root would do. */
    if (t->root != LEDGER_SMT_NONE && ledger_smt_is_dirty(t, t->root)) {
        ledger_smt_rehash(t);
    }
    t->cp_open = 1;
    t->cp_leaves_len = t->leaves_len;
    t->cp_nodes_len = t->nodes_len;
    t->cp_root = t->root;
#ifdef CHR_DEBUG
    t->cp_digest = ledger_smt_digest(t);
#endif
    return CHR_OK;
}

static void ledger_smt_checkpoint_close(ledger_smt *t)
{
    t->cp_open = 0;
    t->undo_leaves_len = 0;
    t->undo_nodes_len = 0;
}

/* Since each element has at most one journal entry, holding its contents at the
 * checkpoint, the entries may be replayed in any order. A restored element is unmarked
 * (it was not saved at the checkpoint), so a second entry for it would trip the check. */
void ledger_smt_rollback(ledger_smt *t)
{
    CHR_ASSERT(t != NULL);
    CHR_ASSERT(t->cp_open);
    for (uint32_t i = 0; i < t->undo_leaves_len; i++) {
        const ledger_smt_leaf_undo *u = &t->undo_leaves[i];
        CHR_ASSERT(u->index < t->cp_leaves_len && t->leaves[u->index].saved);
        t->leaves[u->index] = u->old;
    }
    for (uint32_t i = 0; i < t->undo_nodes_len; i++) {
        const ledger_smt_node_undo *u = &t->undo_nodes[i];
        CHR_ASSERT(u->index < t->cp_nodes_len && t->nodes[u->index].saved);
        t->nodes[u->index] = u->old;
    }
    t->leaves_len = t->cp_leaves_len;
    t->nodes_len = t->cp_nodes_len;
    t->root = t->cp_root;
    ledger_smt_checkpoint_close(t);
    CHR_ASSERT(t->root == LEDGER_SMT_NONE || !ledger_smt_is_dirty(t, t->root));
    CHR_DEBUG_ASSERT(ledger_smt_digest(t) == t->cp_digest);
}

void ledger_smt_release(ledger_smt *t)
{
    CHR_ASSERT(t != NULL);
    CHR_ASSERT(t->cp_open);
    for (uint32_t i = 0; i < t->undo_leaves_len; i++) {
        ledger_smt_leaf *leaf = &t->leaves[t->undo_leaves[i].index];
        CHR_ASSERT(leaf->saved);
        leaf->saved = 0;
    }
    for (uint32_t i = 0; i < t->undo_nodes_len; i++) {
        ledger_smt_node *n = &t->nodes[t->undo_nodes[i].index];
        CHR_ASSERT(n->saved);
        n->saved = 0;
    }
    ledger_smt_checkpoint_close(t);
}
