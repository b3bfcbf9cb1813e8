package io.runnel.broker.internal;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

/** One {@code NAME://host:port} entry of {@code listeners} or {@code advertised.listeners}. */
public record Listener(String name, String host, int port) {

    /** @throws RunnelException {@code INVALID_CONFIG} naming the key and the value */
    public static Listener parse(String key, String value) {
        String v = value.trim();
        int scheme = v.indexOf("://");
        int colon = v.lastIndexOf(':');
        if (scheme <= 0 || colon <= scheme + 2) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value " + value + " for " + key
                    + ": expected NAME://host:port, e.g. PLAINTEXT://127.0.0.1:9092");
        }
        String host = v.substring(scheme + 3, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value " + value + " for " + key
                    + ": the port must be a number from 0 to 65535");
        }
        return new Listener(v.substring(0, scheme).toUpperCase(java.util.Locale.ROOT), host, port);
    }

    public String hostPort() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
