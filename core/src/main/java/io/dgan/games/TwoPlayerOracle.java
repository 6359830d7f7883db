package io.dgan.games;

import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.Player;

import java.nio.FloatBuffer;
import java.util.List;

/** An oracle over two heap-backed players u and v of dimension d (the games' parameter layout). */
abstract class TwoPlayerOracle implements GradientOracle {
    protected final int d;
    protected final FloatBuffer u;
    protected final FloatBuffer v;
    protected final FloatBuffer gu;
    protected final FloatBuffer gv;
    private final List<Player> players;

    TwoPlayerOracle(float[][] initial) {
        this.d = initial[0].length;
        this.u = FloatBuffer.wrap(initial[0].clone());
        this.v = FloatBuffer.wrap(initial[1].clone());
        this.gu = FloatBuffer.allocate(d);
        this.gv = FloatBuffer.allocate(d);
        this.players = List.of(new Player("u", u, gu), new Player("v", v, gv));
    }

    @Override
    public List<Player> players() {
        return players;
    }
}
