package io.runnel.broker.internal.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.ProtocolReader;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One per connection: decodes each request frame, hands it to the {@link RequestHandler} on the
 * request-handler pool, and writes the answers back in the order the requests came, however the
 * handler finishes them. The handler sees a connection's requests one at a time, in order. With
 * {@code maxInFlight} requests unanswered it stops reading from the connection until one is
 * answered.
 *
 * <p>A frame that cannot be a request (too large, malformed, an unknown API) closes the
 * connection; the broker and other connections are unaffected. All state is touched on the
 * connection's event loop only.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

    private final RequestHandler handler;
    private final Executor requestThreads;
    private final int maxInFlight;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Completes when the previous request's handler call has returned. */
    private CompletableFuture<Void> previous = CompletableFuture.completedFuture(null);

    private static final class Pending {
        final int correlationId;
        final short version;
        Optional<Message> response;
        boolean done;

        Pending(int correlationId, short version) {
            this.correlationId = correlationId;
            this.version = version;
        }
    }

    RequestDispatcher(RequestHandler handler, Executor requestThreads, int maxInFlight) {
        this.handler = handler;
        this.requestThreads = requestThreads;
        this.maxInFlight = maxInFlight;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        // The request is decoded in place: its record batches are views of the frame, which is
        // released once the handler is done with it rather than copied on the event loop.
        ByteBuffer bytes = frame.nioBuffer();
        Messages.Request request;
        try {
            request = Messages.decodeRequest(bytes);
        } catch (RunnelException e) {
            refuse(ctx, bytes, e);
            frame.release();
            return;
        }
        Pending slot = new Pending(request.header().correlationId(), request.header().apiVersion());
        pending.add(slot);
        if (pending.size() >= maxInFlight) {
            ctx.channel().config().setAutoRead(false);
        }
        // Requests of one connection are handled one after another, in the order they came: a
        // producer pipelines batches with consecutive sequence numbers, and the log must see them in
        // that order. Only the handler's synchronous part is chained; a long-polling fetch waiting
        // for data does not hold up the requests behind it.
        CompletableFuture<CompletableFuture<Optional<Message>>> handled = previous.thenApplyAsync(
                v -> handler.handle(request, ctx.channel().remoteAddress()), requestThreads);
        previous = handled.handle((f, e) -> null);
        handled.thenCompose(f -> f)
                .whenComplete((response, failure) -> frame.release())
                .whenComplete((response, failure) -> ctx.executor().execute(() -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        if (cause instanceof CloseConnectionException close) {
                            log.info("Closing the connection from {}: {}", ctx.channel().remoteAddress(), close.getMessage());
                        } else {
                            log.error("Request {} from {} failed; closing the connection", request.apiKey(),
                                    ctx.channel().remoteAddress(), failure);
                        }
                        ctx.close();
                        return;
                    }
                    slot.response = response;
                    slot.done = true;
                    flush(ctx);
                }));
    }

    /** Writes every answered request at the head of the queue, keeping request order. */
    private void flush(ChannelHandlerContext ctx) {
        boolean wrote = false;
        while (!pending.isEmpty() && pending.peek().done) {
            Pending head = pending.poll();
            if (head.response.isPresent()) {
                ctx.write(Messages.encodeResponse(head.correlationId, head.version, head.response.get()));
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        if (pending.size() < maxInFlight && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * An ApiVersions request of a version we do not speak still gets an answer (version 0, with
     * the error and our versions), so a newer client can fall back; anything else unreadable
     * closes the connection.
     */
    private void refuse(ChannelHandlerContext ctx, ByteBuffer bytes, RunnelException e) {
        if (e.errorCode() == ErrorCode.UNSUPPORTED_VERSION) {
            try {
                RequestHeader header = RequestHeader.read(new ProtocolReader(bytes.duplicate()));
                if (header.apiKey() == ApiKey.API_VERSIONS.id()) {
                    Pending slot = new Pending(header.correlationId(), (short) 0);
                    ApiVersions.Response all = ApiVersions.Response.ofThisBuild();
                    slot.response = Optional.of(new ApiVersions.Response(ErrorCode.UNSUPPORTED_VERSION.code(), all.apis()));
                    slot.done = true;
                    pending.add(slot);
                    flush(ctx);
                    return;
                }
            } catch (RunnelException unreadable) {
                // fall through and close
            }
        }
        log.warn("Closing the connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.warn("Closing the connection from {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            log.debug("Closing the connection from {} after {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
