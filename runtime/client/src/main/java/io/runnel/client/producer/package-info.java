/**
 * The producer: {@link io.runnel.client.producer.RunnelProducer} batches records per partition,
 * compresses them, and sends them to the partitions' leaders, idempotently by default.
 */
package io.runnel.client.producer;
