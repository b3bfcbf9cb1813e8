package io.runnel.runtime.config;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration keys a component reads, each defined once with its type, default, allowed
 * values and documentation. Parsing reports every problem at once, each naming the key, the value
 * and the reason; {@link #markdownTable()} renders the same definitions for {@code docs/}.
 *
 * <p>Immutable once built; thread safe.
 */
public final class ConfigDef {
    /** The value types keys can have. */
    public enum Type { STRING, INT, LONG, BOOLEAN, LIST }

    /**
     * One key.
     *
     * @param defaultValue the default as text; null for a key without default (required unless
     *     {@code optional})
     */
    public record Key(String name, Type type, String defaultValue, boolean optional, long min, long max,
                      List<String> allowed, String doc) {
    }

    private final Map<String, Key> keys = new LinkedHashMap<>();

    public ConfigDef define(String name, Type type, String defaultValue, String doc) {
        return add(new Key(name, type, defaultValue, false, Long.MIN_VALUE, Long.MAX_VALUE, List.of(), doc));
    }

    /** A number key with bounds (inclusive). */
    public ConfigDef define(String name, Type type, String defaultValue, long min, long max, String doc) {
        return add(new Key(name, type, defaultValue, false, min, max, List.of(), doc));
    }

    /** A string key that takes one of {@code allowed}. */
    public ConfigDef defineChoice(String name, String defaultValue, List<String> allowed, String doc) {
        return add(new Key(name, Type.STRING, defaultValue, false, Long.MIN_VALUE, Long.MAX_VALUE, List.copyOf(allowed), doc));
    }

    /** A key with no default that may be left out. */
    public ConfigDef defineOptional(String name, Type type, String doc) {
        return add(new Key(name, type, null, true, Long.MIN_VALUE, Long.MAX_VALUE, List.of(), doc));
    }

    private ConfigDef add(Key key) {
        if (keys.putIfAbsent(key.name(), key) != null) {
            throw new IllegalArgumentException("key " + key.name() + " is defined twice");
        }
        return this;
    }

    public Collection<Key> keys() {
        return keys.values();
    }

    /**
     * Parses and checks {@code values} against the definitions.
     *
     * @param alsoKnown keys (or {@code prefix.*} patterns) read by others, such as plugins: not
     *     reported as unknown
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG}, one line per problem
     */
    public Config parse(Map<String, String> values, Set<String> alsoKnown) {
        List<String> problems = new ArrayList<>();
        Map<String, Object> parsed = new LinkedHashMap<>();
        for (Key key : keys.values()) {
            String raw = values.get(key.name());
            if (raw == null || raw.isBlank()) {
                raw = key.defaultValue();
            }
            if (raw == null) {
                if (!key.optional()) {
                    problems.add("missing required key " + key.name() + ": " + key.doc());
                }
                continue;
            }
            try {
                parsed.put(key.name(), convert(key, raw.trim()));
            } catch (IllegalArgumentException e) {
                problems.add("invalid value '" + raw.trim() + "' for " + key.name() + ": " + e.getMessage());
            }
        }
        for (String name : values.keySet()) {
            if (!keys.containsKey(name) && !matches(name, alsoKnown)) {
                problems.add("unknown configuration key '" + name + "'" + suggestion(name, alsoKnown)
                        .map(s -> " (did you mean " + s + "?)").orElse(""));
            }
        }
        if (!problems.isEmpty()) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, String.join(System.lineSeparator(), problems));
        }
        return new Config(parsed, Map.copyOf(values));
    }

    private static Object convert(Key key, String raw) {
        switch (key.type()) {
            case STRING -> {
                if (!key.allowed().isEmpty() && !key.allowed().contains(raw)) {
                    throw new IllegalArgumentException("expected one of " + String.join(", ", key.allowed()));
                }
                return raw;
            }
            case INT, LONG -> {
                long value;
                try {
                    value = Long.parseLong(raw);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected " + (key.type() == Type.INT ? "an integer" : "a number"));
                }
                long max = key.type() == Type.INT ? Math.min(key.max(), Integer.MAX_VALUE) : key.max();
                long min = key.type() == Type.INT ? Math.max(key.min(), Integer.MIN_VALUE) : key.min();
                if (value < min || value > max) {
                    throw new IllegalArgumentException("expected a value from " + min + " to " + max);
                }
                return key.type() == Type.INT ? (Object) (int) value : (Object) value;
            }
            case BOOLEAN -> {
                if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
                    throw new IllegalArgumentException("expected true or false");
                }
                return Boolean.parseBoolean(raw);
            }
            case LIST -> {
                List<String> items = new ArrayList<>();
                for (String item : raw.split(",")) {
                    if (!item.isBlank()) {
                        items.add(item.trim());
                    }
                }
                return List.copyOf(items);
            }
            default -> throw new IllegalStateException(key.type().toString());
        }
    }

    private static boolean matches(String name, Set<String> patterns) {
        for (String pattern : patterns) {
            if (pattern.endsWith(".*") ? name.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private Optional<String> suggestion(String name, Set<String> alsoKnown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        List<String> candidates = new ArrayList<>(keys.keySet());
        alsoKnown.stream().filter(k -> !k.endsWith(".*")).forEach(candidates::add);
        for (String candidate : candidates) {
            int distance = distance(name, candidate);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, name.length() / 5) ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
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

    /** The keys as a Markdown table: key, type, default, meaning. */
    public String markdownTable() {
        StringBuilder table = new StringBuilder("| key | type | default | meaning |\n| --- | --- | --- | --- |\n");
        for (Key key : keys.values()) {
            String def = key.defaultValue() != null ? "`" + key.defaultValue() + "`" : key.optional() ? "(none)" : "required";
            String range = key.type() == Type.STRING && !key.allowed().isEmpty() ? " One of " + String.join(", ", key.allowed()) + "."
                    : key.min() != Long.MIN_VALUE || key.max() != Long.MAX_VALUE ? " From " + key.min() + " to "
                    + (key.max() == Long.MAX_VALUE ? "any" : String.valueOf(key.max())) + "." : "";
            table.append("| `").append(key.name()).append("` | ").append(key.type().name().toLowerCase()).append(" | ")
                    .append(def).append(" | ").append(key.doc()).append(range).append(" |\n");
        }
        return table.toString();
    }
}
