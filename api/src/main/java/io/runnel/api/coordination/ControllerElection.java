package io.runnel.api.coordination;

import io.runnel.api.Api;
import io.runnel.api.Subscription;

import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Elects exactly one controller among the brokers that take part.
 *
 * <p>Each time a broker wins, the controller epoch goes up by one; the controller writes its
 * epoch with its metadata changes so that a deposed controller's late writes are refused.
 *
 * <p>Thread safety as for {@link CoordinationBackend}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface ControllerElection {

    /** What a candidate hears. Called on the backend's listener thread. */
    interface Listener {
        /** This broker is controller from now on, with the given epoch. */
        void elected(long controllerEpoch);

        /** This broker is no longer controller (session lost or resigned); stop acting as one. */
        void resigned();
    }

    /** Takes part in the election until the returned subscription is closed. */
    Subscription participate(int brokerId, Listener listener);

    /** The current controller's broker id and epoch, if there is one. */
    CompletableFuture<OptionalInt> currentController();
}
