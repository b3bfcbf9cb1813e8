package io.runnel.plugin.coordination.zookeeper;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The znodes this plugin owns, below the chroot of {@code zookeeper.connect}. The layout is
 * documented in {@code docs/zookeeper.md}. Values are small texts in Java properties form, so
 * {@code zkCli.sh get} shows them readably.
 */
final class ZkPaths {
    static final String BROKER_IDS = "/brokers/ids";
    static final String CONTROLLER = "/controller";
    static final String CONTROLLER_EPOCH = "/controller_epoch";
    static final String CONTROLLER_ELECTION = "/controller_election";
    static final String CONSUMERS = "/consumers";

    private ZkPaths() {
    }

    static String broker(int id) {
        return BROKER_IDS + "/" + id;
    }

    static String group(String groupId) {
        return CONSUMERS + "/" + checkName(groupId, "group id");
    }

    static String groupState(String groupId) {
        return group(groupId) + "/state";
    }

    static String groupOffsets(String groupId) {
        return group(groupId) + "/offsets";
    }

    static String offset(String groupId, String topic, int partition) {
        return groupOffsets(groupId) + "/" + checkName(topic, "topic") + "/" + partition;
    }

    /** A path element must not contain '/' and must not be '.', '..' or empty. */
    static String checkName(String name, String what) {
        if (name == null || name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "invalid " + what + " '" + name + "' for ZooKeeper");
        }
        return name;
    }

    /** Checks a path given through the metadata store SPI. */
    static String checkPath(String path) {
        if (path == null || !path.startsWith("/") || (path.length() > 1 && path.endsWith("/")) || path.contains("//")) {
            throw new RunnelException(ErrorCode.INVALID_REQUEST, "invalid ZooKeeper path '" + path + "'");
        }
        return path;
    }

    /**
     * Properties text (escaped by {@link Properties#store}, so leading blanks, line breaks and any
     * character survive), keys sorted, without the date comment, so equal maps encode equally.
     */
    static byte[] encode(Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> entry : new TreeMap<>(values).entrySet()) {
            Properties one = new Properties();
            one.setProperty(entry.getKey(), entry.getValue());
            java.io.StringWriter out = new java.io.StringWriter();
            try {
                one.store(out, null);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            out.toString().lines().filter(line -> !line.startsWith("#")).forEach(line -> text.append(line).append('\n'));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> decode(byte[] data) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "malformed znode value: " + e.getMessage());
        }
        Map<String, String> values = new TreeMap<>();
        properties.forEach((k, v) -> values.put((String) k, (String) v));
        return values;
    }
}
