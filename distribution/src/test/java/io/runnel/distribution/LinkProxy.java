package io.runnel.distribution;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A TCP proxy in front of one broker's listener, in the test JVM. The broker advertises the
 * proxy's address, so clients and the other brokers' replica fetchers all come through it.
 *
 * <p>The proxy reads each connection's first request header (Kafka framing: int32 size, int16
 * api_key, int16 api_version, int32 correlation_id, string client_id as int16 length + bytes) to
 * learn its client id, e.g. {@code replica-fetcher-2} for broker 2's fetcher. While the
 * {@linkplain #blackHole black-hole predicate} matches a connection's client id, the proxy stops
 * forwarding its bytes in both directions but keeps both sockets open, so the ends see timeouts,
 * not resets (as with a network partition). A connection once black-holed stays so: its byte
 * stream has gaps. {@link #heal()} closes those connections (the ends reconnect, as they would
 * after a partition when their TCP connections finally fail) and lets new ones through.
 *
 * <p>Blocking sockets, two threads per connection: fine for the few connections of a test.
 */
final class LinkProxy implements Closeable {
    private static final int HEADER_BYTES = 4 + 2 + 2 + 4 + 2;

    private final String name;
    private final InetSocketAddress target;
    private final boolean sniffClientId;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private volatile Predicate<String> blackHole = clientId -> false;
    private volatile boolean closed;

    /**
     * Listens on a free loopback port and forwards to {@code target}. With {@code sniffClientId}
     * false (a ZooKeeper connection, say) the stream is not read as Kafka requests and every
     * connection's client id is the empty string.
     */
    LinkProxy(String name, InetSocketAddress target, boolean sniffClientId) throws IOException {
        this.name = name;
        this.target = target;
        this.sniffClientId = sniffClientId;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "proxy-" + name + "-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    /** From now on, black-holes the connections (open or new) whose client id matches. */
    synchronized void blackHole(Predicate<String> clientIds) {
        blackHole = clientIds;
        for (Link link : links) {
            link.checkBlackHole();
        }
    }

    /** Forwards every new connection again and closes those that were black-holed. */
    synchronized void heal() {
        blackHole = clientId -> false;
        for (Link link : links) {
            if (link.blackHoled) {
                link.close();
            }
        }
    }

    /** Closes every connection through the proxy (as a restarted broker would). */
    void closeConnections() {
        for (Link link : links) {
            link.close();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Link link = new Link(client);
                links.add(link);
                link.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("proxy " + name + ": accept failed: " + e);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing more to do
        }
        closeConnections();
    }

    /** One proxied connection: a pump thread each way. */
    private final class Link {
        private final Socket client;
        private final Socket upstream = new Socket();
        private volatile String clientId;
        private volatile boolean blackHoled;

        Link(Socket client) {
            this.client = client;
        }

        void start() {
            Thread t = new Thread(this::run, "proxy-" + name + "-link");
            t.setDaemon(true);
            t.start();
        }

        private void run() {
            try {
                upstream.setTcpNoDelay(true);
                client.setTcpNoDelay(true);
                upstream.connect(target, 5000);
                OutputStream toUpstream = upstream.getOutputStream();
                if (sniffClientId) {
                    DataInputStream in = new DataInputStream(client.getInputStream());
                    byte[] header = new byte[HEADER_BYTES];
                    in.readFully(header);
                    int idLength = ByteBuffer.wrap(header, HEADER_BYTES - 2, 2).getShort();
                    byte[] id = new byte[Math.max(idLength, 0)];
                    in.readFully(id);
                    clientId = idLength < 0 ? "" : new String(id, StandardCharsets.UTF_8);
                    checkBlackHole();
                    if (!blackHoled) {
                        toUpstream.write(header);
                        toUpstream.write(id);
                        toUpstream.flush();
                    }
                } else {
                    clientId = "";
                    checkBlackHole();
                }
                Thread back = new Thread(() -> pump(upstream, client), "proxy-" + name + "-" + clientId + "-back");
                back.setDaemon(true);
                back.start();
                pump(client, upstream);
            } catch (IOException e) {
                // one end went away
            } finally {
                if (!blackHoled) {
                    close();
                }
            }
        }

        /** Copies bytes from one socket to the other until an end closes; drops them while black-holed. */
        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[64 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!blackHoled) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // closed
            }
            // A black-holed connection stays open until heal() closes it: its ends must see silence.
            if (!blackHoled) {
                close();
            }
        }

        /** Under the proxy's lock, so that a heal() never misses a connection that is black-holed. */
        void checkBlackHole() {
            synchronized (LinkProxy.this) {
                String id = clientId;
                if (id != null && blackHole.test(id)) {
                    blackHoled = true;
                }
            }
        }

        void close() {
            links.remove(this);
            closeQuietly(client);
            closeQuietly(upstream);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing more to do
            }
        }
    }
}
