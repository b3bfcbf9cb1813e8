package io.runnel.broker.internal.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.runnel.api.record.FileRecords;
import io.runnel.protocol.Send;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Writes a {@link Send} as one frame: its size, then each part, buffers as they are and file
 * regions as {@code sendfile} regions, so stored batches never pass through the heap.
 */
@ChannelHandler.Sharable
final class SendEncoder extends ChannelOutboundHandlerAdapter {
    static final SendEncoder INSTANCE = new SendEncoder();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof Send send)) {
            ctx.write(msg, promise);
            return;
        }
        if (send.sizeInBytes() > Integer.MAX_VALUE) {
            promise.setFailure(new IllegalStateException("response of " + send.sizeInBytes() + " bytes is too large"));
            return;
        }
        ctx.write(Unpooled.buffer(4).writeInt((int) send.sizeInBytes()));
        List<Object> parts = send.parts();
        for (int i = 0; i < parts.size(); i++) {
            Object part = parts.get(i);
            Object out = part instanceof ByteBuffer buffer ? Unpooled.wrappedBuffer(buffer)
                    : new SegmentFileRegion((FileRecords) part);
            if (i == parts.size() - 1) {
                ctx.write(out, promise);
            } else {
                ctx.write(out);
            }
        }
        if (parts.isEmpty()) {
            promise.setSuccess();
        }
    }
}
