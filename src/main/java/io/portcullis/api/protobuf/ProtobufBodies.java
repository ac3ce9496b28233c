package io.portcullis.api.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.api.NewerFields;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * Request bodies in {@value #MEDIA_TYPE}, as kubectl 1.32+ sends them for create and auth commands:
 * the magic {@code k8s\0}, then a {@code runtime.Unknown} whose type meta names the object's
 * apiVersion and kind and whose raw bytes are the object's own message.
 *
 * <p>{@link #decode} turns such a body into the JSON tree that the same object sent as JSON would
 * have given (see {@link ProtoJson} for how proto2 presence maps onto JSON's omitempty).
 *
 * <p>Bodies are parsed as dynamic messages of the descriptors the served kinds name, never by the
 * generated classes: client-java-proto's classes come from a protoc older than 22, whose parsing
 * code the protobuf runtime flags as open to a denial of service (GHSA-h4h5-3hr4-j3g2), while the
 * runtime's own dynamic parser is not. The descriptors are those of the served minor: the messages
 * less their {@link NewerFields}, which a body may carry but which are skipped, as kube-apiserver
 * 1.32 skips them.
 */
public final class ProtobufBodies {
    public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

    /** The four bytes every Kubernetes protobuf body starts with: "k8s" and a NUL. */
    static final byte[] MAGIC = {0x6B, 0x38, 0x73, 0x00};

    /** How deep embedded objects (a List's items) may nest, each in its own envelope. */
    static final int MAX_NESTING = 8;

    private static final Descriptor UNKNOWN = Runtime.Unknown.getDescriptor();
    private static final Descriptor TYPE_META = Runtime.TypeMeta.getDescriptor();

    private final List<ResourceType> served;
    /** The message of each "apiVersion kind" this server decodes: built on first use, or by {@link #prepare()}. */
    private volatile Map<String, Descriptor> prototypes;
    private final ProtoJson json = new ProtoJson(this);

    /**
     * Decodes the served kinds (and the kinds of their subresources, such as TokenRequest) with the
     * messages their types name; in every served group version also DeleteOptions (meta.k8s.io's
     * option kinds are registered in each, as upstream) and, in v1, List. The messages, as the
     * served minor has them, are built on first use: a start need not wait for them.
     */
    public ProtobufBodies(List<ResourceType> served) {
        this.served = List.copyOf(served);
    }

    /** Builds the served messages now rather than on the first protobuf body. */
    public void prepare() {
        prototypes();
    }

    private Map<String, Descriptor> prototypes() {
        Map<String, Descriptor> built = prototypes;
        if (built != null) return built;
        synchronized (this) {
            if (prototypes == null) prototypes = build(served);
            return prototypes;
        }
    }

    private static Map<String, Descriptor> build(List<ResourceType> served) {
        Map<String, Descriptor> prototypes = new HashMap<>();
        // each protobuf file the served messages are in, as the served minor has it
        Map<FileDescriptor, FileDescriptor> servedFiles = new HashMap<>();
        for (ResourceType t : served) {
            if (t.protobuf() != null) add(prototypes, servedFiles, t.apiVersion(), t.kind(), t.protobuf());
            add(prototypes, servedFiles, t.apiVersion(), "DeleteOptions", Meta.DeleteOptions.getDefaultInstance());
            for (ResourceType.Subresource sub : t.subresources()) {
                if (sub.protobuf() != null) add(prototypes, servedFiles, sub.apiVersion(), sub.kind(), sub.protobuf());
            }
        }
        add(prototypes, servedFiles, "meta.k8s.io/v1", "DeleteOptions", Meta.DeleteOptions.getDefaultInstance());
        add(prototypes, servedFiles, "v1", "List", Meta.List.getDefaultInstance());
        return prototypes;
    }

    private static void add(Map<String, Descriptor> prototypes, Map<FileDescriptor, FileDescriptor> servedFiles, String apiVersion,
                            String kind, Message prototype) {
        Descriptor d = prototype.getDescriptorForType();
        Descriptor served = servedFiles.computeIfAbsent(d.getFile(), ProtobufBodies::withoutNewerFields).findMessageTypeByName(d.getName());
        Descriptor before = prototypes.putIfAbsent(apiVersion + " " + kind, served);
        if (before != null && !before.equals(served)) {
            throw new IllegalArgumentException("two protobuf messages for " + apiVersion + " " + kind);
        }
    }

    /** The file with its messages' {@link NewerFields} removed; the file itself when it has none. */
    static FileDescriptor withoutNewerFields(FileDescriptor file) {
        FileDescriptorProto.Builder proto = file.toProto().toBuilder();
        boolean changed = false;
        for (DescriptorProto.Builder m : proto.getMessageTypeBuilderList()) {
            for (int i = m.getFieldCount() - 1; i >= 0; i--) {
                if (NewerFields.contains(m.getName(), m.getField(i).getName())) {
                    m.removeField(i);
                    changed = true;
                }
            }
        }
        if (!changed) return file;
        try {
            return FileDescriptor.buildFrom(proto.build(), file.getDependencies().toArray(new FileDescriptor[0]));
        } catch (DescriptorValidationException e) {
            throw new IllegalStateException("protobuf file " + file.getName() + " without its newer fields is invalid", e);
        }
    }

    /** True when a Content-Type header (parameters allowed) names the Kubernetes protobuf encoding. */
    public static boolean isProtobuf(String contentType) {
        if (contentType == null) return false;
        int semicolon = contentType.indexOf(';');
        String bare = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return bare.equalsIgnoreCase(MEDIA_TYPE);
    }

    /** True when {@link #decode} knows the message of this apiVersion and kind. */
    public boolean supports(String apiVersion, String kind) {
        return prototypes().containsKey(apiVersion + " " + kind);
    }

    /**
     * The object of a protobuf body as a JSON tree with its apiVersion and kind set.
     *
     * @throws ApiException 400 BadRequest when the body is empty, lacks the magic, is truncated or
     *     malformed, names an apiVersion and kind this server has no message for, or gives a tree
     *     deeper than {@link Json#MAX_DEPTH}
     */
    public ObjectNode decode(byte[] body) {
        ObjectNode tree = decode(body, 0);
        if (Json.depth(tree) > Json.MAX_DEPTH) throw Statuses.badRequest("protobuf body nests more than " + Json.MAX_DEPTH + " levels deep");
        return tree;
    }

    ObjectNode decode(byte[] body, int depth) {
        if (depth > MAX_NESTING) throw Statuses.badRequest("protobuf body nests objects more than " + MAX_NESTING + " deep");
        if (body == null || body.length == 0) throw Statuses.badRequest("the protobuf request body is empty");
        if (!hasMagic(body)) {
            throw Statuses.badRequest("the protobuf request body does not start with the Kubernetes magic prefix \"k8s\\x00\"");
        }
        DynamicMessage unknown;
        try {
            unknown = DynamicMessage.parseFrom(UNKNOWN, ByteString.copyFrom(body, MAGIC.length, body.length - MAGIC.length));
        } catch (InvalidProtocolBufferException e) {
            throw Statuses.badRequest("the protobuf request body is not a valid runtime.Unknown envelope: " + e.getMessage());
        }
        Message typeMeta = (Message) unknown.getField(UNKNOWN.findFieldByName("typeMeta"));
        String apiVersion = (String) typeMeta.getField(TYPE_META.findFieldByName("apiVersion"));
        String kind = (String) typeMeta.getField(TYPE_META.findFieldByName("kind"));
        String contentEncoding = (String) unknown.getField(UNKNOWN.findFieldByName("contentEncoding"));
        if (kind.isEmpty()) throw Statuses.badRequest("Object 'Kind' is missing in the protobuf request body");
        if (apiVersion.isEmpty()) throw Statuses.badRequest("Object 'apiVersion' is missing in the protobuf request body");
        if (!contentEncoding.isEmpty()) {
            throw Statuses.badRequest("protobuf content encoding \"" + contentEncoding + "\" is not supported");
        }
        Descriptor descriptor = prototypes().get(apiVersion + " " + kind);
        if (descriptor == null) throw Statuses.badRequest("no kind \"%s\" is registered for version \"%s\"".formatted(kind, apiVersion));
        Message object;
        try {
            object = DynamicMessage.parseFrom(descriptor, (ByteString) unknown.getField(UNKNOWN.findFieldByName("raw")));
        } catch (InvalidProtocolBufferException e) {
            throw Statuses.badRequest("cannot decode %s %s from protobuf: %s".formatted(apiVersion, kind, e.getMessage()));
        }
        ObjectNode json = this.json.toJson(object, depth);
        ObjectNode result = Json.object();
        result.put("apiVersion", apiVersion);
        result.put("kind", kind);
        json.properties().forEach(e -> {
            if (!e.getKey().equals("apiVersion") && !e.getKey().equals("kind")) result.set(e.getKey(), e.getValue());
        });
        return result;
    }

    /** A protobuf body for the object, as client-go writes it: magic, then the envelope. */
    public static byte[] encode(String apiVersion, String kind, MessageLite object) {
        byte[] envelope = Runtime.Unknown.newBuilder()
                .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
                .setRaw(object.toByteString())
                .setContentEncoding("")
                .setContentType("")
                .build().toByteArray();
        byte[] body = Arrays.copyOf(MAGIC, MAGIC.length + envelope.length);
        System.arraycopy(envelope, 0, body, MAGIC.length, envelope.length);
        return body;
    }

    static boolean hasMagic(byte[] bytes) {
        if (bytes.length < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (bytes[i] != MAGIC[i]) return false;
        return true;
    }

    static boolean hasMagic(ByteString bytes) {
        if (bytes.size() < MAGIC.length) return false;
        for (int i = 0; i < MAGIC.length; i++) if (bytes.byteAt(i) != MAGIC[i]) return false;
        return true;
    }
}
