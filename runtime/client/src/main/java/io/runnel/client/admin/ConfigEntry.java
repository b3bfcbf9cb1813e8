package io.runnel.client.admin;

import io.runnel.api.Api;

/**
 * One key of a resource's configuration, as {@link RunnelAdmin#describeConfigs} found it.
 *
 * @param value the value in effect, or null if the key is unset and has no default
 * @param isDefault whether the value is the default rather than set for this resource
 * @param isReadOnly whether it can only be changed by restarting the broker with a new setting
 * @param isSensitive whether the broker withheld the value (null then)
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public record ConfigEntry(String name, String value, boolean isDefault, boolean isReadOnly, boolean isSensitive) {
}
