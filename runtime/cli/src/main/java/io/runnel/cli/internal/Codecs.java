package io.runnel.cli.internal;

import io.runnel.api.codec.CompressionCodec;

import java.util.Optional;

/** Where {@link SegmentDumper} gets the codecs that decompress batches, by the id in their attributes. */
interface Codecs {

    /** The codec for {@code id}, or empty when none is installed. */
    Optional<CompressionCodec> codec(int id);

    /**
     * The name printed as {@code compresscodec}: the codec's own name if known, else {@code id-N}.
     * Does not load plugins for Runnel's own ids 0 to 4, whose names the format fixes.
     */
    String name(int id);

    /** Why {@link #codec} found nothing for {@code id}: one phrase naming the id. */
    String whyMissing(int id);

    /** The names format.md fixes for ids 0 to 4; ids 5 to 7 belong to third-party codecs. */
    static Optional<String> standardName(int id) {
        return switch (id) {
            case 0 -> Optional.of("none");
            case 1 -> Optional.of("gzip");
            case 2 -> Optional.of("snappy");
            case 3 -> Optional.of("lz4");
            case 4 -> Optional.of("zstd");
            default -> Optional.empty();
        };
    }
}
