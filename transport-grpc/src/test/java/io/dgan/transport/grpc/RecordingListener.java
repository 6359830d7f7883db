package io.dgan.transport.grpc;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the refusals and failures a transport reports, as "peer:reason" / "peer:code". */
final class RecordingListener implements TransportListener {
    final List<String> refusals = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final List<String> log = new CopyOnWriteArrayList<>();

    @Override
    public void refused(int peer, String reason) {
        refusals.add(peer + ":" + reason);
    }

    @Override
    public void failure(int peer, String code) {
        failures.add(peer + ":" + code);
    }

    long count(String peerAndReason) {
        return refusals.stream().filter(peerAndReason::equals).count();
    }
}
