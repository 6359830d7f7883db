package io.dgan.kube.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An OCI image archive (image layout in a tar) with one uncompressed layer, made from files on this machine: what
 * {@code ctr images import} loads into containerd where no registry and no image builder are at hand.
 */
public final class OciImage {
    private OciImage() {
    }

    /**
     * Writes {@code archive}: image {@code name} (e.g. {@code docker.io/dgan/pause:1}) whose root filesystem holds
     * {@code files} (path in the image → file here, made executable) and whose entrypoint is {@code entrypoint}.
     */
    public static Path write(Path archive, String name, Map<String, Path> files, List<String> entrypoint) {
        try {
            Path work = Files.createTempDirectory(archive.getParent(), "oci-");
            Path rootfs = Files.createDirectories(work.resolve("rootfs"));
            for (var e : files.entrySet()) {
                Path target = rootfs.resolve(e.getKey().replaceFirst("^/", ""));
                Files.createDirectories(target.getParent());
                Files.copy(e.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
                target.toFile().setExecutable(true, false);
            }
            Path layout = Files.createDirectories(work.resolve("layout"));
            Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
            Path layer = work.resolve("layer.tar");
            run(List.of("tar", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs.toString(), "-cf",
                    layer.toString(), "."));
            String layerDigest = sha256(Files.readAllBytes(layer));
            long layerSize = Files.size(layer);
            Files.move(layer, blobs.resolve(layerDigest));
            String config = """
                    {"architecture":"amd64","os":"linux","config":{"Entrypoint":[%s]},\
                    "rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}""".formatted(
                    entrypoint.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(",")), layerDigest);
            String configDigest = blob(blobs, config);
            String manifest = """
                    {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},\
                    "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}"""
                    .formatted(configDigest, config.getBytes(StandardCharsets.UTF_8).length, layerDigest, layerSize);
            String manifestDigest = blob(blobs, manifest);
            String tag = name.substring(name.lastIndexOf(':') + 1);
            Files.writeString(layout.resolve("index.json"), """
                    {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",\
                    "digest":"sha256:%s","size":%d,"annotations":{"io.containerd.image.name":"%s",\
                    "org.opencontainers.image.ref.name":"%s"}}]}""".formatted(manifestDigest,
                    manifest.getBytes(StandardCharsets.UTF_8).length, name, tag));
            Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            run(List.of("tar", "-C", layout.toString(), "-cf", archive.toString(), "."));
            return archive;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String blob(Path blobs, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        String digest = sha256(bytes);
        Files.write(blobs.resolve(digest), bytes);
        return digest;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code command} to its end; its output in the exception when it fails. */
    static void run(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) throw new IOException(String.join(" ", command) + " failed: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
