package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code runnel zookeeper-start}: listed here for {@code --help}; the launcher script runs it, in a
 * JVM of its own with ZooKeeper's jars on the class path (they cannot join the module path).
 */
@Command(name = "zookeeper-start",
        mixinStandardHelpOptions = true,
        description = "Run a ZooKeeper server in the foreground for a local setup "
                + "(default configuration: config/zookeeper.properties).")
public final class ZooKeeperStartCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "ZOOKEEPER_PROPERTIES", description = "ZooKeeper configuration file.")
    Path config;

    @Override
    public Integer call() {
        throw new RunnelException(ErrorCode.INVALID_REQUEST,
                "zookeeper-start runs through the bin/runnel launcher of a distribution");
    }
}
