/**
 * The {@code runnel} command: one launcher with subcommands ({@code plugins}, {@code dump-log},
 * and later the broker, ZooKeeper and client tools).
 */
module io.runnel.cli {
    requires io.runnel.runtime;
    requires io.runnel.broker;
    requires info.picocli;
    // sun.misc.Signal: server-start stops the broker on SIGTERM and exits 0 (as Kafka handles its
    // signals), instead of the JVM's default exit status 143.
    requires jdk.unsupported;

    // picocli reads the command classes' annotations and sets their fields reflectively.
    opens io.runnel.cli to info.picocli;
    opens io.runnel.cli.internal to info.picocli;
}
