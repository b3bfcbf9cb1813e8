/**
 * Types shared by the producer, the consumer and the admin client: cluster metadata
 * ({@link io.runnel.client.Node}, {@link io.runnel.client.PartitionInfo}) and the configuration
 * keys every client reads ({@link io.runnel.client.CommonClientConfigs}). Every failure is an
 * {@link io.runnel.api.RunnelException} carrying the {@link io.runnel.api.ErrorCode} of the broker
 * or of the client-side check that failed.
 */
package io.runnel.client;
