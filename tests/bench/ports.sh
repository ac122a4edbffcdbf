# Sourced by the bench scripts. Their chroomd listeners ask for port 0, and the ports the
# nodes got are read from each node's ports file (<data_dir>/ports, node/ports.h), so no
# script picks a port that another process could take before the node binds it.
#
# wait_ports DATA_DIR PID LOG: waits (at most 20 s) until chroomd PID has written
# DATA_DIR/ports, then sets api_port and p2p_port (empty without a peer listener); exits
# with the tail of LOG when the node dies or the time runs out.
wait_ports() {
    wp_i=0
    while [ "$(sed -n 's/^pid=//p' "$1/ports" 2>/dev/null)" != "$2" ]; do
        wp_i=$((wp_i + 1))
        if [ "$wp_i" -ge 400 ] || ! kill -0 "$2" 2>/dev/null; then
            echo "bench: chroomd (pid $2) wrote no $1/ports; its log ends with:" >&2
            tail -20 "$3" >&2
            exit 1
        fi
        sleep 0.05
    done
    api_port=$(sed -n 's/^api=//p' "$1/ports")
    p2p_port=$(sed -n 's/^p2p=//p' "$1/ports")
}
