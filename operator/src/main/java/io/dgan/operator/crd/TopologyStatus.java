package io.dgan.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** The graph in force: its epoch (bumped on every rewire), spectral gap 1 - rho, connectivity, and the ranks
 * cut out of it while they are being replaced. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TopologyStatus {
    public String type;
    public Integer workers;
    public Long epoch;
    public Double spectralGap;
    public Double rho;
    public Boolean connected;
    public Integer gossipRounds;
    public Long seed;
    public List<Integer> excludedRanks = new ArrayList<>();
    /**
     * Rank (as a string key) to the epoch that took its replacement back into the graph; ranks there from the
     * start are absent. Published per rank as the topology file's {@code memberSince}: a worker that missed the
     * epoch which cut a rank out still learns that the rank is a new process that must join.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public java.util.Map<String, Long> memberSince = new java.util.TreeMap<>();
}
