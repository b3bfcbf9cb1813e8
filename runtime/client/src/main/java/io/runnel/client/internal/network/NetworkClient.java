package io.runnel.client.internal.network;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.Send;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * The client side of the wire protocol ({@code docs/protocol.md}): one Netty connection per broker
 * address, frames of an int32 size then the message, many requests in flight per connection. A
 * broker answers in request order, so each connection keeps a queue of the requests it wrote and
 * checks every answer's correlation id against the head of that queue.
 *
 * <p>{@link #send} may be called from any thread and never blocks. The returned future completes
 * on the event loop thread, so whoever listens to it must not block: producers and consumers hand
 * the result to their own thread, the admin client completes its users' futures on its own
 * executor. A request whose answer does not come within its timeout fails with
 * {@link ErrorCode#REQUEST_TIMED_OUT}, and its connection is closed (later answers on it could not
 * be matched any more); a closed connection fails everything in flight on it with
 * {@link ErrorCode#NETWORK_EXCEPTION}. Both are retriable. The next send to that address connects
 * again.
 *
 * <p>Thread safe. All per-connection state is touched on the one event loop thread only.
 */
public final class NetworkClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetworkClient.class);

    private final String clientId;
    private final int connectTimeoutMs;
    private final NioEventLoopGroup group;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<InetSocketAddress, Connection> connections = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private int nextCorrelationId; // event loop only

    /**
     * @param clientId sent in every request header, may be null
     * @param connectTimeoutMs how long a connection attempt may take
     * @param threadName prefix of the event loop thread's name
     */
    public NetworkClient(String clientId, int connectTimeoutMs, String threadName) {
        this.clientId = clientId;
        this.connectTimeoutMs = connectTimeoutMs;
        this.group = new NioEventLoopGroup(1, new DefaultThreadFactory(threadName, true));
        this.loop = group.next();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs);
    }

    /**
     * Sends a request and waits for its answer.
     *
     * @param timeoutMs how long the answer may take once the request is written
     */
    public CompletableFuture<Message> send(InetSocketAddress address, Message request, int timeoutMs) {
        return send(address, request, true, timeoutMs);
    }

    /**
     * Sends a request.
     *
     * @param expectResponse false for requests the broker does not answer (produce with acks=0):
     *     the future then completes with null once the request is written
     */
    public CompletableFuture<Message> send(InetSocketAddress address, Message request, boolean expectResponse,
                                           int timeoutMs) {
        requireNonNull(address, "address is null");
        requireNonNull(request, "request is null");
        CompletableFuture<Message> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "the client is closed"));
            return future;
        }
        try {
            loop.execute(() -> connection(address).send(new InFlight(request, expectResponse, timeoutMs, future)));
        } catch (RuntimeException e) { // rejected: shutting down
            future.completeExceptionally(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "the client is closed", e));
        }
        return future;
    }

    /** Closes the connection to {@code address}, failing what is in flight on it. */
    public void disconnect(InetSocketAddress address) {
        loop.execute(() -> {
            Connection connection = connections.get(address);
            if (connection != null) {
                connection.close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "disconnected from " + address));
            }
        });
    }

    /** The number of requests written to {@code address} and not yet answered (tests, metrics). */
    public int inFlight(InetSocketAddress address) {
        Connection connection = connections.get(address);
        return connection == null ? 0 : connection.inFlightCount;
    }

    private Connection connection(InetSocketAddress address) {
        Connection connection = connections.get(address);
        if (connection == null) {
            connection = new Connection(address);
            connections.put(address, connection);
            connection.connect();
        }
        return connection;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            loop.submit(() -> {
                for (Connection connection : List.copyOf(connections.values())) {
                    connection.close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "the client is closed"));
                }
            }).awaitUninterruptibly(connectTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.debug("Closing connections failed", e);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private final class InFlight {
        final Message request;
        final boolean expectResponse;
        final int timeoutMs;
        final CompletableFuture<Message> future;
        int correlationId;
        ScheduledFuture<?> timeout;

        InFlight(Message request, boolean expectResponse, int timeoutMs, CompletableFuture<Message> future) {
            this.request = request;
            this.expectResponse = expectResponse;
            this.timeoutMs = timeoutMs;
            this.future = future;
        }

        void fail(RunnelException e) {
            if (timeout != null) {
                timeout.cancel(false);
            }
            future.completeExceptionally(e);
        }
    }

    /** One connection; every method runs on the event loop. */
    private final class Connection {
        final InetSocketAddress address;
        final ArrayDeque<InFlight> waiting = new ArrayDeque<>();
        final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        volatile int inFlightCount;
        Channel channel;
        boolean connected;
        boolean closed;

        Connection(InetSocketAddress address) {
            this.address = address;
        }

        void connect() {
            ChannelFuture future = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                            .addLast("frames", new LengthFieldBasedFrameDecoder(Integer.MAX_VALUE, 0, 4, 0, 4))
                            .addLast("responses", new ResponseHandler(Connection.this));
                }
            }).connect(address);
            channel = future.channel();
            future.addListener(f -> {
                if (!f.isSuccess()) {
                    close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "could not connect to " + address + ": "
                            + f.cause().getMessage(), f.cause()));
                    return;
                }
                log.debug("Connected to {}", address);
                connected = true;
                while (!waiting.isEmpty() && !closed) {
                    write(waiting.poll());
                }
                channel.flush();
            });
        }

        void send(InFlight request) {
            if (closed) {
                request.fail(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "connection to " + address + " is closed"));
            } else if (!connected) {
                waiting.add(request);
            } else {
                write(request);
                channel.flush();
            }
        }

        private void write(InFlight request) {
            request.correlationId = nextCorrelationId++;
            if (nextCorrelationId == Integer.MAX_VALUE) {
                nextCorrelationId = 0;
            }
            ByteBuf frame;
            try {
                RequestHeader header = new RequestHeader(request.request.apiKey().id(), (short) 0,
                        request.correlationId, clientId);
                frame = toFrame(Messages.encodeRequest(header, request.request));
            } catch (RuntimeException e) {
                request.fail(e instanceof RunnelException re ? re
                        : new RunnelException(ErrorCode.INVALID_REQUEST, "could not encode " + request.request.apiKey(), e));
                return;
            }
            if (request.expectResponse) {
                inFlight.add(request);
                inFlightCount = inFlight.size();
                request.timeout = loop.schedule(() -> {
                    if (!request.future.isDone()) {
                        RunnelException timedOut = new RunnelException(ErrorCode.REQUEST_TIMED_OUT, request.request.apiKey()
                                + " request to " + address + " got no answer within " + request.timeoutMs + " ms");
                        close(timedOut);
                        request.fail(timedOut); // in case the connection no longer tracked it
                    }
                }, request.timeoutMs, TimeUnit.MILLISECONDS);
                channel.write(frame).addListener(f -> {
                    if (!f.isSuccess()) {
                        close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "writing to " + address + " failed: "
                                + f.cause(), f.cause()));
                    }
                });
            } else {
                channel.write(frame).addListener(f -> {
                    if (f.isSuccess()) {
                        request.future.complete(null);
                    } else {
                        request.fail(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "writing to " + address
                                + " failed: " + f.cause(), f.cause()));
                    }
                });
            }
        }

        /**
         * Matches an answer with the oldest request in flight. The request leaves the queue only
         * once its answer is known to be its own: an unreadable or unexpected answer closes the
         * connection, which fails every request still queued, that one included.
         */
        void onResponse(ByteBuffer frame) {
            int correlationId;
            try {
                correlationId = Messages.correlationId(frame.duplicate());
            } catch (RuntimeException e) {
                close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "unreadable answer from " + address + ": "
                        + e.getMessage(), e));
                return;
            }
            InFlight head = inFlight.peek();
            if (head == null || head.correlationId != correlationId) {
                if (head != null) {
                    inFlight.poll();
                    head.fail(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "answers out of order from " + address
                            + ": correlation id " + correlationId + ", expected " + head.correlationId));
                }
                close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "answer from " + address + " has correlation id "
                        + correlationId + ", expected " + (head == null ? "none" : head.correlationId)));
                return;
            }
            inFlight.poll();
            inFlightCount = inFlight.size();
            head.timeout.cancel(false);
            Message response;
            try {
                response = Messages.decodeResponse(head.request.apiKey(), (short) 0, frame);
            } catch (RuntimeException e) {
                head.future.completeExceptionally(e instanceof RunnelException re ? re
                        : new RunnelException(ErrorCode.NETWORK_EXCEPTION, "unreadable " + head.request.apiKey()
                                + " answer from " + address + ": " + e, e));
                return;
            }
            head.future.complete(response);
        }

        void close(RunnelException reason) {
            if (closed) {
                return;
            }
            closed = true;
            connections.remove(address, this);
            List<InFlight> failed = new ArrayList<>(inFlight);
            failed.addAll(waiting);
            inFlight.clear();
            waiting.clear();
            inFlightCount = 0;
            if (!failed.isEmpty()) {
                log.debug("Connection to {} closed with {} requests in flight: {}", address, failed.size(),
                        reason.getMessage());
            }
            for (InFlight request : failed) {
                request.fail(reason);
            }
            if (channel != null) {
                channel.close();
            }
        }
    }

    private static ByteBuf toFrame(Send send) {
        List<Object> parts = send.parts();
        ByteBuf[] buffers = new ByteBuf[parts.size() + 1];
        for (int i = 0; i < parts.size(); i++) {
            if (!(parts.get(i) instanceof ByteBuffer buffer)) {
                throw new IllegalArgumentException("a client request holds buffers only, not " + parts.get(i).getClass());
            }
            buffers[i + 1] = Unpooled.wrappedBuffer(buffer.duplicate());
        }
        buffers[0] = Unpooled.buffer(4).writeInt(Math.toIntExact(send.sizeInBytes()));
        // Netty releases the frame once it is written, or when the write fails.
        return Unpooled.wrappedBuffer(buffers);
    }

    /** Hands each frame to its connection; copies it to the heap so no pooled buffer escapes. */
    private static final class ResponseHandler extends ChannelInboundHandlerAdapter {
        private final Connection connection;

        ResponseHandler(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            byte[] bytes;
            try {
                ByteBuf frame = (ByteBuf) msg;
                bytes = new byte[frame.readableBytes()];
                frame.readBytes(bytes);
            } finally {
                ReferenceCountUtil.release(msg);
            }
            connection.onResponse(ByteBuffer.wrap(bytes));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connection.close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "connection to " + connection.address
                    + " was closed"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            connection.close(new RunnelException(ErrorCode.NETWORK_EXCEPTION, "connection to " + connection.address
                    + " failed: " + cause, cause));
        }
    }
}
