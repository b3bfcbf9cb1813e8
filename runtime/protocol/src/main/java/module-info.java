/**
 * The Runnel wire protocol: frames, headers and the versioned request and response messages,
 * shared by the broker and the clients. Byte layouts in {@code docs/protocol.md}.
 */
module io.runnel.protocol {
    requires transitive io.runnel.api;

    exports io.runnel.protocol;
    exports io.runnel.protocol.message;
}
