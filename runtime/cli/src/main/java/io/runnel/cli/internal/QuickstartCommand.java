package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.cli.RunnelCli;
import io.runnel.client.admin.ClusterDescription;
import io.runnel.client.admin.RunnelAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * {@code runnel quickstart}: a local cluster in one command, to see Runnel work. Starts ZooKeeper and
 * three brokers as separate processes from this installation (loopback only, data under one
 * temporary folder), creates a topic with 6 partitions and replication factor 3, produces and
 * consumes with the perf tools, kills one broker with SIGKILL and shows the leaders move and the
 * ISR shrink, brings it back and shows the ISR heal, and stops everything it started.
 */
@Command(name = "quickstart",
        mixinStandardHelpOptions = true,
        description = {"Start a local 3-broker cluster (plus ZooKeeper) as processes, produce and consume, kill a broker "
                + "and watch the leaders move and the ISR shrink and heal, then stop everything."})
public final class QuickstartCommand implements Callable<Integer> {
    private static final String TOPIC = "quickstart";
    private static final int BROKERS = 3;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

    @Spec
    CommandSpec spec;

    @Option(names = "--records", defaultValue = "200000", paramLabel = "N",
            description = "Records the producer perf tool sends (1 KB each; default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--dir", paramLabel = "DIR", description = "Folder for the cluster's data and logs (default: a new temporary folder).")
    Path dir;

    @Option(names = "--keep", description = "Keep the data and logs folder at the end.")
    boolean keep;

    private final List<Process> processes = new ArrayList<>();
    private final Process[] brokers = new Process[BROKERS];
    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (records < 1) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "--records must be at least 1, not " + records);
        }
        Path home = RunnelHome.get().orElseThrow(() -> new RunnelException(ErrorCode.INVALID_REQUEST,
                "quickstart runs from an installation: use bin/runnel quickstart"));
        Path runnel = home.resolve("bin").resolve("runnel");
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("runnel-quickstart");
        Thread cleanup = new Thread(this::stopAll, "quickstart-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            run(runnel, home, work);
            return 0;
        } finally {
            stopAll();
            Runtime.getRuntime().removeShutdownHook(cleanup);
            if (!keep) {
                deleteRecursively(work);
            } else {
                step("kept " + work);
            }
        }
    }

    private void run(Path runnel, Path home, Path work) throws Exception {
        int zkPort = freePort();
        int[] ports = new int[BROKERS];
        for (int i = 0; i < BROKERS; i++) {
            ports[i] = freePort();
        }
        String bootstrap = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];

        step("starting ZooKeeper on 127.0.0.1:" + zkPort + " (data and logs in " + work + ")");
        Path zkConfig = work.resolve("zookeeper.properties");
        Files.writeString(zkConfig, "dataDir=" + work.resolve("zookeeper") + "\nclientPort=" + zkPort
                + "\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=ruok,srvr,stat\n");
        start(List.of(runnel.toString(), "zookeeper-start", zkConfig.toString()), work.resolve("zookeeper.log"));

        for (int i = 0; i < BROKERS; i++) {
            brokers[i] = startBroker(runnel, home, work, i, ports[i], zkPort);
        }
        step("waiting for the brokers");
        for (int port : ports) {
            awaitBrokersSeen("127.0.0.1:" + port, BROKERS);
        }

        step("creating topic " + TOPIC + ": 6 partitions, replication factor 3");
        show(tool("topics", "--bootstrap-server", bootstrap, "--create", "--topic", TOPIC, "--partitions", "6",
                "--replication-factor", "3"));
        awaitTool("all partitions to have 3 in-sync replicas", r -> isrSizes(r.out()).stream().allMatch(n -> n == 3),
                "topics", "--bootstrap-server", bootstrap, "--describe", "--topic", TOPIC);
        show(tool("topics", "--bootstrap-server", bootstrap, "--describe", "--topic", TOPIC));

        step("producing " + records + " records of 1 KB with acks=all");
        show(tool("producer-perf-test", "--topic", TOPIC, "--num-records", String.valueOf(records), "--record-size", "1024",
                "--throughput", "-1", "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all"));
        step("consuming them");
        show(tool("consumer-perf-test", "--bootstrap-server", bootstrap, "--topic", TOPIC, "--messages",
                String.valueOf(records)));

        step("killing broker 1 with SIGKILL");
        brokers[1].destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        String live = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[2];
        Result moved = awaitTool("the leaders to move off broker 1 and the ISR to shrink",
                r -> r.exitCode() == 0 && !r.out().contains("Leader: 1\t") && isrSizes(r.out()).stream().allMatch(n -> n == 2),
                "topics", "--bootstrap-server", live, "--describe", "--topic", TOPIC);
        show(moved);

        step("restarting broker 1");
        brokers[1] = startBroker(runnel, home, work, 1, ports[1], zkPort);
        Result healed = awaitTool("the ISR to heal", r -> r.exitCode() == 0 && isrSizes(r.out()).stream().allMatch(n -> n == 3),
                "topics", "--bootstrap-server", bootstrap, "--describe", "--topic", TOPIC);
        show(healed);
        step("stopping the brokers and ZooKeeper");
    }

    private Process startBroker(Path runnel, Path home, Path work, int id, int port, int zkPort) throws IOException {
        step("starting broker " + id + " on 127.0.0.1:" + port);
        return start(List.of(runnel.toString(), "server-start", home.resolve("config").resolve("server.properties").toString(),
                "--override", "broker.id=" + id,
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + work.resolve("broker-" + id),
                "--override", "zookeeper.connect=127.0.0.1:" + zkPort,
                "--override", "zookeeper.session.timeout.ms=6000",
                "--override", "replica.lag.time.max.ms=5000"), work.resolve("broker-" + id + ".log"));
    }

    private Process start(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putIfAbsent("RUNNEL_HEAP_OPTS", "-Xms64m -Xmx512m");
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    private void stopAll() {
        List<Process> running = new ArrayList<>(processes);
        processes.clear();
        // Brokers first (newest first), ZooKeeper last, so the brokers can leave the cluster cleanly.
        for (int i = running.size() - 1; i >= 0; i--) {
            Process p = running.get(i);
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }

    record Result(int exitCode, String out, String err) {
    }

    private static Result tool(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = RunnelCli.run(args, new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true),
                new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** Runs a tool until its result satisfies {@code done}, within a deadline; fails naming what it waited for. */
    private static Result awaitTool(String what, Predicate<Result> done, String... args) {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        Result last;
        do {
            last = tool(args);
            if (done.test(last)) {
                return last;
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        } while (System.nanoTime() < deadline);
        throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "timed out after " + STEP_TIMEOUT.toSeconds()
                + " s waiting for " + what + "; last output: " + last.out() + last.err());
    }

    /** Waits until the broker at {@code hostPort} answers and its metadata lists {@code count} brokers and a controller. */
    private static void awaitBrokersSeen(String hostPort, int count) {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        String last = "no answer";
        do {
            try (RunnelAdmin admin = RunnelAdmin.create(Map.of("bootstrap.servers", hostPort,
                    "default.api.timeout.ms", "5000", "request.timeout.ms", "5000"))) {
                ClusterDescription cluster = admin.describeCluster().get(10, TimeUnit.SECONDS);
                if (cluster.nodes().size() == count && cluster.controllerId() >= 0) {
                    return;
                }
                last = cluster.nodes().size() + " broker(s), controller " + cluster.controllerId();
            } catch (Exception e) {
                last = e.toString();
            }
            LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
        } while (System.nanoTime() < deadline);
        throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "timed out after " + STEP_TIMEOUT.toSeconds()
                + " s waiting for the broker at " + hostPort + " to see " + count + " brokers; last: " + last);
    }

    /** The ISR sizes of the partition lines of a {@code topics --describe} output. */
    static List<Integer> isrSizes(String describe) {
        List<Integer> sizes = new ArrayList<>();
        for (String line : describe.split("\n")) {
            int at = line.indexOf("Isr: ");
            if (line.contains("Partition: ") && at >= 0) {
                String isr = line.substring(at + 5).trim();
                sizes.add(isr.isEmpty() ? 0 : isr.split(",").length);
            }
        }
        return sizes.isEmpty() ? List.of(-1) : sizes;
    }

    private void show(Result result) {
        out.print(result.out());
        out.flush();
        if (result.exitCode() != 0) {
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "a step failed: " + result.err().strip());
        }
    }

    private void step(String message) {
        out.println("==> " + message);
        out.flush();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // best effort; the folder is temporary
        }
    }
}
