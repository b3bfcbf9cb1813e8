/**
 * The consumer: {@link io.runnel.client.consumer.RunnelConsumer} reads assigned partitions from
 * their leaders, prefetching while the application processes what it got.
 */
package io.runnel.client.consumer;
