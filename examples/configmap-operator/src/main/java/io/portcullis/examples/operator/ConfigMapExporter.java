package io.portcullis.examples.operator;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.jcajce.provider.digest.SHA3;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * An operator-like loop: every ConfigMap labelled {@code example.io/export=true} in its namespace is
 * exported as a Secret {@code <name>-export} holding its data as one JSON document
 * ({@code config.json}), with the document's SHA3-256 in an annotation and the ConfigMap as owner.
 * It needs, in its namespace: get, list and watch on configmaps; get, create and patch on secrets
 * (it writes with server-side apply) -- the Role in {@code rbac.yaml} beside it.
 */
public final class ConfigMapExporter implements AutoCloseable {
    public static final String LABEL = "example.io/export";
    public static final String DIGEST = "example.io/sha3-256";
    private static final Logger LOG = LoggerFactory.getLogger(ConfigMapExporter.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KubernetesClient client;
    private final String namespace;
    private SharedIndexInformer<ConfigMap> informer;

    public ConfigMapExporter(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    public ConfigMapExporter start() {
        informer = client.configMaps().inNamespace(namespace).withLabel(LABEL, "true").inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                export(cm);
            }

            @Override
            public void onUpdate(ConfigMap before, ConfigMap cm) {
                export(cm);
            }

            @Override
            public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                // the Secret goes with its owner (garbage collection)
            }
        });
        return this;
    }

    void export(ConfigMap cm) {
        String document = JSON.writeValueAsString(new TreeMap<>(cm.getData() == null ? Map.of() : cm.getData()));
        Secret secret = new SecretBuilder()
                .withNewMetadata().withName(cm.getMetadata().getName() + "-export").withNamespace(namespace)
                .addToAnnotations(DIGEST, sha3(document))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("v1").withKind("ConfigMap")
                        .withName(cm.getMetadata().getName()).withUid(cm.getMetadata().getUid()).build())
                .endMetadata()
                .withType("Opaque")
                .addToStringData("config.json", document)
                .build();
        try {
            client.secrets().inNamespace(namespace).resource(secret).fieldManager("configmap-exporter").forceConflicts().serverSideApply();
            LOG.info("exported ConfigMap {}/{}", namespace, cm.getMetadata().getName());
        } catch (RuntimeException e) {
            LOG.warn("cannot export ConfigMap {}/{}: {}", namespace, cm.getMetadata().getName(), e.getMessage());
        }
    }

    static String sha3(String text) {
        return HexFormat.of().formatHex(new SHA3.Digest256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        if (informer != null) informer.close();
    }
}
