package io.runnel.client.internal.producer;

/**
 * The compression ratio a topic's batches get, estimated from the batches built so far, so that a
 * compressed batch is closed when its <em>compressed</em> size reaches {@code batch.size} rather
 * than its raw size: with text that compresses four to one, a batch then carries four times the
 * records per request. The estimate starts at 1 (no compression), rises at once when a batch
 * compresses worse than estimated (a batch must not overshoot by much) and falls slowly when it
 * compresses better.
 *
 * <p>Thread safe: updated by the sender thread, read by threads that append.
 */
final class CompressionRatio {
    private static final float STEP_UP = 0.05f;
    private static final float STEP_DOWN = 0.005f;
    /** Leaves room for a batch that compresses a little worse than the estimate. */
    private static final float MARGIN = 1.05f;

    private volatile float estimate = 1.0f;

    /** The compressed size expected for {@code uncompressedBytes} of records. */
    int estimateCompressed(int uncompressedBytes) {
        return (int) Math.min(Integer.MAX_VALUE, (long) (uncompressedBytes * estimate * MARGIN));
    }

    /** Records what a built batch achieved. */
    void observe(int uncompressedBytes, int compressedBytes) {
        if (uncompressedBytes <= 0) {
            return;
        }
        float observed = (float) compressedBytes / uncompressedBytes;
        float current = estimate;
        if (observed > current) {
            estimate = Math.max(current + STEP_UP, observed);
        } else if (observed < current) {
            estimate = Math.max(current - STEP_DOWN, observed);
        }
    }

    float estimate() {
        return estimate;
    }
}
