package io.dgan.transport.grpc;

import java.util.Arrays;
import java.util.List;

/**
 * Where each rank serves gossip: {@code host:port} per rank, from a DNS template ({@code {rank}} replaced, e.g.
 * {@code job-worker-{rank}.job-peers.ns.svc:7070}) or a static list indexed by rank. Names are resolved by gRPC when
 * connecting, so a name that does not resolve yet (a pod not scheduled) is simply retried.
 */
public interface PeerDirectory {
    /** The gRPC target of {@code rank}, "host:port". */
    String address(int rank);

    static PeerDirectory template(String template) {
        if (template == null || !template.contains("{rank}")) {
            throw new IllegalArgumentException("--peer-template: expected a host:port containing {rank}, got '"
                    + template + "'");
        }
        checkHostPort("--peer-template", template.replace("{rank}", "0"));
        return rank -> template.replace("{rank}", Integer.toString(rank));
    }

    static PeerDirectory list(List<String> addresses, int workers) {
        if (addresses.size() != workers) {
            throw new IllegalArgumentException("--peers: expected " + workers + " host:port entries (one per rank), got "
                    + addresses.size());
        }
        List<String> copy = List.copyOf(addresses);
        copy.forEach(a -> checkHostPort("--peers", a));
        return copy::get;
    }

    /** Parses "a:1,b:2" into a directory of {@code workers} entries. */
    static PeerDirectory list(String commaSeparated, int workers) {
        return list(Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                workers);
    }

    private static void checkHostPort(String flag, String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException(flag + ": expected host:port, got '" + address + "'");
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": expected a port 1..65535 in '" + address + "'");
        }
    }
}
