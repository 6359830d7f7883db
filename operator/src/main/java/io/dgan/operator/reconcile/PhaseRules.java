package io.dgan.operator.reconcile;

/**
 * Decide: a running job's phase from its workers' state (ranks finish a few steps apart, so one that already
 * exited 0 counts as done, not missing).
 */
public final class PhaseRules {
    private PhaseRules() {
    }

    /**
     * @param workers      spec.workers
     * @param ready        ranks whose current pod is ready
     * @param finished     ranks whose pod Succeeded
     * @param rankExcluded some rank is cut out of the graph (RewireAndReplace in progress)
     * @param restarting   the Restarting condition is True
     * @param wasRunning   the job reached Running before
     */
    public static String phase(int workers, int ready, int finished, boolean rankExcluded, boolean restarting,
                               boolean wasRunning) {
        if (allReady(workers, ready, finished) && !rankExcluded) return DecentralizedGANJobReconciler.PHASE_RUNNING;
        if (restarting) return DecentralizedGANJobReconciler.PHASE_RESTARTING;
        if (rankExcluded || wasRunning) return DecentralizedGANJobReconciler.PHASE_DEGRADED;
        return DecentralizedGANJobReconciler.PHASE_PENDING;
    }

    public static boolean allReady(int workers, int ready, int finished) {
        return ready + finished == workers && ready > 0;
    }
}
