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

    /**
     * The field in which the peer's hello differs, named without either value (what a refused peer is told), or
     * null if they agree.
     */
    static String differingField(Hello mine, Hello theirs) {
        if (theirs.getProtocolVersion() != mine.getProtocolVersion()) {
            return "protocol version";
        }
        if (!theirs.getJob().equals(mine.getJob())) {
            return "job";
        }
        if (theirs.getLayoutHash() != mine.getLayoutHash()) {
            return "parameter layout";
        }
        if (!theirs.getDtype().equals(mine.getDtype())) {
            return "dtype";
        }
        if (!theirs.getVectorLengthsList().equals(mine.getVectorLengthsList())) {
            return "vector lengths";
        }
        if (theirs.getWorldSize() != mine.getWorldSize()) {
            return "world size";
        }
        if (theirs.getWire() != mine.getWire()) {
            return "wire format";
        }
        if (theirs.getReceiverRank() != mine.getSenderRank()) {
            return "receiver rank";
        }
        return null;
    }

    /**
     * This worker's own value of the field a peer's refusal names ("job differs", ...), as " (this worker has X)"
     * (the peer never says its value), or "" if the refusal names no field.
     */
    static String ownValue(Hello mine, String refusal) {
        String value;
        if (refusal.endsWith("job differs")) {
            value = "'" + mine.getJob() + "'";
        } else if (refusal.endsWith("parameter layout differs")) {
            value = String.format("0x%016x", mine.getLayoutHash());
        } else if (refusal.endsWith("vector lengths differ")) {
            value = mine.getVectorLengthsList().toString();
        } else if (refusal.endsWith("world size differs")) {
            value = mine.getWorldSize() + " workers";
        } else if (refusal.endsWith("wire format differs")) {
            value = mine.getWire().toString();
        } else if (refusal.endsWith("protocol version differs")) {
            value = "protocol " + mine.getProtocolVersion();
        } else {
            return "";
        }
        return " (this worker has " + value + "; the peer's value is in its log)";
    }

    static String describe(long[] lengths) {
        return Arrays.toString(lengths);
    }
}
