package io.portcullis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The server's flags read by {@link FlagReader} come out as picocli reads them, or are left to picocli. */
class FlagReaderTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "--data-dir /tmp/d --secure-port 0",
            "--data-dir=/tmp/d --secure-port=8443 --bind-address 0.0.0.0",
            "--tls-san a.example,10.0.0.1 --tls-san b.example",
            "--authorization-mode AlwaysAllow",
            "--authorization-mode Webhook,RBAC --authorization-webhook-config-file /tmp/hook.yaml",
            "--anonymous-auth false --service-account-lookup=FALSE --legacy-service-account-token-secrets true",
            "--encryption-provider-config /tmp/e.yaml --encryption-provider-config-automatic-reload",
            "--encryption-provider-config-automatic-reload=false",
            "--service-account-key-file /tmp/a.pub --service-account-key-file /tmp/b.pub --service-account-issuer https://x",
            "--etcd-servers http://127.0.0.1:2379,http://127.0.0.1:2380 --etcd-prefix /other --etcd-cafile /tmp/ca.crt",
            "--oidc-required-claim a=b --oidc-required-claim c=d=e --max-requests-inflight 010",
            "--audit-log-path - --audit-log-mode blocking-strict",
    })
    void readsAsPicocliDoes(String line) throws Exception {
        List<String> args = line.isEmpty() ? List.of() : List.of(line.split(" "));
        Main.ServerCommand fast = new Main.ServerCommand();
        assertThat(FlagReader.read(fast, args)).as("read without picocli").isTrue();
        Map<String, Object> expected = options(picocli(args));
        assertThat(expected).hasSizeGreaterThan(40);
        assertThat(options(fast)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "--help",
            "--version",
            "-h",
            "--no-such-flag 1",
            "--secure-port",
            "--secure-port nine",
            "--secure-port 1 --secure-port 2",
            "--data-dir --secure-port 1",
            "--anonymous-auth maybe",
            "--anonymous-auth",
            "--encryption-provider-config-automatic-reload true",
            "--encryption-provider-config-automatic-reload=maybe",
            "--tls-san a,,b",
            "stray",
    })
    void leavesToPicocliWhatItDoesNotTakeAsItIs(String line) {
        assertThat(FlagReader.read(new Main.ServerCommand(), List.of(line.split(" ")))).isFalse();
    }

    private static Main.ServerCommand picocli(List<String> args) {
        CommandLine main = new CommandLine(new Main());
        main.parseArgs(java.util.stream.Stream.concat(java.util.stream.Stream.of("server"), args.stream()).toArray(String[]::new));
        return main.getSubcommands().get("server").getCommand();
    }

    /** Every flag's value by its name, the mixed-in ones included. */
    private static Map<String, Object> options(Object command) throws IllegalAccessException {
        Map<String, Object> values = new TreeMap<>();
        for (Field f : command.getClass().getDeclaredFields()) {
            f.setAccessible(true);
            CommandLine.Option option = f.getAnnotation(CommandLine.Option.class);
            if (option != null) values.put(option.names()[0], String.valueOf(f.get(command)));
            else if (f.isAnnotationPresent(CommandLine.Mixin.class)) values.putAll(options(f.get(command)));
        }
        return values;
    }
}
