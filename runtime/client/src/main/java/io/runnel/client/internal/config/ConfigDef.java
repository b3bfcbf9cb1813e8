package io.runnel.client.internal.config;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static java.util.Objects.requireNonNull;

/**
 * The keys one client reads: name, type, default, valid values and documentation, in one place.
 * {@link #parse} validates a user's map once, at construction; {@link #markdownTable()} renders the
 * reference that {@code docs/client.md} carries.
 *
 * <p>Immutable once built; thread safe.
 */
public final class ConfigDef {
    /** The type of a value, which decides how it is parsed. */
    public enum Type { INT, LONG, BOOLEAN, STRING, LIST, CLASS }

    /** One key. {@code defaultValue} null means the key is required (or optional when {@code optional}). */
    public record Key(String name, Type type, String defaultValue, boolean optional, Predicate<Object> validator,
                      String validValues, String doc) {
    }

    private final Map<String, Key> keys = new LinkedHashMap<>();
    private final List<String> acceptedPrefixes = new ArrayList<>();

    public ConfigDef define(String name, Type type, String defaultValue, String validValues, Predicate<Object> validator,
                            String doc) {
        keys.put(name, new Key(name, type, defaultValue, false, validator, validValues, doc));
        return this;
    }

    /** A key with no default that may be left out. */
    public ConfigDef defineOptional(String name, Type type, String validValues, Predicate<Object> validator, String doc) {
        keys.put(name, new Key(name, type, null, true, validator, validValues, doc));
        return this;
    }

    /** Accepts any key starting with {@code prefix}; plugins validate those themselves (e.g. {@code compression.}). */
    public ConfigDef acceptPrefix(String prefix) {
        acceptedPrefixes.add(prefix);
        return this;
    }

    public Collection<Key> keys() {
        return keys.values();
    }

    /** Predicate: an int or long within [min, max]. */
    public static Predicate<Object> between(long min, long max) {
        return v -> ((Number) v).longValue() >= min && ((Number) v).longValue() <= max;
    }

    /** Predicate: one of the strings, ignoring case. */
    public static Predicate<Object> oneOf(String... values) {
        Set<String> allowed = Set.of(values);
        return v -> allowed.contains(((String) v).toLowerCase(Locale.ROOT));
    }

    public static final Predicate<Object> ANY = v -> true;

    /**
     * Validates {@code config}: every key must be defined, every value must parse and be valid,
     * every required key present.
     *
     * @throws RunnelException {@link ErrorCode#INVALID_CONFIG} naming the key (with a "did you
     *     mean" for an unknown one) and the value
     */
    public Values parse(Map<String, String> config) {
        requireNonNull(config, "config is null");
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : config.entrySet()) {
            String name = requireNonNull(e.getKey(), "config key is null");
            if (!keys.containsKey(name) && acceptedPrefixes.stream().noneMatch(name::startsWith)) {
                String suggestion = closest(name);
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "unknown configuration key '" + name + "'"
                        + (suggestion == null ? "" : "; did you mean '" + suggestion + "'?"));
            }
        }
        for (Key key : keys.values()) {
            String raw = config.get(key.name());
            if (raw == null) {
                raw = key.defaultValue();
            }
            if (raw == null) {
                if (!key.optional()) {
                    throw new RunnelException(ErrorCode.INVALID_CONFIG, "missing required configuration key '"
                            + key.name() + "': " + key.doc());
                }
                continue;
            }
            Object value = convert(key, raw.trim());
            if (!key.validator().test(value)) {
                throw invalid(key, raw, null);
            }
            values.put(key.name(), value);
        }
        return new Values(values, Map.copyOf(config));
    }

    private static Object convert(Key key, String raw) {
        try {
            return switch (key.type()) {
                case INT -> Integer.parseInt(raw);
                case LONG -> Long.parseLong(raw);
                case BOOLEAN -> {
                    if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException("not a boolean");
                    }
                    yield Boolean.parseBoolean(raw);
                }
                case STRING, CLASS -> raw;
                case LIST -> List.of(raw.split("\\s*,\\s*"));
            };
        } catch (IllegalArgumentException e) {
            throw invalid(key, raw, "a " + key.type().name().toLowerCase(Locale.ROOT));
        }
    }

    private static RunnelException invalid(Key key, String raw, String expected) {
        return new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + raw + "' for configuration key '"
                + key.name() + "'; expected " + (expected != null ? expected : key.validValues()));
    }

    /** The defined key nearest to {@code name} by edit distance, if it is near enough to be a typo. */
    String closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : keys.keySet()) {
            int d = editDistance(name.toLowerCase(Locale.ROOT), candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 3) ? best : null;
    }

    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The reference table for {@code docs/client.md}. */
    public String markdownTable() {
        StringBuilder out = new StringBuilder("| key | type | default | valid values | description |\n"
                + "| --- | --- | --- | --- | --- |\n");
        for (Key key : keys.values()) {
            out.append("| `").append(key.name()).append("` | ").append(key.type().name().toLowerCase(Locale.ROOT))
                    .append(" | ").append(key.defaultValue() == null ? (key.optional() ? "(none)" : "(required)")
                            : "`" + key.defaultValue() + "`")
                    .append(" | ").append(key.validValues()).append(" | ").append(key.doc()).append(" |\n");
        }
        return out.toString();
    }

    /** Parsed, validated values. Immutable. */
    public static final class Values {
        private final Map<String, Object> values;
        private final Map<String, String> originals;

        Values(Map<String, Object> values, Map<String, String> originals) {
            this.values = values;
            this.originals = originals;
        }

        public int getInt(String key) {
            return (Integer) get(key);
        }

        public long getLong(String key) {
            return (Long) get(key);
        }

        public boolean getBoolean(String key) {
            return (Boolean) get(key);
        }

        public String getString(String key) {
            return (String) values.get(key);
        }

        @SuppressWarnings("unchecked")
        public List<String> getList(String key) {
            return (List<String>) get(key);
        }

        /** Whether the user set the key (rather than it taking its default). */
        public boolean isSet(String key) {
            return originals.containsKey(key);
        }

        /** The map the user gave, for plugins that read their own keys. */
        public Map<String, String> originals() {
            return originals;
        }

        private Object get(String key) {
            Object value = values.get(key);
            if (value == null) {
                throw new IllegalStateException("configuration key " + key + " has no value");
            }
            return value;
        }
    }
}
