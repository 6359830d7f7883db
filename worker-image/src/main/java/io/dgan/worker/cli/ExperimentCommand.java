package io.dgan.worker.cli;

import io.dgan.worker.experiment.ExperimentReport;
import io.dgan.worker.experiment.ExperimentRunner;
import io.dgan.worker.experiment.ExperimentSpec;
import io.dgan.worker.experiment.PlannedRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dgan experiment SPEC}: a grid of {@code dgan train} runs (algorithms × workers × topologies × link
 * emulation × seeds ...), one after another, resumable, into one results table and a set of plots.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a grid of dgan train runs from a spec (YAML or JSON; examples/experiments/) and report "
                + "them together: results.csv (one row per run), groups.csv (runs differing only in the seed: mean, "
                + "std, min, max), results.json, and plots/ (each quality measure against iterations and training "
                + "time, consensus distance, the time per iteration split).",
                "Rerunning the same command resumes: finished runs are kept, interrupted ones continue from their "
                        + "last checkpoint."})
public final class ExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SPEC", description = "the experiment spec (YAML or JSON)")
    Path specFile;

    @Option(names = "--out", description = "output directory (default runs/experiment-<name>): runs/<id>/ "
            + "(each run's dgan train directory), logs/<id>.log, results.csv, groups.csv, results.json, plots/")
    Path out;

    @Option(names = "--dry-run", description = "check the spec and every run's flags, print the runs, run nothing")
    boolean dryRun;

    @Option(names = "--report-only", description = "rebuild the tables and plots from the runs already finished")
    boolean reportOnly;

    @Option(names = "--keep-going", description = "go on with the next run when one fails (default: stop at the "
            + "first failure; rerunning resumes)")
    boolean keepGoing;

    @Option(names = "--json", description = "print results.json on stdout")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cmd = spec.commandLine();
        PrintWriter err = cmd.getErr();
        ExperimentSpec experiment;
        try {
            experiment = ExperimentSpec.read(specFile);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, e.getMessage());
        }
        List<PlannedRun> runs;
        try {
            runs = experiment.runs();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cmd, "spec " + specFile + ": " + e.getMessage());
        }
        for (PlannedRun r : runs) {
            try {
                TrainCommand.check(r.trainArgs());
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, "spec " + specFile + ": run " + r.id() + ": " + e.getMessage()
                        + "; the keys under train and grid are dgan train's flags ('dgan train --help')");
            }
        }
        Path dir = out != null ? out : Path.of("runs", "experiment-" + experiment.name());
        Path runsDir = dir.resolve("runs");
        if (dryRun) {
            err.printf("dgan experiment %s: %d runs into %s%n", experiment.name(), runs.size(), dir);
            for (PlannedRun r : runs) {
                err.println("  " + r.id() + ": dgan train " + String.join(" ", r.trainArgs()));
            }
            err.flush();
            return 0;
        }
        ExperimentRunner runner = new ExperimentRunner(runsDir, dir.resolve("logs"), ChildCli.command(), err);
        List<String> failed = List.of();
        if (!reportOnly) {
            try {
                runner.checkDirectories(runs);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(cmd, e.getMessage());
            }
            copySpec(dir);
            err.printf("dgan experiment %s: %d runs into %s%n", experiment.name(), runs.size(), dir);
            err.flush();
            failed = runner.runAll(runs, keepGoing, r -> ExperimentReport.build(experiment, runsDir).write(dir));
        }
        ExperimentReport report = ExperimentReport.build(experiment, runsDir);
        Map<String, Object> doc = report.write(dir);
        printGroups(err, report);
        err.printf("dgan experiment: results in %s (results.csv, groups.csv, results.json, plots/)%s%n", dir,
                failed.isEmpty() ? "" : "; failed runs: " + String.join(", ", failed));
        err.flush();
        if (json) {
            cmd.getOut().println(JsonOutput.toJson(doc));
            cmd.getOut().flush();
        }
        return failed.isEmpty() ? 0 : 1;
    }

    /**
     * One line per group: the primary measure's mean ± std and training time (not for timing runs, whose curve comes
     * from another group), the time per iteration and the comparison's ratio.
     */
    private static void printGroups(PrintWriter err, ExperimentReport report) {
        String metric = report.primaryMetric();
        for (Map<String, Object> g : report.groupRows()) {
            boolean estimated = Boolean.TRUE.equals(g.get("estimated"));
            boolean timing = Boolean.TRUE.equals(g.get("timing"));
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s: %s/%s runs done", g.get("group"),
                    g.get("done"), g.get("runs")));
            if (g.get("diverged") instanceof Number d && d.longValue() > 0) {
                line.append(String.format(Locale.ROOT, " (%d diverged)", d.longValue()));
            }
            if (metric != null && !timing && g.get(metric + "Mean") instanceof Double m) {
                line.append(String.format(Locale.ROOT, ", %s %.4g", metric, m));
                if (g.get(metric + "Std") instanceof Double s) {
                    line.append(String.format(Locale.ROOT, " ± %.2g", s));
                }
                if (g.get("trainingSecondsMean") instanceof Double t) {
                    line.append(String.format(Locale.ROOT, " after %.0f s training", t));
                }
            }
            if (g.get("steadyIterMs") instanceof Double ms) {
                line.append(String.format(Locale.ROOT, ", %.1f ms/iteration", ms));
            }
            if (g.get("ratio") instanceof Double ratio) {
                line.append(String.format(Locale.ROOT, ", time to the reference's %s %.2f× the reference's%s",
                        metric, ratio, estimated ? " (estimated from the curve of the runs without emulation)" : ""));
            } else if (g.get("target") != null) {
                line.append(String.format(Locale.ROOT, ", reached the reference's %s in %s of %s runs", metric,
                        g.get("reached"), g.get("done")));
            }
            err.println(line);
        }
    }

    private void copySpec(Path dir) {
        try {
            Files.createDirectories(dir);
            String name = specFile.getFileName().toString();
            Files.copy(specFile, dir.resolve("spec" + name.substring(Math.max(0, name.lastIndexOf('.')))),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write into " + dir + ": " + e.getMessage(), e);
        }
    }
}
