package io.runnel.client;

import io.runnel.api.ErrorCode;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.RecordBatch;
import io.runnel.api.record.Records;
import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.CreateTopics;
import io.runnel.protocol.message.DeleteTopics;
import io.runnel.protocol.message.DescribeConfigs;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.InitProducerId;
import io.runnel.protocol.message.ListOffsets;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-broker cluster in a test: a plain {@link ServerSocket} with a thread per connection that
 * decodes requests with {@link Messages#decodeRequest} and answers them in order. It keeps an
 * in-memory log per partition, de-duplicates idempotent batches like the real broker (the last 5
 * per producer and partition), and can be told to misbehave.
 */
public final class FakeBroker implements AutoCloseable {
    public record Appended(String topic, int partition, long producerId, int baseSequence, int records, long baseOffset) {
    }

    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> topics = new ConcurrentHashMap<>();
    private final Map<String, List<ByteBuffer>> logs = new HashMap<>(); // guarded by this
    private final Map<String, List<Appended>> recent = new HashMap<>(); // guarded by this
    /** Every batch a produce request carried, duplicates included. */
    public final List<Appended> received = new CopyOnWriteArrayList<>();
    public final AtomicInteger produceRequests = new AtomicInteger();
    /** The id the next InitProducerId gets: 1000, 1001, ... (a new id each time, like the real broker). */
    private final AtomicLong nextProducerId = new AtomicLong(1000);
    /** Appends the next N produce requests, then closes the connection without answering. */
    public final AtomicInteger dropProduceResponses = new AtomicInteger();
    /** Answers the next N produce requests with NOT_LEADER_OR_FOLLOWER without appending. */
    public final AtomicInteger notLeaderResponses = new AtomicInteger();
    /**
     * While set, a produce request is read and never answered (nor appended), and neither is
     * anything after it on that connection, which stays open: a broker that hangs.
     */
    public final AtomicBoolean swallowProduce = new AtomicBoolean();
    /** Produce requests read and left unanswered while {@link #swallowProduce} was set. */
    public final AtomicInteger swallowedProduceRequests = new AtomicInteger();
    /** How long to wait before answering a produce request. */
    public volatile long produceDelayMs;
    /** The most produce requests one connection had sent and not yet had answered, at any moment. */
    public final AtomicInteger maxOutstandingProduce = new AtomicInteger();
    /** Every Fetch request, as received. */
    public final List<Fetch.Request> fetchRequests = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public FakeBroker() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "fake-broker-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String bootstrap() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public FakeBroker topic(String name, int partitions) {
        topics.put(name, partitions);
        return this;
    }

    /** Puts a batch straight into a partition's log, as stored (e.g. one with a strange codec). */
    public synchronized void appendRaw(String topic, int partition, ByteBuffer batch) {
        append(topic, partition, batch);
    }

    /** The stored batches of a partition, base offsets assigned. */
    public synchronized List<RecordBatch> batches(String topic, int partition) {
        return log(topic, partition).stream().map(b -> RecordBatch.wrap(b.duplicate())).toList();
    }

    private List<ByteBuffer> log(String topic, int partition) {
        return logs.computeIfAbsent(topic + "-" + partition, k -> new ArrayList<>());
    }

    private long endOffset(String topic, int partition) {
        List<ByteBuffer> log = log(topic, partition);
        return log.isEmpty() ? 0 : RecordBatch.wrap(log.get(log.size() - 1).duplicate()).nextOffset();
    }

    private long append(String topic, int partition, ByteBuffer bytes) {
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).put(bytes.duplicate()).flip();
        long base = endOffset(topic, partition);
        RecordBatch.wrap(copy).setBaseOffset(base);
        log(topic, partition).add(copy);
        return base;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "fake-broker-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    /**
     * Reads requests as soon as they arrive (on a thread of their own), so that the requests a
     * client has sent and not yet had answered can be counted, and answers them in order.
     */
    private void serve(Socket socket) {
        BlockingQueue<Messages.Request> requests = new LinkedBlockingQueue<>();
        AtomicInteger outstandingProduce = new AtomicInteger();
        Messages.Request end = new Messages.Request(null, null, null);
        Thread reader = new Thread(() -> {
            try {
                DataInputStream in = new DataInputStream(socket.getInputStream());
                while (!closed) {
                    int size = in.readInt();
                    byte[] frame = new byte[size];
                    in.readFully(frame);
                    Messages.Request request = Messages.decodeRequest(ByteBuffer.wrap(frame));
                    if (request.apiKey() == ApiKey.PRODUCE) {
                        int now = outstandingProduce.incrementAndGet();
                        maxOutstandingProduce.accumulateAndGet(now, Math::max);
                    }
                    requests.add(request);
                }
            } catch (IOException | RuntimeException e) {
                // connection closed
            } finally {
                requests.add(end);
            }
        }, "fake-broker-reader");
        reader.setDaemon(true);
        reader.start();
        boolean hung = false;
        try (socket; DataOutputStream out = new DataOutputStream(socket.getOutputStream())) {
            while (!closed) {
                Messages.Request request = requests.take();
                if (request == end) {
                    return;
                }
                boolean produce = request.apiKey() == ApiKey.PRODUCE;
                if (hung || (produce && swallowProduce.get())) {
                    if (produce) {
                        swallowedProduceRequests.incrementAndGet();
                    }
                    hung = true;
                    continue; // never answered: the client is left waiting
                }
                if (produce && produceDelayMs > 0) {
                    Thread.sleep(produceDelayMs);
                }
                Message response = handle(request);
                if (response == DROP) {
                    return; // closes the connection without answering
                }
                if (response == null) {
                    outstandingProduce.decrementAndGet();
                    continue; // acks=0
                }
                ByteBuffer bytes = Messages.encodeResponse(request.header().correlationId(), (short) 0, response).toBuffer();
                if (produce) {
                    outstandingProduce.decrementAndGet(); // answered from here on, as far as the client can tell
                }
                out.writeInt(bytes.remaining());
                out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // connection closed
        } finally {
            sockets.remove(socket);
        }
    }

    private static final Message DROP = new ApiVersions.Request();

    private Message handle(Messages.Request request) {
        return switch (request.apiKey()) {
            case API_VERSIONS -> ApiVersions.Response.ofThisBuild();
            case METADATA -> metadata((Metadata.Request) request.body());
            case INIT_PRODUCER_ID -> new InitProducerId.Response((short) 0, nextProducerId.getAndIncrement(), (short) 0);
            case OFFSET_FOR_LEADER_EPOCH -> DROP; // brokers ask it of each other, clients never do
            // No group coordinator in the fake (yet): group requests go unanswered.
            case FIND_COORDINATOR, JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH,
                    DESCRIBE_GROUPS, LIST_GROUPS, DELETE_GROUPS -> DROP;
            case CREATE_PARTITIONS, ELECT_LEADERS -> DROP; // admin calls these tests do not make
            case DESCRIBE_CONFIGS -> new DescribeConfigs.Response(0, ((DescribeConfigs.Request) request.body()).resources()
                    .stream().map(r -> new DescribeConfigs.Result(topics.containsKey(r.name()) ? 0
                            : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), null, r.type(), r.name(), List.of())).toList());
            case PRODUCE -> produce((Produce.Request) request.body());
            case FETCH -> fetch((Fetch.Request) request.body());
            case LIST_OFFSETS -> listOffsets((ListOffsets.Request) request.body());
            case CREATE_TOPICS -> createTopics((CreateTopics.Request) request.body());
            case DELETE_TOPICS -> new DeleteTopics.Response(((DeleteTopics.Request) request.body()).topics().stream()
                    .map(t -> new CreateTopics.Result(t, topics.remove(t) != null ? 0
                            : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), null)).toList());
        };
    }

    private Metadata.Response metadata(Metadata.Request request) {
        List<String> names = request.topics() == null ? List.copyOf(topics.keySet()) : request.topics();
        List<Metadata.Topic> out = new ArrayList<>();
        for (String name : names) {
            Integer count = topics.get(name);
            if (count == null) {
                out.add(new Metadata.Topic(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), name, List.of()));
                continue;
            }
            List<Metadata.Partition> partitions = new ArrayList<>();
            for (int p = 0; p < count; p++) {
                partitions.add(new Metadata.Partition((short) 0, p, 0, 0, List.of(0), List.of(0)));
            }
            out.add(new Metadata.Topic((short) 0, name, partitions));
        }
        return new Metadata.Response(List.of(new Metadata.Broker(0, "127.0.0.1", server.getLocalPort(), null)), 0, out);
    }

    private synchronized Message produce(Produce.Request request) {
        produceRequests.incrementAndGet();
        boolean notLeader = notLeaderResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        List<PerTopic<Produce.PartitionResult>> out = new ArrayList<>();
        for (PerTopic<Produce.PartitionData> topic : request.topics()) {
            List<Produce.PartitionResult> results = new ArrayList<>();
            for (Produce.PartitionData data : topic.partitions()) {
                results.add(notLeader
                        ? new Produce.PartitionResult(data.partition(), ErrorCode.NOT_LEADER_OR_FOLLOWER.code(), -1, -1, 0, null)
                        : appendChecked(topic.name(), data.partition(), data.records()));
            }
            out.add(new PerTopic<>(topic.name(), results));
        }
        if (dropProduceResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return DROP;
        }
        return request.acks() == 0 ? null : new Produce.Response(out);
    }

    private Produce.PartitionResult appendChecked(String topic, int partition, Records records) {
        if (!topics.containsKey(topic)) {
            return new Produce.PartitionResult(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), -1, -1, 0, null);
        }
        ByteBuffer bytes = ((MemoryRecords) records).buffer();
        long first = -1;
        for (RecordBatch batch : RecordBatch.parseAll(bytes)) {
            batch.ensureValid();
            Appended seen = new Appended(topic, partition, batch.producerId(), batch.baseSequence(), batch.recordCount(), -1);
            received.add(seen);
            if (batch.hasProducerId()) {
                List<Appended> last = recent.computeIfAbsent(topic + "-" + partition + "-" + batch.producerId(),
                        k -> new ArrayList<>());
                Appended duplicate = last.stream().filter(a -> a.baseSequence() == batch.baseSequence()).findFirst()
                        .orElse(null);
                if (duplicate != null) {
                    return new Produce.PartitionResult(partition, (short) 0, duplicate.baseOffset(), -1, 0, null);
                }
                int expected = last.isEmpty() ? 0 : last.get(last.size() - 1).baseSequence()
                        + last.get(last.size() - 1).records();
                if (batch.baseSequence() != expected) {
                    return new Produce.PartitionResult(partition, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER.code(), -1, -1, 0,
                            "expected sequence " + expected + ", got " + batch.baseSequence());
                }
                long base = append(topic, partition, batch.buffer());
                last.add(new Appended(topic, partition, batch.producerId(), batch.baseSequence(), batch.recordCount(), base));
                if (last.size() > 5) {
                    last.remove(0);
                }
                first = first < 0 ? base : first;
            } else {
                long base = append(topic, partition, batch.buffer());
                first = first < 0 ? base : first;
            }
        }
        return new Produce.PartitionResult(partition, (short) 0, first, -1, 0, null);
    }

    private synchronized Fetch.Response fetch(Fetch.Request request) {
        fetchRequests.add(request);
        List<PerTopic<Fetch.PartitionData>> out = new ArrayList<>();
        for (PerTopic<Fetch.PartitionRequest> topic : request.topics()) {
            List<Fetch.PartitionData> results = new ArrayList<>();
            for (Fetch.PartitionRequest p : topic.partitions()) {
                if (!topics.containsKey(topic.name())) {
                    results.add(new Fetch.PartitionData(p.partition(), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code(), -1, -1,
                            Records.EMPTY));
                    continue;
                }
                long end = endOffset(topic.name(), p.partition());
                if (p.fetchOffset() < 0 || p.fetchOffset() > end) {
                    results.add(new Fetch.PartitionData(p.partition(), ErrorCode.OFFSET_OUT_OF_RANGE.code(), end, 0,
                            Records.EMPTY));
                    continue;
                }
                ByteBuffer data = ByteBuffer.allocate(Math.max(0, p.partitionMaxBytes()) + 1024 * 1024);
                for (ByteBuffer b : log(topic.name(), p.partition())) {
                    RecordBatch batch = RecordBatch.wrap(b.duplicate());
                    if (batch.lastOffset() < p.fetchOffset()) {
                        continue;
                    }
                    if (data.position() > 0 && data.position() + b.remaining() > p.partitionMaxBytes()) {
                        // like a real broker at its limit: a cut-off copy of the next batch
                        ByteBuffer part = b.duplicate();
                        part.limit(part.position() + Math.min(part.remaining(), Math.max(0,
                                p.partitionMaxBytes() - data.position())));
                        data.put(part);
                        break;
                    }
                    data.put(b.duplicate());
                }
                results.add(new Fetch.PartitionData(p.partition(), (short) 0, end, 0, new MemoryRecords(data.flip())));
            }
            out.add(new PerTopic<>(topic.name(), results));
        }
        return new Fetch.Response((short) 0, out);
    }

    private synchronized ListOffsets.Response listOffsets(ListOffsets.Request request) {
        List<PerTopic<ListOffsets.PartitionResult>> out = new ArrayList<>();
        for (PerTopic<ListOffsets.PartitionRequest> topic : request.topics()) {
            List<ListOffsets.PartitionResult> results = new ArrayList<>();
            for (ListOffsets.PartitionRequest p : topic.partitions()) {
                long offset;
                long timestamp = -1;
                if (p.timestamp() == ListOffsets.EARLIEST) {
                    offset = 0;
                } else if (p.timestamp() == ListOffsets.LATEST) {
                    offset = endOffset(topic.name(), p.partition());
                } else {
                    offset = -1;
                    outer:
                    for (RecordBatch batch : batches(topic.name(), p.partition())) {
                        if (batch.maxTimestamp() < p.timestamp()) {
                            continue;
                        }
                        for (var record : batch.records(null)) {
                            if (record.timestamp() >= p.timestamp()) {
                                offset = record.offset();
                                timestamp = record.timestamp();
                                break outer;
                            }
                        }
                    }
                }
                results.add(new ListOffsets.PartitionResult(p.partition(), (short) 0, timestamp, offset, 0));
            }
            out.add(new PerTopic<>(topic.name(), results));
        }
        return new ListOffsets.Response(out);
    }

    private CreateTopics.Response createTopics(CreateTopics.Request request) {
        List<CreateTopics.Result> out = new ArrayList<>();
        for (CreateTopics.Topic t : request.topics()) {
            if (t.name().isEmpty() || t.name().contains("/")) {
                out.add(new CreateTopics.Result(t.name(), ErrorCode.INVALID_TOPIC.code(), "topic name '" + t.name()
                        + "' is invalid"));
            } else if (topics.putIfAbsent(t.name(), t.numPartitions() < 0 ? 1 : t.numPartitions()) != null) {
                out.add(new CreateTopics.Result(t.name(), ErrorCode.TOPIC_ALREADY_EXISTS.code(), "topic '" + t.name()
                        + "' already exists"));
            } else {
                out.add(new CreateTopics.Result(t.name(), (short) 0, null));
            }
        }
        return new CreateTopics.Response(out);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
