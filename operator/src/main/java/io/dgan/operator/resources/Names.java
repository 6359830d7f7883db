package io.dgan.operator.resources;

/** Names of everything a job owns. Stable, so that peers find each other by DNS and a replaced rank keeps its name. */
public final class Names {
    private Names() {
    }

    public static String peerService(String job) {
        return job + "-peers";
    }

    public static String workerPod(String job, int rank) {
        return job + "-worker-" + rank;
    }

    public static String topologyConfigMap(String job) {
        return job + "-topology";
    }

    public static String trainingConfigMap(String job) {
        return job + "-config";
    }

    public static String checkpointClaim(String job, int rank) {
        return job + "-checkpoint-" + rank;
    }

    public static String networkPolicy(String job) {
        return job + "-gossip";
    }

    public static String podMonitor(String job) {
        return job + "-workers";
    }

    /** The contract's peer address template: {@code <job>-worker-{rank}.<job>-peers.<ns>.svc:<port>}. */
    public static String peerTemplate(String job, String namespace, int gossipPort) {
        return job + "-worker-{rank}." + peerService(job) + "." + namespace + ".svc:" + gossipPort;
    }
}
