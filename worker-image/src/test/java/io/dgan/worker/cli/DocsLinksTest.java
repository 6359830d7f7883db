package io.dgan.worker.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every relative link in the README and docs/ points at a file that exists and, with a {@code #fragment} into a
 * Markdown file, at a heading of that file (GitHub's anchor rules: lower case, punctuation dropped, spaces to '-').
 * Links inside code spans and fenced code blocks are not links.
 */
class DocsLinksTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*$");

    @Test
    void everyRelativeLinkAndAnchorInTheDocsResolves() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(ROOT.resolve("README.md"));
        try (Stream<Path> files = Files.walk(ROOT.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertThat(pages).hasSizeGreaterThan(10);
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> headings = new HashMap<>(); // each page's anchors, read once
        int checked = 0;
        for (Path page : pages) {
            for (String link : links(page)) {
                if (link.matches("^[a-z]+:.*")) {
                    continue; // http(s), mailto: not checked here
                }
                checked++;
                int hash = link.indexOf('#');
                String path = hash < 0 ? link : link.substring(0, hash);
                Path target = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
                if (!Files.exists(target)) {
                    broken.add(ROOT.relativize(page) + ": " + link + " (no such file)");
                } else if (hash >= 0 && target.toString().endsWith(".md") && !headings
                        .computeIfAbsent(target, DocsLinksTest::anchors).contains(link.substring(hash + 1))) {
                    broken.add(ROOT.relativize(page) + ": " + link + " (no such heading)");
                }
            }
        }
        assertThat(checked).isGreaterThan(100);
        assertThat(broken).isEmpty();
    }

    @Test
    void anchorsFollowGitHubsRules() {
        assertThat(CliReference.slug("Fashion-MNIST, M = 4: the quality gap closes with DP-OAdam's rates × √2"))
                .isEqualTo("fashion-mnist-m--4-the-quality-gap-closes-with-dp-oadams-rates--2");
        assertThat(CliReference.slug("`resnet-wgan-gp`: the ResNet of Gulrajani et al. 2017"))
                .isEqualTo("resnet-wgan-gp-the-resnet-of-gulrajani-et-al-2017");
    }

    /** Link targets outside fenced code blocks and inline code spans. */
    private static List<String> links(Path page) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : prose(page)) {
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static Set<String> anchors(Path page) {
        Set<String> out = new HashSet<>();
        List<String> lines;
        try {
            lines = prose(page);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String line : lines) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                out.add(CliReference.slug(m.group(1)));
            }
        }
        return out;
    }

    /** The page's lines outside fenced code blocks. */
    private static List<String> prose(Path page) throws IOException {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                out.add(line);
            }
        }
        return out;
    }
}
