package io.runnel.client;

import io.runnel.api.Api;

import static java.util.Objects.requireNonNull;

/**
 * A broker as the cluster's metadata describes it.
 *
 * @param id the broker id
 * @param host the host clients connect to
 * @param port the port clients connect to
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record Node(int id, String host, int port) {
    public Node {
        requireNonNull(host, "host is null");
    }

    @Override
    public String toString() {
        return host + ":" + port + " (id " + id + ")";
    }
}
