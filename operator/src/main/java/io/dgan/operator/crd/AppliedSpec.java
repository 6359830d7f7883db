package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;

/** What the current workers were started with; compared with the spec to classify a change. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AppliedSpec {
    public Integer workers;
    public String topologyType;
    public Integer gossipRounds;
    public Long topologySeed;
    /** Hash of everything that needs a restart to change (template, model, dataset, optimizer, training). */
    public String restartHash;
    /** spec.training.checkpointVolume.whenDeleted the claims' ownership follows (absent: Delete, they are owned). */
    public String checkpointsWhenDeleted;
}
