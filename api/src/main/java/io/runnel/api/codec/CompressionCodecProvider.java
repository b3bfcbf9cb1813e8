package io.runnel.api.codec;

import io.runnel.api.Api;
import io.runnel.api.PluginContext;
import io.runnel.api.PluginProvider;

/**
 * Discovers a {@link CompressionCodec}.
 *
 * <p>Besides its {@link #name()} (what {@code compression.type} names), a codec has a numeric
 * {@link #id()}, carried in bits 0-2 of every batch's attributes. Ids are global: 0 none, 1 gzip,
 * 2 snappy, 3 lz4 and 4 zstd are Runnel's own; 5, 6 and 7 are free for third-party codecs. Two
 * providers with the same id, like two with the same name, stop start-up.
 *
 * <p>Thread safety as for {@link PluginProvider}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public interface CompressionCodecProvider extends PluginProvider<PluginContext, CompressionCodec> {

    /** Lowest id a codec may use. */
    int MIN_ID = 0;
    /** Highest id a codec may use: the attributes keep three bits for it. */
    int MAX_ID = 7;

    /** The id carried in a batch's attributes, from {@link #MIN_ID} to {@link #MAX_ID}. */
    int id();
}
