/**
 * The Runnel broker: its network server, request handling and partitions. Being built (issue 4):
 * today the network layer.
 */
module io.runnel.broker {
    requires io.runnel.runtime;
    requires io.runnel.protocol;
    requires io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;

    // Nothing is exported yet: the broker is started through the CLI (issue 4).
}
