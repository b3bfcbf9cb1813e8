package io.runnel.protocol;

/** A request or response body. Implementations are immutable records. */
public interface Message {
    /** The API this message belongs to. */
    ApiKey apiKey();

    /** Writes the body in the given version's layout. */
    void write(ProtocolWriter writer, short version);
}
