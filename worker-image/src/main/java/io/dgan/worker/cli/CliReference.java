package io.dgan.worker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * docs/reference/cli.md: every command and option of {@code dgan}, rendered from the commands' picocli model (the
 * same text as {@code --help}), so the page cannot drift from the code. {@code CliReferenceTest} fails when the
 * committed page differs and rewrites it with {@code -Ddgan.writeCliReference=true}.
 */
public final class CliReference {
    private CliReference() {
    }

    public static String render() {
        List<CommandSpec> commands = new ArrayList<>();
        collect(DganCli.newCommandLine(), commands);
        StringBuilder md = new StringBuilder();
        md.append("# `dgan` command-line reference\n\n")
                .append("<!-- Generated from the commands' picocli model by CliReference; do not edit. Regenerate: "
                        + "./mvnw -B -ntp -pl worker-image -am test -Dtest=CliReferenceTest "
                        + "-Dsurefire.failIfNoSpecifiedTests=false -Ddgan.writeCliReference=true -->\n\n")
                .append("Every command prints the same text with `--help`. Common to all: `--help`, `--version`, "
                        + "`--debug` (stack traces of failures); a bad argument gives one line naming the flag and "
                        + "exit code 2.\n\n"
                        + "Exit codes: 0 done; 1 a failure (one line saying what failed); 2 bad input (one line "
                        + "naming the flag, file or field); 3 the training diverged (`dgan train`, `dgan worker`: a "
                        + "loss or gradient was no longer finite; the line names the rank, the iteration and the "
                        + "newest checkpoint, and no worker is restarted, since the same settings would diverge "
                        + "again); 143 a worker stopped on SIGTERM after writing its checkpoint. A failing `dgan "
                        + "worker` also writes its line to the termination message file (`DGAN_TERMINATION_MESSAGE_PATH`, "
                        + "else `/dev/termination-log` when it exists, as in every Kubernetes container).\n\n");
        for (CommandSpec c : commands) {
            md.append("- [`").append(c.qualifiedName()).append("`](#").append(anchor(c)).append("): ")
                    .append(firstLine(c)).append('\n');
        }
        for (CommandSpec c : commands) {
            md.append("\n## `").append(c.qualifiedName()).append("`\n\n");
            for (String line : c.usageMessage().description()) {
                md.append(prose(line)).append("\n\n");
            }
            appendParameters(md, c);
        }
        return md.toString();
    }

    private static void collect(CommandLine cli, List<CommandSpec> into) {
        CommandSpec spec = cli.getCommandSpec();
        if (spec.usageMessage().hidden() || spec.userObject() instanceof CommandLine.HelpCommand) {
            return;
        }
        into.add(spec);
        cli.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, into));
    }

    private static void appendParameters(StringBuilder md, CommandSpec c) {
        List<String[]> rows = new ArrayList<>();
        for (PositionalParamSpec p : c.positionalParameters()) {
            if (!p.hidden()) {
                rows.add(new String[]{p.paramLabel(), String.join(" ", p.renderedDescription())});
            }
        }
        for (OptionSpec o : c.options()) {
            if (o.hidden() || o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String name = String.join(", ", o.names()) + (o.arity().max() > 0 ? "=" + o.paramLabel() : "");
            rows.add(new String[]{name, String.join(" ", o.renderedDescription())});
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("| option | description |\n|---|---|\n");
        for (String[] row : rows) {
            md.append("| `").append(row[0]).append("` | ").append(cell(row[1])).append(" |\n");
        }
    }

    private static String firstLine(CommandSpec c) {
        String[] description = c.usageMessage().description();
        return description.length == 0 ? "" : cell(description[0]);
    }

    private static String anchor(CommandSpec c) {
        return slug(c.qualifiedName());
    }

    /** GitHub's heading anchor: lower case, spaces to dashes, no punctuation but '-' and '_'. */
    static String slug(String heading) {
        return heading.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                .replace(' ', '-');
    }

    private static String cell(String text) {
        return prose(text).replace("|", "\\|").replace("\n", " ");
    }

    /** Text as Markdown shows it: a placeholder such as {@code <dataset>} is not an HTML tag. */
    private static String prose(String text) {
        return text.replace("<", "&lt;");
    }
}
