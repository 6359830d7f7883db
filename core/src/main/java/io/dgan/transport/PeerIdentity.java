package io.dgan.transport;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identity a worker's certificate proves on the gossip plane: a job and a rank, written as the URI subject
 * alternative name {@code dgan://<job>/rank/<rank>}. The operator writes it into each rank's certificate, the
 * local launcher into the certificates of its per-run CA; a worker accepts a peer only if the peer's certificate
 * names this worker's job and a rank of it, and every message the peer sends must claim that rank.
 */
public record PeerIdentity(String job, int rank) {
    public static final String SCHEME = "dgan";
    private static final Pattern URI = Pattern.compile("dgan://([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)/rank/(0|[1-9][0-9]{0,8})");

    public PeerIdentity {
        if (job == null || !URI.matcher("dgan://" + job + "/rank/0").matches()) {
            throw new IllegalArgumentException("job name '" + job + "' cannot be written into a certificate "
                    + "(lower-case letters, digits, '-' and '.')");
        }
        if (rank < 0) {
            throw new IllegalArgumentException("rank must not be negative: " + rank);
        }
    }

    /** {@code dgan://<job>/rank/<rank>}. */
    public String uri() {
        return SCHEME + "://" + job + "/rank/" + rank;
    }

    /** The identity a URI SAN names, or null if it is not one of ours. */
    public static PeerIdentity parse(String uri) {
        if (uri == null || uri.length() > 300) {
            return null;
        }
        Matcher m = URI.matcher(uri);
        if (!m.matches()) {
            return null;
        }
        return new PeerIdentity(m.group(1), Integer.parseInt(m.group(3)));
    }

    @Override
    public String toString() {
        return uri();
    }
}
