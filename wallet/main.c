/* chroom-wallet: keys in an encrypted keystore, offline signing, and the transfers a user
 * sends (README.md; every command, option, output shape and exit code is in
 * docs/WALLET-CLI.md). The commands live in wallet/cli.c and wallet/cmd_*.c. */
#include "wallet/internal/cli.h"

int main(int argc, char **argv)
{
    return wallet_cli_main(argc, argv);
}
