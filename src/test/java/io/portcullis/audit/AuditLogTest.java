package io.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.authz.AccessRecorder;
import io.portcullis.authz.AccessRecorder.Observed;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuditLogTest {
    static final String FOO = "system:serviceaccount:prod:foo";
    @TempDir Path dir;

    /**
     * One event line as kube-apiserver writes it: "stage verb uri [group/resource[/sub] ns name] decision code second id",
     * "-" for empty; decision "none" for no annotation.
     */
    static String event(String id, String stage, String user, String verb, String uri, String ref, String decision, int code, int second) {
        StringBuilder b = new StringBuilder("{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"")
                .append(id).append("\",\"stage\":\"").append(stage).append("\",\"requestURI\":\"").append(uri).append("\",\"verb\":\"")
                .append(verb).append("\",\"user\":{\"username\":\"").append(user)
                .append("\",\"groups\":[\"system:serviceaccounts\",\"system:serviceaccounts:prod\",\"system:authenticated\"]}");
        if (ref != null) b.append(",\"objectRef\":").append(ref);
        if (!stage.equals("RequestReceived")) b.append(",\"responseStatus\":{\"metadata\":{},\"code\":").append(code).append('}');
        b.append(",\"requestReceivedTimestamp\":\"2026-01-01T00:00:").append(String.format("%02d", second)).append(".000000Z\"");
        b.append(",\"stageTimestamp\":\"2026-01-01T00:00:").append(String.format("%02d", second)).append(".500000Z\"");
        if (!decision.equals("none") && !stage.equals("RequestReceived")) {
            b.append(",\"annotations\":{\"authorization.k8s.io/decision\":\"").append(decision).append("\",\"authorization.k8s.io/reason\":\"\"}");
        }
        return b.append('}').toString();
    }

    static String ref(String resource, String ns, String name, String group, String sub) {
        StringBuilder b = new StringBuilder("{\"resource\":\"").append(resource).append('"');
        if (!ns.isEmpty()) b.append(",\"namespace\":\"").append(ns).append('"');
        if (!name.isEmpty()) b.append(",\"name\":\"").append(name).append('"');
        if (!group.isEmpty()) b.append(",\"apiGroup\":\"").append(group).append('"');
        b.append(",\"apiVersion\":\"v1\"");
        if (!sub.isEmpty()) b.append(",\"subresource\":\"").append(sub).append('"');
        return b.append('}').toString();
    }

    Path log(String name, String... lines) throws IOException {
        return Files.writeString(dir.resolve(name), String.join("\n", lines) + "\n");
    }

    static List<Observed> read(String subject, Path... files) throws AuditLog.BadLogException {
        AccessRecorder r = new AccessRecorder(1, 1000, Clock.systemUTC());
        AuditLog.read(List.of(files), subject, r);
        return r.observed(subject, null);
    }

    @Test
    void eachRequestCountsOnceWhateverStagesAreLogged() throws Exception {
        String cm = ref("configmaps", "prod", "", "", "");
        Path log = log("audit.log",
                event("1", "RequestReceived", FOO, "list", "/api/v1/namespaces/prod/configmaps", cm, "none", 0, 1),
                event("1", "ResponseComplete", FOO, "list", "/api/v1/namespaces/prod/configmaps", cm, "allow", 200, 1),
                // a watch: ResponseStarted and, later, ResponseComplete
                event("2", "RequestReceived", FOO, "watch", "/api/v1/namespaces/prod/configmaps?watch=true", cm, "none", 0, 2),
                event("2", "ResponseStarted", FOO, "watch", "/api/v1/namespaces/prod/configmaps?watch=true", cm, "allow", 200, 2),
                event("3", "ResponseComplete", FOO, "list", "/api/v1/namespaces/prod/configmaps", cm, "allow", 200, 3),
                event("2", "ResponseComplete", FOO, "watch", "/api/v1/namespaces/prod/configmaps?watch=true", cm, "allow", 200, 9),
                // a watch still open when the log ends
                event("4", "ResponseStarted", FOO, "watch", "/api/v1/namespaces/prod/configmaps?watch=true", cm, "allow", 200, 4),
                // only RequestReceived: no decision is known
                event("5", "RequestReceived", FOO, "delete", "/api/v1/namespaces/prod/configmaps/x", ref("configmaps", "prod", "x", "", ""),
                        "none", 0, 5));
        List<Observed> seen = read(FOO, log);
        assertThat(seen).extracting(o -> o.request().describe() + " " + o.allowed())
                .containsExactlyInAnyOrder("list configmaps in prod 2", "watch configmaps in prod 2");
        Observed list = seen.stream().filter(o -> o.request().verb().equals("list")).findFirst().orElseThrow();
        assertThat(list.firstSeen()).isEqualTo(Instant.parse("2026-01-01T00:00:01.500Z"));
        assertThat(list.lastSeen()).isEqualTo(Instant.parse("2026-01-01T00:00:03.500Z"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the annotation allows                      | allow  | 200 | allowed
            the annotation forbids                     | forbid | 403 | denied
            a forbidding annotation wins over the code | forbid | 200 | denied
            an admission 403 after an allow is allowed | allow  | 403 | allowed
            a 403 without annotation is a denial       | none   | 403 | denied
            a 429 never reached authorization          | none   | 429 | none
            a 404 never reached authorization          | none   | 404 | none
            """)
    void theDecisionIsTheAnnotationElseA403(String name, String decision, int code, String want) throws Exception {
        Path log = log("audit.log", event("1", "ResponseComplete", FOO, "get", "/api/v1/namespaces/prod/secrets/s",
                ref("secrets", "prod", "s", "", ""), decision, code, 1));
        List<Observed> seen = read(FOO, log);
        switch (want) {
            case "allowed" -> assertThat(seen).singleElement().satisfies(o -> assertThat(o.allowed()).isEqualTo(1));
            case "denied" -> assertThat(seen).singleElement().satisfies(o -> assertThat(o.denied()).isEqualTo(1));
            default -> assertThat(seen).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a create's name is the body's, not authorized | create | /api/v1/namespaces/prod/configmaps | configmaps |       | cfg | create configmaps in prod
            a subresource create keeps the URL's name     | create | /api/v1/namespaces/prod/serviceaccounts/foo/token | serviceaccounts | token | foo | create serviceaccounts/token of foo in prod
            a patch keeps its name                        | patch  | /api/v1/namespaces/prod/secrets/s  | secrets    |       | s   | patch secrets/s in prod
            a non-resource path loses its query           | get    | /healthz?verbose                   |            |       |     | get /healthz
            """)
    void requestsAreWhatAuthorizationSaw(String name, String verb, String uri, String resource, String sub, String object, String want)
            throws Exception {
        String ref = resource == null ? null : ref(resource, "prod", object == null ? "" : object, "", sub == null ? "" : sub);
        List<Observed> seen = read(FOO, log("audit.log", event("1", "ResponseComplete", FOO, verb, uri, ref, "allow", 200, 1)));
        assertThat(seen).singleElement().satisfies(o -> assertThat(o.request().describe()).isEqualTo(want));
    }

    @Test
    void theImpersonatedUserIsTheSubjectAndOthersAreLeftOut() throws Exception {
        String asFoo = event("1", "ResponseComplete", "admin", "get", "/api/v1/namespaces/prod/pods", ref("pods", "prod", "", "", ""), "allow", 200, 1)
                .replace(",\"objectRef\"", ",\"impersonatedUser\":{\"username\":\"" + FOO + "\"},\"objectRef\"");
        String other = event("2", "ResponseComplete", "system:serviceaccount:prod:foobar", "get", "/api/v1/namespaces/prod/pods",
                ref("pods", "prod", "", "", ""), "allow", 200, 2);
        Path log = log("audit.log", asFoo, other);
        assertThat(read(FOO, log)).extracting(o -> o.request().describe()).containsExactly("get pods in prod");
        assertThat(read("admin", log)).isEmpty();
    }

    @Test
    void rotatedFilesAndGzipBackupsAreReadInTheOrderOfTheirEventsWhateverTheOrderGiven() throws Exception {
        String cm = ref("configmaps", "prod", "", "", "");
        Path older = dir.resolve("audit-2026-01-01T00-00-05.000.log.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(older))) {
            out.write((event("1", "ResponseStarted", FOO, "watch", "/api/v1/namespaces/prod/configmaps?watch=true", cm, "allow", 200, 1) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        Path current = log("audit.log",
                event("1", "ResponseComplete", FOO, "watch", "/api/v1/namespaces/prod/configmaps?watch=true", cm, "allow", 200, 8),
                event("2", "ResponseComplete", FOO, "list", "/api/v1/namespaces/prod/configmaps", cm, "forbid", 403, 9));
        List<Observed> seen = read(FOO, current, older);
        assertThat(seen).extracting(o -> o.request().describe() + " " + o.allowed() + "/" + o.denied())
                .containsExactly("watch configmaps in prod 1/0", "list configmaps in prod 0/1");
    }

    @Test
    void badLogsAreRefusedNamingFileAndLine() throws Exception {
        Path missing = dir.resolve("nope.log");
        assertThatThrownBy(() -> read(FOO, missing)).hasMessage("error: cannot read audit log " + missing + ": no such file");
        Path notJson = log("a.log", event("1", "ResponseComplete", FOO, "get", "/healthz", null, "allow", 200, 1), "{\"kind\":");
        assertThatThrownBy(() -> read(FOO, notJson)).hasMessage("error: " + notJson + ":2: not JSON, so not an audit.k8s.io/v1 event");
        Path notEvent = log("b.log", "{\"kind\":\"Pod\",\"apiVersion\":\"v1\"}");
        assertThatThrownBy(() -> read(FOO, notEvent))
                .hasMessage("error: " + notEvent + ":1: not an audit.k8s.io/v1 Event (kind \"Pod\", apiVersion \"v1\")");
        Path badTime = log("c.log", event("1", "ResponseComplete", FOO, "get", "/healthz", null, "allow", 200, 1).replace("2026-01-01T00:00:01.500000Z", "later"));
        assertThatThrownBy(() -> read(FOO, badTime)).hasMessage("error: " + badTime + ":1: stageTimestamp \"later\" is not a time");
    }
}
