package io.runnel.api;

import java.util.Map;
import java.util.Set;

/**
 * What the runtime discovers for every extension point: a named factory of a service.
 *
 * <p>Each SPI has its own provider interface extending this one (for example
 * {@link io.runnel.api.codec.CompressionCodecProvider}). Built-in plugins are named modules that
 * {@code provides} that interface; third-party plugins list their class in
 * {@code META-INF/services/<provider interface>} of their jar. Either way the class needs a public
 * no-argument constructor, and construction must be cheap and free of side effects: the runtime
 * instantiates every provider it finds just to list it, and calls {@link #create} only for the one
 * the configuration selects.
 *
 * <p>Names are unique per SPI: two providers of one SPI with the same {@link #name()} stop
 * start-up, naming both sources.
 *
 * <p>Thread safety: {@link #name()} and {@link #description()} may be called from any thread.
 * {@link #create} is called once per service instance, from a runtime thread, with the thread
 * context class loader set to the plugin's own class loader.
 *
 * @param <C> the context type the runtime passes in
 * @param <S> the service type the provider creates
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public interface PluginProvider<C extends PluginContext, S extends AutoCloseable> {

    /**
     * The name by which configuration selects this plugin, e.g. {@code "zstd"} or
     * {@code "segmented-log"}: lower case letters, digits and '-', at most 64 characters.
     */
    String name();

    /** One line for people, shown by {@code runnel plugins}. */
    default String description() {
        return "";
    }

    /**
     * The configuration keys this plugin reads (exact names, or prefixes ending in {@code .*}), so
     * the broker can report keys that nothing reads as likely typos. The default: none.
     *
     * @since 0.1
     */
    default Set<String> configKeys() {
        return Set.of();
    }

    /**
     * Creates the service.
     *
     * @param context services the runtime offers the plugin
     * @param config the configuration: every broker (or client) property, keys as written by the
     *     operator; a plugin reads the keys it documents and ignores the rest
     * @return a new service, which the runtime closes when it no longer needs it
     * @throws RunnelException with {@link ErrorCode#INVALID_CONFIG} when a key the plugin reads has
     *     a bad value; the message names the key and the value
     */
    S create(C context, Map<String, String> config);
}
