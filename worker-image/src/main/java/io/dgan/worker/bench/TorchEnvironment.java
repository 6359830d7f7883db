package io.dgan.worker.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The Python interpreter of the PyTorch reference: a current PyTorch from the package index, installed on first use
 * into a virtual environment that is kept and reused ({@link #defaultVenv()}: {@code $DGAN_TORCH_VENV}, else
 * {@code $XDG_CACHE_HOME/dgan/torch-venv}, else {@code ~/.cache/dgan/torch-venv}). Creating it runs
 * {@code python3 -m venv DIR} and {@code DIR/bin/python -m pip install torch numpy} (with {@code --index-url} when
 * one is given); a lock file next to it keeps two benchmarks from installing at once. Any other interpreter
 * (Debian's {@code /usr/bin/python3} with {@code python3-torch}, a conda environment) is used as given.
 */
public final class TorchEnvironment {
    /** What {@link #ensureVenv} installs. */
    public static final List<String> PACKAGES = List.of("torch", "numpy");
    private static final long INSTALL_TIMEOUT_MINUTES = 60;

    private TorchEnvironment() {
    }

    /** {@code $DGAN_TORCH_VENV}, else {@code $XDG_CACHE_HOME/dgan/torch-venv}, else {@code ~/.cache/dgan/torch-venv}. */
    public static Path defaultVenv() {
        String explicit = System.getenv("DGAN_TORCH_VENV");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String cache = System.getenv("XDG_CACHE_HOME");
        Path base = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("dgan").resolve("torch-venv");
    }

    public static Path venvPython(Path venv) {
        return venv.resolve("bin").resolve("python");
    }

    /**
     * The torch version {@code python} imports, or null when it cannot import torch (or does not run).
     */
    public static String torchVersion(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 && !out.isEmpty() ? out.substring(out.lastIndexOf('\n') + 1) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The venv's interpreter, creating the venv and installing {@link #PACKAGES} first when it cannot import torch.
     *
     * @param basePython the interpreter that creates the venv ({@code python3})
     * @param indexUrl   pip's {@code --index-url}, or null for pip's default (PyPI)
     * @param log        progress lines (pip's output goes to {@code venv/install.log})
     * @throws IOException naming the step that failed and the log to read
     */
    public static String ensureVenv(Path venv, String basePython, String indexUrl, Consumer<String> log)
            throws IOException, InterruptedException {
        String python = venvPython(venv).toString();
        if (Files.isExecutable(venvPython(venv)) && torchVersion(python) != null) {
            return python;
        }
        Files.createDirectories(venv.getParent());
        Path lockFile = venv.resolveSibling(venv.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            // Someone else may have finished the install while we waited for the lock.
            if (Files.isExecutable(venvPython(venv)) && torchVersion(python) != null) {
                return python;
            }
            Files.createDirectories(venv);
            Path installLog = venv.resolve("install.log");
            if (!Files.isExecutable(venvPython(venv))) {
                log.accept("creating " + venv + " (" + basePython + " -m venv)");
                exec(List.of(basePython, "-m", "venv", venv.toString()), installLog, "creating the venv");
            }
            List<String> pip = new ArrayList<>(List.of(python, "-m", "pip", "install", "--disable-pip-version-check"));
            if (indexUrl != null && !indexUrl.isBlank()) {
                pip.addAll(List.of("--index-url", indexUrl));
            }
            pip.addAll(PACKAGES);
            log.accept("installing " + String.join(" ", PACKAGES) + " into " + venv + " (first use; several minutes,"
                    + " about 1 GB with the CPU index, several GB from PyPI, which adds CUDA libraries; log: "
                    + installLog + ")");
            exec(pip, installLog, "pip install");
            String version = torchVersion(python);
            if (version == null) {
                throw new IOException("the venv " + venv + " still cannot import torch; see " + installLog);
            }
            log.accept("installed torch " + version + " into " + venv);
            return python;
        }
    }

    private static void exec(List<String> command, Path log, String what) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IOException(what + " failed: cannot run " + command.get(0) + " (" + e.getMessage() + ")");
        }
        if (!p.waitFor(INSTALL_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(what + " did not finish within " + INSTALL_TIMEOUT_MINUTES + " minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IOException(what + " failed (exit " + p.exitValue() + "); see " + log);
        }
    }

    /** Size of a directory tree in bytes (for the docs and the benchmark's report). */
    public static long sizeOf(Path dir) {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }
}
