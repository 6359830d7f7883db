package io.dgan.operator.resources;

import java.util.LinkedHashMap;
import java.util.Map;

/** Labels on every object a job owns; the worker selector picks exactly one job's worker pods. */
public final class Labels {
    public static final String JOB = "dgan.io/job";
    public static final String RANK = "dgan.io/rank";
    public static final String ROLE = "dgan.io/role";
    public static final String NAME = "app.kubernetes.io/name";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String OPERATOR = "dgan-operator";

    private Labels() {
    }

    public static Map<String, String> forJob(String job) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME, "dgan");
        labels.put(MANAGED_BY, OPERATOR);
        labels.put(JOB, job);
        return labels;
    }

    public static Map<String, String> workerSelector(String job) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(JOB, job);
        labels.put(ROLE, "worker");
        return labels;
    }

    public static Map<String, String> forWorker(String job, int rank) {
        Map<String, String> labels = forJob(job);
        labels.putAll(workerSelector(job));
        labels.put(RANK, Integer.toString(rank));
        return labels;
    }

    public static String selectorString(String job) {
        return JOB + "=" + job + "," + ROLE + "=worker";
    }
}
