package io.runnel.broker.internal.metadata;

/**
 * The broker's znodes in the coordination backend's metadata store; documented in
 * {@code docs/zookeeper.md}.
 *
 * <pre>
 *   /brokers/topics/&lt;topic&gt;                              assignment and topic configs
 *   /brokers/topics/&lt;topic&gt;/partitions/&lt;p&gt;/state       leader, leader epoch, ISR
 *   /latest_producer_id_block                          the last producer id block handed out
 *   /controller                                        brokerid, epoch of the controller (the backend writes it)
 *   /controller_epoch                                  the controller epoch, a number (the backend raises it)
 *   /admin/controller_requests/&lt;id&gt;                   a request to the controller and, once done, its result
 * </pre>
 */
public final class MetadataPaths {
    public static final String TOPICS = "/brokers/topics";
    public static final String PRODUCER_ID_BLOCK = "/latest_producer_id_block";
    public static final String CONTROLLER = "/controller";
    public static final String CONTROLLER_EPOCH = "/controller_epoch";
    /** Requests for the controller (leader elections, added partitions), one child each. */
    public static final String CONTROLLER_REQUESTS = "/admin/controller_requests";

    private MetadataPaths() {
    }

    public static String topic(String topic) {
        return TOPICS + "/" + topic;
    }

    public static String controllerRequest(String id) {
        return CONTROLLER_REQUESTS + "/" + id;
    }

    public static String partitionState(String topic, int partition) {
        return topic(topic) + "/partitions/" + partition + "/state";
    }
}
