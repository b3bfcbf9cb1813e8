package io.runnel.api.record;

import io.runnel.api.Api;

import java.util.Arrays;

import static java.util.Objects.requireNonNull;

/**
 * A record header: a string key and an optional byte value.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public record Header(String key, byte[] value) {
    public Header {
        requireNonNull(key, "key is null");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header(" + key + ", " + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
