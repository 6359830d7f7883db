package io.dgan.worker.cli;

import io.dgan.bench.JitWarmup;
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

import com.fasterxml.jackson.databind.JsonNode;
import io.dgan.worker.bench.InterleavedRunner;
import io.dgan.worker.bench.TorchEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;

/**
 * {@code dgan bench step}: the time of one training iteration of one worker (the oracle's simultaneous G/D
 * gradients plus the optimistic Adam update), with the WGAN loss without and with the gradient penalty (the step
 * the PyTorch scripts take), on random 28×28 images (32×32×3 for resnet-wgan-gp), against the same step in PyTorch.
 *
 * <p>Measured fairly: DL4J runs in a child JVM and PyTorch in its own Python process, one at a time, never side by
 * side, over {@code --rounds} rounds whose order alternates ({@link InterleavedRunner}); this process only waits
 * (it does not load ND4J). Wall and process CPU time per step are reported as min / median / max over the rounds'
 * medians, the ratio as the median of the per-round ratios, with the exact versions and the load average around
 * every run. The reference's interpreter is a current PyTorch installed on first use into a cached venv
 * ({@link TorchEnvironment}); {@code --python} names another one, {@code --debian-torch} Debian's.
 */
@Command(name = "step", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Time one training iteration (DL4J), without and with the gradient penalty, against the same "
                + "step in PyTorch, each in its own process, interleaved over several rounds.")
public final class BenchStepCommand implements Callable<Integer> {
    /** Scripts of the PyTorch references, by base model. */
    private static final Map<String, String> SCRIPTS = Map.of("dcgan", "/bench/dcgan_step.py",
            "resnet-wgan-gp", "/bench/resnet_step.py");
    private static final Duration SIDE_TIMEOUT = Duration.ofMinutes(30);

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "dcgan", description = "dcgan | dcgan-small | mlp | resnet-wgan-gp "
            + "(32×32×3 images) (default ${DEFAULT-VALUE}; PyTorch references for dcgan and resnet-wgan-gp)")
    String model;

    @Option(names = "--spectral-norm", description = "spectral normalisation of the discriminator (DL4J side only)")
    boolean spectralNorm;

    @Option(names = "--batch", defaultValue = "64", description = "minibatch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--iterations", defaultValue = "10", description = "timed iterations per round and side (default ${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed iterations first, in every process (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--max-warmup", defaultValue = "300", description = "untimed iterations at most on the DL4J side: "
            + "after --warmup it goes on until the JIT compilers are quiet (under 5 %% of the time of the last "
            + "steps, at least 10 and at least 1 s of them), the steady state of a training run; = --warmup for a fixed count (default ${DEFAULT-VALUE})")
    int maxWarmup;

    @Option(names = "--rounds", defaultValue = "3", description = "rounds; each runs both sides once, in alternating order (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--threads", defaultValue = "2", description = "ND4J/BLAS (and torch) threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--python", description = "interpreter for the PyTorch reference, used as is (default: the cached venv, see --torch-venv)")
    String python;

    @Option(names = "--debian-torch", description = "use Debian's python3-torch (/usr/bin/python3) as the reference")
    boolean debianTorch;

    @Option(names = "--torch-venv", description = "the cached venv with a current PyTorch, created on first use "
            + "(default $DGAN_TORCH_VENV, else $XDG_CACHE_HOME/dgan/torch-venv, else ~/.cache/dgan/torch-venv)")
    Path torchVenv;

    @Option(names = "--torch-index-url", description = "pip --index-url for creating the venv, e.g. "
            + "https://download.pytorch.org/whl/cpu (CPU-only wheels, about 1 GB installed; default: PyPI)")
    String torchIndexUrl;

    @Option(names = "--no-install", description = "do not create the venv; without one, time DL4J alone")
    boolean noInstall;

    @Option(names = "--no-reference", description = "time DL4J alone")
    boolean noReference;

    @Option(names = "--side", hidden = true, description = "dl4j: measure the DL4J side in this process and print its samples")
    String side;

    @Option(names = "--variant", hidden = true, description = "with --side: step (no GP) or stepGp only (profiling)")
    String variant;

    @Option(names = "--json", description = "print one JSON object on stdout")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (batch < 1 || iterations < 1 || warmup < 0 || threads < 1 || rounds < 1) {
            throw new ParameterException(spec.commandLine(),
                    "--batch, --iterations, --threads, --rounds must be >= 1 and --warmup >= 0");
        }
        if (maxWarmup < warmup) {
            throw new ParameterException(spec.commandLine(), "--max-warmup: expected at least --warmup (" + warmup
                    + "), got " + maxWarmup);
        }
        if (!GanModels.isValid(model)) {
            throw new ParameterException(spec.commandLine(), "--model: expected one of " + GanModels.NAMES + ", got '" + model + "'");
        }
        if (side != null && !side.equals("dl4j")) {
            throw new ParameterException(spec.commandLine(), "--side: expected dl4j, got '" + side + "'");
        }
        if (python != null && debianTorch) {
            throw new ParameterException(spec.commandLine(), "--python and --debian-torch: give one of them");
        }
        if (side != null) {
            return measureDl4j();
        }
        return compare();
    }

    // ------------------------------------------------------------------ coordinator

    private int compare() throws IOException, InterruptedException {
        java.io.PrintWriter err = spec.commandLine().getErr();
        String base = GanModels.baseName(model);
        String script = SCRIPTS.get(base);
        String referencePython = null;
        String noReferenceWhy = null;
        if (script == null) {
            noReferenceWhy = "no PyTorch reference for --model " + model;
        } else if (noReference) {
            noReferenceWhy = "--no-reference";
        } else {
            String given = debianTorch ? "/usr/bin/python3" : python;
            if (given != null) {
                if (TorchEnvironment.torchVersion(given) == null) {
                    throw new ParameterException(spec.commandLine(), (debianTorch ? "--debian-torch: " : "--python: ")
                            + given + " cannot import torch");
                }
                referencePython = given;
            } else {
                Path venv = torchVenv != null ? torchVenv : TorchEnvironment.defaultVenv();
                if (noInstall && TorchEnvironment.torchVersion(TorchEnvironment.venvPython(venv).toString()) == null) {
                    noReferenceWhy = "--no-install and no PyTorch in " + venv;
                } else {
                    try {
                        referencePython = TorchEnvironment.ensureVenv(venv, "python3", torchIndexUrl,
                                line -> { err.println("dgan bench step: " + line); err.flush(); });
                    } catch (IOException e) {
                        err.println("dgan bench step: the PyTorch reference could not be set up: " + e.getMessage()
                                + " (--python names another interpreter, --no-reference times DL4J alone)");
                        return 1;
                    }
                }
            }
        }
        Path scriptFile = null;
        try {
            List<InterleavedRunner.Side> sides = new ArrayList<>();
            // The environment a worker runs with (the launcher and the images set it; a JVM started otherwise may lack it).
            sides.add(new InterleavedRunner.Side("dl4j", dl4jCommand(), io.dgan.model.NativeBackend.processEnvironment()));
            if (referencePython != null) {
                scriptFile = Files.createTempFile("dgan-bench-", ".py");
                try (InputStream in = BenchStepCommand.class.getResourceAsStream(script)) {
                    Files.write(scriptFile, in.readAllBytes());
                }
                sides.add(new InterleavedRunner.Side("torch", List.of(referencePython, scriptFile.toString(),
                        String.valueOf(batch), String.valueOf(iterations), String.valueOf(warmup), String.valueOf(threads))));
            }
            double loadStart = InterleavedRunner.loadAverage();
            String startedAt = java.time.Instant.now().toString();
            List<InterleavedRunner.Run> runs;
            try {
                runs = new InterleavedRunner(sides, rounds, SIDE_TIMEOUT, line -> {
                    err.println("dgan bench step: " + line);
                    err.flush();
                }).run();
            } catch (IOException e) {
                err.println("dgan bench step: " + e.getMessage());
                return 1;
            }
            Map<String, Object> out = summarise(runs, referencePython != null, noReferenceWhy);
            out.put("startedAt", startedAt);
            out.put("hardware", InterleavedRunner.hardware());
            out.put("loadAverage", Map.of("start", loadStart, "end", InterleavedRunner.loadAverage()));
            printHuman(err, out);
            if (json) {
                spec.commandLine().getOut().println(JsonOutput.toJson(out));
                spec.commandLine().getOut().flush();
            }
            return 0;
        } finally {
            if (scriptFile != null) {
                Files.deleteIfExists(scriptFile);
            }
        }
    }

    /** The child JVM of the DL4J side: this JVM's options and class path, {@code bench step --side dl4j}. */
    private List<String> dl4jCommand() {
        List<String> cmd = new ArrayList<>(ChildCli.command());
        cmd.addAll(List.of("bench", "step",
                "--side", "dl4j", "--model", model, "--batch", String.valueOf(batch),
                "--iterations", String.valueOf(iterations), "--warmup", String.valueOf(warmup),
                "--max-warmup", String.valueOf(maxWarmup), "--threads", String.valueOf(threads)));
        if (spectralNorm) {
            cmd.add("--spectral-norm");
        }
        return cmd;
    }

    private Map<String, Object> summarise(List<InterleavedRunner.Run> runs, boolean withTorch, String noReferenceWhy) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", GanModels.withSpectralNorm(model, spectralNorm));
        out.put("batch", batch);
        out.put("threads", threads);
        out.put("rounds", rounds);
        out.put("iterations", iterations);
        out.put("warmup", warmup);
        out.put("maxWarmup", maxWarmup);
        out.put("loss", "wgan (wgan-gp:0), and wgan-gp (lambda 10)");
        JsonNode dl4jMeta = runs.stream().filter(r -> r.side().equals("dl4j")).findFirst().orElseThrow().result();
        out.put("dl4j", metadata(dl4jMeta));
        out.put("backend", dl4jMeta.path("backend").asText());
        out.put("dl4jMsStep", medianOfRounds(runs, "dl4j", "step", "ms"));
        out.put("dl4jMsStepGp", medianOfRounds(runs, "dl4j", "stepGp", "ms"));
        out.put("dl4jCpuMsStep", medianOfRounds(runs, "dl4j", "step", "cpuMs"));
        out.put("dl4jCpuMsStepGp", medianOfRounds(runs, "dl4j", "stepGp", "cpuMs"));
        Map<String, Object> spread = new LinkedHashMap<>();
        spread.put("dl4j", spreads(runs, "dl4j"));
        if (withTorch) {
            JsonNode torchMeta = runs.stream().filter(r -> r.side().equals("torch")).findFirst().orElseThrow().result();
            Map<String, Object> torch = metadata(torchMeta);
            torch.put("msStep", medianOfRounds(runs, "torch", "step", "ms"));
            torch.put("msStepGp", medianOfRounds(runs, "torch", "stepGp", "ms"));
            torch.put("cpuMsStep", medianOfRounds(runs, "torch", "step", "cpuMs"));
            torch.put("cpuMsStepGp", medianOfRounds(runs, "torch", "stepGp", "cpuMs"));
            out.put("torch", torch);
            out.put("ratioToTorch", ratio(runs, "step", "ms").median());
            out.put("ratioToTorchGp", ratio(runs, "stepGp", "ms").median());
            out.put("cpuRatioToTorch", ratio(runs, "step", "cpuMs").median());
            out.put("cpuRatioToTorchGp", ratio(runs, "stepGp", "cpuMs").median());
            spread.put("torch", spreads(runs, "torch"));
            Map<String, Object> ratios = new LinkedHashMap<>();
            for (String variant : List.of("step", "stepGp")) {
                ratios.put(variant, Map.of("ms", ratio(runs, variant, "ms").toMap(),
                        "cpuMs", ratio(runs, variant, "cpuMs").toMap()));
            }
            spread.put("ratio", ratios);
        } else {
            out.put("torch", null);
            out.put("noReference", noReferenceWhy);
        }
        out.put("spread", spread);
        List<Map<String, Object>> runList = new ArrayList<>();
        for (InterleavedRunner.Run r : runs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", r.round() + 1);
            m.put("position", r.position() + 1);
            m.put("side", r.side());
            m.put("seconds", r.seconds());
            m.put("loadBefore", r.loadBefore());
            m.put("loadAfter", r.loadAfter());
            m.put("msStep", InterleavedRunner.median(InterleavedRunner.samples(r, "step", "ms")));
            m.put("msStepGp", InterleavedRunner.median(InterleavedRunner.samples(r, "stepGp", "ms")));
            if (r.result().has("warmupSteps")) {
                m.put("warmupSteps", r.result().path("warmupSteps").asInt());
                m.put("warmupStepsGp", r.result().path("warmupStepsGp").asInt());
            }
            m.put("stragglersKilled", r.stragglersKilled());
            runList.add(m);
        }
        out.put("runs", runList);
        return out;
    }

    private static Map<String, Object> metadata(JsonNode result) {
        Map<String, Object> m = new LinkedHashMap<>();
        result.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("samples") && e.getValue().isValueNode()) {
                m.put(e.getKey(), e.getValue().isNumber() ? e.getValue().numberValue() : e.getValue().isBoolean()
                        ? e.getValue().booleanValue() : e.getValue().asText());
            }
        });
        return m;
    }

    private static double medianOfRounds(List<InterleavedRunner.Run> runs, String side, String variant, String metric) {
        return InterleavedRunner.Spread.of(InterleavedRunner.roundMedians(runs, side, variant, metric)).median();
    }

    private static InterleavedRunner.Spread ratio(List<InterleavedRunner.Run> runs, String variant, String metric) {
        return InterleavedRunner.Spread.of(InterleavedRunner.roundRatios(runs, "dl4j", "torch", variant, metric));
    }

    private static Map<String, Object> spreads(List<InterleavedRunner.Run> runs, String side) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String variant : List.of("step", "stepGp")) {
            m.put(variant, Map.of(
                    "ms", InterleavedRunner.Spread.of(InterleavedRunner.roundMedians(runs, side, variant, "ms")).toMap(),
                    "cpuMs", InterleavedRunner.Spread.of(InterleavedRunner.roundMedians(runs, side, variant, "cpuMs")).toMap()));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private void printHuman(java.io.PrintWriter err, Map<String, Object> out) {
        Map<String, Object> spread = (Map<String, Object>) out.get("spread");
        List<String> dl4jWarmups = new ArrayList<>();
        for (Map<String, Object> run : (List<Map<String, Object>>) out.get("runs")) {
            if (run.containsKey("warmupSteps")) {
                dl4jWarmups.add(run.get("warmupSteps") + "/" + run.get("warmupStepsGp"));
            }
        }
        err.printf("bench step %s, batch %d, %d threads, %d rounds × %d steps per side after %d warm-up steps (DL4J: "
                        + "until its JIT is quiet, at most %d; took %s, no GP/GP); %s; load %s%n",
                out.get("model"), batch, threads, rounds, iterations, warmup, maxWarmup, String.join(", ", dl4jWarmups),
                out.get("hardware"), out.get("loadAverage"));
        err.printf("  DL4J  %s%n", out.get("dl4j"));
        printSide(err, "DL4J", (Map<String, Object>) spread.get("dl4j"));
        if (out.get("torch") instanceof Map<?, ?> torch) {
            err.printf("  PyTorch %s%n", torch);
            printSide(err, "PyTorch", (Map<String, Object>) spread.get("torch"));
            Map<String, Object> ratios = (Map<String, Object>) spread.get("ratio");
            for (String variant : List.of("step", "stepGp")) {
                Map<String, Object> r = (Map<String, Object>) ratios.get(variant);
                err.printf("  DL4J / PyTorch, %-7s wall %s  CPU %s (min / median / max of per-round ratios)%n",
                        variant.equals("step") ? "no GP" : "GP", triple((Map<String, Object>) r.get("ms"), "×"),
                        triple((Map<String, Object>) r.get("cpuMs"), "×"));
            }
        } else {
            err.println("  no PyTorch reference: " + out.get("noReference"));
        }
    }

    @SuppressWarnings("unchecked")
    private static void printSide(java.io.PrintWriter err, String name, Map<String, Object> side) {
        for (String variant : List.of("step", "stepGp")) {
            Map<String, Object> v = (Map<String, Object>) side.get(variant);
            err.printf("  %-8s %-6s wall %s ms  CPU %s ms (min / median / max of round medians)%n", name,
                    variant.equals("step") ? "no GP" : "GP", triple((Map<String, Object>) v.get("ms"), ""),
                    triple((Map<String, Object>) v.get("cpuMs"), ""));
        }
    }

    private static String triple(Map<String, Object> m, String unit) {
        String f = unit.isEmpty() ? "%.1f" : "%.2f";
        return String.format(f + " / " + f + " / " + f + unit, m.get("min"), m.get("median"), m.get("max"));
    }

    // ------------------------------------------------------------------ the DL4J side (child JVM)

    private int measureDl4j() {
        String base = GanModels.baseName(model);
        String name = GanModels.withSpectralNorm(model, spectralNorm);
        Shape shape = base.equals("mlp") ? Shape.vector(2)
                : base.equals("resnet-wgan-gp") ? Shape.image(3, 32, 32) : Shape.image(1, 28, 28);
        PrintStream stdout = System.out;
        java.io.PrintWriter jsonOut = spec.commandLine().getOut();
        System.setOut(System.err);
        try {
            NativeBackend.limitThreads(threads);
            Samples none = new Samples(new double[0], new double[0], 0);
            Samples plain = "stepGp".equals(variant) ? none : samples(name, shape, "wgan-gp:0");
            Samples gp = "step".equals(variant) ? none : samples(name, shape, "wgan-gp");
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                    + Runtime.version());
            out.put("nd4j", nd4jVersion());
            out.put("backend", NativeBackend.describe());
            out.put("threads", threads);
            out.put("warmupSteps", plain.warmup());
            out.put("warmupStepsGp", gp.warmup());
            out.put("samples", Map.of("step", Map.of("ms", plain.ms(), "cpuMs", plain.cpuMs()),
                    "stepGp", Map.of("ms", gp.ms(), "cpuMs", gp.cpuMs())));
            jsonOut.println(JsonOutput.toJson(out));
            jsonOut.flush();
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }

    /** The version in the name of the jar ND4J's API was loaded from (nd4j-api-VERSION.jar), else "unknown". */
    private static String nd4jVersion() {
        String v = Nd4j.class.getPackage().getImplementationVersion();
        if (v != null) {
            return v;
        }
        try {
            String jar = Nd4j.class.getProtectionDomain().getCodeSource().getLocation().getPath();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("nd4j-api-([^/]+)\\.jar$").matcher(jar);
            return m.find() ? m.group(1) : "unknown";
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    /** Wall and process CPU ms of each timed step, and the untimed steps before them. */
    private record Samples(double[] ms, double[] cpuMs, int warmup) {
    }

    private Samples samples(String modelName, Shape shape, String lossName) {
        GanModel m = GanModels.create(modelName, shape, 1);
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
        // At least --warmup steps, then on until the JIT is quiet (at most --max-warmup): the steady state of a
        // training run of thousands of steps, not a fresh JVM's first ones (PyTorch's eager mode has no JIT to wait
        // for; its --warmup steps suffice).
        JitWarmup jit = new JitWarmup();
        while (jit.iterations() < warmup || (jit.iterations() < maxWarmup && !jit.quiet())) {
            jit.begin();
            opt.step(k++);
            jit.end();
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
        return new Samples(ms, cpu, jit.iterations());
    }
}
