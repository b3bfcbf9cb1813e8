package io.runnel.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the maturity of a public type, so plugin authors know what they may rely on.
 *
 * <ul>
 *   <li>{@link Status#STABLE}: only compatible changes (new default methods) until the next major
 *       SPI version.</li>
 *   <li>{@link Status#EVOLVING}: may change between minor versions while the features behind it
 *       are built; changes are listed in the release notes.</li>
 *   <li>{@link Status#EXPERIMENTAL}: may change or go at any time.</li>
 * </ul>
 *
 * @since 0.1
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Api {
    Status status();

    /** The Runnel version that introduced the type. */
    String since();

    enum Status { STABLE, EVOLVING, EXPERIMENTAL }
}
