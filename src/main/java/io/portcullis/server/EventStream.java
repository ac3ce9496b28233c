package io.portcullis.server;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.util.function.Consumer;

/** Where a watch writes its events: a chunked HTTP response, or a WebSocket (one text message an event). */
interface EventStream {
    /**
     * Writes one event (a JSON line), on the stream's event loop; false when the client is too slow
     * and the watch must end. The buffer may be written to other streams too: it is not changed.
     */
    boolean write(Buffer event);

    void end();

    /** Runs {@code r} once the stream is over, whoever ended it. */
    void onClose(Runnable r);

    /** {@code onDone} registers what runs when the exchange the response belongs to is over. */
    static EventStream of(HttpServerResponse resp, Consumer<Runnable> onDone) {
        return new EventStream() {
            @Override public boolean write(Buffer event) {
                if (resp.writeQueueFull()) {
                    resp.reset();
                    return false;
                }
                resp.write(event);
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
            @Override public boolean write(Buffer event) {
                if (ws.writeQueueFull()) {
                    ws.close();
                    return false;
                }
                int n = event.length() > 0 && event.getByte(event.length() - 1) == '\n' ? event.length() - 1 : event.length();
                ws.writeTextMessage(event.getString(0, n, "UTF-8"));
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
