package io.dgan.training;

import io.dgan.data.SampleSource;
import io.dgan.loss.AdversarialLoss;
import io.dgan.loss.GradientPenalty;
import io.dgan.model.GanModel;
import io.dgan.model.ModelNetwork;
import io.dgan.model.SpectralNorm;
import io.dgan.optimizer.GradientOracle;
import io.dgan.optimizer.Player;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The GAN as a {@link GradientOracle}: one call computes both players' gradients at the current parameters on one
 * fresh minibatch (a simultaneous step, G:D ratio 1:1), into the networks' gradient views, which the players alias.
 *
 * <p>Passes per call: G forward; D forward+backward on the fakes with the generator's loss, whose input-gradient
 * G back-propagates (this clobbers D's gradient view, so it goes first); then one D forward+backward on [real; fake]
 * whose parameter gradient is the discriminator's loss gradient; then, with an input-gradient penalty (WGAN-GP, R1,
 * R2), its exact parameter gradient added in place ({@link GradientPenalty}: a forward, backward and tangent pass of
 * D over the penalty's points). With a loss whose D-gradient on the fakes is a constant
 * multiple of G's ({@link AdversarialLoss#fakeGradientRatio()}, WGAN) the fakes are left out of the D pass and
 * their share of D's gradient is that multiple of the generator pass's D-gradient (exact: backprop is linear).
 *
 * <p>Minibatch, noise and interpolation weights come from a generator seeded by (seed, rank, iteration) alone:
 * the same call gives the same gradients, which is what makes {@code --resume} exact.
 */
public final class GanOracle implements GradientOracle {
    /** Cumulative wall time of computeGradients (written and read by the rank's own thread). */
    private long computeNanos;

    /** Loss values of the last call (the penalty is included in {@code discriminator}). */
    public record Losses(double generator, double discriminator, double penalty) {
    }

    private final GanModel model;
    private final AdversarialLoss loss;
    private final GradientPenalty penalty;
    private final SampleSource data;
    private final int batch;
    private final long seed;
    private final int rank;
    private final List<Player> players;
    private volatile Losses last = new Losses(Double.NaN, Double.NaN, 0);
    /** D's gradient from the generator's pass, when the loss lets D reuse it ({@link AdversarialLoss#fakeGradientRatio()}). */
    private INDArray fakeGradBuffer;

    public GanOracle(GanModel model, AdversarialLoss loss, SampleSource data, int batch, long seed, int rank) {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        }
        if (!data.shape().equals(model.sampleShape())) {
            throw new IllegalArgumentException("data samples are " + data.shape().describe() + " but model "
                    + model.kind() + " expects " + model.sampleShape().describe());
        }
        this.model = model;
        this.loss = loss;
        this.penalty = loss.penalty();
        this.data = data;
        this.batch = batch;
        this.seed = seed;
        this.rank = rank;
        this.players = model.generator().dataType() == DataType.FLOAT ? model.players() : List.of();
    }

    @Override
    public List<Player> players() {
        return players;
    }

    public GanModel model() {
        return model;
    }

    public Losses lastLosses() {
        return last;
    }

    /** The random stream of one (seed, rank, iteration). */
    SplittableRandom random(long iteration) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + rank * 0xC2B2AE3D27D4EB4FL + iteration);
    }

    private record Batch(INDArray real, INDArray noise, double[] mix) {
    }

    private Batch draw(long iteration) {
        SplittableRandom rng = random(iteration);
        INDArray real = data.batch(batch, rng).castTo(model.generator().dataType());
        INDArray z = noise(batch, model.noiseDim(), rng, model.generator().dataType());
        double[] u = new double[batch];
        for (int i = 0; i < batch; i++) {
            u[i] = rng.nextDouble();
        }
        return new Batch(real, z, u);
    }

    static INDArray noise(int rows, int dim, SplittableRandom rng, DataType type) {
        float[] z = new float[rows * dim];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) io.dgan.random.PortableGaussian.next(rng);
        }
        return Nd4j.create(z, new long[]{rows, dim}).castTo(type);
    }

    /** State besides the parameters that a checkpoint must hold (spectral norm's u vectors), by block name. */
    public java.util.Map<String, java.nio.FloatBuffer> stateBuffers() {
        SpectralNorm sn = model.discriminator().spectralNorm();
        return sn == null ? java.util.Map.of() : java.util.Map.of("D.sn.u", sn.state());
    }

    @Override
    public void computeGradients(long iteration) {
        long t0 = System.nanoTime();
        // Spectral norm: D computes with W/σ(W) during every pass of this call (one power-iteration step per call);
        // its gradient is then mapped back to the raw W that the optimizer and gossip see.
        withNormalizedDiscriminator(true, () -> {
            passes(iteration);
            return null;
        });
        // Before the optimizer averages, gossips or applies any of it: a neighbour would refuse a non-finite vector
        // (and wait for a valid one), and a checkpoint must never hold one.
        String nonFinite = Diverged.nonFinite(last, players);
        if (nonFinite != null) {
            throw new Diverged(rank, iteration, nonFinite);
        }
        computeNanos += System.nanoTime() - t0;
    }

    /** Wall time spent in {@link #computeGradients} so far (nanoseconds, cumulative; the run's metrics use it). */
    public long computeNanos() {
        return computeNanos;
    }

    /**
     * Runs {@code body} with D's weights spectrally normalised when D has spectral norm, and restores them after.
     * {@code training}: take one power-iteration step first and map D's gradient back to the raw W afterwards.
     */
    private <T> T withNormalizedDiscriminator(boolean training, java.util.function.Supplier<T> body) {
        SpectralNorm sn = model.discriminator().spectralNorm();
        if (sn == null) {
            return body.get();
        }
        sn.normalize(training);
        try {
            return body.get();
        } finally {
            sn.finish(training);
        }
    }

    private void passes(long iteration) {
        ModelNetwork g = model.generator();
        ModelNetwork d = model.discriminator();
        Batch b = draw(iteration);
        INDArray fake = g.forward(b.noise(), true).dup();

        // Generator: L_G through D (D's parameter gradient from this pass is overwritten below, unless reused).
        double[] sFake = scores(d.forward(fake, true));
        double[] epsG = new double[batch];
        double lossG = loss.generator(sFake, epsG);
        INDArray dFake = d.backward(column(epsG, d.dataType()));
        g.backward(dFake);
        // When dL_D/dsFake = c·dL_G/dsFake (WGAN), D's gradient from the fakes is c × the one just computed.
        double ratio = loss.fakeGradientRatio();
        boolean reuse = !Double.isNaN(ratio);
        INDArray fakeGradD = null;
        if (reuse) {
            if (fakeGradBuffer == null) {
                fakeGradBuffer = Nd4j.createUninitializedDetached(d.gradients().dataType(), d.gradients().shape());
            }
            fakeGradD = fakeGradBuffer.assign(d.gradients()); // kept across calls: no parameter-sized allocation
        }

        // Discriminator: one pass over real and fake (detached; skipped when reused).
        INDArray all = reuse ? b.real() : Nd4j.concat(0, b.real(), fake);
        double[] s = scores(d.forward(all, true));
        double[] sReal = java.util.Arrays.copyOfRange(s, 0, batch);
        double[] sFakeD = reuse ? sFake : java.util.Arrays.copyOfRange(s, batch, 2 * batch);
        double[] eps = new double[s.length];
        double[] dReal = new double[batch];
        double[] dFakeD = new double[batch];
        double lossD = loss.discriminator(sReal, sFakeD, dReal, dFakeD);
        System.arraycopy(dReal, 0, eps, 0, batch);
        if (reuse) {
            for (int i = 0; i < batch; i++) {
                if (Math.abs(dFakeD[i] - ratio * epsG[i]) > 1e-12 * Math.max(1, Math.abs(dFakeD[i]))) {
                    throw new IllegalStateException(loss.name() + ": fakeGradientRatio " + ratio
                            + " does not hold at sample " + i + " (" + dFakeD[i] + " vs " + epsG[i] + ")");
                }
            }
        } else {
            System.arraycopy(dFakeD, 0, eps, batch, batch);
        }
        d.backward(column(eps, d.dataType()));
        if (reuse) {
            d.gradients().addi(fakeGradD.muli(ratio));
        }
        // The penalty's exact gradient, added to the loss's in D's gradient view.
        double p = penalty == null ? 0 : penalty.addGradient(d, penalty.points(b.real(), fake, b.mix()));
        last = new Losses(lossG, lossD + p, p);
    }

    /** Losses at the current parameters for the minibatch of {@code iteration} (the WGAN-GP penalty overwrites D's gradient view). */
    public Losses evaluate(long iteration) {
        return withNormalizedDiscriminator(false, () -> evaluateAt(iteration));
    }

    private Losses evaluateAt(long iteration) {
        ModelNetwork g = model.generator();
        ModelNetwork d = model.discriminator();
        Batch b = draw(iteration);
        INDArray fake = g.forward(b.noise(), false).dup();
        double[] sFake = scores(d.forward(fake, false));
        double[] sReal = scores(d.forward(b.real(), false));
        double lossG = loss.generator(sFake, new double[batch]);
        double lossD = loss.discriminator(sReal, sFake, new double[batch], new double[batch]);
        double p = penalty == null ? 0 : penalty.value(d, penalty.points(b.real(), fake, b.mix()));
        return new Losses(lossG, lossD + p, p);
    }

    /** {@code count} generator samples from noise of a separate seeded stream (evaluation, sample grids). */
    public INDArray sample(int count, long sampleSeed) {
        INDArray z = noise(count, model.noiseDim(), new SplittableRandom(sampleSeed), model.generator().dataType());
        return model.generator().forward(z, false).dup();
    }

    private static double[] scores(INDArray out) {
        return out.castTo(DataType.DOUBLE).reshape(out.length()).toDoubleVector();
    }

    private static INDArray column(double[] v, DataType type) {
        return Nd4j.createFromArray(v).castTo(type).reshape(v.length, 1);
    }
}
