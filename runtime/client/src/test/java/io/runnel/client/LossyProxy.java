package io.runnel.client;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy between clients and one broker that loses answers: for every {@code nth} Produce
 * request it forwards the request, lets the broker append, then drops the broker's answer and
 * cuts the connection, as a network failure after the write would. The producer must retry
 * without writing the records twice.
 */
final class LossyProxy implements AutoCloseable {
    private static final short PRODUCE = 0;

    private final ServerSocket server;
    private final int nth;
    private volatile InetSocketAddress target;
    private final AtomicInteger produceRequests = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    LossyProxy(int nth) throws IOException {
        this.nth = nth;
        this.server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    }

    int port() {
        return server.getLocalPort();
    }

    /** Starts forwarding to the broker at {@code target}. */
    void start(InetSocketAddress target) {
        this.target = target;
        Thread acceptor = new Thread(this::accept, "lossy-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int dropped() {
        return dropped.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket broker = new Socket(target.getAddress(), target.getPort());
                sockets.add(client);
                sockets.add(broker);
                ConcurrentHashMap<Integer, Boolean> doomed = new ConcurrentHashMap<>();
                pump(client, broker, doomed, true);
                pump(broker, client, doomed, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, ConcurrentHashMap<Integer, Boolean> doomed, boolean requests) {
        Thread thread = new Thread(() -> {
            try (DataInputStream in = new DataInputStream(from.getInputStream());
                 DataOutputStream out = new DataOutputStream(to.getOutputStream())) {
                while (true) {
                    int size = in.readInt();
                    byte[] frame = new byte[size];
                    in.readFully(frame);
                    if (requests) {
                        short apiKey = (short) (((frame[0] & 0xff) << 8) | (frame[1] & 0xff));
                        int correlationId = java.nio.ByteBuffer.wrap(frame, 4, 4).getInt();
                        if (apiKey == PRODUCE && produceRequests.incrementAndGet() % nth == 0) {
                            doomed.put(correlationId, true);
                        }
                    } else {
                        int correlationId = java.nio.ByteBuffer.wrap(frame, 0, 4).getInt();
                        if (doomed.remove(correlationId) != null) {
                            dropped.incrementAndGet();
                            from.close();
                            to.close();
                            return;
                        }
                    }
                    out.writeInt(size);
                    out.write(frame);
                    out.flush();
                }
            } catch (IOException e) {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // both ends are going away
                }
            }
        }, "lossy-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
