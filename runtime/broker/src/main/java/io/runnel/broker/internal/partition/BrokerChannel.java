package io.runnel.broker.internal.partition;

import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.RequestHeader;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A blocking connection from this broker to another one, for the replica fetcher: one request
 * at a time, answered before the next. Frames are an int32 size then the encoded message
 * ({@link Messages}). Not thread safe, except {@link #close()}, which unblocks a pending call.
 *
 * <p>Responses are read into one buffer that the next call reuses: what a response holds (the
 * record batches of a fetch) is valid only until the next {@link #call}. The replica fetcher appends
 * them before it fetches again, and the log copies what it writes, so a follower allocates nothing
 * per fetch for the data it replicates.
 */
final class BrokerChannel implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final String clientId;
    private int nextCorrelationId;
    /** The last response's bytes; reused by the next call, grown when a response does not fit. */
    private byte[] responseBuffer = new byte[64 * 1024];

    BrokerChannel(String hostPort, String clientId, int connectTimeoutMs, int readTimeoutMs) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IOException("broker address '" + hostPort + "' is not host:port");
        }
        this.clientId = clientId;
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    connectTimeoutMs);
            socket.setSoTimeout(readTimeoutMs);
            in = new DataInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code body} and returns the decoded response, valid until the next call. */
    @SuppressWarnings("unchecked")
    <T extends Message> T call(Message body) throws IOException {
        int correlationId = nextCorrelationId++;
        ByteBuffer frame = Messages.encodeRequest(new RequestHeader(body.apiKey().id(), (short) 0, correlationId, clientId),
                body).toBuffer();
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        out.write(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.write(bytes);
        out.flush();
        int size = in.readInt();
        if (size < 4) {
            throw new IOException("response frame of " + size + " bytes from " + socket.getRemoteSocketAddress());
        }
        if (responseBuffer.length < size) {
            responseBuffer = new byte[Math.max(size, Math.min(2 * responseBuffer.length, Integer.MAX_VALUE - 8))];
        }
        in.readFully(responseBuffer, 0, size);
        ByteBuffer buffer = ByteBuffer.wrap(responseBuffer, 0, size);
        int got = Messages.correlationId(buffer.duplicate());
        if (got != correlationId) {
            throw new IOException("expected the answer to request " + correlationId + " from "
                    + socket.getRemoteSocketAddress() + ", got " + got);
        }
        return (T) Messages.decodeResponse(body.apiKey(), (short) 0, buffer);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to do
        }
    }
}
