package io.runnel.plugin.codec.snappy;

import io.runnel.api.PluginContext;
import io.runnel.api.codec.BaseCompressionCodec;
import io.runnel.api.codec.CompressionCodec;
import io.runnel.api.codec.CompressionCodecProvider;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;

/**
 * snappy, codec id 2, in snappy-java's stream framing (the framing Kafka clients use, so batches
 * stay readable by them). Snappy has no levels.
 */
public final class SnappyCodecProvider implements CompressionCodecProvider {

    @Override
    public String name() {
        return "snappy";
    }

    @Override
    public int id() {
        return 2;
    }

    @Override
    public String description() {
        return "snappy (snappy-java stream framing)";
    }

    @Override
    public CompressionCodec create(PluginContext context, Map<String, String> config) {
        return new BaseCompressionCodec(2, "snappy") {
            @Override
            public OutputStream compressing(OutputStream out) {
                return new SnappyOutputStream(out);
            }

            @Override
            public InputStream decompressing(InputStream in) throws IOException {
                return new SnappyInputStream(in);
            }
        };
    }
}
