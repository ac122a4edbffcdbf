/* A byzantine validator for the functional tests: signs two prevotes (or precommits) of
 * one height and round for two different blocks with a validator's key, connects to a
 * node as a peer over the real transport and hands it the EVIDENCE message, as a node
 * that caught the double signing would gossip it. With --forge the second signature is
 * broken, so the evidence is invalid and the node should drop the connection.
 *
 * Usage: double-sign --key FILE --chain-id ID --genesis-hash HEX --peer URL --height H
 *                    [--round R] [--precommit] [--forge]
 * Prints "sent" once the message is queued to a connected peer, then "kept" if the
 * connection is still up 2 s later or "disconnected" if the node dropped it. Exit status
 * 0 when sent, 1 otherwise. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hash.h"
#include "common/hex.h"
#include "common/keyfile.h"
#include "common/log.h"
#include "consensus/msg.h"
#include "consensus/p2p.h"
#include "ledger/sig.h"
#include "node/consensus.h"

static atomic_uint peer_id;
static atomic_int peer_gone;

static void on_message(void *ctx, uint32_t peer, uint8_t type, const uint8_t *payload, size_t len)
{
    (void)ctx, (void)peer, (void)type, (void)payload, (void)len;
}

static void on_peer(void *ctx, uint32_t peer, int up, const uint8_t node_id[32])
{
    (void)ctx, (void)node_id;
    if (up) {
        atomic_store(&peer_id, peer);
    } else {
        atomic_store(&peer_gone, 1);
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int usage(void)
{
    fprintf(stderr, "usage: double-sign --key FILE --chain-id ID --genesis-hash HEX --peer URL "
                    "--height H [--round R] [--precommit] [--forge]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *key = NULL, *chain_id = NULL, *ghash = NULL, *peer = NULL;
    unsigned long long height = 0;
    unsigned long round = 0;
    int precommit = 0, forge = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--precommit") == 0) {
            precommit = 1;
        } else if (strcmp(a, "--forge") == 0) {
            forge = 1;
        } else if (v == NULL) {
            return usage();
        } else {
            i++;
            if (strcmp(a, "--key") == 0) {
                key = v;
            } else if (strcmp(a, "--chain-id") == 0) {
                chain_id = v;
            } else if (strcmp(a, "--genesis-hash") == 0) {
                ghash = v;
            } else if (strcmp(a, "--peer") == 0) {
                peer = v;
            } else if (strcmp(a, "--height") == 0) {
                height = strtoull(v, NULL, 10);
            } else if (strcmp(a, "--round") == 0) {
                round = strtoul(v, NULL, 10);
            } else {
                return usage();
            }
        }
    }
    if (!key || !chain_id || !ghash || !peer || height == 0 || round > CONS_ROUND_MAX) {
        return usage();
    }
    chr_log_set_level(CHR_LOG_ERROR);
    uint8_t sk[32], genesis_hash[32];
    char err[256];
    ledger_signer *signer = NULL;
    uint8_t blind[32] = {0};
    if (chr_hash_init() != CHR_OK || chr_keyfile_read(key, sk, err, sizeof(err)) != CHR_OK ||
        chr_hex_decode_exact(genesis_hash, 32, ghash, strlen(ghash)) != CHR_OK ||
        ledger_signer_new(&signer, blind) != CHR_OK) {
        fprintf(stderr, "double-sign: bad key, genesis hash or library\n");
        return 1;
    }
    /* Two votes of one validator, type, height and round for two different blocks. */
    cons_msg m;
    memset(&m, 0, sizeof(m));
    m.kind = CONS_MSG_EVIDENCE;
    cons_vote *v[2] = {&m.u.evidence.a, &m.u.evidence.b};
    for (int i = 0; i < 2; i++) {
        v[i]->type = precommit ? LEDGER_VOTE_PRECOMMIT : LEDGER_VOTE_PREVOTE;
        v[i]->height = height;
        v[i]->round = (uint32_t)round;
        memset(v[i]->block_id, 0x10 + 0x10 * i, 32);
        if (cons_vote_sign(v[i], signer, chain_id, sk) != CHR_OK) {
            fprintf(stderr, "double-sign: cannot sign\n");
            return 1;
        }
    }
    if (forge) {
        m.u.evidence.b.sig[5] ^= 1;
    }
    uint8_t *msg;
    size_t msg_len;
    if (cons_msg_encode(&msg, &msg_len, &m) != CHR_OK) {
        fprintf(stderr, "double-sign: cannot encode\n");
        return 1;
    }
    cons_p2p_config cfg;
    cons_p2p_config_init(&cfg);
    const char *peers[1] = {peer};
    cfg.peers = peers;
    cfg.peers_len = 1;
    cfg.chain_id = chain_id;
    memcpy(cfg.genesis_hash, genesis_hash, 32);
    /* A node key of its own: the node does not know this peer. */
    uint8_t seed[40];
    memcpy(seed, "double-sign node key", 20);
    memcpy(seed + 20, sk, 20);
    chr_sha256_hash(cfg.node_sk, seed, sizeof(seed));
    cfg.on_message = on_message;
    cfg.on_peer = on_peer;
    cons_p2p *p;
    if (cons_p2p_start(&p, &cfg, err, sizeof(err)) != CHR_OK) {
        fprintf(stderr, "double-sign: %s\n", err);
        return 1;
    }
    for (int i = 0; i < 1000 && atomic_load(&peer_id) == 0; i++) {
        sleep_ms(10);
    }
    uint32_t id = atomic_load(&peer_id);
    int sent = id != 0 && cons_p2p_send(p, id, NODE_P2P_CONSENSUS, msg, msg_len) == CHR_OK;
    if (sent) {
        printf("sent\n");
        fflush(stdout);
        for (int i = 0; i < 200 && !atomic_load(&peer_gone); i++) {
            sleep_ms(10);
        }
        printf("%s\n", atomic_load(&peer_gone) ? "disconnected" : "kept");
    } else {
        fprintf(stderr, "double-sign: no connection to %s\n", peer);
    }
    cons_p2p_stop(p);
    free(msg);
    ledger_signer_free(signer);
    return sent ? 0 : 1;
}
