package io.runnel.broker.internal.metadata;

import java.util.Map;

/**
 * The value of a {@code /admin/controller_requests/<id>} znode: properties text like every other
 * znode of the broker ({@link ZnodeText}). The requesting broker writes the request's keys; the
 * controller adds its result keys and {@code done=true} with a compare-and-set.
 *
 * <pre>
 *   type=ELECT_LEADERS | CREATE_PARTITIONS
 *   deadlineMs=1764038400000          wall-clock time after which the requester no longer waits
 *   ...                               the request's own keys (see the controller)
 *   done=true                         written by the controller with the result keys
 * </pre>
 */
public final class ControllerRequestText {
    public static final String TYPE = "type";
    public static final String DEADLINE_MS = "deadlineMs";
    public static final String DONE = "done";

    private ControllerRequestText() {
    }

    public static byte[] encode(Map<String, String> values) {
        return ZnodeText.encode(values);
    }

    public static Map<String, String> decode(byte[] data, String path) {
        return ZnodeText.decode(data, path);
    }

    public static boolean isDone(Map<String, String> values) {
        return Boolean.parseBoolean(values.getOrDefault(DONE, "false"));
    }
}
