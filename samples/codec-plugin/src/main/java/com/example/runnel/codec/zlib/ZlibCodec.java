package com.example.runnel.codec.zlib;

import io.runnel.api.codec.BaseCompressionCodec;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * zlib streams (RFC 1950) with the JDK's Deflater. Thread safe: it holds only the level, and each
 * stream gets its own Deflater or Inflater.
 */
final class ZlibCodec extends BaseCompressionCodec {
    private static final int BUFFER = 8 * 1024;

    private final int level;

    ZlibCodec(int level) {
        super(5, "zlib");
        this.level = level;
    }

    @Override
    public OutputStream compressing(OutputStream out) {
        Deflater deflater = new Deflater(level);
        DeflaterOutputStream zlib = new DeflaterOutputStream(out, deflater, BUFFER) {
            @Override
            public void close() throws java.io.IOException {
                try {
                    super.close();
                } finally {
                    deflater.end(); // we created it, so DeflaterOutputStream will not free it
                }
            }
        };
        return new BufferedOutputStream(zlib, BUFFER);
    }

    @Override
    public InputStream decompressing(InputStream in) {
        return new InflaterInputStream(in);
    }
}
