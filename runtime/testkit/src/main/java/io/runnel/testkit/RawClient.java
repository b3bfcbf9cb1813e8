package io.runnel.testkit;

import io.runnel.protocol.ApiKey;
import io.runnel.protocol.Message;
import io.runnel.protocol.Messages;
import io.runnel.protocol.RequestHeader;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A blocking, one-connection protocol client for broker tests: sends a request and reads its
 * response, or sends raw bytes to see how the broker takes bad input. Not thread safe.
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextCorrelationId;

    public RawClient(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    10_000);
            socket.setSoTimeout(30_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends {@code body} and returns the decoded response. */
    @SuppressWarnings("unchecked")
    public <T extends Message> T call(Message body) {
        int correlationId = send(body);
        return (T) receive(body.apiKey(), correlationId);
    }

    /** Sends a request without waiting; returns its correlation id. */
    public int send(Message body) {
        int correlationId = nextCorrelationId++;
        ByteBuffer frame = Messages.encodeRequest(new RequestHeader(body.apiKey().id(), (short) 0, correlationId, "test"),
                body).toBuffer();
        writeFrame(frame);
        return correlationId;
    }

    /** Reads the next response, which must answer {@code correlationId}. */
    public Message receive(ApiKey key, int correlationId) {
        ByteBuffer frame = readFrame();
        int got = Messages.correlationId(frame.duplicate());
        if (got != correlationId) {
            throw new IllegalStateException("expected the answer to request " + correlationId + ", got " + got);
        }
        return Messages.decodeResponse(key, (short) 0, frame);
    }

    /** Writes a size-prefixed frame holding {@code payload}. */
    public void writeFrame(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        ByteBuffer framed = ByteBuffer.allocate(4 + bytes.length).putInt(bytes.length).put(bytes);
        writeRaw(framed.array());
    }

    public void writeRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one size-prefixed frame. */
    public ByteBuffer readFrame() {
        try {
            int size = in.readInt();
            byte[] bytes = new byte[size];
            in.readFully(bytes);
            return ByteBuffer.wrap(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the broker closed the connection: the next read sees the end of the stream. */
    public boolean closedByPeer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
