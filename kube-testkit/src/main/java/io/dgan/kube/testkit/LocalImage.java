package io.dgan.kube.testkit;

import java.util.List;
import java.util.Map;

/**
 * What a {@link ProcessNode} runs for a container image: the image's entrypoint, default command and environment,
 * as its Dockerfile declares them, with the host's JRE and the build's jars standing in for the image's filesystem.
 *
 * @param prefix image references starting with this (registry/name, any tag) use this image
 */
public record LocalImage(String prefix, List<String> entrypoint, List<String> cmd, Map<String, String> env) {

    public boolean matches(String image) {
        return image != null && image.startsWith(prefix);
    }
}
