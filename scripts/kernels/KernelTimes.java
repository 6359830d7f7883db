import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Locale;

/**
 * The DCGAN step's kernels (batch 64, 28x28), each timed alone through libnd4j with the arguments DL4J's layers give
 * it (oneDNN where libnd4j has it), median milliseconds over the timed calls. Pair: kernel_times.py, the same kernels
 * in PyTorch. Run with the worker's class path and 2 threads:
 *   OMP_NUM_THREADS=2 java -cp 'worker-image/target/lib/*' scripts/kernels/KernelTimes.java [calls]
 */
public class KernelTimes {
    static int calls = 50;

    public static void main(String[] args) {
        if (args.length > 0) calls = Integer.parseInt(args[0]);
        Nd4j.getRandom().setSeed(0);
        int b = 64;
        // D: conv 1->64 (28->14), conv 64->128 (14->7); k4 s2 p1, weights [oC, iC, kH, kW] (DL4J's layout)
        conv("D conv1 1->64 28->14", b, 1, 28, 64);
        conv("D conv2 64->128 14->7", b, 64, 14, 128);
        // G: deconv 128->64 (7->14), deconv 64->1 (14->28); k4 s2 p1; DL4J keeps [iC, oC, kH, kW] and passes a permuted view
        deconv("G deconv1 128->64 7->14", b, 128, 7, 64);
        deconv("G deconv2 64->1 14->28", b, 64, 14, 1);
        batchNorm("G batchnorm 128x7x7", b, 128, 7);
        batchNorm("G batchnorm 64x14x14", b, 64, 14);
        dense("G dense 100->6272", b, 100, 6272);
        dense("D dense 6272->1", b, 6272, 1);
    }

    static INDArray rand(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5f);
    }

    static void conv(String name, int b, int ci, int h, int co) {
        INDArray x = rand(b, ci, h, h), w = rand(co, ci, 4, 4), bias = rand(co), go = rand(b, co, h / 2, h / 2);
        int[] ia = {4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 1};
        INDArray y = Nd4j.create(DataType.FLOAT, b, co, h / 2, h / 2);
        INDArray gi = Nd4j.create(DataType.FLOAT, x.shape()), gw = Nd4j.create(DataType.FLOAT, w.shape()), gb = Nd4j.create(DataType.FLOAT, co);
        report(name, time(() -> Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(x, w, bias).addOutputs(y)
                        .addIntegerArguments(ia).build())),
                time(() -> Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(x, w, bias, go).addOutputs(gi, gw, gb)
                        .addIntegerArguments(ia).build())));
    }

    static void deconv(String name, int b, int ci, int h, int co) {
        INDArray x = rand(b, ci, h, h), w = rand(ci, co, 4, 4), bias = rand(co), go = rand(b, co, 2 * h, 2 * h);
        INDArray wp = w.permute(2, 3, 1, 0);
        int[] ia = {4, 4, 2, 2, 1, 1, 1, 1, 0, 0};
        INDArray y = Nd4j.create(DataType.FLOAT, b, co, 2 * h, 2 * h);
        INDArray gi = Nd4j.create(DataType.FLOAT, x.shape()), gw = Nd4j.create(DataType.FLOAT, wp.shape()), gb = Nd4j.create(DataType.FLOAT, co);
        report(name, time(() -> Nd4j.exec(DynamicCustomOp.builder("deconv2d").addInputs(x, wp, bias).addOutputs(y)
                        .addIntegerArguments(ia).build())),
                time(() -> Nd4j.exec(DynamicCustomOp.builder("deconv2d_bp").addInputs(x, wp, bias, go).addOutputs(gi, gw, gb)
                        .addIntegerArguments(ia).build())));
    }

    static void batchNorm(String name, int b, int c, int h) {
        INDArray x = rand(b, c, h, h), gamma = rand(c).addi(1), beta = rand(c), go = rand(b, c, h, h);
        INDArray y = Nd4j.create(DataType.FLOAT, x.shape());
        INDArray gi = Nd4j.create(DataType.FLOAT, x.shape()), gm = Nd4j.create(DataType.FLOAT, c), gv = Nd4j.create(DataType.FLOAT, c),
                gg = Nd4j.create(DataType.FLOAT, c), gbb = Nd4j.create(DataType.FLOAT, c);
        INDArray[] stats = new INDArray[2];
        // training mode: the batch's mean and variance (as DL4J's layer computes them), then the normalisation
        double fwd = time(() -> {
            stats[0] = x.mean(0, 2, 3);
            stats[1] = x.var(false, 0, 2, 3);
            Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x, stats[0], stats[1], gamma, beta).addOutputs(y)
                    .addFloatingPointArguments(1e-5).addIntegerArguments(1, 1, 1).build());
        });
        double bwd = time(() -> Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(x, stats[0], stats[1], gamma, beta, go).addOutputs(gi, gm, gv, gg, gbb)
                .addFloatingPointArguments(1e-5).addIntegerArguments(1, 1, 1).build()));
        report(name, fwd, bwd);
    }

    /** As DL4J's dense layer: weights an 'f'-order view, activations and gradients into 'f'-order arrays, bias broadcast. */
    static void dense(String name, int b, int in, int out) {
        INDArray x = rand(b, in), w = rand(in, out).dup('f'), bias = rand(1, out), go = rand(b, out).dup('f');
        INDArray y = Nd4j.create(DataType.FLOAT, new long[]{b, out}, 'f');
        INDArray gi = Nd4j.create(DataType.FLOAT, new long[]{b, in}, 'f'), gw = Nd4j.create(DataType.FLOAT, new long[]{in, out}, 'f');
        INDArray gb = Nd4j.create(DataType.FLOAT, 1, out);
        report(name, time(() -> x.mmuli(w, y).addiRowVector(bias)),
                time(() -> {
                    Nd4j.gemm(x, go, gw, true, false, 1.0, 0.0);   // dL/dW = xᵀ·δ
                    Nd4j.gemm(go, w, gi, false, true, 1.0, 0.0);   // dL/dx = δ·Wᵀ
                    go.sum(gb, 0);
                }));
    }

    static double time(Runnable r) {
        for (int i = 0; i < 10; i++) r.run();
        double[] t = new double[calls];
        for (int i = 0; i < calls; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return t[calls / 2];
    }

    static void report(String name, double fwd, double bwd) {
        System.out.printf(Locale.ROOT, "{\"kernel\": \"%s\", \"forwardMs\": %.3f, \"backwardMs\": %.3f}%n", name, fwd, bwd);
    }
}
