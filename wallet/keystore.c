#include "wallet/keystore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/assert.h"
#include "common/enc.h"
#include "common/fsutil.h"
#include "common/hash.h"
#include "ledger/sig.h"

#define KEYSTORE_DIR "keys"
#define KEYSTORE_EXT ".key"
/* The plaintext: the secret, then the mnemonic NUL-padded to WALLET_MNEMONIC_CHARS_MAX. */
#define KEYSTORE_PLAIN_MAX (32 + WALLET_MNEMONIC_CHARS_MAX)
#define KEYSTORE_KEY_LEN crypto_aead_xchacha20poly1305_ietf_KEYBYTES

_Static_assert(WALLET_KEYFILE_MAGIC_LEN + 2 + 1 + 1 + 8 + 8 + WALLET_KEYFILE_SALT_LEN +
                       WALLET_KEYFILE_NONCE_LEN + 32 ==
                   WALLET_KEYFILE_HEADER_LEN,
               "the header's fields add up to its length");
_Static_assert(sizeof(WALLET_KEYFILE_MAGIC) - 1 == WALLET_KEYFILE_MAGIC_LEN, "magic length");
_Static_assert(WALLET_KEYFILE_SALT_LEN == crypto_pwhash_SALTBYTES, "Argon2id salt");
_Static_assert(WALLET_KEYFILE_NONCE_LEN == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               "XChaCha20 nonce");
_Static_assert(WALLET_KEYFILE_MAC_LEN == crypto_aead_xchacha20poly1305_ietf_ABYTES, "Poly1305 tag");
_Static_assert(WALLET_KEYFILE_CHECKSUM_LEN == CHR_HASH_LEN, "the checksum is SHA-256");
_Static_assert(KEYSTORE_KEY_LEN == 32, "a 256-bit key");

/* The ciphertext's length for the flags: secret (and mnemonic) plus the tag. */
static size_t keyfile_ciphertext_len(uint8_t flags)
{
    size_t plain = (flags & WALLET_KEYFILE_FLAG_MNEMONIC) ? KEYSTORE_PLAIN_MAX : 32;
    return plain + WALLET_KEYFILE_MAC_LEN;
}

/* The rules a key file obeys besides its encoding (docs/WALLET.md, "Key files"). */
static int keyfile_fields_valid(const wallet_keyfile *kf)
{
    return kf->version == WALLET_KEYFILE_VERSION && kf->kdf == WALLET_KEYFILE_KDF_ARGON2ID13 &&
           (kf->flags & ~WALLET_KEYFILE_FLAG_MNEMONIC) == 0 &&
           kf->opslimit >= WALLET_KDF_OPSLIMIT_MIN && kf->opslimit <= WALLET_KDF_OPSLIMIT_MAX &&
           kf->memlimit >= WALLET_KDF_MEMLIMIT_MIN && kf->memlimit <= WALLET_KDF_MEMLIMIT_MAX &&
           kf->ciphertext_len == keyfile_ciphertext_len(kf->flags) &&
           ledger_pubkey_valid(kf->pubkey);
}

/* The header bytes, which are also the associated data of the ciphertext: whoever changes
 * the public key, the kdf limits or the flags breaks the tag. */
static void keyfile_header(uint8_t out[WALLET_KEYFILE_HEADER_LEN], const wallet_keyfile *kf)
{
    chr_enc enc;
    size_t len;
    chr_enc_init(&enc, out, WALLET_KEYFILE_HEADER_LEN);
    chr_enc_raw(&enc, (const uint8_t *)WALLET_KEYFILE_MAGIC, WALLET_KEYFILE_MAGIC_LEN);
    chr_enc_u16(&enc, kf->version);
    chr_enc_u8(&enc, kf->kdf);
    chr_enc_u8(&enc, kf->flags);
    chr_enc_u64(&enc, kf->opslimit);
    chr_enc_u64(&enc, kf->memlimit);
    chr_enc_raw(&enc, kf->salt, sizeof(kf->salt));
    chr_enc_raw(&enc, kf->nonce, sizeof(kf->nonce));
    chr_enc_raw(&enc, kf->pubkey, sizeof(kf->pubkey));
    chr_err err = chr_enc_finish(&enc, &len);
    CHR_ASSERT(err == CHR_OK);
    CHR_ASSERT(len == WALLET_KEYFILE_HEADER_LEN);
}

chr_err wallet_keystore_encode(uint8_t *out, size_t out_cap, size_t *out_len,
                               const wallet_keyfile *kf)
{
    *out_len = 0;
    if (!keyfile_fields_valid(kf)) {
        return CHR_ERR_ARG;
    }
    size_t len = WALLET_KEYFILE_HEADER_LEN + kf->ciphertext_len + WALLET_KEYFILE_CHECKSUM_LEN;
    if (len > out_cap) {
        return CHR_ERR_TOO_LONG;
    }
    keyfile_header(out, kf);
    memcpy(out + WALLET_KEYFILE_HEADER_LEN, kf->ciphertext, kf->ciphertext_len);
    size_t body = WALLET_KEYFILE_HEADER_LEN + kf->ciphertext_len;
    chr_sha256_hash(out + body, out, body);
    *out_len = len;
    CHR_ASSERT(len <= WALLET_KEYFILE_BYTES_MAX);
    return CHR_OK;
}

chr_err wallet_keystore_decode(wallet_keyfile *out, const uint8_t *in, size_t in_len)
{
    memset(out, 0, sizeof(*out));
    /* The checksum comes first: a file with any damaged byte is damaged, whatever the
     * byte, and the fields are read only from bytes known to be as written. */
    if (in_len < WALLET_KEYFILE_HEADER_LEN + WALLET_KEYFILE_CHECKSUM_LEN ||
        in_len > WALLET_KEYFILE_BYTES_MAX ||
        memcmp(in, WALLET_KEYFILE_MAGIC, WALLET_KEYFILE_MAGIC_LEN) != 0) {
        return CHR_ERR_KEYSTORE;
    }
    size_t body = in_len - WALLET_KEYFILE_CHECKSUM_LEN;
    uint8_t sum[CHR_HASH_LEN];
    chr_sha256_hash(sum, in, body);
    if (memcmp(sum, in + body, sizeof(sum)) != 0) {
        return CHR_ERR_KEYSTORE;
    }
    chr_dec dec;
    chr_dec_init(&dec, in + WALLET_KEYFILE_MAGIC_LEN, body - WALLET_KEYFILE_MAGIC_LEN);
    chr_err err = chr_dec_u16(&dec, &out->version);
    err = err ? err : chr_dec_u8(&dec, &out->kdf);
    err = err ? err : chr_dec_u8(&dec, &out->flags);
    err = err ? err : chr_dec_u64(&dec, &out->opslimit);
    err = err ? err : chr_dec_u64(&dec, &out->memlimit);
    err = err ? err : chr_dec_raw(&dec, out->salt, sizeof(out->salt));
    err = err ? err : chr_dec_raw(&dec, out->nonce, sizeof(out->nonce));
    err = err ? err : chr_dec_raw(&dec, out->pubkey, sizeof(out->pubkey));
    out->ciphertext_len = chr_dec_left(&dec);
    if (err != CHR_OK || out->ciphertext_len > sizeof(out->ciphertext)) {
        memset(out, 0, sizeof(*out));
        return CHR_ERR_KEYSTORE;
    }
    err = chr_dec_raw(&dec, out->ciphertext, out->ciphertext_len);
    if (err != CHR_OK || chr_dec_finish(&dec) != CHR_OK || !keyfile_fields_valid(out)) {
        memset(out, 0, sizeof(*out));
        return CHR_ERR_KEYSTORE;
    }
    return CHR_OK;
}

int wallet_keystore_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > WALLET_KEY_NAME_MAX || name[0] == '.') {
        return 0;
    }
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
    return strspn(name, ok) == len;
}

chr_err wallet_keystore_path(char *out, size_t out_cap, const char *home, const char *name)
{
    if (out_cap > 0) {
        out[0] = '\0';
    }
    if (!wallet_keystore_name_valid(name)) {
        return CHR_ERR_ARG;
    }
    int n = snprintf(out, out_cap, "%s/" KEYSTORE_DIR "/%s" KEYSTORE_EXT, home, name);
    if (n < 0 || (size_t)n >= out_cap) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return CHR_ERR_TOO_LONG;
    }
    return CHR_OK;
}

chr_err wallet_keystore_default_home(char *out, size_t out_cap)
{
    if (out_cap > 0) {
        out[0] = '\0';
    }
    const char *home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        return CHR_ERR_ARG;
    }
    int n = snprintf(out, out_cap, "%s/.chroom", home);
    if (n < 0 || (size_t)n >= out_cap) {
        if (out_cap > 0) {
            out[0] = '\0';
        }
        return CHR_ERR_TOO_LONG;
    }
    return CHR_OK;
}

chr_err wallet_key_pubkey(uint8_t pubkey[32], const uint8_t sk[32])
{
    memset(pubkey, 0, 32);
    uint8_t seed[32];
    randombytes_buf(seed, sizeof(seed));
    ledger_signer *s;
    chr_err err = ledger_signer_new(&s, seed);
    sodium_memzero(seed, sizeof(seed));
    if (err != CHR_OK) {
        return err;
    }
    err = ledger_signer_pubkey(s, pubkey, sk);
    ledger_signer_free(s);
    return err;
}

/* Argon2id (libsodium's crypto_pwhash, version 1.3) of the passphrase under the file's
 * salt and limits. CHR_ERR_NOMEM when libsodium cannot get the memory. */
static chr_err keystore_kdf(uint8_t key[KEYSTORE_KEY_LEN], const char *passphrase,
                            const wallet_keyfile *kf)
{
    CHR_ASSERT(kf->memlimit <= WALLET_KDF_MEMLIMIT_MAX);
    CHR_ASSERT(kf->opslimit <= WALLET_KDF_OPSLIMIT_MAX);
    if (crypto_pwhash(key, KEYSTORE_KEY_LEN, passphrase, strlen(passphrase), kf->salt,
                      (unsigned long long)kf->opslimit, (size_t)kf->memlimit,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        sodium_memzero(key, KEYSTORE_KEY_LEN);
        return CHR_ERR_NOMEM;
    }
    return CHR_OK;
}

static int keystore_passphrase_valid(const char *passphrase)
{
    size_t len = strnlen(passphrase, WALLET_PASSPHRASE_MAX + 1);
    return len > 0 && len <= WALLET_PASSPHRASE_MAX;
}

/* A stored mnemonic is valid when it is non-empty, normalised, and NUL-padded to the end
 * of its field. */
static int keystore_mnemonic_valid(const uint8_t field[WALLET_MNEMONIC_CHARS_MAX])
{
    const char *m = (const char *)field;
    size_t len = strnlen(m, WALLET_MNEMONIC_CHARS_MAX);
    if (len == 0 || len == WALLET_MNEMONIC_CHARS_MAX) {
        return 0;
    }
    for (size_t i = len; i < WALLET_MNEMONIC_CHARS_MAX; i++) {
        if (field[i] != 0) {
            return 0;
        }
    }
    char norm[WALLET_MNEMONIC_CHARS_MAX];
    int ok = wallet_bip39_normalize(norm, sizeof(norm), m) == CHR_OK && strcmp(norm, m) == 0;
    sodium_memzero(norm, sizeof(norm));
    return ok;
}

/* Makes <home> and <home>/keys with mode 0700 when they do not exist. */
static chr_err keystore_make_dirs(const char *home)
{
    char dir[WALLET_KEYSTORE_PATH_MAX];
    if ((size_t)snprintf(dir, sizeof(dir), "%s/" KEYSTORE_DIR, home) >= sizeof(dir)) {
        return CHR_ERR_ARG;
    }
    if (mkdir(home, 0700) != 0 && errno != EEXIST) {
        return CHR_ERR_IO;
    }
    if (mkdir(dir, 0700) == 0) {
        /* The new directory's name must survive a crash as the file in it will. */
        return chr_sync_dir_of(dir);
    }
    struct stat st;
    return errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? CHR_OK : CHR_ERR_IO;
}

/* Encrypts sk and the mnemonic into kf (its header already filled in). */
static chr_err keystore_seal(wallet_keyfile *kf, const uint8_t sk[32], const char *mnemonic,
                             const char *passphrase)
{
    uint8_t key[KEYSTORE_KEY_LEN];
    uint8_t plain[KEYSTORE_PLAIN_MAX];
    uint8_t ad[WALLET_KEYFILE_HEADER_LEN];
    sodium_mlock(key, sizeof(key));
    sodium_mlock(plain, sizeof(plain));
    memset(plain, 0, sizeof(plain));
    memcpy(plain, sk, 32);
    if (mnemonic != NULL) {
        memcpy(plain + 32, mnemonic, strlen(mnemonic));
    }
    keyfile_header(ad, kf);
    chr_err err = keystore_kdf(key, passphrase, kf);
    unsigned long long clen = 0;
    if (err == CHR_OK) {
        size_t plen = kf->ciphertext_len - WALLET_KEYFILE_MAC_LEN;
        int rc = crypto_aead_xchacha20poly1305_ietf_encrypt(kf->ciphertext, &clen, plain, plen, ad,
                                                            sizeof(ad), NULL, kf->nonce, key);
        CHR_ASSERT(rc == 0);
        CHR_ASSERT(clen == kf->ciphertext_len);
    }
    sodium_munlock(key, sizeof(key));
    sodium_munlock(plain, sizeof(plain));
    return err;
}

chr_err wallet_keystore_save_kdf(const char *home, const char *name, const uint8_t sk[32],
                                 const char *mnemonic_or_null, const char *passphrase,
                                 uint64_t opslimit, uint64_t memlimit)
{
    char path[WALLET_KEYSTORE_PATH_MAX];
    chr_err err = wallet_keystore_path(path, sizeof(path), home, name);
    if (err != CHR_OK) {
        return CHR_ERR_ARG;
    }
    if (!keystore_passphrase_valid(passphrase) || opslimit < WALLET_KDF_OPSLIMIT_MIN ||
        opslimit > WALLET_KDF_OPSLIMIT_MAX || memlimit < WALLET_KDF_MEMLIMIT_MIN ||
        memlimit > WALLET_KDF_MEMLIMIT_MAX) {
        return CHR_ERR_ARG;
    }
    wallet_keyfile kf;
    memset(&kf, 0, sizeof(kf));
    if (mnemonic_or_null != NULL) {
        uint8_t field[WALLET_MNEMONIC_CHARS_MAX];
        memset(field, 0, sizeof(field));
        size_t mlen = strnlen(mnemonic_or_null, WALLET_MNEMONIC_CHARS_MAX);
        memcpy(field, mnemonic_or_null, mlen < sizeof(field) ? mlen : sizeof(field));
        int ok = keystore_mnemonic_valid(field);
        sodium_memzero(field, sizeof(field));
        if (!ok) {
            return CHR_ERR_ARG;
        }
        kf.flags = WALLET_KEYFILE_FLAG_MNEMONIC;
    }
    if (wallet_key_pubkey(kf.pubkey, sk) != CHR_OK) {
        return CHR_ERR_ARG;
    }
    /* Fail fast before the slow key stretching; link() below settles any race. */
    if (access(path, F_OK) == 0) {
        return CHR_ERR_DUPLICATE;
    }
    err = keystore_make_dirs(home);
    if (err != CHR_OK) {
        return err;
    }
    kf.version = WALLET_KEYFILE_VERSION;
    kf.kdf = WALLET_KEYFILE_KDF_ARGON2ID13;
    kf.opslimit = opslimit;
    kf.memlimit = memlimit;
    kf.ciphertext_len = keyfile_ciphertext_len(kf.flags);
    randombytes_buf(kf.salt, sizeof(kf.salt));
    randombytes_buf(kf.nonce, sizeof(kf.nonce));
    err = keystore_seal(&kf, sk, mnemonic_or_null, passphrase);
    uint8_t bytes[WALLET_KEYFILE_BYTES_MAX];
    size_t len = 0;
    if (err == CHR_OK) {
        err = wallet_keystore_encode(bytes, sizeof(bytes), &len, &kf);
        CHR_ASSERT(err == CHR_OK);
        err = chr_file_write_new(path, bytes, len);
    }
    return err;
}

chr_err wallet_keystore_save(const char *home, const char *name, const uint8_t sk[32],
                             const char *mnemonic_or_null, const char *passphrase)
{
    /* CHROOM_KDF_FAST=1 is for tests only (docs/WALLET.md): 64 MiB instead of 256 MiB. */
    const char *fast = getenv("CHROOM_KDF_FAST");
    int use_fast = fast != NULL && strcmp(fast, "1") == 0;
    return wallet_keystore_save_kdf(
        home, name, sk, mnemonic_or_null, passphrase,
        use_fast ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MODERATE,
        use_fast ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MODERATE);
}

chr_err wallet_keystore_read(wallet_keyfile *out, const char *home, const char *name)
{
    memset(out, 0, sizeof(*out));
    char path[WALLET_KEYSTORE_PATH_MAX];
    chr_err err = wallet_keystore_path(path, sizeof(path), home, name);
    if (err != CHR_OK) {
        return CHR_ERR_ARG;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        return errno == ENOENT ? CHR_ERR_NOT_FOUND : CHR_ERR_IO;
    }
    char *buf;
    size_t len;
    char why[128];
    err = chr_file_read(path, WALLET_KEYFILE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (err == CHR_ERR_TOO_LONG) {
        return CHR_ERR_KEYSTORE; /* no key file is this long */
    }
    if (err != CHR_OK) {
        return err == CHR_ERR_NOMEM ? err : CHR_ERR_IO;
    }
    err = wallet_keystore_decode(out, (const uint8_t *)buf, len);
    free(buf);
    return err;
}

chr_err wallet_keystore_info(uint8_t pubkey[32], const char *home, const char *name)
{
    memset(pubkey, 0, 32);
    wallet_keyfile kf;
    chr_err err = wallet_keystore_read(&kf, home, name);
    if (err == CHR_OK) {
        memcpy(pubkey, kf.pubkey, 32);
    }
    return err;
}

/* Decrypts kf into plain; checks what the tag cannot (that the writer was honest). */
static chr_err keystore_open(uint8_t plain[KEYSTORE_PLAIN_MAX], const wallet_keyfile *kf,
                             const char *passphrase)
{
    uint8_t key[KEYSTORE_KEY_LEN];
    uint8_t ad[WALLET_KEYFILE_HEADER_LEN];
    sodium_mlock(key, sizeof(key));
    keyfile_header(ad, kf);
    chr_err err = keystore_kdf(key, passphrase, kf);
    unsigned long long plen = 0;
    /* The checksum matched, so the file is as written: a tag that fails now means another
     * passphrase (or a file forged with a fresh checksum, which no one can tell apart). */
    if (err == CHR_OK && crypto_aead_xchacha20poly1305_ietf_decrypt(
                             plain, &plen, NULL, kf->ciphertext, kf->ciphertext_len, ad, sizeof(ad),
                             kf->nonce, key) != 0) {
        err = CHR_ERR_PASSPHRASE;
    }
    sodium_munlock(key, sizeof(key));
    if (err != CHR_OK) {
        return err;
    }
    CHR_ASSERT(plen == kf->ciphertext_len - WALLET_KEYFILE_MAC_LEN);
    uint8_t pub[32];
    if (wallet_key_pubkey(pub, plain) != CHR_OK || sodium_memcmp(pub, kf->pubkey, 32) != 0) {
        return CHR_ERR_KEYSTORE;
    }
    if ((kf->flags & WALLET_KEYFILE_FLAG_MNEMONIC) && !keystore_mnemonic_valid(plain + 32)) {
        return CHR_ERR_KEYSTORE;
    }
    return CHR_OK;
}

chr_err wallet_keystore_load(uint8_t sk[32], char *mnemonic_out_or_null, size_t mnemonic_cap,
                             const char *home, const char *name, const char *passphrase)
{
    memset(sk, 0, 32);
    if (mnemonic_out_or_null != NULL) {
        memset(mnemonic_out_or_null, 0, mnemonic_cap);
        if (mnemonic_cap < WALLET_MNEMONIC_CHARS_MAX) {
            return CHR_ERR_ARG;
        }
    }
    if (strnlen(passphrase, WALLET_PASSPHRASE_MAX + 1) > WALLET_PASSPHRASE_MAX) {
        return CHR_ERR_ARG;
    }
    wallet_keyfile kf;
    chr_err err = wallet_keystore_read(&kf, home, name);
    if (err != CHR_OK) {
        return err;
    }
    uint8_t plain[KEYSTORE_PLAIN_MAX];
    sodium_mlock(plain, sizeof(plain));
    memset(plain, 0, sizeof(plain));
    err = keystore_open(plain, &kf, passphrase);
    if (err == CHR_OK) {
        memcpy(sk, plain, 32);
        if (mnemonic_out_or_null != NULL && (kf.flags & WALLET_KEYFILE_FLAG_MNEMONIC)) {
            memcpy(mnemonic_out_or_null, plain + 32, WALLET_MNEMONIC_CHARS_MAX);
        }
    }
    sodium_munlock(plain, sizeof(plain));
    return err;
}

static int keystore_name_cmp(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

typedef char keystore_name[WALLET_KEY_NAME_MAX + 1];

/* The names of the key files in dir, sorted; *out is malloc'ed (caller frees). */
static chr_err keystore_names(DIR *d, keystore_name **out, size_t *count)
{
    keystore_name *names = NULL;
    size_t n = 0;
    size_t cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        size_t ext = sizeof(KEYSTORE_EXT) - 1;
        if (len <= ext || strcmp(e->d_name + len - ext, KEYSTORE_EXT) != 0 ||
            len - ext > WALLET_KEY_NAME_MAX) {
            continue;
        }
        keystore_name name;
        memcpy(name, e->d_name, len - ext);
        name[len - ext] = '\0';
        struct stat st;
        if (!wallet_keystore_name_valid(name) || fstatat(dirfd(d), e->d_name, &st, 0) != 0 ||
            !S_ISREG(st.st_mode)) {
            continue;
        }
        if (n == WALLET_KEYSTORE_KEYS_MAX) {
            free(names);
            return CHR_ERR_FULL;
        }
        if (n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            keystore_name *grown = realloc(names, cap * sizeof(*names));
            if (grown == NULL) {
                free(names);
                return CHR_ERR_NOMEM;
            }
            names = grown;
        }
        memcpy(names[n++], name, sizeof(name));
    }
    if (n > 0) {
        qsort(names, n, sizeof(*names), keystore_name_cmp);
    }
    *out = names;
    *count = n;
    return CHR_OK;
}

chr_err wallet_keystore_list(const char *home,
                             void (*cb)(void *ctx, const char *name, const uint8_t pubkey[32]),
                             void *ctx)
{
    char dir[WALLET_KEYSTORE_PATH_MAX];
    if ((size_t)snprintf(dir, sizeof(dir), "%s/" KEYSTORE_DIR, home) >= sizeof(dir)) {
        return CHR_ERR_ARG;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? CHR_OK : CHR_ERR_IO;
    }
    keystore_name *names = NULL;
    size_t n = 0;
    chr_err err = keystore_names(d, &names, &n);
    closedir(d);
    for (size_t i = 0; err == CHR_OK && i < n; i++) {
        uint8_t pub[32];
        chr_err e = wallet_keystore_info(pub, home, names[i]);
        cb(ctx, names[i], e == CHR_OK ? pub : NULL);
    }
    free(names);
    return err;
}

chr_err wallet_keystore_delete(const char *home, const char *name)
{
    char path[WALLET_KEYSTORE_PATH_MAX];
    if (wallet_keystore_path(path, sizeof(path), home, name) != CHR_OK) {
        return CHR_ERR_ARG;
    }
    if (unlink(path) != 0) {
        return errno == ENOENT ? CHR_ERR_NOT_FOUND : CHR_ERR_IO;
    }
    return chr_sync_dir_of(path);
}
