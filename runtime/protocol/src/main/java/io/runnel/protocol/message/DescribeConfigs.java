package io.runnel.protocol.message;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.ProtocolWriter;

import java.util.List;

/** DescribeConfigs (32): the effective configuration of topics and brokers. */
public final class DescribeConfigs {
    /** Resource type of a topic (Kafka's id). */
    public static final byte TOPIC = 2;
    /** Resource type of a broker, named by its id (Kafka's id). */
    public static final byte BROKER = 4;

    private DescribeConfigs() {
    }

    /** One resource to describe; {@code configNames} null means every key. */
    public record Resource(byte type, String name, List<String> configNames) {
        public Resource {
            configNames = configNames == null ? null : List.copyOf(configNames);
        }
    }

    /** One key: its value (null if unset and without a default), and whether that is the default. */
    public record Config(String name, String value, boolean readOnly, boolean isDefault, boolean isSensitive) {
    }

    /** A resource's keys, or the error that prevented describing it. */
    public record Result(short errorCode, String errorMessage, byte type, String name, List<Config> configs) {
        public Result {
            configs = List.copyOf(configs);
        }
    }

    /** [int8 resourceType, string resourceName, [string]? configNames] resources. */
    public record Request(List<Resource> resources) implements Message {
        public Request {
            resources = List.copyOf(resources);
        }

        public ApiKey apiKey() {
            return ApiKey.DESCRIBE_CONFIGS;
        }

        public void write(ProtocolWriter w, short version) {
            w.array(resources, (x, r) -> x.int8(r.type()).string(r.name()).array(r.configNames(), ProtocolWriter::string));
        }

        public static Request read(ProtocolReader r, short version) {
            return new Request(r.array("resources", x -> new Resource(x.int8("resourceType"), x.string("resourceName"),
                    x.nullableArray("configNames", y -> y.string("configName")))));
        }
    }

    /**
     * int32 throttleTimeMs, [int16 errorCode, string? errorMessage, int8 resourceType, string resourceName,
     * [string name, string? value, bool readOnly, bool isDefault, bool isSensitive] configs] results.
     */
    public record Response(int throttleTimeMs, List<Result> results) implements Message {
        public Response {
            results = List.copyOf(results);
        }

        public ApiKey apiKey() {
            return ApiKey.DESCRIBE_CONFIGS;
        }

        public void write(ProtocolWriter w, short version) {
            w.int32(throttleTimeMs).array(results, (x, r) -> x.int16(r.errorCode()).nullableString(r.errorMessage())
                    .int8(r.type()).string(r.name()).array(r.configs(), (y, c) -> y.string(c.name())
                            .nullableString(c.value()).bool(c.readOnly()).bool(c.isDefault()).bool(c.isSensitive())));
        }

        public static Response read(ProtocolReader r, short version) {
            return new Response(r.int32("throttleTimeMs"), r.array("results", x -> new Result(x.int16("errorCode"),
                    x.nullableString("errorMessage"), x.int8("resourceType"), x.string("resourceName"),
                    x.array("configs", y -> new Config(y.string("name"), y.nullableString("value"), y.bool("readOnly"),
                            y.bool("isDefault"), y.bool("isSensitive"))))));
        }
    }
}
