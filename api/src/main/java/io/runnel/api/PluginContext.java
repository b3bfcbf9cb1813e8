package io.runnel.api;

import java.time.Clock;
import java.util.OptionalInt;

/**
 * Services the runtime offers every plugin. SPIs that need more extend it.
 *
 * <p>Implemented by the runtime; plugins never implement it except in their own tests.
 * Thread safe.
 *
 * @since 0.1
 */
@Api(status = Api.Status.STABLE, since = "0.1")
public interface PluginContext {

    /** The id of the broker the plugin runs in; empty in clients and command-line tools. */
    OptionalInt brokerId();

    /** The clock to use for every timestamp and timeout, so tests can control time. */
    default Clock clock() {
        return Clock.systemUTC();
    }
}
