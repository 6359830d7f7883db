package io.dgan.transport.grpc.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The reference for the transport benchmark: one blocking Java NIO socket between two processes, a length prefix and
 * little-endian float32 payload from and into direct buffers, copied from/to the caller's FloatBuffer like a real
 * transport would. No framing, no flow control, no checksums: as fast as Java moves bytes through loopback TCP.
 */
final class RawTcpLink implements AutoCloseable {
    private final SocketChannel socket;
    private final ByteBuffer sendBuffer;
    private final ByteBuffer receiveBuffer;
    private final ByteBuffer header = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer receiveHeader = ByteBuffer.allocateDirect(8).order(ByteOrder.LITTLE_ENDIAN);

    private RawTcpLink(SocketChannel socket, int maxBytes) throws IOException {
        this.socket = socket;
        socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
        this.sendBuffer = ByteBuffer.allocateDirect(maxBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.receiveBuffer = ByteBuffer.allocateDirect(maxBytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static RawTcpLink accept(int port, int maxBytes) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", port));
            return new RawTcpLink(server.accept(), maxBytes);
        }
    }

    static RawTcpLink connect(int port, int maxBytes, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try {
                return new RawTcpLink(SocketChannel.open(new InetSocketAddress("127.0.0.1", port)), maxBytes);
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    void send(FloatBuffer src) throws IOException {
        sendBuffer.clear();
        sendBuffer.asFloatBuffer().put(src.duplicate());
        sendBuffer.limit(src.remaining() * 4);
        header.clear();
        header.putLong(0, src.remaining()).limit(8);
        while (header.hasRemaining()) {
            socket.write(header);
        }
        while (sendBuffer.hasRemaining()) {
            socket.write(sendBuffer);
        }
    }

    void receive(FloatBuffer dst) throws IOException {
        receiveHeader.clear();
        readFully(receiveHeader);
        long n = receiveHeader.getLong(0);
        if (n != dst.remaining()) {
            throw new IOException("raw tcp: peer sent " + n + " floats, expected " + dst.remaining());
        }
        receiveBuffer.clear().limit((int) n * 4);
        readFully(receiveBuffer);
        receiveBuffer.flip();
        dst.duplicate().put(receiveBuffer.asFloatBuffer());
    }

    private void readFully(ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (socket.read(buffer) < 0) {
                throw new EOFException("raw tcp: peer closed the connection");
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
