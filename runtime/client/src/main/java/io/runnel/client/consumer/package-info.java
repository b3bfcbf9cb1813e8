/**
 * The consumer: {@link io.runnel.client.consumer.RunnelConsumer} reads assigned partitions from
 * their leaders, prefetching while the application processes what it got, or, subscribed as a
 * member of a consumer group, the partitions the group's coordinator assigns it, with committed
 * offsets ({@link io.runnel.client.consumer.OffsetAndMetadata}) and a
 * {@link io.runnel.client.consumer.ConsumerRebalanceListener} told about partition changes.
 */
package io.runnel.client.consumer;
