package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.ArrayList;
import java.util.List;

/** ApiVersions (18): which APIs and versions the broker speaks. */
public final class ApiVersions {
    private ApiVersions() {
    }

    /** Empty body. */
    public record Request() implements Message {
        public ApiKey apiKey() {
            return ApiKey.API_VERSIONS;
        }

        public void write(ProtocolWriter w, short version) {
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request();
        }
    }

    public record Range(short apiKey, short minVersion, short maxVersion) {
    }

    /** int16 errorCode, [int16 apiKey, int16 min, int16 max]. */
    public record Response(short errorCode, List<Range> apis) implements Message {
        public Response {
            apis = List.copyOf(apis);
        }

        /** What this build speaks. */
        public static Response ofThisBuild() {
            List<Range> ranges = new ArrayList<>();
            for (ApiKey key : ApiKey.values()) {
                ranges.add(new Range(key.id(), key.minVersion(), key.maxVersion()));
            }
            return new Response((short) 0, ranges);
        }

        public ApiKey apiKey() {
            return ApiKey.API_VERSIONS;
        }

        public void write(ProtocolWriter w, short version) {
            w.int16(errorCode).array(apis, (x, a) -> x.int16(a.apiKey()).int16(a.minVersion()).int16(a.maxVersion()));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int16("errorCode"), r.array("apis",
                    x -> new Range(x.int16("apiKey"), x.int16("minVersion"), x.int16("maxVersion"))));
        }
    }
}
