/**
 * The Runnel SPI: every extension point of the runtime, and the value types they exchange.
 *
 * <p>This module depends on nothing but the JDK and slf4j, so that plugins compiled against it
 * never drag runtime classes into their signatures. Third-party plugin jars declare it
 * {@code provided}: the runtime's copy is the only one a plugin ever sees.
 */
module io.runnel.api {
    requires transitive org.slf4j;

    exports io.runnel.api;
    exports io.runnel.api.record;
    exports io.runnel.api.codec;
    exports io.runnel.api.storage;
    exports io.runnel.api.assignor;
    exports io.runnel.api.election;
    exports io.runnel.api.placement;
    exports io.runnel.api.coordination;
}
