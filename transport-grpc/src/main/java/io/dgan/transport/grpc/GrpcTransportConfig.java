package io.dgan.transport.grpc;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything a {@link GrpcTransport} needs besides the peers' addresses. Immutable; build with {@link #builder}.
 *
 * <p>The handshake compares {@code job}, {@code layoutHash}, the dtype ("float32"), {@code vectorLengths},
 * {@code wire} and the protocol version between the two ends of every link.
 */
public final class GrpcTransportConfig {
    /** The shortest limit on a vector's length: room for control vectors of a few thousand ranks. */
    public static final long CONTROL_VECTOR_LENGTH = 4096;

    /**
     * Bumped whenever the wire protocol changes incompatibly (2: CRC-32C trailer after a chunk's data; 3: gossip
     * tags no longer carry the topology epoch, live topology switching; 4: vectors travel on one PushStream call
     * per peer).
     */
    public static final int PROTOCOL_VERSION = 4;
    public static final String DTYPE = "float32";

    final String job;
    final int rank;
    final int size;
    final long layoutHash;
    final long[] vectorLengths;
    final WireFormat wire;
    final String bindHost;
    final int port;
    final int chunkBytes;
    final int flowControlWindow;
    final int writeBufferHighWater;
    final int readBufferMax;
    final boolean checksums;
    /** A peer that said goodbye may be replaced or cut out by the topology: receives from it keep waiting. */
    final boolean awaitReplacements;
    final int maxFrameBytes;
    final LinkEmulation emulation;
    final long maxVectorLength;
    final int maxPendingPerPeer;
    final Duration callTimeout;
    final Duration receiveTimeout;
    final Duration connectTimeout;
    final io.dgan.transport.grpc.tls.GossipTls tls;
    final Duration tlsReloadInterval;
    final int maxConnectionsPerPeer;
    final int maxUnidentifiedConnections;
    final int maxCallsPerConnection;
    final int maxRefusalsPerConnection;

    private GrpcTransportConfig(Builder b) {
        this.job = Objects.requireNonNull(b.job, "job");
        this.rank = b.rank;
        this.size = b.size;
        this.layoutHash = b.layoutHash;
        this.vectorLengths = b.vectorLengths.clone();
        this.wire = b.wire;
        this.bindHost = b.bindHost;
        this.port = b.port;
        this.chunkBytes = b.chunkBytes;
        this.flowControlWindow = b.flowControlWindow;
        this.writeBufferHighWater = b.writeBufferHighWater;
        this.readBufferMax = b.readBufferMax;
        this.checksums = b.checksums;
        this.awaitReplacements = b.awaitReplacements;
        this.maxFrameBytes = b.maxFrameBytes;
        this.emulation = b.emulation;
        if (maxFrameBytes != 0 && (maxFrameBytes < 16384 || maxFrameBytes > 16777215)) {
            throw new IllegalArgumentException("HTTP/2 frame size: expected 0 (default) or 16384..16777215, got "
                    + maxFrameBytes);
        }
        long longest = Arrays.stream(vectorLengths).max().orElse(0);
        // At least CONTROL_VECTOR_LENGTH: small control vectors (the epoch agreement over M ranks, a joining rank's
        // welcome header) must pass even when the parameter blocks are shorter (a small game).
        this.maxVectorLength = b.maxVectorLength > 0 ? b.maxVectorLength
                : (longest > 0 ? Math.max(longest, CONTROL_VECTOR_LENGTH) : 1L << 28);
        this.maxPendingPerPeer = b.maxPendingPerPeer;
        this.receiveTimeout = b.receiveTimeout;
        // A push may take as long as its receiver would wait for it: a peer frozen for less than the receive
        // timeout (GC, SIGSTOP, a slow evaluation) must not lose a vector to a shorter fixed deadline.
        this.callTimeout = b.callTimeout != null ? b.callTimeout : b.receiveTimeout;
        this.tls = b.tls;
        this.tlsReloadInterval = b.tlsReloadInterval;
        if (tlsReloadInterval.isNegative() || tlsReloadInterval.isZero()) {
            throw new IllegalArgumentException("tlsReloadInterval: expected a positive duration, got "
                    + tlsReloadInterval);
        }
        this.maxConnectionsPerPeer = b.maxConnectionsPerPeer;
        this.maxUnidentifiedConnections = b.maxUnidentifiedConnections > 0 ? b.maxUnidentifiedConnections
                : Math.max(64, 4 * b.size);
        this.maxCallsPerConnection = b.maxPendingPerPeer + 16;
        this.maxRefusalsPerConnection = b.maxRefusalsPerConnection;
        if (tls != null) {
            String mismatch = tls.mismatch(job, rank);
            if (mismatch != null) {
                throw new IllegalArgumentException("--tls-cert: " + mismatch);
            }
        }
        this.connectTimeout = b.connectTimeout;
        if (job.isBlank()) {
            throw new IllegalArgumentException("--job: must not be empty");
        }
        if (size < 1) {
            throw new IllegalArgumentException("--workers: expected at least 1, got " + size);
        }
        if (rank < 0 || rank >= size) {
            throw new IllegalArgumentException("--rank: expected 0.." + (size - 1) + ", got " + rank);
        }
        if (chunkBytes < 1024 || chunkBytes % 4 != 0) {
            throw new IllegalArgumentException("chunk size: expected a multiple of 4 bytes, at least 1024, got "
                    + chunkBytes);
        }
        for (long length : vectorLengths) {
            if (length < 0) {
                throw new IllegalArgumentException("vector lengths must not be negative: " + Arrays.toString(vectorLengths));
            }
        }
    }

    public static Builder builder(String job, int rank, int size) {
        return new Builder(job, rank, size);
    }

    public String job() {
        return job;
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public long layoutHash() {
        return layoutHash;
    }

    public long[] vectorLengths() {
        return vectorLengths.clone();
    }

    public WireFormat wire() {
        return wire;
    }

    public int port() {
        return port;
    }

    public Duration receiveTimeout() {
        return receiveTimeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Whether the gossip plane is mutual TLS. */
    public boolean tls() {
        return tls != null;
    }

    /** Elements per chunk of a message sent in {@code format} (collectives are float32 even on a bf16 wire). */
    int chunkElements(WireFormat format) {
        return chunkBytes / format.bytesPerElement();
    }

    /**
     * A vector is sent in at least this many chunks when it is large enough (see chunkElements(format, length));
     * {@code -Ddgan.transport.pipelineChunks=1} sends every vector in chunks of the configured size (A/B).
     */
    static final int PIPELINE_CHUNKS = Math.max(1, Integer.getInteger("dgan.transport.pipelineChunks", 8));
    /** ... but no chunk is cut smaller than this to get there: its header and framing cost the same at any size. */
    static final int MIN_PIPELINE_CHUNK_BYTES = 64 << 10;

    /**
     * Elements per chunk of a vector of {@code vectorLength} elements sent in {@code format}: the configured chunk
     * size, but a vector that would fit in fewer than {@link #PIPELINE_CHUNKS} chunks is cut into that many (none
     * below {@link #MIN_PIPELINE_CHUNK_BYTES}). The receiver parses, checks and can decode a chunk only once all of
     * it arrived, so a 1 MiB vector in one 1 MiB chunk is framed by the sender, moved, then parsed by the receiver,
     * one after the other; in eight chunks the two processes' work overlaps on different cores (1 MiB one-way on
     * 2 cores: 0.68–0.79× raw TCP in one chunk, 0.80–0.92× in eight; docs/benchmarks.md, pipelined chunks).
     */
    int chunkElements(WireFormat format, int vectorLength) {
        int max = chunkElements(format);
        int floor = Math.min(max, MIN_PIPELINE_CHUNK_BYTES / format.bytesPerElement());
        int pipelined = (int) (((long) vectorLength + PIPELINE_CHUNKS - 1) / PIPELINE_CHUNKS);
        return Math.max(floor, Math.min(max, pipelined));
    }

    public static final class Builder {
        private final String job;
        private final int rank;
        private final int size;
        private long layoutHash;
        private long[] vectorLengths = new long[0];
        private WireFormat wire = WireFormat.FLOAT32;
        private String bindHost = "0.0.0.0";
        private int port = 7070;
        // 1 MiB chunks: big enough that per-message overhead vanishes, small enough to pipeline (see
        // docs/benchmarks-transport.md for the measurements behind these defaults).
        private int chunkBytes = 1 << 20;
        private int flowControlWindow = 32 << 20;
        private int writeBufferHighWater = 4 << 20;
        private int readBufferMax = 1 << 20;
        private boolean checksums = true;
        private int maxFrameBytes = 1 << 20;
        private LinkEmulation emulation = LinkEmulation.NONE;
        private long maxVectorLength;
        private int maxPendingPerPeer = 64;
        private Duration callTimeout;
        private Duration receiveTimeout = Duration.ofSeconds(120);
        private Duration connectTimeout = Duration.ofSeconds(300);
        private io.dgan.transport.grpc.tls.GossipTls tls;
        private Duration tlsReloadInterval = Duration.ofSeconds(30);
        private int maxConnectionsPerPeer = 4;
        private int maxUnidentifiedConnections;
        private int maxRefusalsPerConnection = 32;
        private boolean awaitReplacements;

        private Builder(String job, int rank, int size) {
            this.job = job;
            this.rank = rank;
            this.size = size;
        }

        /** A hash of the parameter layout (model architecture, player order); peers must agree on it. */
        public Builder layoutHash(long layoutHash) {
            this.layoutHash = layoutHash;
            return this;
        }

        /** Lengths of the vectors this job exchanges (one per player, in order); compared in the handshake. */
        public Builder vectorLengths(long... vectorLengths) {
            this.vectorLengths = vectorLengths.clone();
            return this;
        }

        public Builder wire(WireFormat wire) {
            this.wire = Objects.requireNonNull(wire);
            return this;
        }

        public Builder bindHost(String bindHost) {
            this.bindHost = bindHost;
            return this;
        }

        /** Port to serve on; 0 picks a free one (see {@link GrpcTransport#port()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder chunkBytes(int chunkBytes) {
            this.chunkBytes = chunkBytes;
            return this;
        }

        /** HTTP/2 flow-control window per stream and connection, in bytes; fixed (BDP auto-tuning off). */
        public Builder flowControlWindow(int flowControlWindow) {
            this.flowControlWindow = flowControlWindow;
            return this;
        }

        /**
         * Netty's outbound high-water mark per connection. Netty's default (64 KiB) makes HTTP/2 stop writing every
         * 64 KiB and wait for the socket to drain: the pacing behind gRPC's poor bulk throughput. 0 keeps Netty's.
         */
        public Builder writeBufferHighWater(int bytes) {
            this.writeBufferHighWater = bytes;
            return this;
        }

        /** Largest buffer Netty reads the socket into (its adaptive default stops at 64 KiB). 0 keeps Netty's. */
        public Builder readBufferMax(int bytes) {
            this.readBufferMax = bytes;
            return this;
        }

        /**
         * Whether chunks carry a CRC-32C of their payload (verified by the receiver). TCP already checksums every
         * segment; this guards against a buggy or hostile sender at the cost of one pass over the bytes per side.
         */
        public Builder checksums(boolean checksums) {
            this.checksums = checksums;
            return this;
        }

        /**
         * Largest HTTP/2 DATA frame this worker's server accepts (announced to connecting peers); 0 keeps HTTP/2's
         * 16 KiB. See {@link LargeFrameNegotiator}.
         */
        public Builder maxFrameBytes(int maxFrameBytes) {
            this.maxFrameBytes = maxFrameBytes;
            return this;
        }

        /** Emulated latency per message and bandwidth per link (benchmarks of the α–β model); none by default. */
        public Builder emulation(LinkEmulation emulation) {
            this.emulation = java.util.Objects.requireNonNull(emulation);
            return this;
        }

        /** The longest vector a peer may announce; defaults to the longest of {@link #vectorLengths}. */
        public Builder maxVectorLength(long maxVectorLength) {
            this.maxVectorLength = maxVectorLength;
            return this;
        }

        /** Complete or partial vectors a peer may have waiting here before further pushes are refused. */
        public Builder maxPendingPerPeer(int maxPendingPerPeer) {
            this.maxPendingPerPeer = maxPendingPerPeer;
            return this;
        }

        /**
         * Mutual TLS with these credentials (null: plaintext). Every peer must present a certificate of the same CA
         * naming this job and its own rank; see {@link io.dgan.transport.grpc.tls.GossipTls}.
         */
        public Builder tls(io.dgan.transport.grpc.tls.GossipTls tls) {
            this.tls = tls;
            return this;
        }

        /**
         * How often credentials read from files are checked for renewal (default 30 s: Kubernetes takes about a
         * minute to update a mounted Secret, so a renewed certificate is in use within two).
         */
        public Builder tlsReloadInterval(Duration tlsReloadInterval) {
            this.tlsReloadInterval = Objects.requireNonNull(tlsReloadInterval);
            return this;
        }

        /**
         * What a receive does when the peer it waits for has said goodbye (it stopped, and will send nothing more):
         * false (default) fails the receive at once, naming the peer and why it left, instead of waiting out the
         * receive timeout; true keeps waiting (until the receive timeout or the wait hook), for a worker that
         * follows a live topology in which the peer may be cut out or replaced by a new process.
         */
        public Builder awaitReplacements(boolean awaitReplacements) {
            this.awaitReplacements = awaitReplacements;
            return this;
        }

        /** Connections one rank may hold to this worker at once (reconnects, a replacement process). */
        public Builder maxConnectionsPerPeer(int n) {
            this.maxConnectionsPerPeer = n;
            return this;
        }

        /** Connections that have not proven a rank yet; further ones get every call refused (default 4M, ≥ 64). */
        public Builder maxUnidentifiedConnections(int n) {
            this.maxUnidentifiedConnections = n;
            return this;
        }

        /** Refused calls (or handshakes) after which a connection gets every further call refused unread. */
        public Builder maxRefusalsPerConnection(int n) {
            this.maxRefusalsPerConnection = n;
            return this;
        }

        /** Deadline of every RPC (a whole vector push, a handshake attempt); defaults to the receive timeout. */
        public Builder callTimeout(Duration callTimeout) {
            this.callTimeout = callTimeout;
            return this;
        }

        /** How long {@code receive} waits for a peer's vector before failing. */
        public Builder receiveTimeout(Duration receiveTimeout) {
            this.receiveTimeout = receiveTimeout;
            return this;
        }

        /** How long to wait for a peer to resolve and answer the handshake. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public GrpcTransportConfig build() {
            return new GrpcTransportConfig(this);
        }
    }
}
