package io.runnel.runtime;

/** Where a plugin came from. */
public enum PluginOrigin {
    /** A module (or class-path jar) that ships with the runtime, found by ServiceLoader. */
    BUILT_IN("built-in"),
    /** A third-party jar or folder in the plugins directory, loaded in its own class loader. */
    PLUGIN_JAR("jar");

    private final String label;

    PluginOrigin(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
