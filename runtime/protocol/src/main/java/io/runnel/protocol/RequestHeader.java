package io.runnel.protocol;

/**
 * The header of every request.
 *
 * <pre>
 *   int16  apiKey
 *   int16  apiVersion
 *   int32  correlationId   echoed in the response, so a client matches answers to requests
 *   string clientId        nullable
 * </pre>
 */
public record RequestHeader(short apiKey, short apiVersion, int correlationId, String clientId) {

    public void write(ProtocolWriter writer) {
        writer.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(clientId);
    }

    public static RequestHeader read(ProtocolReader reader) {
        return new RequestHeader(reader.int16("apiKey"), reader.int16("apiVersion"), reader.int32("correlationId"),
                reader.nullableString("clientId"));
    }
}
