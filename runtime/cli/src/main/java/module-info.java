/**
 * The {@code runnel} command: one launcher with subcommands: the broker ({@code server-start}),
 * ZooKeeper, {@code plugins}, {@code dump-log}, and the client tools ({@code topics}, {@code consumer-groups},
 * {@code console-producer}, {@code console-consumer}, {@code producer-perf-test},
 * {@code consumer-perf-test}).
 */
module io.runnel.cli {
    requires io.runnel.runtime;
    requires io.runnel.broker;
    // The client tools use the public client API only, like any application.
    requires io.runnel.client;
    requires info.picocli;
    // sun.misc.Signal: server-start stops the broker on SIGTERM and exits 0 (as Kafka handles its
    // signals), instead of the JVM's default exit status 143.
    requires jdk.unsupported;

    // picocli reads the command classes' annotations and sets their fields reflectively.
    opens io.runnel.cli to info.picocli;
    opens io.runnel.cli.internal to info.picocli;
}
