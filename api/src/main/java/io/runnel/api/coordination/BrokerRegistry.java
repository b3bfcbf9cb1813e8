package io.runnel.api.coordination;

import io.runnel.api.Api;
import io.runnel.api.Subscription;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Broker registration with liveness: a registration lives as long as the broker's session with
 * the backend and disappears when the session ends or expires.
 *
 * <p>Thread safety as for {@link CoordinationBackend}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface BrokerRegistry {

    /**
     * Registers this broker. Fails with {@link io.runnel.api.ErrorCode#INVALID_CONFIG} if a live
     * broker already holds the id.
     */
    CompletableFuture<Void> register(BrokerRegistration registration);

    /** The live brokers, sorted by id. */
    CompletableFuture<List<BrokerRegistration>> liveBrokers();

    /**
     * Calls {@code listener} with the full sorted list of live brokers now and after every change.
     */
    Subscription watch(Consumer<List<BrokerRegistration>> listener);
}
