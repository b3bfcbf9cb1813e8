package io.runnel.api.codec;

import io.runnel.api.Api;

import static java.util.Objects.requireNonNull;

/**
 * A codec that knows its id and name; subclasses supply the two stream methods (and, optionally,
 * faster buffer methods).
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public abstract class BaseCompressionCodec implements CompressionCodec {
    private final int id;
    private final String name;

    protected BaseCompressionCodec(int id, String name) {
        this.id = id;
        this.name = requireNonNull(name, "name is null");
    }

    @Override
    public final int id() {
        return id;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public String toString() {
        return "codec " + name + " (id " + id + ")";
    }
}
