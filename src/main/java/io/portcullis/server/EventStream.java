package io.portcullis.server;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import java.util.function.Consumer;

/**
 * Where a watch writes its events: a chunked HTTP/1.1 response ({@link ChunkedEventStream}), an
 * HTTP/2 response, or a WebSocket (one text message an event). Used on the stream's event loop.
 */
interface EventStream {
    /**
     * Writes one event; false when the client is too slow and the watch must end. What is written
     * may wait for {@link #flush}. The event may be written to other streams too: it is not changed.
     */
    boolean write(EventLine event);

    /** Sends what {@link #write} left waiting; the end of the stream sends it too. */
    default void flush() {}

    void end();

    /** Runs {@code r} once the stream is over, whoever ended it. */
    void onClose(Runnable r);

    /** A response written through Vert.x, which sends each event at once. */
    static EventStream of(HttpServerResponse resp, Consumer<Runnable> onDone) {
        return new EventStream() {
            @Override public boolean write(EventLine event) {
                if (resp.writeQueueFull()) {
                    resp.reset();
                    return false;
                }
                resp.write(event.line());
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
            @Override public boolean write(EventLine event) {
                if (ws.writeQueueFull()) {
                    ws.close();
                    return false;
                }
                var line = event.line();
                int n = line.length() > 0 && line.getByte(line.length() - 1) == '\n' ? line.length() - 1 : line.length();
                ws.writeTextMessage(line.getString(0, n, "UTF-8"));
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
