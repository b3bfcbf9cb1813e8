package io.runnel.api;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Reads typed values from a plugin's configuration map, failing with a message that names the
 * key, the value and what was expected, so an operator can fix the file at once.
 *
 * <p>Immutable and thread safe.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public final class PluginConfig {
    private final Map<String, String> values;

    private PluginConfig(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static PluginConfig of(Map<String, String> values) {
        return new PluginConfig(requireNonNull(values, "values is null"));
    }

    /** The trimmed value of {@code key}, or {@code defaultValue} if the key is absent or blank. */
    public String string(String key, String defaultValue) {
        String value = values.get(key);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    /**
     * An integer in {@code [min, max]}.
     *
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG} naming key, value and range
     */
    public int intValue(String key, int defaultValue, int min, int max) {
        return (int) longValue(key, defaultValue, min, max);
    }

    /**
     * A long in {@code [min, max]}.
     *
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG} naming key, value and range
     */
    public long longValue(String key, long defaultValue, long min, long max) {
        String raw = string(key, null);
        if (raw == null) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the range
        }
        throw new RunnelException(ErrorCode.INVALID_CONFIG,
                "invalid value '" + raw + "' for " + key + ": expected an integer from " + min + " to " + max);
    }

    /**
     * {@code true} or {@code false}, case-insensitive.
     *
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG} naming key and value
     */
    public boolean booleanValue(String key, boolean defaultValue) {
        String raw = string(key, null);
        if (raw == null) {
            return defaultValue;
        }
        if (raw.equalsIgnoreCase("true") || raw.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(raw);
        }
        throw new RunnelException(ErrorCode.INVALID_CONFIG,
                "invalid value '" + raw + "' for " + key + ": expected true or false");
    }
}
