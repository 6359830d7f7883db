package io.dgan.transport.grpc;

import io.dgan.transport.PeerIdentity;
import io.dgan.transport.grpc.tls.GossipTls;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is at the other end of each incoming connection, and how much that connection may still ask of this worker.
 *
 * <ul>
 *   <li><b>Identity.</b> With TLS, a connection is the rank its client certificate names (checked against the
 *       job's CA during the TLS handshake); a connection without a certificate reaches no method. Either way a
 *       connection becomes a rank by a handshake: a {@code Hello} call, or the {@code Hello} a push carries in its
 *       {@value #HELLO_HEADER} header. The rank is then fixed for the connection's life; under TLS it must be the
 *       certificate's. A {@code Push} on a connection that has not shaken hands is refused.</li>
 *   <li><b>Limits.</b> At most {@link GrpcTransportConfig#maxConnectionsPerPeer} connections per rank and
 *       {@link GrpcTransportConfig#maxUnidentifiedConnections} connections that have not (yet) proven a rank; at
 *       most {@link GrpcTransportConfig#maxCallsPerConnection} concurrent streams per connection (HTTP/2
 *       SETTINGS); a connection that had {@link GrpcTransportConfig#maxRefusalsPerConnection} calls refused, or
 *       shook hands that often, within 10 s gets every further call of those 10 s refused at once, without reading
 *       it (a rate: a long-lived peer's occasional refusals never add up).</li>
 * </ul>
 * Every refusal is reported to the {@link TransportListener} with a fixed reason and a rank this worker verified
 * (else -1), so that metrics never take a label value from a peer.
 */
final class ConnectionGuard extends ServerTransportFilter implements ServerInterceptor {
    static final String HELLO_HEADER = "dgan-hello-bin";
    static final Metadata.Key<byte[]> HELLO = Metadata.Key.of(HELLO_HEADER, Metadata.BINARY_BYTE_MARSHALLER);
    static final Attributes.Key<Connection> CONNECTION = Attributes.Key.create("dgan-connection");
    static final Context.Key<Connection> CURRENT = Context.key("dgan-connection");
    /** The window of the per-connection budgets of refused calls and handshakes. */
    static final long WINDOW_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private final GrpcTransportConfig config;
    private final TransportListener listener;
    private final AtomicInteger unidentified = new AtomicInteger();
    private final AtomicInteger[] perRank;

    ConnectionGuard(GrpcTransportConfig config, TransportListener listener) {
        this.config = config;
        this.listener = listener;
        this.perRank = new AtomicInteger[config.size];
        for (int r = 0; r < config.size; r++) {
            perRank[r] = new AtomicInteger();
        }
    }

    /** One incoming connection. Guarded by its own monitor (calls of one connection may run on several threads). */
    final class Connection {
        /** The rank the certificate proves (TLS), else -1. */
        final int certifiedRank;
        /** TLS on but the peer presented no certificate. */
        final boolean anonymous;
        private int rank = -1;
        private boolean excess;
        private int refusals;
        private int hellos;
        private long windowStart = System.nanoTime();
        private boolean released;

        Connection(int certifiedRank, boolean anonymous) {
            this.certifiedRank = certifiedRank;
            this.anonymous = anonymous;
        }

        /** The rank this connection proved by a handshake, or -1. */
        synchronized int rank() {
            return rank;
        }

        /** The rank to charge a refusal to: proven by a handshake or a certificate, else -1. */
        synchronized int knownRank() {
            return rank >= 0 ? rank : certifiedRank;
        }

        /** The budgets are per {@link #WINDOW_NANOS}: a rate, so that a long-lived peer's rare refusals never add up. */
        private void roll() {
            long now = System.nanoTime();
            if (now - windowStart >= WINDOW_NANOS) {
                windowStart = now;
                refusals = 0;
                hellos = 0;
            }
        }

        synchronized boolean condemned() {
            roll();
            return refusals >= config.maxRefusalsPerConnection || hellos > config.maxRefusalsPerConnection;
        }

        synchronized void countRefusal() {
            roll();
            refusals++;
        }

        synchronized boolean countHello() {
            roll();
            return ++hellos <= config.maxRefusalsPerConnection;
        }

        /**
         * Binds the connection to {@code claimed} (a handshake that passed every other check). Returns null, or the
         * refusal: another rank than the certificate's or than the one already bound, or too many connections.
         */
        synchronized Refusal bind(int claimed) {
            if (certifiedRank >= 0 && claimed != certifiedRank) {
                return Refusal.RANK_MISMATCH;
            }
            if (rank >= 0) {
                return rank == claimed ? null : Refusal.RANK_MISMATCH;
            }
            if (released) {
                return Refusal.CLOSING;
            }
            if (perRank[claimed].incrementAndGet() > config.maxConnectionsPerPeer) {
                perRank[claimed].decrementAndGet();
                return Refusal.CONNECTIONS;
            }
            if (!excess) {
                unidentified.decrementAndGet();
            }
            excess = false;
            rank = claimed;
            return null;
        }

        synchronized void release() {
            if (released) {
                return;
            }
            released = true;
            if (rank >= 0) {
                perRank[rank].decrementAndGet();
            } else if (!excess) {
                unidentified.decrementAndGet();
            }
        }
    }

    @Override
    public Attributes transportReady(Attributes attributes) {
        int certified = -1;
        boolean anonymous = false;
        if (config.tls != null) {
            SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            certified = session == null ? -1 : certifiedRank(session);
            anonymous = certified < 0;
        }
        Connection c = new Connection(certified, anonymous);
        if (unidentified.incrementAndGet() > config.maxUnidentifiedConnections) {
            unidentified.decrementAndGet();
            c.excess = true;
        }
        return attributes.toBuilder().set(CONNECTION, c).build();
    }

    @Override
    public void transportTerminated(Attributes attributes) {
        Connection c = attributes == null ? null : attributes.get(CONNECTION); // null: never became ready
        if (c != null) {
            c.release();
        }
    }

    private static int certifiedRank(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                PeerIdentity id = GossipTls.identityOf(leaf);
                return id == null ? -1 : id.rank();
            }
        } catch (SSLPeerUnverifiedException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                      ServerCallHandler<Q, A> next) {
        Connection c = call.getAttributes().get(CONNECTION);
        Refusal refusal = null;
        if (c == null) {
            refusal = Refusal.CLOSING;
        } else if (c.anonymous) {
            refusal = Refusal.UNAUTHENTICATED;
        } else if (c.condemned()) {
            refusal = Refusal.ABUSE;
        } else if (c.excess && c.rank() < 0) {
            refusal = Refusal.CONNECTIONS;
        }
        if (refusal != null) {
            return refuse(call, c, refusal);
        }
        return Contexts.interceptCall(Context.current().withValue(CURRENT, c), call, headers, next);
    }

    /** Closes a call at once and drops whatever it sends (pooled chunk buffers are given back). */
    <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Connection c, Refusal refusal) {
        refused(c, refusal);
        Status status = refusal == Refusal.UNAUTHENTICATED ? Status.UNAUTHENTICATED
                : refusal == Refusal.CONNECTIONS || refusal == Refusal.ABUSE ? Status.RESOURCE_EXHAUSTED
                : Status.PERMISSION_DENIED;
        call.close(status.withDescription("rank " + config.rank + ": " + refusal.text), new Metadata());
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(Q message) {
                if (message instanceof VectorChunk chunk) {
                    chunk.release();
                }
            }
        };
    }

    void refused(Connection c, Refusal refusal) {
        if (c != null) {
            c.countRefusal();
        }
        listener.refused(c == null ? -1 : c.knownRank(), refusal.label);
    }
}
