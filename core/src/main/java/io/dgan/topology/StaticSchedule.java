package io.dgan.topology;

/** A topology whose W is the same at every iteration. */
public final class StaticSchedule implements MixingSchedule {
    private final TopologyType type;
    private final SparseMixingMatrix matrix;

    public StaticSchedule(TopologyType type, SparseMixingMatrix matrix) {
        this.type = type;
        this.matrix = matrix;
    }

    @Override
    public String type() {
        return type.cliName();
    }

    @Override
    public int workers() {
        return matrix.workers();
    }

    @Override
    public SparseMixingMatrix at(long iteration) {
        return matrix;
    }

    @Override
    public int period() {
        return 1;
    }
}
