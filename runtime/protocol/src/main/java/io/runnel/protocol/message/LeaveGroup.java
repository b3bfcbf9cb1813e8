package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

/** LeaveGroup (13): a member leaves at once (on close), which starts a rebalance for the others. */
public final class LeaveGroup {
    private LeaveGroup() {
    }

    /** string groupId, string memberId. */
    public record Request(String groupId, String memberId) implements Message {
        public ApiKey apiKey() {
            return ApiKey.LEAVE_GROUP;
        }

        public void write(ProtocolWriter w, short version) {
            w.string(groupId).string(memberId);
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.string("groupId"), r.string("memberId"));
        }
    }

    /** int16 errorCode. */
    public record Response(short errorCode) implements Message {
        public ApiKey apiKey() {
            return ApiKey.LEAVE_GROUP;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode);
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"));
        }
    }
}
