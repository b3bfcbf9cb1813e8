package io.runnel.api;

/**
 * The version of this SPI, in semantic-versioning form.
 *
 * <p>A third-party plugin states the SPI versions it works with in its descriptor
 * ({@code Plugin-Requires: >=1.0.0 & <2.0.0}); the runtime refuses a plugin whose range does not
 * include {@link #CURRENT}. The major number changes only when an SPI type changes incompatibly;
 * the minor number when an SPI gains a type or a default method.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public final class SpiVersion {
    /** The SPI version this api jar implements. */
    public static final String CURRENT = "1.0.0";

    private SpiVersion() {
    }
}
