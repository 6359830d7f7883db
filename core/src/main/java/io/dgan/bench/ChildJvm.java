package io.dgan.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a child JVM is started like this one: the same {@code java} and the options this JVM was started with (the
 * launcher's {@code --enable-native-access}, {@code --sun-misc-unsafe-memory-access}, {@code -Dslf4j...}, heap
 * settings), so that children neither print the JDK's warnings the launcher already silenced nor run with other
 * settings than their parent. A debugger or agent of this JVM is not passed on: a debugger would try to bind the same
 * port, an agent (a profiler, coverage) would run once more in every child.
 */
public final class ChildJvm {
    /** The incubator module of the mixing kernel's vector path; a child that never mixes does not need it. */
    public static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";

    private ChildJvm() {
    }

    /** The {@code java} executable of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** This JVM's options, debugger and agents left out. */
    public static List<String> inheritedOptions() {
        return passedOn(ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    /**
     * {@link #inheritedOptions()} without the vector module, for a child that does not mix (a transport benchmark
     * peer): JDK 25 prints a warning for every JVM started with an incubator module.
     */
    public static List<String> inheritedOptionsWithoutVectorModule() {
        return withoutVectorModule(inheritedOptions());
    }

    /** The options of {@code jvmArguments} a child gets: all but a debugger ({@code -agentlib:jdwp}) and agents. */
    static List<String> passedOn(List<String> jvmArguments) {
        List<String> options = new ArrayList<>();
        for (String arg : jvmArguments) {
            if (!arg.startsWith("-agentlib:jdwp") && !arg.startsWith("-javaagent")) {
                options.add(arg);
            }
        }
        return options;
    }

    /** {@code options} without the vector module, in either spelling ({@code --add-modules=M}, {@code --add-modules M}). */
    static List<String> withoutVectorModule(List<String> options) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            String option = options.get(i);
            if (option.equals(VECTOR_MODULE)) {
                continue;
            }
            if (option.equals("--add-modules") && i + 1 < options.size()
                    && options.get(i + 1).equals("jdk.incubator.vector")) {
                i++;
                continue;
            }
            kept.add(option);
        }
        return kept;
    }
}
