package io.runnel.client;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Catches Netty buffer leaks: turns leak detection up to {@code PARANOID} and listens to what
 * {@link ResourceLeakDetector} logs. Netty only reports a leaked buffer once the garbage collector
 * has found it and another buffer is then allocated, so {@link #leaks()} runs the collector and
 * allocates a few buffers before it looks.
 *
 * <p>As an extension ({@code @ExtendWith(NettyLeaks.class)}) it fails every test after which a
 * leak is reported, with Netty's report (where the buffer was made and last touched) as the
 * message. Netty reports a leak with the same access records only once per JVM, so the first test
 * that leaks it is the one that fails.
 */
public final class NettyLeaks implements AutoCloseable, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NettyLeaks.class);

    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private ResourceLeakDetector.Level previous;

    /** Starts listening. */
    public static NettyLeaks watch() {
        NettyLeaks leaks = new NettyLeaks();
        leaks.start();
        return leaks;
    }

    /** For {@code @ExtendWith}; use {@link #watch()} otherwise. */
    public NettyLeaks() {
    }

    private void start() {
        previous = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        appender.setName("netty-leaks");
        appender.start();
        logger.addAppender(appender);
    }

    /** Runs the collector, lets Netty report what it found, and returns the leak reports so far. */
    public List<String> leaks() {
        for (int i = 0; i < 5; i++) {
            // Until the collector has really run: an object nothing refers to is gone (with a deadline).
            java.lang.ref.WeakReference<Object> probe = new java.lang.ref.WeakReference<>(new Object());
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (probe.get() != null && System.nanoTime() < deadline) {
                System.gc();
            }
            // Netty looks for collected buffers when it tracks a new one.
            for (ByteBuf buf : List.of(PooledByteBufAllocator.DEFAULT.directBuffer(1),
                    PooledByteBufAllocator.DEFAULT.heapBuffer(1), UnpooledByteBufAllocator.DEFAULT.directBuffer(1))) {
                buf.release();
            }
        }
        synchronized (appender.list) {
            return appender.list.stream()
                    .filter(e -> e.getFormattedMessage().contains("LEAK"))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    /** Fails with Netty's reports if any leak was reported. */
    public void assertNone() {
        List<String> found = leaks();
        if (!found.isEmpty()) {
            fail(found.size() + " Netty buffer leak(s) reported:\n" + String.join("\n\n", found));
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
        if (previous != null) {
            ResourceLeakDetector.setLevel(previous);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        NettyLeaks leaks = watch();
        context.getStore(NAMESPACE).put(NettyLeaks.class, leaks);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        NettyLeaks leaks = context.getStore(NAMESPACE).remove(NettyLeaks.class, NettyLeaks.class);
        if (leaks != null) {
            try {
                leaks.assertNone();
            } finally {
                leaks.close();
            }
        }
    }
}
