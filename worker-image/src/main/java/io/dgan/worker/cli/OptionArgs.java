package io.dgan.worker.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A mixin's options as command-line arguments ({@code --name=value}, a set boolean flag as {@code --name}), so that
 * a launcher hands its workers exactly the flags the mixin defines: an option added to the mixin is forwarded with
 * no other change. Options without a value are left out.
 */
final class OptionArgs {
    private OptionArgs() {
    }

    static List<String> of(Object mixin, String... leftOut) {
        Set<String> skip = Set.of(leftOut);
        List<String> args = new ArrayList<>();
        for (OptionSpec option : CommandSpec.forAnnotatedObject(mixin).options()) {
            String name = option.longestName();
            Object value = option.getValue();
            if (value == null || skip.contains(name)) {
                continue;
            }
            if (option.arity().max() == 0) {
                if (Boolean.TRUE.equals(value)) {
                    args.add(name);
                }
            } else {
                args.add(name + "=" + value);
            }
        }
        return args;
    }
}
