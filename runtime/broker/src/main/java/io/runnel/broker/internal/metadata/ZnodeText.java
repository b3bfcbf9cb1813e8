package io.runnel.broker.internal.metadata;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The value format of the broker's znodes: Java properties text, keys sorted, no date comment,
 * the same form the coordination plugin uses, so {@code zkCli.sh get} shows readable values.
 */
final class ZnodeText {
    private ZnodeText() {
    }

    static byte[] encode(Map<String, String> values) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> entry : new TreeMap<>(values).entrySet()) {
            Properties one = new Properties();
            one.setProperty(entry.getKey(), entry.getValue());
            StringWriter out = new StringWriter();
            try {
                one.store(out, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Properties.store escapes separators and line breaks; drop only its comment lines.
            out.toString().lines().filter(line -> !line.startsWith("#")).forEach(line -> text.append(line).append('\n'));
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> decode(byte[] data, String path) {
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8)));
        } catch (IOException | IllegalArgumentException e) {
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "znode " + path + " is malformed: " + e.getMessage());
        }
        Map<String, String> values = new TreeMap<>();
        properties.forEach((k, v) -> values.put((String) k, (String) v));
        return values;
    }

    static int intValue(Map<String, String> values, String key, String path) {
        String value = values.get(key);
        if (value == null) {
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR, "znode " + path + " has no " + key);
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR,
                    "znode " + path + " has " + key + "=" + value + ", not a number");
        }
    }

    static java.util.List<Integer> intList(Map<String, String> values, String key, String path) {
        String value = values.getOrDefault(key, "").trim();
        java.util.List<Integer> ints = new java.util.ArrayList<>();
        if (value.isEmpty()) {
            return ints;
        }
        for (String part : value.split(",")) {
            try {
                ints.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw new RunnelException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "znode " + path + " has " + key + "=" + value + ", not a list of numbers");
            }
        }
        return ints;
    }

    static String join(java.util.List<Integer> ints) {
        return String.join(",", ints.stream().map(String::valueOf).toList());
    }
}
