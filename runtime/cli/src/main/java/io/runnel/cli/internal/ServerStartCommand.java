package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.broker.Broker;
import io.runnel.runtime.ConfigFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code runnel server-start}: runs a broker in the foreground until SIGTERM or Ctrl-C, then shuts
 * it down cleanly (logs flushed and closed, registration removed).
 */
@Command(name = "server-start",
        mixinStandardHelpOptions = true,
        description = {"Run a broker in the foreground until it is stopped (SIGTERM or Ctrl-C).",
                "Keys and values follow Apache Kafka's broker configuration; see docs/configuration.md."})
public final class ServerStartCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SERVER_PROPERTIES", description = "Broker configuration file, e.g. config/server.properties.")
    Path config;

    @Option(names = "--override", paramLabel = "KEY=VALUE",
            description = "Sets a key, over the file's value; may be repeated.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> properties = new TreeMap<>(ConfigFiles.load(config));
        properties.putAll(parseOverrides(overrides));
        Optional<Path> plugins = RunnelHome.get().map(home -> home.resolve("plugins"));
        Broker broker = Broker.start(properties, plugins);
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            broker.close();
            stopped.countDown();
        };
        // SIGTERM and Ctrl-C stop the broker and the command returns 0, as Kafka's broker does; a
        // shutdown hook would also stop it, but the JVM would then exit 143 (130) after a clean stop.
        for (String signal : List.of("TERM", "INT")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> new Thread(stop, "broker-shutdown-" + signal).start());
            } catch (IllegalArgumentException notHere) {
                // the platform does not have this signal, or the JVM uses it (-Xrs): the hook below stops the broker
            }
        }
        // Any other way out of the JVM (System.exit elsewhere, SIGHUP) still stops the broker cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "broker-shutdown"));
        spec.commandLine().getOut().println("Runnel broker " + broker.brokerId() + " started, listening on "
                + broker.advertisedAddress());
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }

    /** {@code key=value} pairs; the value may contain '='. */
    static Map<String, String> parseOverrides(List<String> overrides) {
        Map<String, String> values = new TreeMap<>();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "--override " + override
                        + ": expected KEY=VALUE, e.g. --override broker.id=1");
            }
            values.put(override.substring(0, eq).trim(), override.substring(eq + 1).trim());
        }
        return values;
    }
}
