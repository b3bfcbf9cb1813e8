package io.runnel.client.internal.network;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;
import io.runnel.client.NettyLeaks;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.message.ApiVersions;
import io.runnel.protocol.message.Produce;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every way an answer can reach {@link NetworkClient} (normal, late, unexpected, unreadable,
 * cut off, after close) releases the network buffers it came in, under Netty's paranoid leak
 * detection. A broker here is a script per connection that sees the raw frames.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NetworkClientLeakTest {
    private static final int ROUNDS = 20;

    /** What the scripted broker does with the request frames of one connection. */
    private interface Script {
        void serve(DataInputStream in, DataOutputStream out) throws IOException, InterruptedException;
    }

    private ServerSocket server;
    private volatile Script script;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private NettyLeaks leaks;

    @BeforeEach
    void start() throws IOException {
        leaks = NettyLeaks.watch();
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    sockets.add(socket);
                    Script current = script;
                    Thread t = new Thread(() -> {
                        try (socket; var in = new DataInputStream(socket.getInputStream());
                             var out = new DataOutputStream(socket.getOutputStream())) {
                            current.serve(in, out);
                        } catch (IOException | InterruptedException e) {
                            // the client went away
                        }
                    }, "scripted-broker-connection");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "scripted-broker");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        leaks.close();
    }

    private InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    /** Blocks until the client closes the connection (the read sees its end). */
    private static void awaitClosedByClient(DataInputStream in) {
        try {
            while (in.read() != -1) {
                // discard whatever else the client sends
            }
        } catch (IOException closed) {
            // closed too
        }
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        byte[] frame = new byte[in.readInt()];
        in.readFully(frame);
        return frame;
    }

    private static int correlationId(byte[] request) {
        return ByteBuffer.wrap(request, 4, 4).getInt();
    }

    private static void writeFrame(DataOutputStream out, byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    private static byte[] answer(int correlationId, Message body) {
        ByteBuffer bytes = Messages.encodeResponse(correlationId, (short) 0, body).toBuffer();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return out;
    }

    private static RunnelException failure(CompletableFuture<?> future) {
        return assertInstanceOf(RunnelException.class,
                assertThrows(CompletionException.class, future::join).getCause());
    }

    @Test
    void answeredRequestsReleaseTheirFrames() {
        script = (in, out) -> {
            while (true) {
                byte[] request = readFrame(in);
                writeFrame(out, answer(correlationId(request), ApiVersions.Response.ofThisBuild()));
            }
        };
        try (NetworkClient client = new NetworkClient("leaks", 5000, "leak-test")) {
            for (int i = 0; i < ROUNDS; i++) {
                assertInstanceOf(ApiVersions.Response.class,
                        client.send(address(), new ApiVersions.Request(), 5000).join());
            }
        }
        leaks.assertNone();
    }

    @Test
    void answersAfterATimeoutAnUnknownCorrelationIdOrTwiceReleaseTheirFrames() {
        script = (in, out) -> {
            byte[] request = readFrame(in);
            int id = correlationId(request);
            switch (id % 3) {
                case 0 -> { // late: after the client gave up (its timeout closes the connection)
                    awaitClosedByClient(in);
                    try {
                        writeFrame(out, answer(id, ApiVersions.Response.ofThisBuild()));
                    } catch (IOException closed) {
                        return;
                    }
                }
                case 1 -> writeFrame(out, answer(id + 1000, ApiVersions.Response.ofThisBuild())); // not asked for
                default -> { // answered twice: the second answer belongs to no request
                    writeFrame(out, answer(id, ApiVersions.Response.ofThisBuild()));
                    writeFrame(out, answer(id, ApiVersions.Response.ofThisBuild()));
                }
            }
            awaitClosedByClient(in); // the connection stays open until the client is done with it
        };
        try (NetworkClient client = new NetworkClient("leaks", 5000, "leak-test")) {
            for (int i = 0; i < ROUNDS; i++) {
                CompletableFuture<Message> f = client.send(address(), new ApiVersions.Request(), 50);
                try {
                    f.join();
                } catch (CompletionException e) {
                    RunnelException error = assertInstanceOf(RunnelException.class, e.getCause());
                    assertInstanceOf(ErrorCode.class, error.errorCode());
                }
                client.disconnect(address());
            }
        }
        leaks.assertNone();
    }

    @Test
    void unreadableAndCutOffAnswersReleaseTheirFrames() {
        script = (in, out) -> {
            byte[] request = readFrame(in);
            int id = correlationId(request);
            switch (id % 3) {
                case 0 -> writeFrame(out, new byte[] {1, 2}); // too short for a correlation id
                case 1 -> { // the right correlation id, then a body that is not an ApiVersions response
                    ByteBuffer b = ByteBuffer.allocate(7).putInt(id).put(new byte[] {9, 9, 9});
                    writeFrame(out, b.array());
                }
                default -> { // half a frame, then the connection closes
                    out.writeInt(1000);
                    out.write(new byte[300]);
                    out.flush();
                }
            }
        };
        try (NetworkClient client = new NetworkClient("leaks", 5000, "leak-test")) {
            for (int i = 0; i < ROUNDS; i++) {
                failure(client.send(address(), new ApiVersions.Request(), 5000));
                client.disconnect(address());
            }
        }
        leaks.assertNone();
    }

    @Test
    void requestsWithoutAnswerAndAClientClosedWithAnswersOnTheWayReleaseEverything() {
        script = (in, out) -> {
            while (true) {
                byte[] request = readFrame(in);
                // acks=0 gets no answer; everything else gets one and a half frames
                if (ByteBuffer.wrap(request, 0, 2).getShort() != 0) {
                    writeFrame(out, answer(correlationId(request), ApiVersions.Response.ofThisBuild()));
                    out.writeInt(500);
                    out.write(new byte[100]);
                    out.flush();
                }
            }
        };
        for (int i = 0; i < ROUNDS; i++) {
            NetworkClient client = new NetworkClient("leaks", 5000, "leak-test");
            List<CompletableFuture<Message>> pending = new ArrayList<>();
            try {
                assertNull(client.send(address(), new Produce.Request((short) 0, 1000, List.of()), false, 5000).join());
                client.send(address(), new ApiVersions.Request(), 5000).join();
                for (int j = 0; j < 5; j++) {
                    pending.add(client.send(address(), new ApiVersions.Request(), 5000));
                }
            } finally {
                client.close();
            }
            for (CompletableFuture<Message> f : pending) {
                assertEquals(ErrorCode.NETWORK_EXCEPTION, failure(f).errorCode());
            }
        }
        leaks.assertNone();
    }
}
