"""Listeners on port 0: chroomd binds free ports itself and says which in its log and in
its ports file (<data_dir>/ports, node/ports.h), which the other functional tests read
instead of picking ports for it."""

import os
import socket

import p2p_peer
from node import Chain, Node, check, eq, read_ports, start_node


def test_ports_file_and_log_name_the_bound_ports(t):
    """A node whose API and peer listeners ask for port 0 reports the ports it got, with
    its pid, in its ports file and its log; both ports answer (the API, and the peer
    handshake, whose HELLO announces the bound port); a clean stop removes the file."""
    chain = Chain(t, {"alice": 10**9})
    n = Node(t, chain, conf={"p2p": {"listen": "127.0.0.1:0"}}).start()
    ports = read_ports(n.data_dir)
    eq(sorted(ports), ["api", "p2p", "pid"], "the ports file's keys")
    eq(ports["pid"], n.proc.pid, "the pid line")
    check(ports["api"] != ports["p2p"] and 0 not in (ports["api"], ports["p2p"]),
          "two real ports: %r" % ports)
    with open(os.path.join(n.data_dir, "ports")) as f:
        eq(f.read(), "pid=%d\napi=%d\np2p=%d\n" % (n.proc.pid, ports["api"], ports["p2p"]),
           "the file's exact text")
    log = n.log_text()
    check("api: listening on 127.0.0.1:%d (http)" % ports["api"] in log, "api line: %s" % log)
    check("p2p: listening on 127.0.0.1:%d" % ports["p2p"] in log, "p2p line: %s" % log)
    eq(n.status()["chain_id"], chain.chain_id, "the API answers on its port")
    peer = p2p_peer.Peer(chain, ports["p2p"])
    try:
        eq(peer.announced, "tcp://127.0.0.1:%d" % ports["p2p"], "the address the node announces")
    finally:
        peer.close()
    eq(n.stop(), 0, "clean stop")
    eq(read_ports(n.data_dir), None, "a clean stop removes the ports file")


def test_stale_ports_file_is_replaced(t):
    """A node killed leaves its ports file (naming a dead pid) and perhaps a half-written
    temporary one; the next start removes both before it binds and writes its own; a node
    without a peer listener has no p2p line."""
    n = start_node(t)
    first = read_ports(n.data_dir)
    eq(sorted(first), ["api", "pid"], "no p2p line without a peer listener")
    n.kill()
    eq(read_ports(n.data_dir), first, "kill -9 leaves the file")
    with open(os.path.join(n.data_dir, "ports.tmp"), "w") as f:
        f.write("pid=")
    n.start()
    second = read_ports(n.data_dir)
    eq(second["pid"], n.proc.pid, "the new run's pid")
    check(second["pid"] != first["pid"], "not the killed run's file")
    check(not os.path.exists(os.path.join(n.data_dir, "ports.tmp")),
          "the temporary file left by the killed run is gone")


def test_port_in_use_writes_no_ports_file(t):
    """A fixed port that another process holds: chroomd exits with an error that says so,
    and writes no ports file (a reader never takes a failed start for a running node)."""
    chain = Chain(t, {"alice": 10**9})
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    t.socks.append(busy)
    n = Node(t, chain)
    n.conf["api"]["listen"] = "127.0.0.1:%d" % busy.getsockname()[1]
    rc = n.spawn().wait(timeout=20)
    check(rc != 0, "chroomd started on a port in use")
    check("cannot serve the API" in n.log_text(), "the log says why: %s" % n.log_tail(3))
    eq(read_ports(n.data_dir), None, "no ports file")
