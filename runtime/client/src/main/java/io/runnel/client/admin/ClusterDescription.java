package io.runnel.client.admin;

import io.runnel.api.Api;
import io.runnel.client.Node;

import java.util.List;

/**
 * The brokers of a cluster and its controller.
 *
 * @param nodes the live brokers, sorted by id
 * @param controllerId the id of the controller broker, or -1 if none is known
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ClusterDescription(List<Node> nodes, int controllerId) {
    public ClusterDescription {
        nodes = List.copyOf(nodes);
    }
}
