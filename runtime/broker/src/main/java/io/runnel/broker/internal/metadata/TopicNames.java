package io.runnel.broker.internal.metadata;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

/** Kafka's rules for topic names. */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** @throws RunnelException {@code INVALID_TOPIC} saying which rule the name breaks */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_TOPIC, "topic name is empty");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new RunnelException(ErrorCode.INVALID_TOPIC, "topic name cannot be '.' or '..'");
        }
        if (name.length() > MAX_LENGTH) {
            throw new RunnelException(ErrorCode.INVALID_TOPIC, "topic name is " + name.length()
                    + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new RunnelException(ErrorCode.INVALID_TOPIC, "topic name '" + name + "' contains '" + c
                        + "' at position " + i + "; only ASCII letters, digits, '.', '_' and '-' are allowed");
            }
        }
    }

    public static boolean isValid(String name) {
        try {
            validate(name);
            return true;
        } catch (RunnelException e) {
            return false;
        }
    }
}
