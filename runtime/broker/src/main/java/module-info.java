/**
 * The Runnel broker: loads the plugins, recovers the logs, joins the cluster through the
 * coordination backend and serves the wire protocol. {@link io.runnel.broker.Broker} is the
 * entry point; everything else is internal.
 */
module io.runnel.broker {
    requires io.runnel.runtime;
    requires io.runnel.protocol;
    requires io.netty.transport;
    requires io.netty.buffer;
    requires io.netty.codec;
    requires io.netty.common;
    // Native epoll when its library loads (the native jars are runtime dependencies), NIO otherwise.
    requires io.netty.transport.classes.epoll;
    requires org.slf4j;

    exports io.runnel.broker;
}
