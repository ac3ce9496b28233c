package io.portcullis.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * One watch event as it goes out, encoded once for every stream it is written to: its JSON line
 * (for HTTP/2 and WebSocket streams, through Vert.x), and the same line framed as one HTTP/1.1
 * chunk ({@code <size in hex>\r\n<line>\r\n}), which chunked streams write below Vert.x. Neither is
 * ever changed: streams write duplicates of the chunk, each with its own reader index, and the one
 * array is freed with the last of them.
 */
record EventLine(Buffer line, ByteBuf chunk) {

    static EventLine of(byte[] line) {
        byte[] size = (Integer.toHexString(line.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] framed = new byte[size.length + line.length + 2];
        System.arraycopy(size, 0, framed, 0, size.length);
        System.arraycopy(line, 0, framed, size.length, line.length);
        framed[framed.length - 2] = '\r';
        framed[framed.length - 1] = '\n';
        return new EventLine(Buffer.buffer(line), Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(framed)));
    }

    static EventLine of(String line) {
        return of(line.getBytes(StandardCharsets.UTF_8));
    }
}
