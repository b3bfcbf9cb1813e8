package io.runnel.cli.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.client.admin.RunnelAdmin;
import io.runnel.runtime.ConfigFiles;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What the client tools share: {@code key=value} flags, client configuration files, the admin client. */
final class ClientTools {
    /** The keys every client understands; the admin client understands only these (and its API timeout). */
    private static final Set<String> ADMIN_KEYS = Set.of("bootstrap.servers", "client.id", "request.timeout.ms",
            "retry.backoff.ms", "metadata.max.age.ms", "default.api.timeout.ms");

    private ClientTools() {
    }

    /**
     * {@code key=value} pairs given with {@code flag}, in order (a later pair wins); the value may
     * contain '='.
     *
     * @throws ParameterException naming the flag and the pair without '=' or without key (exit 2)
     */
    static Map<String, String> keyValues(CommandSpec spec, String flag, List<String> pairs) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : pairs) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '" + flag + "': '" + pair
                        + "' is not KEY=VALUE");
            }
            values.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
        }
        return values;
    }

    /**
     * The client configuration: the file (if any), then the {@code key=value} flags over it, then
     * {@code bootstrap.servers} from {@code --bootstrap-server} (if given) over both.
     */
    static Map<String, String> clientConfig(Path file, Map<String, String> flags, String bootstrapServer) {
        Map<String, String> config = new LinkedHashMap<>();
        if (file != null) {
            config.putAll(ConfigFiles.load(file));
        }
        config.putAll(flags);
        if (bootstrapServer != null) {
            config.put("bootstrap.servers", bootstrapServer);
        }
        return config;
    }

    /** Fails with a usage error (exit 2) unless the configuration names the brokers. */
    static void requireBootstrap(CommandSpec spec, Map<String, String> config, String configFlag) {
        String servers = config.get("bootstrap.servers");
        if (servers == null || servers.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--bootstrap-server=HOST:PORT'"
                    + (configFlag != null ? " (or bootstrap.servers in " + configFlag + ")" : ""));
        }
    }

    /**
     * An admin client with the connection settings of a producer's or consumer's configuration, and
     * an answer from a broker: fails at once, with the bootstrap servers in the message, when none
     * answers.
     */
    static RunnelAdmin connectedAdmin(Map<String, String> clientConfig) {
        Map<String, String> adminConfig = new LinkedHashMap<>();
        clientConfig.forEach((key, value) -> {
            if (ADMIN_KEYS.contains(key)) {
                adminConfig.put(key, value);
            }
        });
        RunnelAdmin admin = RunnelAdmin.create(adminConfig);
        try {
            join(admin.describeCluster());
        } catch (RunnelException e) {
            admin.close();
            if (e.errorCode() == ErrorCode.NETWORK_EXCEPTION) {
                throw new RunnelException(e.errorCode(), "cannot connect to a broker at " + adminConfig.get("bootstrap.servers")
                        + ": " + e.getMessage(), e);
            }
            throw e;
        }
        return admin;
    }

    /** Waits for a future; its failure is thrown as the {@link RunnelException} it carries. */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (ExecutionException | CompletionException e) {
            throw unwrap(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RunnelException(ErrorCode.REQUEST_TIMED_OUT, "interrupted", e);
        }
    }

    /** The {@link RunnelException} behind a future's failure. */
    static RunnelException unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof ExecutionException || cause instanceof CompletionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof RunnelException re ? re
                : new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, String.valueOf(cause.getMessage()), cause);
    }

    /** A one-line description of a failure for the user: the message, else the error code. */
    static String describe(Throwable error) {
        RunnelException e = unwrap(error);
        return e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.errorCode().toString();
    }
}
