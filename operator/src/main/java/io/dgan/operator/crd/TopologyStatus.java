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
}
