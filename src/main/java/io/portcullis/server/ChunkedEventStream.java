package io.portcullis.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerConnection;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A watch's chunked HTTP/1.1 response, its events written below Vert.x: each event's chunk, framed
 * once for every watcher ({@link EventLine#chunk}), goes straight to the connection's TLS layer as a
 * duplicate of the one shared buffer (no copy, no chunk header and no promise of its own), and the
 * events written in one batch reach the socket with one flush, in one TLS record when they fit.
 * Vert.x writes the response's head before them and its last chunk after them.
 *
 * <p>A client that does not read is ended as Vert.x's write queue would end it: once the
 * connection's buffer is full (past its high-water mark even after a flush), it is given
 * {@link #QUEUED_PAST_FULL} more events, then its connection is reset.
 */
final class ChunkedEventStream implements EventStream {
    /** Vert.x's write queue holds this many messages for a connection that is full before it reports itself full. */
    static final int QUEUED_PAST_FULL = 16;

    private final HttpServerResponse resp;
    /** The HTTP encoder's context: what is written there goes to the handlers below it (TLS), framed already. */
    private final ChannelHandlerContext encoder;
    private final ChannelPromise ignored;
    private final Consumer<Runnable> onDone;
    /** Events written before the head has reached the socket, in order; null once it has. */
    private ArrayDeque<EventLine> beforeHead = new ArrayDeque<>();
    private boolean endAfterHead;
    private boolean unflushed;
    private int pastFull;

    private ChunkedEventStream(HttpServerResponse resp, ChannelHandlerContext encoder, Consumer<Runnable> onDone) {
        this.resp = resp;
        this.encoder = encoder;
        this.ignored = new VoidChannelPromise(encoder.channel(), false);
        this.onDone = onDone;
    }

    /**
     * The stream of a chunked HTTP/1.1 response whose head Vert.x is writing ({@code head}: done
     * once it is on the socket), on the connection's event loop; any other response is written
     * through Vert.x ({@link EventStream#of(HttpServerResponse, Consumer)}).
     */
    static EventStream of(HttpServerRequest req, Future<Void> head, Consumer<Runnable> onDone) {
        HttpServerResponse resp = req.response();
        if (req.version() == HttpVersion.HTTP_1_1 && resp.isChunked() && req.connection() instanceof HttpServerConnection c) {
            ChannelHandlerContext encoder = c.channelHandlerContext().pipeline().context(HttpResponseEncoder.class);
            if (encoder != null && encoder.executor().inEventLoop()) {
                ChunkedEventStream s = new ChunkedEventStream(resp, encoder, onDone);
                head.onComplete(ar -> s.headSent(ar.succeeded()));
                return s;
            }
        }
        return EventStream.of(resp, onDone);
    }

    /** The head is on the socket (or failed, and the connection with it): what waited for it follows. */
    private void headSent(boolean ok) {
        ArrayDeque<EventLine> waiting = beforeHead;
        if (waiting == null) return;   // cut off already
        beforeHead = null;
        if (ok) {
            for (EventLine e : waiting) {
                if (!write(e)) return;
            }
            flush();
        }
        if (endAfterHead) end();
    }

    @Override
    public boolean write(EventLine event) {
        if (beforeHead != null) {
            // the head is still queued in Vert.x, so is all that follows it
            if (beforeHead.size() >= QUEUED_PAST_FULL) return cut();
            beforeHead.add(event);
            return true;
        }
        Channel channel = encoder.channel();
        if (!channel.isWritable()) {
            flush();   // what waits for the batch's end goes to the socket before the client is judged
            if (!channel.isWritable() && ++pastFull > QUEUED_PAST_FULL) return cut();
        } else {
            pastFull = 0;
        }
        encoder.write(event.chunk().duplicate(), ignored);
        unflushed = true;
        return true;
    }

    @Override
    public void flush() {
        if (unflushed) {
            unflushed = false;
            encoder.flush();
        }
    }

    @Override
    public void end() {
        if (beforeHead != null) {
            endAfterHead = true;
            return;
        }
        // the last chunk follows every event written, and Vert.x's flush sends them all
        if (!resp.ended() && !resp.closed()) resp.end();
    }

    @Override
    public void onClose(Runnable r) {
        onDone.accept(r);
    }

    private boolean cut() {
        beforeHead = null;
        resp.reset();
        return false;
    }
}
