package io.portcullis.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Where a watch writes its events: a chunked HTTP response, or a WebSocket (one text message an event). */
interface EventStream {
    /** Writes one event (a JSON line); false when the client is too slow and the watch must end. */
    boolean write(byte[] event);

    void end();

    /** Runs {@code r} once the stream is over, whoever ended it. */
    void onClose(Runnable r);

    /** {@code onDone} registers what runs when the exchange the response belongs to is over. */
    static EventStream of(HttpServerResponse resp, Consumer<Runnable> onDone) {
        return new EventStream() {
            @Override public boolean write(byte[] event) {
                if (resp.writeQueueFull()) {
                    resp.reset();
                    return false;
                }
                resp.write(Buffer.buffer(event));
                return true;
            }
            @Override public void end() {
                if (!resp.ended() && !resp.closed()) resp.end();
            }
            @Override public void onClose(Runnable r) {
                onDone.accept(r);
            }
        };
    }

    static EventStream of(ServerWebSocket ws, Consumer<Runnable> onDone) {
        return new EventStream() {
            @Override public boolean write(byte[] event) {
                if (ws.writeQueueFull()) {
                    ws.close();
                    return false;
                }
                int n = event.length > 0 && event[event.length - 1] == '\n' ? event.length - 1 : event.length;
                ws.writeTextMessage(new String(event, 0, n, StandardCharsets.UTF_8));
                return true;
            }
            @Override public void end() {
                if (!ws.isClosed()) ws.close();
            }
            @Override public void onClose(Runnable r) {
                onDone.accept(r);
            }
        };
    }
}
