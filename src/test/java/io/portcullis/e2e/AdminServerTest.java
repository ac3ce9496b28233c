package io.portcullis.e2e;

import io.portcullis.testing.EndToEnd;
import io.portcullis.testing.Https;
import io.portcullis.testing.TestServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One embedded server per test class, and the admin's HTTPS client to it. */
@EndToEnd
abstract class AdminServerTest {
    @RegisterExtension
    static final TestServer server = TestServer.embedded();
    static Https https;

    @BeforeAll
    static void adminClient() {
        https = server.admin();
    }
}
