package io.runnel.runtime;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The plugins a configuration selects, one per single-choice extension point plus the list of
 * group assignors. Codecs are not selected: every installed codec is available, and each batch
 * names its own.
 *
 * <p>{@link #resolve} checks every key at once and reports every unknown name together, each with
 * the key, the value and the names that are installed.
 */
public final class PluginSelection {
    public static final String STORAGE_ENGINE = "storage.engine";
    public static final String COORDINATION_BACKEND = "coordination.backend";
    public static final String LEADER_ELECTION_POLICY = "leader.election.policy";
    public static final String REPLICA_PLACEMENT_POLICY = "replica.placement.policy";
    public static final String GROUP_ASSIGNORS = "group.assignors";

    /** The selection keys, their SPI and default, in the order they are reported. */
    public static final Map<String, Default> KEYS;

    /** A selection key's SPI and default value. */
    public record Default(Spi spi, String value) {
    }

    static {
        Map<String, Default> keys = new LinkedHashMap<>();
        keys.put(STORAGE_ENGINE, new Default(Spi.STORAGE_ENGINE, "segmented-log"));
        keys.put(COORDINATION_BACKEND, new Default(Spi.COORDINATION_BACKEND, "zookeeper"));
        keys.put(LEADER_ELECTION_POLICY, new Default(Spi.LEADER_ELECTION_POLICY, "fewest-leaders"));
        keys.put(REPLICA_PLACEMENT_POLICY, new Default(Spi.REPLICA_PLACEMENT_POLICY, "round-robin"));
        keys.put(GROUP_ASSIGNORS, new Default(Spi.PARTITION_ASSIGNOR, "range,round-robin,sticky"));
        KEYS = java.util.Collections.unmodifiableMap(keys);
    }

    private final Map<String, List<PluginInfo>> selected;

    private PluginSelection(Map<String, List<PluginInfo>> selected) {
        this.selected = selected;
    }

    /**
     * Picks the plugins named by {@code config}, falling back to the defaults.
     *
     * @throws PluginLoadException listing every key whose plugin is not installed
     */
    public static PluginSelection resolve(PluginRegistry registry, Map<String, String> config) {
        requireNonNull(registry, "registry is null");
        requireNonNull(config, "config is null");
        Map<String, List<PluginInfo>> selected = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String key : orderedKeys()) {
            Default def = KEYS.get(key);
            String value = config.getOrDefault(key, def.value()).trim();
            List<String> names = key.equals(GROUP_ASSIGNORS) ? splitList(value) : List.of(value);
            if (names.isEmpty() || names.contains("")) {
                problems.add(key + "='" + value + "': name at least one " + def.spi().label() + " plugin");
                continue;
            }
            List<PluginInfo> plugins = new ArrayList<>();
            for (String name : names) {
                Optional<PluginInfo> plugin = registry.find(def.spi(), name);
                if (plugin.isPresent()) {
                    plugins.add(plugin.get());
                } else {
                    problems.add(key + "=" + value + ": no " + def.spi().label() + " plugin named '" + name
                            + "' is installed; installed: " + installed(registry, def.spi()));
                }
            }
            selected.put(key, List.copyOf(plugins));
        }
        if (!problems.isEmpty()) {
            throw new PluginLoadException(problems);
        }
        return new PluginSelection(selected);
    }

    /** The selection keys in a stable order. */
    public static List<String> orderedKeys() {
        return List.of(STORAGE_ENGINE, COORDINATION_BACKEND, LEADER_ELECTION_POLICY, REPLICA_PLACEMENT_POLICY,
                GROUP_ASSIGNORS);
    }

    private static List<String> splitList(String value) {
        List<String> names = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            names.add(part.trim());
        }
        return names.size() == 1 && names.get(0).isEmpty() ? List.of() : names;
    }

    private static String installed(PluginRegistry registry, Spi spi) {
        List<String> names = registry.plugins(spi).stream().map(PluginInfo::name).toList();
        return names.isEmpty() ? "(none)" : String.join(", ", names);
    }

    public PluginInfo storageEngine() {
        return selected.get(STORAGE_ENGINE).get(0);
    }

    public PluginInfo coordinationBackend() {
        return selected.get(COORDINATION_BACKEND).get(0);
    }

    public PluginInfo leaderElectionPolicy() {
        return selected.get(LEADER_ELECTION_POLICY).get(0);
    }

    public PluginInfo replicaPlacementPolicy() {
        return selected.get(REPLICA_PLACEMENT_POLICY).get(0);
    }

    /** The assignors the brokers offer, in the configured order. */
    public List<PluginInfo> groupAssignors() {
        return selected.get(GROUP_ASSIGNORS);
    }

    /** Whether {@code plugin} is among the selected ones. */
    public boolean isSelected(PluginInfo plugin) {
        return selected.values().stream().anyMatch(list -> list.contains(plugin));
    }
}
