package io.runnel.api;

/**
 * A registered listener or watch; closing it stops further notifications.
 *
 * <p>{@link #close()} is idempotent and may be called from any thread, including from inside the
 * listener.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
