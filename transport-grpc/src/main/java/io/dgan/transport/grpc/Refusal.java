package io.dgan.transport.grpc;

/**
 * Why the gossip server refused a call or a vector: the fixed label values of {@code dgan_gossip_refused_total}
 * (docs/transport-grpc.md, "Refusals"). Peers are told the {@link #text}, never this worker's job, layout hash or
 * other values; the worker's own log and the matching receive's timeout message have the details.
 */
enum Refusal {
    UNAUTHENTICATED("unauthenticated", "a client certificate of this job's CA is required"),
    CERTIFICATE("certificate", "certificate refused"),
    NO_HANDSHAKE("no_handshake", "no handshake on this connection"),
    HANDSHAKE("handshake", "handshake refused"),
    RANK_MISMATCH("rank_mismatch", "the rank claimed is not the rank of this connection"),
    CONNECTIONS("connections", "too many connections"),
    ABUSE("abuse", "too many refused calls on this connection"),
    MALFORMED("malformed", "malformed vector"),
    NON_FINITE("non_finite", "the vector holds a NaN or infinity"),
    CHECKSUM("checksum", "checksum missing or wrong"),
    DUPLICATE("duplicate", "duplicate vector"),
    LIMIT("limit", "too many vectors waiting"),
    STALLED("stalled", "push stalled"),
    CLOSING("closing", "worker is closing");

    final String label;
    final String text;

    Refusal(String label, String text) {
        this.label = label;
        this.text = text;
    }
}
