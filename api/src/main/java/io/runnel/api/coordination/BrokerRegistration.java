package io.runnel.api.coordination;

import io.runnel.api.Api;

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A live broker: its id and how clients and peers reach it.
 *
 * @param brokerId the broker's {@code broker.id}
 * @param endpoints listener name to {@code host:port}, from {@code advertised.listeners}
 * @param rack the broker's {@code broker.rack}, if set
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record BrokerRegistration(int brokerId, Map<String, String> endpoints, Optional<String> rack) {
    public BrokerRegistration {
        endpoints = Map.copyOf(endpoints);
        requireNonNull(rack, "rack is null");
    }
}
