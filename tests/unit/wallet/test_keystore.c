#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/enc.h"
#include "common/hash.h"
#include "tests/unit/test.h"
#include "tests/unit/wallet/suite.h"
#include "wallet/bip39.h"
#include "wallet/keystore.h"

/* The cheapest Argon2id limits libsodium allows: the tests exercise the format, not the
 * key stretching (test_keystore_default_limits covers the real limits). */
#define FAST_OPS WALLET_KDF_OPSLIMIT_MIN
#define FAST_MEM WALLET_KDF_MEMLIMIT_MIN

static const char mnemonic24[] =
    "void come effort suffer camp survey warrior heavy shoot primary clutch crush open amazing "
    "screen patrol group space point ten exist slush involve unfold";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A fresh temporary directory in dir_out and, in home_out, a home inside it that does not
 * exist yet (save must create it). */
static int tmp_home(char dir_out[256], char home_out[300])
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir_out, 256, "%s/chroom-wallet-test-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(dir_out) == NULL) {
        return 0;
    }
    snprintf(home_out, 300, "%s/home", dir_out);
    return 1;
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void random_sk(uint8_t sk[32])
{
    uint8_t pub[32];
    do {
        randombytes_buf(sk, 32);
    } while (wallet_key_pubkey(pub, sk) != CHR_OK);
}

static int read_bytes(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    *len = fread(buf, 1, cap, f);
    fclose(f);
    return 1;
}

static int write_bytes(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    int ok = fwrite(buf, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Recomputes the checksum of a file body of len bytes (the last 32 bytes). */
static void fix_checksum(uint8_t *buf, size_t len)
{
    chr_sha256_hash(buf + len - 32, buf, len - 32);
}

/* Proves a key saved with its mnemonic loads back (secret and mnemonic), that info gives
 * the public key without the passphrase, that the home, keys/ and the file get modes 0700,
 * 0700 and 0600, and that the file has the documented length. */
void test_keystore_round_trip(void)
{
    char dir[256];
    char home[300];
    char path[WALLET_KEYSTORE_PATH_MAX];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    uint8_t pub[32];
    random_sk(sk);
    CHECK_OK(wallet_key_pubkey(pub, sk));
    CHECK_OK(wallet_keystore_save_kdf(home, "alice", sk, mnemonic24, "correct horse", FAST_OPS,
                                      FAST_MEM));
    uint8_t got[32];
    char m[WALLET_MNEMONIC_CHARS_MAX];
    CHECK_OK(wallet_keystore_load(got, m, sizeof(m), home, "alice", "correct horse"));
    CHECK(memcmp(got, sk, 32) == 0 && strcmp(m, mnemonic24) == 0);
    CHECK_OK(wallet_keystore_load(got, NULL, 0, home, "alice", "correct horse"));
    CHECK(memcmp(got, sk, 32) == 0);
    uint8_t info[32];
    CHECK_OK(wallet_keystore_info(info, home, "alice"));
    CHECK(memcmp(info, pub, 32) == 0);
    wallet_keyfile kf;
    CHECK_OK(wallet_keystore_read(&kf, home, "alice"));
    CHECK(kf.flags == WALLET_KEYFILE_FLAG_MNEMONIC && kf.opslimit == FAST_OPS &&
          kf.memlimit == FAST_MEM && kf.version == WALLET_KEYFILE_VERSION);
    struct stat st;
    CHECK(stat(home, &st) == 0 && (st.st_mode & 0777) == 0700);
    snprintf(path, sizeof(path), "%s/keys", home);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700);
    CHECK_OK(wallet_keystore_path(path, sizeof(path), home, "alice"));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && S_ISREG(st.st_mode));
    CHECK(st.st_size == WALLET_KEYFILE_BYTES_MAX && st.st_size == 436);
    rm_tree(dir);
}

/* Proves a key saved without a mnemonic loads back with an empty mnemonic, in a file of
 * 180 bytes. */
void test_keystore_round_trip_no_mnemonic(void)
{
    char dir[256];
    char home[300];
    char path[WALLET_KEYSTORE_PATH_MAX];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    random_sk(sk);
    CHECK_OK(wallet_keystore_save_kdf(home, "bob", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    uint8_t got[32];
    char m[WALLET_MNEMONIC_CHARS_MAX];
    memset(m, 'x', sizeof(m));
    CHECK_OK(wallet_keystore_load(got, m, sizeof(m), home, "bob", "pw"));
    CHECK(memcmp(got, sk, 32) == 0 && m[0] == '\0');
    struct stat st;
    CHECK_OK(wallet_keystore_path(path, sizeof(path), home, "bob"));
    CHECK(stat(path, &st) == 0 && st.st_size == 180);
    rm_tree(dir);
}

/* Proves a wrong passphrase (also one differing in case, or a prefix) is
 * CHR_ERR_PASSPHRASE with the outputs zeroed. */
void test_keystore_wrong_passphrase(void)
{
    char dir[256];
    char home[300];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    random_sk(sk);
    CHECK_OK(wallet_keystore_save_kdf(home, "k", sk, mnemonic24, "Secret", FAST_OPS, FAST_MEM));
    static const char *const wrong[] = {"secret", "Secre", "Secret ", ""};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        uint8_t got[32];
        char m[WALLET_MNEMONIC_CHARS_MAX];
        memset(got, 1, sizeof(got));
        memset(m, 'x', sizeof(m));
        CHECK(wallet_keystore_load(got, m, sizeof(m), home, "k", wrong[i]) == CHR_ERR_PASSPHRASE);
        CHECK(sodium_is_zero(got, 32) && sodium_is_zero((const uint8_t *)m, sizeof(m)));
    }
    rm_tree(dir);
}

/* Proves damage is CHR_ERR_KEYSTORE, for load (with the right passphrase) and for info:
 * a flipped bit anywhere (magic, header, ciphertext, checksum), a truncated or empty file,
 * an extra byte, an overlong file. A flipped ciphertext byte is told from a wrong
 * passphrase by the file's SHA-256 checksum. */
void test_keystore_damage(void)
{
    char dir[256];
    char home[300];
    char path[WALLET_KEYSTORE_PATH_MAX];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    random_sk(sk);
    CHECK_OK(wallet_keystore_save_kdf(home, "d", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    CHECK_OK(wallet_keystore_path(path, sizeof(path), home, "d"));
    uint8_t good[WALLET_KEYFILE_BYTES_MAX + 8];
    size_t len;
    CHECK(read_bytes(path, good, sizeof(good), &len) && len == 180);
    /* Bit flips: the magic, version, flags, limits, salt, nonce, public key, the
     * ciphertext's first and last byte, the checksum's first and last byte. */
    static const size_t at[] = {0, 9, 11, 19, 27, 30, 50, 80, 100, 147, 148, 179};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        uint8_t bad[sizeof(good)];
        memcpy(bad, good, len);
        bad[at[i]] ^= 0x10;
        CHECK(write_bytes(path, bad, len));
        uint8_t got[32];
        uint8_t pub[32];
        CHECK(wallet_keystore_load(got, NULL, 0, home, "d", "pw") == CHR_ERR_KEYSTORE);
        CHECK(sodium_is_zero(got, 32));
        CHECK(wallet_keystore_info(pub, home, "d") == CHR_ERR_KEYSTORE);
    }
    static const size_t cut[] = {0, 1, 8, 99, 100, 131, 132, 179};
    for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
        CHECK(write_bytes(path, good, cut[i]));
        uint8_t got[32];
        CHECK(wallet_keystore_load(got, NULL, 0, home, "d", "pw") == CHR_ERR_KEYSTORE);
    }
    uint8_t longer[sizeof(good)];
    memcpy(longer, good, len);
    longer[len] = 0;
    CHECK(write_bytes(path, longer, len + 1));
    uint8_t got[32];
    CHECK(wallet_keystore_load(got, NULL, 0, home, "d", "pw") == CHR_ERR_KEYSTORE);
    /* The same length with a fresh checksum is still no valid file (48 bytes of
     * ciphertext are all a file without the mnemonic flag may hold). */
    fix_checksum(longer, len + 1);
    CHECK(write_bytes(path, longer, len + 1));
    CHECK(wallet_keystore_load(got, NULL, 0, home, "d", "pw") == CHR_ERR_KEYSTORE);
    static uint8_t huge[1 << 16];
    memcpy(huge, good, len);
    CHECK(write_bytes(path, huge, sizeof(huge)));
    CHECK(wallet_keystore_load(got, NULL, 0, home, "d", "pw") == CHR_ERR_KEYSTORE);
    CHECK(write_bytes(path, good, len));
    CHECK_OK(wallet_keystore_load(got, NULL, 0, home, "d", "pw"));
    CHECK(memcmp(got, sk, 32) == 0);
    rm_tree(dir);
}

/* Encrypts plain under passphrase with kf's salt, nonce, limits and header as the file
 * would, so that a test can forge files that the checksum and the tag accept. */
static int forge_seal(wallet_keyfile *kf, const uint8_t *plain, size_t plain_len,
                      const char *passphrase)
{
    uint8_t bytes[WALLET_KEYFILE_BYTES_MAX];
    size_t len;
    uint8_t key[32];
    kf->ciphertext_len = plain_len + WALLET_KEYFILE_MAC_LEN;
    /* The header is the first 100 bytes of any encoding of kf. */
    if (wallet_keystore_encode(bytes, sizeof(bytes), &len, kf) != CHR_OK ||
        crypto_pwhash(key, sizeof(key), passphrase, strlen(passphrase), kf->salt, kf->opslimit,
                      (size_t)kf->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return 0;
    }
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(kf->ciphertext, &clen, plain, plain_len, bytes,
                                               WALLET_KEYFILE_HEADER_LEN, NULL, kf->nonce, key);
    return clen == kf->ciphertext_len;
}

static int forge_write(const char *path, const wallet_keyfile *kf)
{
    uint8_t bytes[WALLET_KEYFILE_BYTES_MAX];
    size_t len;
    return wallet_keystore_encode(bytes, sizeof(bytes), &len, kf) == CHR_OK &&
           write_bytes(path, bytes, len);
}

/* Proves files with a valid checksum but wrong content: an unknown version, kdf or flag,
 * absurd Argon2id limits (64 GiB; refused before any allocation), a public key that does
 * not belong to the decrypted secret, a stored mnemonic that is not valid; all are
 * CHR_ERR_KEYSTORE. A header changed within the rules, with a fresh checksum, breaks the
 * tag (the header is associated data): that is indistinguishable from a wrong passphrase
 * and reported as one. */
void test_keystore_forged_fields(void)
{
    char dir[256];
    char home[300];
    char path[WALLET_KEYSTORE_PATH_MAX];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    uint8_t other[32];
    random_sk(sk);
    random_sk(other);
    CHECK_OK(wallet_keystore_save_kdf(home, "f", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    CHECK_OK(wallet_keystore_path(path, sizeof(path), home, "f"));
    uint8_t good[WALLET_KEYFILE_BYTES_MAX];
    size_t len;
    CHECK(read_bytes(path, good, sizeof(good), &len) && len == 180);
    struct {
        size_t at;
        uint8_t value;
    } edits[] = {
        {9, 2},     /* version 2 */
        {10, 2},    /* kdf 2 */
        {11, 0x02}, /* an unknown flag */
        {11, 0x01}, /* the mnemonic flag without the mnemonic's bytes */
        {19, 0},    /* opslimit 0 */
        {19, 5},    /* opslimit 5 */
        {23, 16},   /* memlimit 2^36 = 64 GiB */
    };
    for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
        uint8_t bad[WALLET_KEYFILE_BYTES_MAX];
        memcpy(bad, good, len);
        bad[edits[i].at] = edits[i].value;
        fix_checksum(bad, len);
        CHECK(write_bytes(path, bad, len));
        uint8_t got[32];
        CHECK(wallet_keystore_load(got, NULL, 0, home, "f", "pw") == CHR_ERR_KEYSTORE);
    }
    /* opslimit 1 -> 2: a valid header, but not the one the tag covers. */
    uint8_t edited[WALLET_KEYFILE_BYTES_MAX];
    memcpy(edited, good, len);
    edited[19] = 2;
    fix_checksum(edited, len);
    CHECK(write_bytes(path, edited, len));
    uint8_t got[32];
    CHECK(wallet_keystore_load(got, NULL, 0, home, "f", "pw") == CHR_ERR_PASSPHRASE);
    /* Another key's public key, sealed correctly: the secret does not match it. */
    wallet_keyfile kf;
    CHECK_OK(wallet_keystore_decode(&kf, good, len));
    CHECK_OK(wallet_key_pubkey(kf.pubkey, other));
    CHECK(forge_seal(&kf, sk, 32, "pw") && forge_write(path, &kf));
    CHECK(wallet_keystore_load(got, NULL, 0, home, "f", "pw") == CHR_ERR_KEYSTORE);
    /* The mnemonic flag with bad mnemonic bytes: not normalised, not NUL-padded, empty. */
    uint8_t plain[32 + WALLET_MNEMONIC_CHARS_MAX];
    static const char *const bad_m[] = {"", "Abandon abandon", "abandon abandon abandon"};
    for (size_t i = 0; i < 4; i++) {
        memset(plain, 0, sizeof(plain));
        memcpy(plain, sk, 32);
        if (i < 3) {
            memcpy(plain + 32, bad_m[i], strlen(bad_m[i]));
        } else {
            memcpy(plain + 32, mnemonic24, strlen(mnemonic24));
            plain[sizeof(plain) - 1] = 'x';
        }
        CHECK_OK(wallet_keystore_decode(&kf, good, len));
        kf.flags = WALLET_KEYFILE_FLAG_MNEMONIC;
        CHECK(forge_seal(&kf, plain, sizeof(plain), "pw") && forge_write(path, &kf));
        CHECK(wallet_keystore_load(got, NULL, 0, home, "f", "pw") == CHR_ERR_KEYSTORE);
    }
    /* And the same forging with honest content loads: the checks above are the content's. */
    memset(plain, 0, sizeof(plain));
    memcpy(plain, sk, 32);
    memcpy(plain + 32, mnemonic24, strlen(mnemonic24));
    CHECK(forge_seal(&kf, plain, sizeof(plain), "pw") && forge_write(path, &kf));
    char m[WALLET_MNEMONIC_CHARS_MAX];
    CHECK_OK(wallet_keystore_load(got, m, sizeof(m), home, "f", "pw"));
    CHECK(memcmp(got, sk, 32) == 0 && strcmp(m, mnemonic24) == 0);
    rm_tree(dir);
}

/* Proves saving never replaces a key: the second save of a name is CHR_ERR_DUPLICATE and
 * the first key stays; of two processes saving one name at once, exactly one wins. */
void test_keystore_no_replace(void)
{
    char dir[256];
    char home[300];
    CHECK(tmp_home(dir, home));
    uint8_t a[32];
    uint8_t b[32];
    random_sk(a);
    random_sk(b);
    CHECK_OK(wallet_keystore_save_kdf(home, "n", a, NULL, "pw", FAST_OPS, FAST_MEM));
    CHECK(wallet_keystore_save_kdf(home, "n", b, NULL, "pw", FAST_OPS, FAST_MEM) ==
          CHR_ERR_DUPLICATE);
    uint8_t got[32];
    CHECK_OK(wallet_keystore_load(got, NULL, 0, home, "n", "pw"));
    CHECK(memcmp(got, a, 32) == 0);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        CHECK(kids[i] >= 0);
        if (kids[i] == 0) {
            chr_err e =
                wallet_keystore_save_kdf(home, "race", i ? a : b, NULL, "pw", FAST_OPS, FAST_MEM);
            _exit(e == CHR_OK ? 0 : e == CHR_ERR_DUPLICATE ? 1 : 2);
        }
    }
    int won = 0;
    int lost = 0;
    for (int i = 0; i < 2; i++) {
        int status;
        CHECK(waitpid(kids[i], &status, 0) == kids[i] && WIFEXITED(status));
        won += WEXITSTATUS(status) == 0;
        lost += WEXITSTATUS(status) == 1;
    }
    CHECK(won == 1 && lost == 1);
    CHECK_OK(wallet_keystore_load(got, NULL, 0, home, "race", "pw"));
    rm_tree(dir);
}

/* Proves a missing key is CHR_ERR_NOT_FOUND for load, read, info and delete, in a home
 * that does not exist and in one that holds other keys. */
void test_keystore_not_found(void)
{
    char dir[256];
    char home[300];
    CHECK(tmp_home(dir, home));
    uint8_t got[32];
    wallet_keyfile kf;
    CHECK(wallet_keystore_load(got, NULL, 0, home, "nope", "pw") == CHR_ERR_NOT_FOUND);
    CHECK(wallet_keystore_info(got, home, "nope") == CHR_ERR_NOT_FOUND);
    CHECK(wallet_keystore_delete(home, "nope") == CHR_ERR_NOT_FOUND);
    uint8_t sk[32];
    random_sk(sk);
    CHECK_OK(wallet_keystore_save_kdf(home, "yes", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    CHECK(wallet_keystore_load(got, NULL, 0, home, "nope", "pw") == CHR_ERR_NOT_FOUND);
    CHECK(wallet_keystore_read(&kf, home, "nope") == CHR_ERR_NOT_FOUND);
    CHECK(wallet_keystore_delete(home, "nope") == CHR_ERR_NOT_FOUND);
    rm_tree(dir);
}

/* Proves the name rule: 1..64 of [A-Za-z0-9._-], no leading '.'; anything else is
 * CHR_ERR_ARG for every function that takes a name. */
void test_keystore_names(void)
{
    static const char *const good[] = {"a", "Alice", "key-1", "my_key.v2", "0", "a..b", "-x", "_"};
    static const char *const bad[] = {"",    ".",   "..",          ".hidden", "a/b", "../x",
                                      "a b", "a\n", "caf\xc3\xa9", "a*",      "a:b", "a\\b"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(wallet_keystore_name_valid(good[i]));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK(!wallet_keystore_name_valid(bad[i]));
    }
    char name[WALLET_KEY_NAME_MAX + 2];
    memset(name, 'n', sizeof(name));
    name[WALLET_KEY_NAME_MAX] = '\0';
    CHECK(wallet_keystore_name_valid(name));
    name[WALLET_KEY_NAME_MAX] = 'n';
    name[WALLET_KEY_NAME_MAX + 1] = '\0';
    CHECK(!wallet_keystore_name_valid(name));
    uint8_t sk[32];
    uint8_t got[32];
    char path[64];
    random_sk(sk);
    CHECK(wallet_keystore_save_kdf("/nonexistent", "../x", sk, NULL, "pw", FAST_OPS, FAST_MEM) ==
          CHR_ERR_ARG);
    CHECK(wallet_keystore_load(got, NULL, 0, "/nonexistent", ".x", "pw") == CHR_ERR_ARG);
    CHECK(wallet_keystore_info(got, "/nonexistent", "a/b") == CHR_ERR_ARG);
    CHECK(wallet_keystore_delete("/nonexistent", "") == CHR_ERR_ARG);
    CHECK(wallet_keystore_path(path, sizeof(path), "/h", "a b") == CHR_ERR_ARG);
    CHECK_OK(wallet_keystore_path(path, sizeof(path), "/h", "a"));
    CHECK(strcmp(path, "/h/keys/a.key") == 0);
    CHECK(wallet_keystore_path(path, 13, "/h", "a") == CHR_ERR_TOO_LONG);
}

typedef struct list_seen {
    char names[16][WALLET_KEY_NAME_MAX + 1];
    int has_pub[16];
    uint8_t pubs[16][32];
    size_t n;
} list_seen;

static void list_cb(void *ctx, const char *name, const uint8_t pubkey[32])
{
    list_seen *s = ctx;
    if (s->n < 16) {
        snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
        s->has_pub[s->n] = pubkey != NULL;
        if (pubkey != NULL) {
            memcpy(s->pubs[s->n], pubkey, 32);
        }
    }
    s->n++;
}

/* Proves list reports keys in strcmp order of names, a damaged file with a NULL public
 * key, and skips what is not a key file: a crashed save's temporary file, a directory, a
 * name that is not valid, other extensions. No keys/ directory is an empty list. */
void test_keystore_list_order(void)
{
    char dir[256];
    char home[300];
    char path[WALLET_KEYSTORE_PATH_MAX];
    CHECK(tmp_home(dir, home));
    list_seen seen;
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(wallet_keystore_list(home, list_cb, &seen));
    CHECK(seen.n == 0);
    static const char *const names[] = {"b", "a", "C", "a.b", "_x", "a-"};
    uint8_t pubs[6][32];
    for (size_t i = 0; i < 6; i++) {
        uint8_t sk[32];
        random_sk(sk);
        CHECK_OK(wallet_key_pubkey(pubs[i], sk));
        CHECK_OK(wallet_keystore_save_kdf(home, names[i], sk, NULL, "pw", FAST_OPS, FAST_MEM));
    }
    static const char *const junk[] = {"z.key", "a.key.Ab12Cd", ".hidden.key", "notes.txt", ".key"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        snprintf(path, sizeof(path), "%s/keys/%s", home, junk[i]);
        CHECK(write_bytes(path, (const uint8_t *)"junk", 4));
    }
    snprintf(path, sizeof(path), "%s/keys/d.key", home);
    CHECK(mkdir(path, 0700) == 0);
    CHECK_OK(wallet_keystore_list(home, list_cb, &seen));
    static const char *const order[] = {"C", "_x", "a", "a-", "a.b", "b", "z"};
    static const int pub_of[] = {2, 4, 1, 5, 3, 0, -1};
    CHECK(seen.n == 7);
    for (size_t i = 0; i < 7; i++) {
        CHECK(strcmp(seen.names[i], order[i]) == 0);
        CHECK(seen.has_pub[i] == (pub_of[i] >= 0));
        CHECK(pub_of[i] < 0 || memcmp(seen.pubs[i], pubs[pub_of[i]], 32) == 0);
    }
    rm_tree(dir);
}

/* Proves delete removes the file (info then says CHR_ERR_NOT_FOUND, list omits it) and
 * leaves other keys alone; the name can then be saved again. */
void test_keystore_delete(void)
{
    char dir[256];
    char home[300];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    random_sk(sk);
    CHECK_OK(wallet_keystore_save_kdf(home, "gone", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    CHECK_OK(wallet_keystore_save_kdf(home, "kept", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    CHECK_OK(wallet_keystore_delete(home, "gone"));
    uint8_t pub[32];
    CHECK(wallet_keystore_info(pub, home, "gone") == CHR_ERR_NOT_FOUND);
    CHECK_OK(wallet_keystore_info(pub, home, "kept"));
    list_seen seen;
    memset(&seen, 0, sizeof(seen));
    CHECK_OK(wallet_keystore_list(home, list_cb, &seen));
    CHECK(seen.n == 1 && strcmp(seen.names[0], "kept") == 0);
    CHECK(wallet_keystore_delete(home, "gone") == CHR_ERR_NOT_FOUND);
    CHECK_OK(wallet_keystore_save_kdf(home, "gone", sk, NULL, "pw", FAST_OPS, FAST_MEM));
    rm_tree(dir);
}

/* Proves argument checks: an invalid secret, an empty or overlong passphrase, a mnemonic
 * that is not normalised or not valid, kdf limits out of bounds, a small mnemonic buffer,
 * an overlong passphrase at load; each CHR_ERR_ARG and nothing written. */
void test_keystore_bad_args(void)
{
    char dir[256];
    char home[300];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    random_sk(sk);
    static const uint8_t zero[32];
    uint8_t order[32];
    chr_test_hex(order, 32, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    CHECK(wallet_keystore_save_kdf(home, "x", zero, NULL, "pw", FAST_OPS, FAST_MEM) == CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", order, NULL, "pw", FAST_OPS, FAST_MEM) ==
          CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, NULL, "", FAST_OPS, FAST_MEM) == CHR_ERR_ARG);
    static char long_pass[WALLET_PASSPHRASE_MAX + 2];
    memset(long_pass, 'p', WALLET_PASSPHRASE_MAX + 1);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, NULL, long_pass, FAST_OPS, FAST_MEM) ==
          CHR_ERR_ARG);
    char upper[sizeof(mnemonic24)];
    memcpy(upper, mnemonic24, sizeof(upper));
    upper[0] = 'V';
    CHECK(wallet_keystore_save_kdf(home, "x", sk, upper, "pw", FAST_OPS, FAST_MEM) == CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, "abandon abandon", "pw", FAST_OPS, FAST_MEM) ==
          CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, "", "pw", FAST_OPS, FAST_MEM) == CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, NULL, "pw", 0, FAST_MEM) == CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, NULL, "pw", WALLET_KDF_OPSLIMIT_MAX + 1,
                                   FAST_MEM) == CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, NULL, "pw", FAST_OPS,
                                   WALLET_KDF_MEMLIMIT_MAX + 1ull) == CHR_ERR_ARG);
    CHECK(wallet_keystore_save_kdf(home, "x", sk, NULL, "pw", FAST_OPS, 8191) == CHR_ERR_ARG);
    struct stat st;
    CHECK(stat(home, &st) != 0 && errno == ENOENT);
    /* The longest passphrase works. */
    long_pass[WALLET_PASSPHRASE_MAX] = '\0';
    CHECK_OK(wallet_keystore_save_kdf(home, "x", sk, NULL, long_pass, FAST_OPS, FAST_MEM));
    uint8_t got[32];
    char m[WALLET_MNEMONIC_CHARS_MAX];
    CHECK(wallet_keystore_load(got, m, sizeof(m) - 1, home, "x", long_pass) == CHR_ERR_ARG);
    CHECK_OK(wallet_keystore_load(got, m, sizeof(m), home, "x", long_pass));
    long_pass[WALLET_PASSPHRASE_MAX] = 'p';
    CHECK(wallet_keystore_load(got, m, sizeof(m), home, "x", long_pass) == CHR_ERR_ARG);
    rm_tree(dir);
}

/* Proves wallet_keystore_save's limits: libsodium's MODERATE by default, INTERACTIVE with
 * CHROOM_KDF_FAST=1 (tests only), and that both load. */
void test_keystore_default_limits(void)
{
    char dir[256];
    char home[300];
    CHECK(tmp_home(dir, home));
    uint8_t sk[32];
    random_sk(sk);
    const char *was = getenv("CHROOM_KDF_FAST");
    char saved[16] = "";
    if (was != NULL) {
        snprintf(saved, sizeof(saved), "%s", was);
    }
    setenv("CHROOM_KDF_FAST", "1", 1);
    CHECK_OK(wallet_keystore_save(home, "fast", sk, NULL, "pw"));
    unsetenv("CHROOM_KDF_FAST");
    CHECK_OK(wallet_keystore_save(home, "moderate", sk, mnemonic24, "pw"));
    if (was != NULL) {
        setenv("CHROOM_KDF_FAST", saved, 1);
    }
    wallet_keyfile kf;
    CHECK_OK(wallet_keystore_read(&kf, home, "fast"));
    CHECK(kf.opslimit == crypto_pwhash_OPSLIMIT_INTERACTIVE &&
          kf.memlimit == crypto_pwhash_MEMLIMIT_INTERACTIVE);
    CHECK_OK(wallet_keystore_read(&kf, home, "moderate"));
    CHECK(kf.opslimit == crypto_pwhash_OPSLIMIT_MODERATE &&
          kf.memlimit == crypto_pwhash_MEMLIMIT_MODERATE);
    uint8_t got[32];
    CHECK_OK(wallet_keystore_load(got, NULL, 0, home, "fast", "pw"));
    CHECK(memcmp(got, sk, 32) == 0);
    CHECK_OK(wallet_keystore_load(got, NULL, 0, home, "moderate", "pw"));
    CHECK(memcmp(got, sk, 32) == 0);
    rm_tree(dir);
}

/* Proves the decoder and encoder agree on a built key file (decode then encode gives the
 * same bytes), and that encode refuses what decode would refuse and short buffers. */
void test_keyfile_encode_decode(void)
{
    wallet_keyfile kf;
    memset(&kf, 0, sizeof(kf));
    uint8_t sk[32];
    random_sk(sk);
    kf.version = WALLET_KEYFILE_VERSION;
    kf.kdf = WALLET_KEYFILE_KDF_ARGON2ID13;
    kf.flags = WALLET_KEYFILE_FLAG_MNEMONIC;
    kf.opslimit = 3;
    kf.memlimit = 1u << 28;
    randombytes_buf(kf.salt, sizeof(kf.salt));
    randombytes_buf(kf.nonce, sizeof(kf.nonce));
    randombytes_buf(kf.ciphertext, sizeof(kf.ciphertext));
    kf.ciphertext_len = WALLET_KEYFILE_CIPHERTEXT_MAX;
    CHECK_OK(wallet_key_pubkey(kf.pubkey, sk));
    uint8_t a[WALLET_KEYFILE_BYTES_MAX];
    uint8_t b[WALLET_KEYFILE_BYTES_MAX];
    size_t alen;
    size_t blen;
    CHECK_OK(wallet_keystore_encode(a, sizeof(a), &alen, &kf));
    CHECK(alen == WALLET_KEYFILE_BYTES_MAX);
    CHECK(memcmp(a, WALLET_KEYFILE_MAGIC, 8) == 0);
    wallet_keyfile back;
    CHECK_OK(wallet_keystore_decode(&back, a, alen));
    CHECK(back.opslimit == 3 && back.memlimit == 1u << 28 && back.flags == kf.flags);
    CHECK_OK(wallet_keystore_encode(b, sizeof(b), &blen, &back));
    CHECK(blen == alen && memcmp(a, b, alen) == 0);
    CHECK(wallet_keystore_encode(b, alen - 1, &blen, &kf) == CHR_ERR_TOO_LONG);
    wallet_keyfile bad = kf;
    bad.ciphertext_len = 48;
    CHECK(wallet_keystore_encode(b, sizeof(b), &blen, &bad) == CHR_ERR_ARG);
    bad = kf;
    memset(bad.pubkey, 0xff, 32); /* x >= p: no point */
    CHECK(wallet_keystore_encode(b, sizeof(b), &blen, &bad) == CHR_ERR_ARG);
    bad = kf;
    bad.memlimit = (uint64_t)WALLET_KDF_MEMLIMIT_MAX + 1;
    CHECK(wallet_keystore_encode(b, sizeof(b), &blen, &bad) == CHR_ERR_ARG);
    memset(&back, 0xab, sizeof(back));
    CHECK(wallet_keystore_decode(&back, a, alen - 1) == CHR_ERR_KEYSTORE);
    CHECK(back.version == 0 && back.ciphertext_len == 0);
}
