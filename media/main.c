/* chroom-media: the agent a media-node operator runs beside its media server (README.md;
 * commands, config, the local endpoint and exit codes in docs/MEDIA-AGENT.md). The
 * commands live in media/cli.c and media/cmd.c. */
#include "media/internal/agent.h"

int main(int argc, char **argv)
{
    return media_cli_main(argc, argv);
}
