package io.runnel.client.producer;

import io.runnel.api.Api;
import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.record.Header;
import io.runnel.client.PartitionInfo;
import io.runnel.client.internal.codec.Codecs;
import io.runnel.client.internal.config.ClientConfigDefs;
import io.runnel.client.internal.config.ConfigDef;
import io.runnel.client.internal.network.Cluster;
import io.runnel.client.internal.network.MetadataManager;
import io.runnel.client.internal.network.NetworkClient;
import io.runnel.client.internal.producer.BufferPool;
import io.runnel.client.internal.producer.DefaultPartitioner;
import io.runnel.client.internal.producer.RecordAccumulator;
import io.runnel.client.internal.producer.Sender;
import io.runnel.client.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Sends records to a Runnel cluster.
 *
 * <p>{@link #send} serializes the record, picks its partition, and appends it to that partition's
 * open batch; an I/O thread sends batches when full ({@code batch.size}) or after
 * {@code linger.ms}, compressed with {@code compression.type}, and retries retriable failures until
 * {@code delivery.timeout.ms}. With {@code enable.idempotence} (the default) every batch carries
 * the producer's id and a per-partition sequence number, so a retry never writes a record twice
 * and records of a partition are stored in the order they were sent. {@code send} blocks only
 * while the partition metadata is unknown or {@code buffer.memory} is used up, for at most
 * {@code max.block.ms}.
 *
 * <pre>{@code
 * try (var producer = new RunnelProducer<>(Map.of("bootstrap.servers", "localhost:9092"),
 *         new StringSerializer(), new StringSerializer())) {
 *     producer.send(new ProducerRecord<>("events", "key", "value"), (metadata, error) -> { ... });
 * }
 * }</pre>
 *
 * <p>Thread safe: share one producer among threads. Configuration keys: {@link ProducerConfig}
 * and {@code docs/client.md}.
 *
 * @param <K> the key type
 * @param <V> the value type
 * @since 0.1
 */
@Api(status = Api.Status.EVOLVING, since = "0.1")
public final class RunnelProducer<K, V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunnelProducer.class);
    private static final AtomicInteger IDS = new AtomicInteger();

    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final long maxBlockMs;
    private final Partitioner partitioner;
    private final boolean defaultPartitioner;
    private final Codecs codecs;
    private final NetworkClient network;
    private final MetadataManager metadata;
    private final BufferPool pool;
    private final RecordAccumulator accumulator;
    private final Sender sender;
    private final Thread ioThread;
    private volatile boolean closed;

    /**
     * Creates a producer and starts its I/O thread.
     *
     * @throws RunnelException {@link ErrorCode#INVALID_CONFIG} naming the key and value for an
     *     unknown key, a bad value, contradicting settings, or a {@code compression.type} whose
     *     codec plugin is not installed
     */
    public RunnelProducer(Map<String, String> config, Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        requireNonNull(config, "config is null");
        this.keySerializer = requireNonNull(keySerializer, "keySerializer is null");
        this.valueSerializer = requireNonNull(valueSerializer, "valueSerializer is null");
        ConfigDef.Values values = ClientConfigDefs.producer().parse(config);
        String acksValue = values.getString(ProducerConfig.ACKS);
        short acks = (short) (acksValue.equalsIgnoreCase("all") ? -1 : Integer.parseInt(acksValue));
        int maxInFlight = values.getInt(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
        boolean idempotent = values.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE);
        if (idempotent && (acks != -1 || maxInFlight > 5)) {
            if (values.isSet(ProducerConfig.ENABLE_IDEMPOTENCE)) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "enable.idempotence=true needs acks=all (is "
                        + acksValue + ") and max.in.flight.requests.per.connection <= 5 (is " + maxInFlight + ")");
            }
            idempotent = false; // left at its default: the explicit acks or in-flight setting wins
        }
        int requestTimeoutMs = values.getInt(ProducerConfig.REQUEST_TIMEOUT_MS);
        long deliveryTimeoutMs = values.getLong(ProducerConfig.DELIVERY_TIMEOUT_MS);
        long lingerMs = values.getLong(ProducerConfig.LINGER_MS);
        if (deliveryTimeoutMs < lingerMs + requestTimeoutMs) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "delivery.timeout.ms=" + deliveryTimeoutMs
                    + " must be at least linger.ms + request.timeout.ms = " + (lingerMs + requestTimeoutMs));
        }
        this.maxBlockMs = values.getLong(ProducerConfig.MAX_BLOCK_MS);
        String partitionerClass = values.getString(ProducerConfig.PARTITIONER_CLASS);
        this.partitioner = partitionerClass == null ? new DefaultPartitioner() : instantiate(partitionerClass);
        this.defaultPartitioner = partitioner instanceof DefaultPartitioner;
        partitioner.configure(config);
        this.codecs = new Codecs(config);
        int codecId = codecs.idOf(values.getString(ProducerConfig.COMPRESSION_TYPE).trim());
        var codec = codecs.forId(codecId, "compression.type");

        String clientId = values.getString(ProducerConfig.CLIENT_ID);
        if (clientId.isEmpty()) {
            clientId = "producer-" + IDS.incrementAndGet();
        }
        this.network = new NetworkClient(clientId, requestTimeoutMs, "runnel-" + clientId + "-network");
        this.metadata = new MetadataManager(network, MetadataManager.parseBootstrap(
                values.getList(ProducerConfig.BOOTSTRAP_SERVERS)), requestTimeoutMs,
                values.getLong(ProducerConfig.METADATA_MAX_AGE_MS), true);
        this.pool = new BufferPool(values.getLong(ProducerConfig.BUFFER_MEMORY));
        this.accumulator = new RecordAccumulator(values.getInt(ProducerConfig.BATCH_SIZE), lingerMs,
                values.getInt(ProducerConfig.MAX_REQUEST_SIZE), codec, pool, System::currentTimeMillis);
        this.sender = new Sender(accumulator, metadata, network, new Sender.Settings(acks, requestTimeoutMs,
                values.getInt(ProducerConfig.RETRIES), values.getLong(ProducerConfig.RETRY_BACKOFF_MS), deliveryTimeoutMs,
                maxInFlight, values.getInt(ProducerConfig.MAX_REQUEST_SIZE), idempotent), System::currentTimeMillis);
        pool.onWait(sender::wakeup);
        this.ioThread = new Thread(sender, "runnel-" + clientId + "-io");
        ioThread.setDaemon(true);
        ioThread.start();
        metadata.refresh();
        log.info("Producer {} started (acks={}, idempotence={}, compression={})", clientId, acksValue, idempotent,
                values.getString(ProducerConfig.COMPRESSION_TYPE));
    }

    private static Partitioner instantiate(String className) {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> type = Class.forName(className, true, loader != null ? loader : RunnelProducer.class.getClassLoader());
            if (!Partitioner.class.isAssignableFrom(type)) {
                throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + className
                        + "' for configuration key 'partitioner.class': it does not implement " + Partitioner.class.getName());
            }
            return (Partitioner) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new RunnelException(ErrorCode.INVALID_CONFIG, "invalid value '" + className
                    + "' for configuration key 'partitioner.class': cannot instantiate it (" + e + ")", e);
        }
    }

    /** Sends a record; see {@link #send(ProducerRecord, Callback)}. */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record) {
        return send(record, null);
    }

    /**
     * Sends a record asynchronously. The future, and the callback, complete when the broker
     * acknowledged it (at once after writing it, with offset -1, for {@code acks=0}) or the send
     * failed; callbacks of one partition run in send order.
     *
     * <p>Failures the caller can see at once (a record larger than {@code max.request.size}:
     * {@link ErrorCode#MESSAGE_TOO_LARGE}; no metadata or memory within {@code max.block.ms}:
     * {@link ErrorCode#REQUEST_TIMED_OUT}) also go to the future and callback rather than being
     * thrown.
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback) {
        requireNonNull(record, "record is null");
        try {
            if (closed) {
                throw new RunnelException(ErrorCode.NETWORK_EXCEPTION, "the producer is closed");
            }
            long start = System.nanoTime();
            Cluster cluster = metadata.awaitTopic(record.topic(), maxBlockMs);
            if (record.partition() != null && record.partition() >= cluster.partitions(record.topic()).size()) {
                // As Kafka's producer: the partition may have been added since the last refresh.
                long leftMs = Math.max(0, maxBlockMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                cluster = metadata.awaitPartitions(record.topic(), record.partition() + 1, leftMs);
            }
            long remainingMs = Math.max(0, maxBlockMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            byte[] key = keySerializer.serialize(record.topic(), record.key());
            byte[] value = valueSerializer.serialize(record.topic(), record.value());
            List<PartitionInfo> partitions = cluster.partitions(record.topic());
            List<Header> headers = record.headers();
            long timestamp = record.timestamp() != null ? record.timestamp() : System.currentTimeMillis();
            int partition = partition(record, key, partitions);
            boolean sticky = record.partition() == null && defaultPartitioner && DefaultPartitioner.isSticky(key);
            TopicPartition tp = new TopicPartition(record.topic(), partition);
            RecordAccumulator.AppendResult result = accumulator.append(tp, timestamp, key, value, headers, callback,
                    remainingMs, sticky);
            if (result.abortedForNewBatch()) {
                partitioner.onNewBatch(record.topic(), partitions, partition);
                partition = partition(record, key, partitions);
                tp = new TopicPartition(record.topic(), partition);
                result = accumulator.append(tp, timestamp, key, value, headers, callback, remainingMs, false);
            }
            if (result.batchIsFull() || result.newBatchCreated()) {
                sender.wakeup();
            }
            return result.future();
        } catch (RunnelException e) {
            if (callback != null) {
                try {
                    callback.onCompletion(null, e);
                } catch (RuntimeException callbackError) {
                    log.error("A producer callback threw", callbackError);
                }
            }
            return CompletableFuture.failedFuture(e);
        }
    }

    private int partition(ProducerRecord<K, V> record, byte[] key, List<PartitionInfo> partitions) {
        if (record.partition() != null) {
            if (record.partition() >= partitions.size()) {
                throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "partition " + record.partition() + " of topic "
                        + record.topic() + " does not exist; the topic has " + partitions.size() + " partitions (after "
                        + maxBlockMs + " ms, max.block.ms, of waiting for it to be added)");
            }
            return record.partition();
        }
        int p = partitioner.partition(record.topic(), record.key(), key, partitions);
        if (p < 0 || p >= partitions.size()) {
            throw new RunnelException(ErrorCode.INVALID_PARTITIONS, "the partitioner chose partition " + p + " of topic "
                    + record.topic() + ", which has " + partitions.size() + " partitions");
        }
        return p;
    }

    /**
     * Sends every record sent so far at once, ignoring {@code linger.ms}, and waits until each has
     * completed (successfully or not).
     */
    public void flush() {
        accumulator.beginFlush();
        try {
            sender.wakeup();
            accumulator.allIncomplete().join();
        } finally {
            accumulator.endFlush();
        }
    }

    /** The partitions of a topic, waiting up to {@code max.block.ms} for its metadata. */
    public List<PartitionInfo> partitionsFor(String topic) {
        requireNonNull(topic, "topic is null");
        return metadata.awaitTopic(topic, maxBlockMs).partitions(topic);
    }

    /** Flushes, then closes; waits without bound for outstanding records. */
    @Override
    public void close() {
        close(Duration.ofMillis(Long.MAX_VALUE));
    }

    /**
     * Sends what is buffered and waits up to {@code timeout} for it to complete; records not
     * complete by then fail with {@link ErrorCode#NETWORK_EXCEPTION}. Then stops the I/O and network
     * threads. Idempotent.
     */
    public void close(Duration timeout) {
        requireNonNull(timeout, "timeout is null");
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long timeoutMs = Math.max(0, timeout.toMillis());
        accumulator.beginClose();
        sender.initiateClose();
        try {
            if (timeoutMs > 0) {
                try {
                    accumulator.allIncomplete().get(timeoutMs, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    log.warn("Closing the producer with records still unacknowledged after {} ms", timeoutMs);
                }
            }
            sender.forceClose();
            ioThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sender.forceClose();
        } finally {
            network.close();
            codecs.close();
            partitioner.close();
        }
    }
}
