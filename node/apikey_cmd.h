/* `chroomd apikey ...`: creates, lists and revokes the API keys of a node (rpc/apikeys.h),
 * in the node's data directory, also while the node runs. */
#ifndef NODE_APIKEY_CMD_H
#define NODE_APIKEY_CMD_H

/* Runs the subcommand; argv[0] is "apikey". Returns the process exit status: 0 done, 1
 * failed (unknown key, store error), 2 usage. */
int node_apikey_main(int argc, char **argv);

#endif
