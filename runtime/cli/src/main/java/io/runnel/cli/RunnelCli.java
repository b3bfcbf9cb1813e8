package io.runnel.cli;

import io.runnel.api.RunnelException;
import io.runnel.cli.internal.ConsoleConsumerCommand;
import io.runnel.cli.internal.ConsoleProducerCommand;
import io.runnel.cli.internal.ConsumerGroupsCommand;
import io.runnel.cli.internal.ConsumerPerfTestCommand;
import io.runnel.cli.internal.DumpLogCommand;
import io.runnel.cli.internal.LeaderElectionCommand;
import io.runnel.cli.internal.PluginsCommand;
import io.runnel.cli.internal.QuickstartCommand;
import io.runnel.cli.internal.ProducerPerfTestCommand;
import io.runnel.cli.internal.ServerStartCommand;
import io.runnel.cli.internal.StandardInput;
import io.runnel.cli.internal.TopicsCommand;
import io.runnel.cli.internal.VersionProvider;
import io.runnel.cli.internal.ZooKeeperStartCommand;
import io.runnel.runtime.PluginLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.InputStream;
import java.io.PrintWriter;

/** {@code bin/runnel}: the entry point of every Runnel tool. */
@Command(name = "runnel",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Runnel: a distributed, partitioned, replicated commit log.",
        subcommands = {QuickstartCommand.class, ServerStartCommand.class, ZooKeeperStartCommand.class, TopicsCommand.class,
                LeaderElectionCommand.class, ConsumerGroupsCommand.class,
                ConsoleProducerCommand.class, ConsoleConsumerCommand.class, ProducerPerfTestCommand.class,
                ConsumerPerfTestCommand.class, PluginsCommand.class, DumpLogCommand.class, CommandLine.HelpCommand.class})
public final class RunnelCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line and returns the exit code: 0 success, 1 failure, 2 bad usage. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, InputStream.nullInputStream(), out, err);
    }

    /**
     * Runs a command line with {@code in} as its standard input (what {@code console-producer}
     * reads) and returns the exit code: 0 success, 1 failure, 2 bad usage.
     */
    public static int run(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine commandLine = new CommandLine(new RunnelCli(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                K instance = defaults.create(type);
                if (instance instanceof StandardInput reader) {
                    reader.setStandardInput(in);
                }
                return instance;
            }
        });
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof PluginLoadException problems) {
                for (String problem : problems.problems()) {
                    cmd.getErr().println("error: " + problem);
                }
            } else if (e instanceof RunnelException failure) {
                cmd.getErr().println("error: " + failure.getMessage());
            } else if (e instanceof java.io.UncheckedIOException failure) {
                cmd.getErr().println("error: " + failure.getMessage() + ": " + failure.getCause().getMessage());
            } else {
                throw e;
            }
            return 1;
        });
        return commandLine.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
