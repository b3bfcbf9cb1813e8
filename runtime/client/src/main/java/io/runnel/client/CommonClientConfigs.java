package io.runnel.client;

import io.runnel.api.Api;

/**
 * Configuration keys every Runnel client reads. The names are Apache Kafka's. The full table, with
 * defaults and valid values, is in {@code docs/client.md}.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class CommonClientConfigs {
    /** Comma-separated {@code host:port} pairs used to find the cluster. Required. */
    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    /** A name sent with every request, for the broker's logs. */
    public static final String CLIENT_ID = "client.id";
    /** How long to wait for the answer to a request before the connection is given up. */
    public static final String REQUEST_TIMEOUT_MS = "request.timeout.ms";
    /** How long to wait before retrying a failed request. */
    public static final String RETRY_BACKOFF_MS = "retry.backoff.ms";
    /** How old cluster metadata may grow before it is refreshed even without an error. */
    public static final String METADATA_MAX_AGE_MS = "metadata.max.age.ms";

    private CommonClientConfigs() {
    }
}
