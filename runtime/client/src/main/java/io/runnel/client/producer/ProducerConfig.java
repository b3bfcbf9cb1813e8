package io.runnel.client.producer;

import io.runnel.api.Api;
import io.runnel.client.CommonClientConfigs;

/**
 * The producer's configuration keys (Apache Kafka's names). Defaults, valid values and meaning are
 * in the table in {@code docs/client.md}, generated from the same definitions the producer
 * validates with.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class ProducerConfig {
    public static final String BOOTSTRAP_SERVERS = CommonClientConfigs.BOOTSTRAP_SERVERS;
    public static final String CLIENT_ID = CommonClientConfigs.CLIENT_ID;
    public static final String ACKS = "acks";
    public static final String BATCH_SIZE = "batch.size";
    public static final String LINGER_MS = "linger.ms";
    public static final String BUFFER_MEMORY = "buffer.memory";
    public static final String MAX_BLOCK_MS = "max.block.ms";
    public static final String COMPRESSION_TYPE = "compression.type";
    public static final String RETRIES = "retries";
    public static final String RETRY_BACKOFF_MS = CommonClientConfigs.RETRY_BACKOFF_MS;
    public static final String DELIVERY_TIMEOUT_MS = "delivery.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = CommonClientConfigs.REQUEST_TIMEOUT_MS;
    public static final String MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = "max.in.flight.requests.per.connection";
    public static final String ENABLE_IDEMPOTENCE = "enable.idempotence";
    public static final String MAX_REQUEST_SIZE = "max.request.size";
    public static final String PARTITIONER_CLASS = "partitioner.class";
    public static final String METADATA_MAX_AGE_MS = CommonClientConfigs.METADATA_MAX_AGE_MS;

    private ProducerConfig() {
    }
}
