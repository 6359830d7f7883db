package io.dgan.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ShardingTest {

    private static void assertPartition(int[][] shards, int n) {
        Set<Integer> seen = new HashSet<>();
        int total = 0;
        for (int[] s : shards) {
            for (int i : s) {
                assertThat(seen.add(i)).as("index %d in two shards", i).isTrue();
            }
            total += s.length;
        }
        assertThat(total).isEqualTo(n);
    }

    @Test
    void iidShardsPartitionDeterministically() {
        int[][] a = Sharding.iid(1003, 4, 9);
        assertPartition(a, 1003);
        assertThat(a).isDeepEqualTo(Sharding.iid(1003, 4, 9));
        assertThat(a[0]).isNotEqualTo(Sharding.iid(1003, 4, 10)[0]);
        for (int[] s : a) {
            assertThat(s.length).isBetween(250, 251);
        }
    }

    @Test
    void dirichletShardsAreSkewedForSmallAlphaAndBalancedForLarge() {
        int[] labels = new int[10_000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        int[][] skewed = Sharding.dirichlet(labels, 10, 4, 0.1, 3);
        int[][] flat = Sharding.dirichlet(labels, 10, 4, 1000, 3);
        assertPartition(skewed, 10_000);
        assertPartition(flat, 10_000);
        assertThat(skewed).isDeepEqualTo(Sharding.dirichlet(labels, 10, 4, 0.1, 3));
        // Largest class share of each worker: near 1/10 for α=1000, far above it for α=0.1.
        double skewedMax = 0;
        for (int w = 0; w < 4; w++) {
            skewedMax = Math.max(skewedMax, maxClassShare(skewed[w], labels));
            assertThat(maxClassShare(flat[w], labels)).isLessThan(0.13);
        }
        assertThat(skewedMax).isGreaterThan(0.3);
        assertThatThrownBy(() -> Sharding.Spec.parse("dirichlet:-1")).hasMessageContaining("--shard");
        assertThat(Sharding.Spec.parse("dirichlet:0.5").alpha()).isEqualTo(0.5);
    }

    @Test
    void dirichletSamplesHaveTheRightMean() {
        SplittableRandom rng = new SplittableRandom(1);
        double[] mean = new double[3];
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            double[] p = Sharding.sampleDirichlet(3, 0.3, rng);
            assertThat(Arrays.stream(p).sum()).isCloseTo(1, within(1e-9));
            for (int k = 0; k < 3; k++) {
                mean[k] += p[k] / n;
            }
        }
        for (double m : mean) {
            assertThat(m).isCloseTo(1.0 / 3, within(0.01));
        }
    }

    private static double maxClassShare(int[] shard, int[] labels) {
        int[] c = new int[10];
        for (int i : shard) {
            c[labels[i]]++;
        }
        return (double) Arrays.stream(c).max().orElse(0) / shard.length;
    }

    @Test
    void ringHasEightDistinctModesAndSamplesStayNearThem() {
        GaussianMixture ring = GaussianMixture.ring8();
        Set<String> distinct = new HashSet<>();
        for (double[] m : ring.modes()) {
            distinct.add(Math.round(m[0] * 1e6) + "," + Math.round(m[1] * 1e6));
            assertThat(Math.hypot(m[0], m[1])).isCloseTo(1, within(1e-12));
        }
        assertThat(distinct).hasSize(8);
        INDArray batch = ring.batch(2000, new SplittableRandom(4));
        assertThat(batch).isEqualTo(ring.batch(2000, new SplittableRandom(4)));
        for (int i = 0; i < 2000; i++) {
            double best = Double.MAX_VALUE;
            for (double[] m : ring.modes()) {
                best = Math.min(best, Math.hypot(batch.getDouble(i, 0) - m[0], batch.getDouble(i, 1) - m[1]));
            }
            assertThat(best).isLessThan(6 * ring.sigma());
        }
        assertThat(GaussianMixture.grid25().modes()).hasNumberOfRows(25);
    }

    /** A dataset too small for the workers: one line naming the flag and the counts, before any training. */
    @org.junit.jupiter.api.Test
    void aShardLeftWithoutImagesIsRefusedNamingTheFlag() {
        io.dgan.data.ImageDataset three = new io.dgan.data.ImageDataset("imgs", io.dgan.model.Shape.image(1, 2, 2),
                new byte[3 * 4], new int[] {0, 1, 0}, 2);
        Datasets.Source folder = new Datasets.Source("folder", null);
        org.assertj.core.api.Assertions.assertThat(Datasets.shard(folder, three, Sharding.Spec.parse("iid"), 3, 2, 0))
                .isNotNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> Datasets.shard(folder, three, Sharding.Spec.parse("iid"), 4, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--workers 4: imgs has 3 images, too few for one per worker (rank 0 would get none)");
    }
}
