package io.runnel.broker.internal.network;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The broker's TCP server: Netty event loops read frames (4-byte size, at most
 * {@code socket.request.max.bytes}), a pool of {@code num.io.threads} request-handler threads runs
 * the requests, and answers go back in request order per connection.
 *
 * <p>Lifecycle: {@link #start()} binds; {@link #close()} stops accepting, closes connections and
 * stops the threads, within a bounded time. Idempotent.
 */
public final class SocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SocketServer.class);

    /** The network settings. */
    public record Config(String host, int port, int maxRequestBytes, int maxInFlightPerConnection, int ioThreads,
                         int networkThreads) {
    }

    /** System property that forces the NIO transport even where native epoll is available. */
    public static final String NIO_PROPERTY = "runnel.network.nio";

    private final Config config;
    private final RequestHandler handler;
    private EventLoopGroup acceptor;
    private EventLoopGroup workers;
    private ExecutorService requestThreads;
    private Channel serverChannel;
    private boolean closed;

    private final boolean ownsRequestThreads;

    /** A server with its own pool of {@code ioThreads} request threads. */
    public SocketServer(Config config, RequestHandler handler) {
        this(config, handler, null);
    }

    /**
     * A server whose requests run on {@code requestThreads}, which the caller owns (the broker
     * shares them with the work that completes delayed requests).
     */
    public SocketServer(Config config, RequestHandler handler, ExecutorService requestThreads) {
        this.config = config;
        this.handler = handler;
        this.requestThreads = requestThreads;
        this.ownsRequestThreads = requestThreads == null;
    }

    /** A fixed pool of daemon request threads, as the server makes for itself. */
    public static ExecutorService newRequestThreads(int threads) {
        AtomicInteger ids = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread thread = new Thread(r, "request-handler-" + ids.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Binds and starts serving; returns the bound address (port 0 picks a free one). */
    public synchronized InetSocketAddress start() throws InterruptedException {
        boolean epoll = useEpoll();
        acceptor = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        workers = epoll ? new EpollEventLoopGroup(config.networkThreads()) : new NioEventLoopGroup(config.networkThreads());
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        if (requestThreads == null) {
            requestThreads = newRequestThreads(config.ioThreads());
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast("frames", new LengthFieldBasedFrameDecoder(config.maxRequestBytes(), 0, 4, 0, 4))
                                .addLast("sends", SendEncoder.INSTANCE)
                                .addLast("requests", new RequestDispatcher(handler, requestThreads,
                                        config.maxInFlightPerConnection()));
                    }
                });
        serverChannel = bootstrap.bind(config.host(), config.port()).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("Listening on {}:{} ({})", bound.getHostString(), bound.getPort(), epoll ? "epoll" : "nio");
        return bound;
    }

    /**
     * Native epoll where Netty's native library loads (Linux on x86-64 or ARM64), unless
     * {@value #NIO_PROPERTY} is set; NIO everywhere else.
     */
    private static boolean useEpoll() {
        if (Boolean.getBoolean(NIO_PROPERTY)) {
            return false;
        }
        if (!Epoll.isAvailable()) {
            log.debug("Native epoll is not available ({}); using NIO", String.valueOf(Epoll.unavailabilityCause()));
            return false;
        }
        return true;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (acceptor != null) {
            acceptor.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        if (requestThreads != null && ownsRequestThreads) {
            requestThreads.shutdownNow();
        }
    }
}
