package io.dgan.transport.grpc;

import io.dgan.transport.grpc.proto.Hello;

import java.util.Arrays;

/** Builds this worker's {@link Hello} and explains how a peer's differs. */
final class Handshake {
    private Handshake() {
    }

    static Hello hello(GrpcTransportConfig config, int receiverRank) {
        Hello.Builder b = Hello.newBuilder()
                .setProtocolVersion(GrpcTransportConfig.PROTOCOL_VERSION)
                .setJob(config.job)
                .setLayoutHash(config.layoutHash)
                .setDtype(GrpcTransportConfig.DTYPE)
                .setSenderRank(config.rank)
                .setReceiverRank(receiverRank)
                .setWorldSize(config.size)
                .setWire(config.wire.toProto());
        for (long length : config.vectorLengths) {
            b.addVectorLengths(length);
        }
        return b.build();
    }

    /**
     * @param mine   this worker's hello (sender = this rank)
     * @param theirs the peer's hello (sender = the peer)
     * @return null if both agree, else a sentence naming the first field that differs and both values
     */
    static String mismatch(Hello mine, Hello theirs) {
        String them = "rank " + theirs.getSenderRank();
        String us = "rank " + mine.getSenderRank() + " (this worker)";
        if (theirs.getProtocolVersion() != mine.getProtocolVersion()) {
            return "protocol version differs: " + them + " speaks " + theirs.getProtocolVersion() + ", " + us
                    + " speaks " + mine.getProtocolVersion();
        }
        if (!theirs.getJob().equals(mine.getJob())) {
            return "job differs: " + them + " belongs to job '" + theirs.getJob() + "', " + us + " to '"
                    + mine.getJob() + "'";
        }
        if (theirs.getLayoutHash() != mine.getLayoutHash()) {
            return String.format("layout hash differs: %s has 0x%016x, %s has 0x%016x (different model or player order)",
                    them, theirs.getLayoutHash(), us, mine.getLayoutHash());
        }
        if (!theirs.getDtype().equals(mine.getDtype())) {
            return "dtype differs: " + them + " has " + theirs.getDtype() + ", " + us + " has " + mine.getDtype();
        }
        if (!theirs.getVectorLengthsList().equals(mine.getVectorLengthsList())) {
            return "vector lengths differ: " + them + " has " + theirs.getVectorLengthsList() + ", " + us + " has "
                    + mine.getVectorLengthsList();
        }
        if (theirs.getWorldSize() != mine.getWorldSize()) {
            return "world size differs: " + them + " has " + theirs.getWorldSize() + " workers, " + us + " has "
                    + mine.getWorldSize();
        }
        if (theirs.getWire() != mine.getWire()) {
            return "wire format differs: " + them + " sends " + theirs.getWire() + ", " + us + " sends "
                    + mine.getWire();
        }
        if (theirs.getReceiverRank() != mine.getSenderRank()) {
            return them + " meant to reach rank " + theirs.getReceiverRank() + " but reached " + us
                    + " (peer addresses out of order?)";
        }
        return null;
    }

    static String describe(long[] lengths) {
        return Arrays.toString(lengths);
    }
}
