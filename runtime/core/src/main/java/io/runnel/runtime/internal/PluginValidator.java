package io.runnel.runtime.internal;

import io.runnel.api.codec.CompressionCodecProvider;
import io.runnel.runtime.PluginInfo;
import io.runnel.runtime.PluginOrigin;
import io.runnel.runtime.Spi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks the set of plugins as a whole: well-formed names, no name twice within an SPI, codec ids
 * in range and unique. Each problem names both sources when two plugins collide.
 */
public final class PluginValidator {
    /**
     * Codec ids 0-4 name Runnel's own codecs on every broker and client, even where a distribution
     * leaves one out, so a batch never decodes with a different codec on another node.
     */
    static final int FIRST_THIRD_PARTY_CODEC_ID = 5;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    public List<String> validate(List<PluginInfo> plugins) {
        List<String> problems = new ArrayList<>();
        Map<String, PluginInfo> byName = new HashMap<>();
        Map<Integer, PluginInfo> byCodecId = new HashMap<>();
        for (PluginInfo plugin : plugins) {
            if (plugin.name() == null || !NAME.matcher(plugin.name()).matches()) {
                problems.add(plugin.describeSource() + ": " + plugin.spi().label() + " name '" + plugin.name()
                        + "' is invalid: use 1 to 64 lower-case letters, digits and '-'");
                continue;
            }
            PluginInfo clash = byName.putIfAbsent(plugin.spi().label() + "/" + plugin.name(), plugin);
            if (clash != null) {
                problems.add("duplicate " + plugin.spi().label() + " name '" + plugin.name() + "': provided by "
                        + clash.describeSource() + " and by " + plugin.describeSource());
            }
            if (plugin.spi() == Spi.COMPRESSION_CODEC) {
                int id;
                try {
                    id = ((CompressionCodecProvider) plugin.provider()).id();
                } catch (RuntimeException | LinkageError e) {
                    problems.add(plugin.describeSource() + ": codec '" + plugin.name() + "' failed to report its id: "
                            + PluginProblems.describe(e));
                    continue;
                }
                if (id < CompressionCodecProvider.MIN_ID || id > CompressionCodecProvider.MAX_ID) {
                    problems.add(plugin.describeSource() + ": codec '" + plugin.name() + "' has id " + id
                            + ", outside " + CompressionCodecProvider.MIN_ID + ".." + CompressionCodecProvider.MAX_ID);
                    continue;
                }
                if (plugin.origin() == PluginOrigin.PLUGIN_JAR && id < FIRST_THIRD_PARTY_CODEC_ID) {
                    problems.add(plugin.describeSource() + ": codec '" + plugin.name() + "' has id " + id
                            + ", which is reserved for Runnel's own codecs; third-party codecs use "
                            + FIRST_THIRD_PARTY_CODEC_ID + " to " + CompressionCodecProvider.MAX_ID);
                    continue;
                }
                PluginInfo idClash = byCodecId.putIfAbsent(id, plugin);
                if (idClash != null && clash == null) {
                    problems.add("duplicate codec id " + id + ": codec '" + idClash.name() + "' from "
                            + idClash.describeSource() + " and codec '" + plugin.name() + "' from "
                            + plugin.describeSource());
                }
            }
        }
        return problems;
    }
}
