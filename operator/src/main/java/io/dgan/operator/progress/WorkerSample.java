package io.dgan.operator.progress;

/** What one worker reported: its step count and, when it exports them, consensus distance and the last FID. */
public record WorkerSample(long steps, Double consensusDistance, Double evalFid) {
}
