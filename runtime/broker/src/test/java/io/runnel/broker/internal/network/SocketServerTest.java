package io.runnel.broker.internal.network;

import io.runnel.api.ErrorCode;
import io.runnel.api.record.FileRecords;
import io.runnel.api.record.MemoryRecords;
import io.runnel.api.record.RecordBatchBuilder;
import io.runnel.api.record.Records;
import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.RequestHeader;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.Fetch;
import io.runnel.protocol.message.Metadata;
import io.runnel.protocol.message.PerTopic;
import io.runnel.protocol.message.Produce;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class SocketServerTest {
    private SocketServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private InetSocketAddress start(int maxRequestBytes, int maxInFlight, RequestHandler handler) throws Exception {
        server = new SocketServer(new SocketServer.Config("127.0.0.1", 0, maxRequestBytes, maxInFlight, 4, 2), handler);
        return server.start();
    }

    /** Answers ApiVersions, Metadata (after the future the test controls, for topic "slow"), Produce acks=0 with nothing. */
    private static final class ScriptedHandler implements RequestHandler {
        final CompletableFuture<Void> releaseSlow = new CompletableFuture<>();
        final AtomicReference<Records> fetchAnswer = new AtomicReference<>(Records.EMPTY);

        @Override
        public CompletableFuture<Optional<Message>> handle(Messages.Request request, java.net.SocketAddress client) {
            Message body = request.body();
            if (body instanceof ApiVersions.Request) {
                return CompletableFuture.completedFuture(Optional.of(ApiVersions.Response.ofThisBuild()));
            }
            if (body instanceof Metadata.Request metadata) {
                Message answer = new Metadata.Response(List.of(), request.header().correlationId(), List.of());
                if (metadata.topics() != null && metadata.topics().contains("slow")) {
                    return releaseSlow.thenApply(done -> Optional.of(answer));
                }
                return CompletableFuture.completedFuture(Optional.of(answer));
            }
            if (body instanceof Produce.Request produce && produce.acks() == 0) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            if (body instanceof Fetch.Request) {
                return CompletableFuture.completedFuture(Optional.of(new Fetch.Response((short) 0, List.of(
                        new PerTopic<>("t", List.of(new Fetch.PartitionData(0, (short) 0, 1L, 0L, fetchAnswer.get())))))));
            }
            return CompletableFuture.failedFuture(new IllegalStateException("unexpected " + body));
        }
    }

    private final class Client implements AutoCloseable {
        final Socket socket = new Socket();
        final DataOutputStream out;
        final DataInputStream in;

        Client(InetSocketAddress address) throws IOException {
            socket.connect(address, 5000);
            socket.setSoTimeout(20_000);
            out = new DataOutputStream(socket.getOutputStream());
            in = new DataInputStream(socket.getInputStream());
            clients.add(this);
        }

        void send(int correlationId, short version, Message body) throws IOException {
            ByteBuffer frame = Messages.encodeRequest(new RequestHeader(body.apiKey().id(), version, correlationId, "t"), body)
                    .toBuffer();
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
        }

        void sendRaw(int declaredSize, byte[] bytes) throws IOException {
            out.writeInt(declaredSize);
            out.write(bytes);
            out.flush();
        }

        ByteBuffer receive() throws IOException {
            int size = in.readInt();
            return ByteBuffer.wrap(in.readNBytes(size));
        }

        /** True once the server has closed the connection (end of stream or reset). */
        boolean closedByServer() throws IOException {
            try {
                return in.read() == -1;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void answersApiVersions() throws Exception {
        Client client = new Client(start(1 << 20, 10, new ScriptedHandler()));
        client.send(7, (short) 0, new ApiVersions.Request());
        ByteBuffer frame = client.receive();
        assertEquals(7, Messages.correlationId(frame));
        assertEquals(ApiVersions.Response.ofThisBuild(), Messages.decodeResponse(ApiKey.API_VERSIONS, (short) 0, frame));
    }

    @Test
    void pipelinedRequestsAreAnsweredInTheOrderSent() throws Exception {
        ScriptedHandler handler = new ScriptedHandler();
        Client client = new Client(start(1 << 20, 100, handler));
        client.send(0, (short) 0, new Metadata.Request(List.of("slow"), false));
        for (int i = 1; i < 10; i++) {
            client.send(i, (short) 0, new Metadata.Request(List.of("fast"), false));
        }
        handler.releaseSlow.complete(null); // the first finishes last
        for (int i = 0; i < 10; i++) {
            assertEquals(i, Messages.correlationId(client.receive()));
        }
    }

    @Test
    void withOneRequestInFlightEveryRequestIsStillAnsweredInOrder() throws Exception {
        ScriptedHandler handler = new ScriptedHandler();
        Client client = new Client(start(1 << 20, 1, handler));
        client.send(0, (short) 0, new Metadata.Request(List.of("slow"), false));
        for (int i = 1; i < 20; i++) {
            client.send(i, (short) 0, new ApiVersions.Request());
        }
        handler.releaseSlow.complete(null);
        for (int i = 0; i < 20; i++) {
            assertEquals(i, Messages.correlationId(client.receive()));
        }
    }

    @Test
    void acksZeroGetsNoAnswerAndTheNextRequestIsAnswered() throws Exception {
        Client client = new Client(start(1 << 20, 10, new ScriptedHandler()));
        client.send(1, (short) 0, new Produce.Request((short) 0, 1000, List.of()));
        client.send(2, (short) 0, new ApiVersions.Request());
        assertEquals(2, Messages.correlationId(client.receive()));
    }

    @Test
    void anOversizedFrameClosesThatConnectionOnly() throws Exception {
        InetSocketAddress address = start(1024, 10, new ScriptedHandler());
        Client bad = new Client(address);
        Client good = new Client(address);
        bad.sendRaw(10 << 20, new byte[2048]);
        assertTrue(bad.closedByServer());
        good.send(3, (short) 0, new ApiVersions.Request());
        assertEquals(3, Messages.correlationId(good.receive()));
    }

    @Test
    void garbageAndUnknownApisCloseThatConnectionOnly() throws Exception {
        InetSocketAddress address = start(1 << 20, 10, new ScriptedHandler());
        Client garbage = new Client(address);
        byte[] junk = "this is not a request at all".getBytes(StandardCharsets.US_ASCII);
        garbage.sendRaw(junk.length, junk);
        assertTrue(garbage.closedByServer());

        Client unknown = new Client(address);
        ByteBuffer frame = Messages.encodeRequest(new RequestHeader((short) 61, (short) 0, 1, null),
                new ApiVersions.Request()).toBuffer();
        unknown.sendRaw(frame.remaining(), frame.array());
        assertTrue(unknown.closedByServer());

        Client good = new Client(address);
        good.send(4, (short) 0, new ApiVersions.Request());
        assertEquals(4, Messages.correlationId(good.receive()));
    }

    @Test
    void aNewerApiVersionsIsAnsweredWithTheVersionsWeSpeak() throws Exception {
        Client client = new Client(start(1 << 20, 10, new ScriptedHandler()));
        client.send(5, (short) 3, new ApiVersions.Request());
        ApiVersions.Response response = (ApiVersions.Response) Messages.decodeResponse(ApiKey.API_VERSIONS, (short) 0,
                client.receive());
        assertEquals(ErrorCode.UNSUPPORTED_VERSION.code(), response.errorCode());
        assertEquals(ApiVersions.Response.ofThisBuild().apis(), response.apis());
    }

    @Test
    void fetchedBatchesGoFromTheFileAndTheFileStaysOpen(@TempDir Path dir) throws Exception {
        ByteBuffer batch = new RecordBatchBuilder(null).append(5L, null, "stored".getBytes(StandardCharsets.UTF_8)).build();
        try (FileChannel segment = FileChannel.open(dir.resolve("segment.log"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            segment.write(ByteBuffer.allocate(33), 0);
            segment.write(batch.duplicate(), 33);
            ScriptedHandler handler = new ScriptedHandler();
            handler.fetchAnswer.set(new FileRecords(segment, 33, batch.remaining()));
            Client client = new Client(start(1 << 20, 10, handler));
            for (int i = 0; i < 3; i++) {
                client.send(i, (short) 0, new Fetch.Request(-1, 0, 0, 1 << 20, List.of()));
                Fetch.Response response = (Fetch.Response) Messages.decodeResponse(ApiKey.FETCH, (short) 0, client.receive());
                assertEquals(new MemoryRecords(batch), response.topics().get(0).partitions().get(0).records());
            }
            assertTrue(segment.isOpen(), "sending a region must not close the segment");
        }
    }

    @Test
    void closeStopsListeningAndMayBeRepeated() throws Exception {
        InetSocketAddress address = start(1 << 20, 10, new ScriptedHandler());
        server.close();
        server.close();
        try (Socket socket = new Socket()) {
            org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> socket.connect(address, 2000));
        }
    }
}
