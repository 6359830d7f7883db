package io.dgan.kube.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where {@code kube-kit/build.sh} put the Kubernetes binaries: {@code $DGAN_KUBE_CACHE} (default
 * {@code ~/.cache/dgan-kube}) {@code /k8s/<version>-linux-amd64}, the layout Fabric8's kube-api-test also reads.
 */
public record KubeBinaries(String kubeVersion, String etcdVersion, String kwokVersion, Path dir) {

    /** The binaries of the pinned version; a clear error when the kit was not built. */
    public static KubeBinaries pinned() {
        Properties pins = new Properties();
        try (InputStream in = KubeBinaries.class.getResourceAsStream("versions.env")) {
            if (in == null) throw new IllegalStateException("versions.env missing from the test kit's resources");
            pins.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String version = pins.getProperty("KUBE_VERSION");
        String cache = System.getenv("DGAN_KUBE_CACHE");
        Path root = cache == null || cache.isBlank() ? Path.of(System.getProperty("user.home"), ".cache", "dgan-kube")
                : Path.of(cache);
        Path dir = root.resolve("k8s").resolve(version.substring(1) + "-linux-amd64");
        KubeBinaries binaries = new KubeBinaries(version, pins.getProperty("ETCD_VERSION"),
                pins.getProperty("KWOK_VERSION"), dir);
        for (String name : new String[] {"etcd", "kube-apiserver", "kubectl"}) {
            if (!Files.isExecutable(binaries.path(name))) {
                throw new IllegalStateException(binaries.path(name) + " does not exist: run kube-kit/build.sh "
                        + "(the build runs it in the kube-testkit module unless -DskipKubeKit)");
            }
        }
        return binaries;
    }

    public Path path(String binary) {
        return dir.resolve(binary);
    }

    public boolean has(String binary) {
        return Files.isExecutable(path(binary));
    }
}
