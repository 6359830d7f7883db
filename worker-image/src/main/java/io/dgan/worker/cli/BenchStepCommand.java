package io.dgan.worker.cli;

import io.dgan.data.SampleSource;
import io.dgan.loss.AdversarialLoss;
import io.dgan.model.GanModel;
import io.dgan.model.GanModels;
import io.dgan.model.NativeBackend;
import io.dgan.model.Shape;
import io.dgan.optimizer.Algorithm;
import io.dgan.optimizer.DecentralizedOptimizer;
import io.dgan.optimizer.OptimizerConfig;
import io.dgan.optimizer.Optimizers;
import io.dgan.training.GanOracle;
import io.dgan.transport.InMemoryNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@code dgan bench step}: the time of one training iteration of one worker (the oracle's simultaneous G/D
 * gradients plus the optimistic Adam update), with the WGAN loss without and with the gradient penalty (the step
 * the PyTorch scripts take), on random 28×28 images (32×32×3 for resnet-wgan-gp). Wall time and process CPU time per
 * step are both reported: on a shared machine the CPU time is the steadier figure (it does not count time spent
 * waiting for a core).
 * When PyTorch is importable by {@code --python}, the same step in PyTorch is measured in the same run and the
 * ratio printed; the figures documented in stack.md are printed as a labelled, not-measured-here reference.
 */
@Command(name = "step", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time one training iteration (DL4J), without and with the gradient penalty, against PyTorch "
                + "when installed.")
public final class BenchStepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "dcgan", description = "dcgan | dcgan-small | mlp | resnet-wgan-gp "
            + "(32×32×3 images) (default ${DEFAULT-VALUE}; PyTorch references for dcgan and resnet-wgan-gp)")
    String model;

    @Option(names = "--spectral-norm", description = "spectral normalisation of the discriminator (DL4J side only)")
    boolean spectralNorm;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iterations", defaultValue = "10", description = "timed iterations (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed iterations first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", defaultValue = "2", description = "ND4J/BLAS (and torch) threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "interpreter for the PyTorch reference (default ${DEFAULT-VALUE})")
    String python;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || iterations < 1 || warmup < 0 || threads < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--batch, --iterations, --threads must be >= 1 and --warmup >= 0");
        }
        if (!GanModels.isValid(model)) {
            throw new ParameterException(spec.commandLine(), "--model: expected one of " + GanModels.NAMES + ", got '" + model + "'");
        }
        String base = GanModels.baseName(model);
        model = GanModels.withSpectralNorm(model, spectralNorm);
        Shape shape = base.equals("mlp") ? Shape.vector(2)
                : base.equals("resnet-wgan-gp") ? Shape.image(3, 32, 32) : Shape.image(1, 28, 28);
        PrintStream stdout = System.out;
        java.io.PrintWriter jsonOut = spec.commandLine().getOut();
        System.setOut(System.err);
        try {
            NativeBackend.limitThreads(threads);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model);
            out.put("batch", batch);
            out.put("threads", threads);
            out.put("backend", NativeBackend.describe());
            out.put("loss", "wgan (wgan-gp:0), and wgan-gp (lambda 10)");
            double[] plainT = median(shape, "wgan-gp:0");
            double[] gpT = median(shape, "wgan-gp");
            double plain = plainT[0];
            double gp = gpT[0];
            out.put("dl4jMsStep", plain);
            out.put("dl4jMsStepGp", gp);
            out.put("dl4jCpuMsStep", plainT[1]);
            out.put("dl4jCpuMsStepGp", gpT[1]);
            System.err.printf("DL4J (%s): %.1f ms/step, %.1f ms/step with the gradient penalty (median of %d);"
                    + " process CPU %.1f / %.1f ms/step%n", NativeBackend.describe(), plain, gp, iterations, plainT[1], gpT[1]);
            if (base.equals("dcgan") || base.equals("resnet-wgan-gp")) {
                Map<String, Object> torch = torchReference(base.equals("dcgan") ? "/bench/dcgan_step.py" : "/bench/resnet_step.py");
                if (torch != null) {
                    double tp = ((Number) torch.get("msStep")).doubleValue();
                    double tg = ((Number) torch.get("msStepGp")).doubleValue();
                    out.put("torch", torch);
                    out.put("ratioToTorch", plain / tp);
                    out.put("ratioToTorchGp", gp / tg);
                    System.err.printf("PyTorch %s (same run): %.1f / %.1f ms  →  DL4J is %.2f× / %.2f× its time%n",
                            torch.get("torch"), tp, tg, plain / tp, gp / tg);
                    if (torch.get("cpuMsStep") instanceof Number cp && torch.get("cpuMsStepGp") instanceof Number cg) {
                        out.put("cpuRatioToTorch", plainT[1] / cp.doubleValue());
                        out.put("cpuRatioToTorchGp", gpT[1] / cg.doubleValue());
                        System.err.printf("  process CPU: PyTorch %.1f / %.1f ms  →  DL4J is %.2f× / %.2f×%n",
                                cp.doubleValue(), cg.doubleValue(), plainT[1] / cp.doubleValue(), gpT[1] / cg.doubleValue());
                    }
                } else {
                    out.put("torch", null);
                    System.err.println("PyTorch not importable by " + python + ": no same-run reference");
                }
            }
            if (model.equals("dcgan")) {
                // Documented in docs/design/stack.md (2 threads, this kind of machine), NOT measured in this run;
                // measured on the generator without batch norm (before session 3).
                out.put("documentedTorch2xMs", Map.of("step", 72, "stepGp", 94));
                out.put("ratioToDocumentedTorch2x", Map.of("step", plain / 72, "stepGp", gp / 94));
            }
            if (json) {
                jsonOut.println(JsonOutput.toJson(out));
                jsonOut.flush();
            }
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }

    /** Medians of {wall ms, process CPU ms} per step. */
    private double[] median(Shape shape, String lossName) {
        GanModel m = GanModels.create(model, shape, 1);
        SampleSource data = new SampleSource() {
            @Override
            public Shape shape() {
                return shape;
            }

            @Override
            public INDArray batch(int size, RandomGenerator rng) {
                float[] v = new float[size * shape.length()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = rng.nextFloat() * 2 - 1;
                }
                return Nd4j.create(v, shape.batchShape(size));
            }
        };
        GanOracle oracle = new GanOracle(m, AdversarialLoss.parse(lossName), data, batch, 1, 0);
        DecentralizedOptimizer opt = Optimizers.create(OptimizerConfig.builder(Algorithm.DP_OADAM).build(), oracle,
                new InMemoryNetwork(1).transport(0), null);
        long k = 1;
        for (int i = 0; i < warmup; i++) {
            opt.step(k++);
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double[] ms = new double[iterations];
        double[] cpu = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long c = os.getProcessCpuTime();
            long t = System.nanoTime();
            opt.step(k++);
            ms[i] = (System.nanoTime() - t) / 1e6;
            cpu[i] = (os.getProcessCpuTime() - c) / 1e6;
            if (i % 10 == 9) {
                System.gc();
            }
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        return new double[]{ms[ms.length / 2], cpu[cpu.length / 2]};
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> torchReference(String resource) throws IOException, InterruptedException {
        Path script = Files.createTempFile("dgan-bench-", ".py");
        try (InputStream in = BenchStepCommand.class.getResourceAsStream(resource)) {
            Files.write(script, in.readAllBytes());
        }
        try {
            Process p = new ProcessBuilder(python, script.toString(), String.valueOf(batch), String.valueOf(iterations),
                    String.valueOf(warmup), String.valueOf(threads)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || text.isEmpty()) {
                return null;
            }
            String last = text.substring(text.lastIndexOf('\n') + 1);
            return JsonOutput.mapper().readValue(last, Map.class);
        } catch (IOException e) {
            return null; // no such interpreter
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
