package io.runnel.api.placement;

import io.runnel.api.Api;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A live broker as placement sees it.
 *
 * @param id the broker id
 * @param rack the broker's {@code broker.rack}, if set
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record BrokerInfo(int id, Optional<String> rack) {
    public BrokerInfo {
        requireNonNull(rack, "rack is null");
    }
}
