package io.runnel.api.storage;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Records;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The log of one partition: an ordered, append-only run of record batches, each record
 * identified by its offset.
 *
 * <p>Thread safety: appends and truncation are serialised by the caller (the partition's leader or
 * follower logic); reads, lookups and retention may run concurrently with them and with each
 * other. A reader never sees a partially written batch.
 *
 * <p>Errors: a batch that fails validation raises {@link io.runnel.api.ErrorCode#CORRUPT_RECORD}
 * and leaves the log untouched; a read outside {@code [logStartOffset, logEndOffset]} raises
 * {@link io.runnel.api.ErrorCode#OFFSET_OUT_OF_RANGE}; an I/O error raises
 * {@link io.runnel.api.ErrorCode#STORAGE_ERROR} naming the directory.
 *
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public interface PartitionLog {

    TopicPartition topicPartition();

    /**
     * Appends whole record batches. With {@code assignOffsets} (on the leader) the log sets each
     * batch's base offset to its log-end offset and its partition leader epoch to
     * {@code leaderEpoch}; without (on a follower) the offsets must continue the log exactly.
     *
     * @param batches one or more v2 record batches, from position to limit
     * @return the offsets the batches got
     */
    AppendResult append(ByteBuffer batches, boolean assignOffsets, int leaderEpoch);

    /**
     * Reads whole batches starting with the one that contains {@code offset}, up to
     * {@code maxBytes} (but at least one batch, even if it is larger, so a consumer always makes
     * progress), and not past {@code maxOffset} (exclusive; the high watermark for consumers).
     */
    Records read(long offset, int maxBytes, long maxOffset);

    /** The first offset whose batch's max timestamp is at or after {@code timestamp}. */
    Optional<TimestampOffset> offsetForTimestamp(long timestamp);

    /** The first offset still kept; moves forward with retention. */
    long logStartOffset();

    /** The offset the next appended record will get. */
    long logEndOffset();

    /** Removes every record at or after {@code offset}; used by a follower whose log diverged. */
    void truncateTo(long offset);

    /**
     * Deletes whole segments (or the engine's unit) that are entirely older than
     * {@code retention.ms} or that push the log over {@code retention.bytes}.
     *
     * @return the number of bytes freed
     */
    long enforceRetention(long nowMs);

    /** Forces every appended byte to stable storage. */
    void flush();

    /** Records that {@code epoch} started at {@code startOffset}; kept across restarts. */
    void assignEpochStartOffset(int epoch, long startOffset);

    /**
     * The end offset of {@code epoch}: the start offset of the next higher epoch this log knows,
     * or the log-end offset if {@code epoch} is the latest; empty if the log knows no epoch at or
     * below it.
     */
    Optional<EpochEndOffset> endOffsetForEpoch(int epoch);

    /** The last state this log recorded for an idempotent producer, kept across restarts. */
    Optional<ProducerState> producerState(long producerId);

    /** Bytes this log takes on disk. */
    long sizeInBytes();

    /**
     * Empties the log and restarts it at {@code offset}, which becomes both its log start and log
     * end offset; leader epochs and producer state go with the data. A follower uses it when it is
     * so far behind that the leader no longer keeps the offsets it needs (they fell to retention).
     *
     * <p>The default refuses, for engines written before this method existed.
     *
     * @throws RunnelException {@link ErrorCode#STORAGE_ERROR} if the engine
     *     cannot do it, or on an I/O error
     * @since 0.1
     */
    default void truncateFullyAndStartAt(long offset) {
        throw new RunnelException(ErrorCode.STORAGE_ERROR, getClass().getName()
                + " cannot restart the log of " + topicPartition() + " at offset " + offset);
    }

    /**
     * Remembers the broker's high watermark for this log (the offset below which every in-sync
     * replica has the data), so that a restarted broker serves committed records at once instead
     * of learning it again. Called on every change, so it must be cheap: engines keep the value
     * in memory and write it out now and then and on close. The default forgets it.
     *
     * @since 0.1
     */
    default void recordHighWatermark(long highWatermark) {
    }

    /**
     * The high watermark recorded before this log was last opened (at most its log end offset),
     * or 0 if none was kept.
     *
     * @since 0.1
     */
    default long recordedHighWatermark() {
        return 0;
    }
}
