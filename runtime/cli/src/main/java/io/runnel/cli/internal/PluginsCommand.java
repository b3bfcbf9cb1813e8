package io.runnel.cli.internal;

import io.runnel.runtime.ConfigFiles;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginRegistry;
import io.runnel.runtime.PluginSelection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code runnel plugins}: lists every plugin the runtime finds, or says why it refuses to start. */
@Command(name = "plugins",
        mixinStandardHelpOptions = true,
        description = {"List every plugin: SPI, name, version, built-in or jar, and the file it came from.",
                "Exits 1, printing one line per problem, if any plugin jar is broken or conflicts with another."})
public final class PluginsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--plugin-dir", paramLabel = "DIR",
            description = "Folder of third-party plugin jars (default: the installation's plugins/).")
    Path pluginDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Also check that the plugins this broker configuration selects are installed, "
                    + "and mark them with '*'.")
    Path config;

    @Override
    public Integer call() {
        Optional<Path> dir = Optional.ofNullable(pluginDir).or(() -> RunnelHome.get().map(h -> h.resolve("plugins")));
        try (PluginRegistry registry = PluginRegistry.load(dir)) {
            Optional<PluginSelection> selection = config == null ? Optional.empty()
                    : Optional.of(PluginSelection.resolve(registry, ConfigFiles.load(config)));
            print(registry.plugins(), selection, spec.commandLine().getOut());
            return 0;
        }
    }

    private static void print(List<PluginInfo> plugins, Optional<PluginSelection> selection, PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SPI", "NAME", "VERSION", "ORIGIN", "SOURCE", "DETAILS"});
        for (PluginInfo plugin : plugins) {
            String mark = selection.map(s -> s.isSelected(plugin) ? "*" : " ").orElse("");
            rows.add(new String[] {plugin.spi().label(), mark + plugin.name(), plugin.version(), plugin.origin().label(),
                    RunnelHome.display(plugin.source()), plugin.details()});
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }
}
