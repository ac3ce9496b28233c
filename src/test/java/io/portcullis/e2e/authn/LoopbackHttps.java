package io.portcullis.e2e.authn;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.portcullis.pki.CertificateAuthority;
import io.portcullis.pki.IssuedCertificate;
import io.portcullis.pki.Pem;
import io.portcullis.testing.Tls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/** An HTTPS server on 127.0.0.1 whose certificate is signed by its own CA; routes answer JSON. */
final class LoopbackHttps implements AutoCloseable {
    private final CertificateAuthority ca;
    private final HttpsServer server;

    private LoopbackHttps(String name) throws IOException {
        this.ca = CertificateAuthority.generate(name + "-ca");
        this.server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        IssuedCertificate serving = ca.issueServer(name, List.of("127.0.0.1", "localhost"), Duration.ofDays(1));
        server.setHttpsConfigurator(new HttpsConfigurator(Tls.server(List.of(serving.certificate()), serving.privateKey())));
    }

    static LoopbackHttps start(String name) throws IOException {
        LoopbackHttps s = new LoopbackHttps(name);
        s.server.start();
        return s;
    }

    /** Every request to {@code path} is answered 200 with the JSON the function returns for its body. */
    LoopbackHttps json(String path, Function<String, String> answer) {
        server.createContext(path, ex -> respond(ex, answer));
        return this;
    }

    /** A request a {@link #recording} route received. */
    record Received(String authorization, String contentType, String body) {}

    /** Every request to {@code path} is added to {@code into} and answered 200 with {@code {}}. */
    LoopbackHttps recording(String path, List<Received> into) {
        server.createContext(path, ex -> {
            String authorization = ex.getRequestHeaders().getFirst("Authorization");
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            respond(ex, body -> {
                into.add(new Received(authorization, contentType, body));
                return "{}";
            });
        });
        return this;
    }

    String url() {
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The CA that signed the serving certificate, as a PEM file (for --oidc-ca-file or a kubeconfig). */
    Path writeCa(Path file) throws IOException {
        Files.writeString(file, Pem.encode(ca.certificate()));
        return file;
    }

    private static void respond(HttpExchange ex, Function<String, String> answer) {
        try (ex) {
            String request = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] body = answer.apply(request).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
