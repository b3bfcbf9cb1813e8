package io.runnel.client.internal.codec;

import io.runnel.api.ErrorCode;
import io.runnel.api.PluginContext;
import io.runnel.api.RunnelException;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The compression codecs a client can use: the codec plugins on its module or class path, found
 * with {@link ServiceLoader}, plus id 0 ({@code none}), which needs no codec. A client never
 * depends on the runtime, whose module provides {@code none} to brokers.
 *
 * <p>Codecs are created lazily, once, with the client's configuration (so a plugin reads its own
 * {@code compression.*} keys). Thread safe.
 */
public final class Codecs implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Codecs.class);
    private static final PluginContext CONTEXT = OptionalInt::empty;

    public static final String NONE = "none";

    private final Map<Integer, CompressionCodecProvider> byId = new TreeMap<>();
    private final Map<String, CompressionCodecProvider> byName = new TreeMap<>();
    private final Map<Integer, CompressionCodec> created = new TreeMap<>();
    private final Map<String, String> config;

    public Codecs(Map<String, String> config) {
        this.config = config;
        for (ServiceLoader.Provider<CompressionCodecProvider> candidate
                : ServiceLoader.load(CompressionCodecProvider.class).stream().toList()) {
            CompressionCodecProvider provider;
            try {
                provider = candidate.get();
            } catch (java.util.ServiceConfigurationError e) {
                log.warn("Skipping a codec plugin that cannot be loaded: {}", e.getMessage());
                continue;
            }
            if (provider.id() == 0 || provider.id() < CompressionCodecProvider.MIN_ID
                    || provider.id() > CompressionCodecProvider.MAX_ID) {
                continue; // "none" is built in; ids outside 1-7 cannot be carried in a batch
            }
            CompressionCodecProvider other = byId.putIfAbsent(provider.id(), provider);
            if (other != null && other.getClass() != provider.getClass()) {
                throw new RunnelException(ErrorCode.PLUGIN_ERROR, "codec plugins " + other.getClass().getName() + " and "
                        + provider.getClass().getName() + " both claim codec id " + provider.id());
            }
            byName.putIfAbsent(provider.name(), provider);
        }
    }

    /** The codec id for {@code compression.type}; 0 for none. */
    public int idOf(String name) {
        if (name.equals(NONE)) {
            return 0;
        }
        CompressionCodecProvider provider = byName.get(name);
        if (provider == null) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + name + "' for configuration key "
                    + "'compression.type': no codec plugin of that name is installed; installed: " + installed());
        }
        return provider.id();
    }

    /** The codec for {@code id}, or null for 0 (none). */
    public synchronized CompressionCodec forId(int id, String where) {
        if (id == 0) {
            return null;
        }
        CompressionCodec codec = created.get(id);
        if (codec != null) {
            return codec;
        }
        CompressionCodecProvider provider = byId.get(id);
        if (provider == null) {
            throw new RunnelException(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, where + " is compressed with codec id " + id
                    + ", but no codec plugin with that id is installed (installed: " + installed()
                    + "); add the codec's jar to the application");
        }
        codec = provider.create(CONTEXT, config);
        created.put(id, codec);
        return codec;
    }

    /** The installed codecs as {@code name (id)}, none included. */
    public String installed() {
        StringBuilder out = new StringBuilder(NONE + " (0)");
        for (CompressionCodecProvider p : byId.values()) {
            out.append(", ").append(p.name()).append(" (").append(p.id()).append(')');
        }
        return out.toString();
    }

    @Override
    public synchronized void close() {
        for (CompressionCodec codec : created.values()) {
            try {
                codec.close();
            } catch (RuntimeException e) {
                log.warn("Closing {} failed", codec, e);
            }
        }
        created.clear();
    }
}
