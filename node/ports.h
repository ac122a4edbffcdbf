/* The ports file: "<data_dir>/ports", where a running chroomd says which ports its
 * listeners are bound to, so that a listener configured with port 0 (the system picks a
 * free port) can be found by scripts and tests without a race (docs/ARCHITECTURE.md,
 * "Listeners and the ports file").
 *
 * Format: ASCII lines "key=value\n", in this order: "pid=<the node's process id>",
 * "api=<the API's port>", then "p2p=<the peer-to-peer listener's port>" only when the node
 * listens for peers. Ports are decimal, 1..65535. Readers ignore keys they do not know.
 *
 * The node removes the file at start, before it binds anything, and writes it once every
 * listener is bound, through a temporary file renamed over it, so a reader sees the whole
 * file or none; a clean stop removes it. A node killed leaves it behind: its pid line
 * then names a process that is gone. Called from main's thread only. */
#ifndef NODE_PORTS_H
#define NODE_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The file's name in the data directory, and its temporary twin. */
#define NODE_PORTS_FILE "ports"
#define NODE_PORTS_TMP_FILE "ports.tmp"
/* The whole file: three lines of at most 5 + 20 (a 64-bit pid) + 1 bytes; room to spare. */
#define NODE_PORTS_BYTES_MAX 128

/* Removes data_dir/ports (and a temporary file a killed node left); a missing file is
 * fine. CHR_ERR_ARG when the path does not fit NODE_CONFIG_PATH_MAX, CHR_ERR_IO when a
 * file is there and cannot be removed; errmsg says which and why. */
CHR_WUR chr_err node_ports_remove(const char *data_dir, char *errmsg, size_t errmsg_cap);

/* Writes data_dir/ports atomically (data_dir/ports.tmp, then rename) with pid, api_port
 * and, when p2p_port is not 0, p2p_port. api_port must not be 0. CHR_ERR_ARG for a path
 * too long, CHR_ERR_IO when it cannot be written (the temporary file is removed);
 * errmsg says why. */
CHR_WUR chr_err node_ports_write(const char *data_dir, long pid, uint16_t api_port,
                                 uint16_t p2p_port, char *errmsg, size_t errmsg_cap);

#endif
