package io.runnel.broker.internal.network;

import io.netty.channel.DefaultFileRegion;
import io.runnel.api.record.FileRecords;

/**
 * A region of a log segment sent with {@code sendfile}. Netty's {@link DefaultFileRegion} closes
 * its file when released; the file here belongs to the storage engine and must stay open.
 */
final class SegmentFileRegion extends DefaultFileRegion {

    SegmentFileRegion(FileRecords records) {
        super(records.channel(), records.position(), records.size());
    }

    @Override
    protected void deallocate() {
        // The storage engine owns the channel.
    }
}
