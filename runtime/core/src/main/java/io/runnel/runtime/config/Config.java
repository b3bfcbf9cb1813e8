package io.runnel.runtime.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Parsed, checked configuration values. Immutable; thread safe. */
public final class Config {
    private final Map<String, Object> values;
    private final Map<String, String> originals;

    Config(Map<String, Object> values, Map<String, String> originals) {
        this.values = Map.copyOf(values);
        this.originals = originals;
    }

    private Object value(String key) {
        Object value = values.get(key);
        if (value == null) {
            throw new IllegalArgumentException("no value for " + key);
        }
        return value;
    }

    public String getString(String key) {
        return (String) value(key);
    }

    public Optional<String> getOptionalString(String key) {
        return Optional.ofNullable((String) values.get(key));
    }

    public int getInt(String key) {
        return (Integer) value(key);
    }

    public long getLong(String key) {
        return (Long) value(key);
    }

    public boolean getBoolean(String key) {
        return (Boolean) value(key);
    }

    @SuppressWarnings("unchecked")
    public List<String> getList(String key) {
        return (List<String>) value(key);
    }

    /** Every key as written by the operator, for plugins, which read their own keys. */
    public Map<String, String> originals() {
        return originals;
    }
}
