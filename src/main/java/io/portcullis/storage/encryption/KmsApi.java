package io.portcullis.storage.encryption;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KMS v2 plugin protocol as this server speaks it, described here rather than generated: the
 * gRPC service {@code v2.KeyManagementService} (Status, Encrypt, Decrypt) that a plugin serves on
 * a unix socket, and the {@code EncryptedObject} a KMS-encrypted value is stored as. Field names
 * and numbers are Kubernetes' (k8s.io/kms/apis/v2 and the apiserver's kmsv2/v2 types); messages
 * are dynamic.
 */
final class KmsApi {
    private KmsApi() {}

    static final String SERVICE = "v2.KeyManagementService";
    /** How the plaintext of an EncryptedObject's encryptedDEKSource becomes the key of its data. */
    static final int AES_GCM_KEY = 0;
    static final int HKDF_SHA256_XNONCE_AES_GCM_SEED = 1;

    static final FileDescriptor FILE = build();
    static final Descriptor STATUS_REQUEST = FILE.findMessageTypeByName("StatusRequest");
    static final Descriptor STATUS_RESPONSE = FILE.findMessageTypeByName("StatusResponse");
    static final Descriptor ENCRYPT_REQUEST = FILE.findMessageTypeByName("EncryptRequest");
    static final Descriptor ENCRYPT_RESPONSE = FILE.findMessageTypeByName("EncryptResponse");
    static final Descriptor DECRYPT_REQUEST = FILE.findMessageTypeByName("DecryptRequest");
    static final Descriptor DECRYPT_RESPONSE = FILE.findMessageTypeByName("DecryptResponse");
    static final Descriptor ENCRYPTED_OBJECT = FILE.findMessageTypeByName("EncryptedObject");

    static final MethodDescriptor<DynamicMessage, DynamicMessage> STATUS = method("Status", STATUS_REQUEST, STATUS_RESPONSE);
    static final MethodDescriptor<DynamicMessage, DynamicMessage> ENCRYPT = method("Encrypt", ENCRYPT_REQUEST, ENCRYPT_RESPONSE);
    static final MethodDescriptor<DynamicMessage, DynamicMessage> DECRYPT = method("Decrypt", DECRYPT_REQUEST, DECRYPT_RESPONSE);

    private static FileDescriptor build() {
        FileDescriptorProto proto = FileDescriptorProto.newBuilder()
                .setName("portcullis/kms/v2.proto")
                .setPackage("v2")
                .setSyntax("proto3")
                .addMessageType(DescriptorProto.newBuilder().setName("StatusRequest"))
                .addMessageType(DescriptorProto.newBuilder().setName("StatusResponse")
                        .addField(field("version", 1, Type.TYPE_STRING))
                        .addField(field("healthz", 2, Type.TYPE_STRING))
                        .addField(field("key_id", 3, Type.TYPE_STRING)))
                .addMessageType(withAnnotations(DescriptorProto.newBuilder().setName("DecryptRequest")
                        .addField(field("ciphertext", 1, Type.TYPE_BYTES))
                        .addField(field("uid", 2, Type.TYPE_STRING))
                        .addField(field("key_id", 3, Type.TYPE_STRING)), "DecryptRequest", 4))
                .addMessageType(DescriptorProto.newBuilder().setName("DecryptResponse")
                        .addField(field("plaintext", 1, Type.TYPE_BYTES)))
                .addMessageType(DescriptorProto.newBuilder().setName("EncryptRequest")
                        .addField(field("plaintext", 1, Type.TYPE_BYTES))
                        .addField(field("uid", 2, Type.TYPE_STRING)))
                .addMessageType(withAnnotations(DescriptorProto.newBuilder().setName("EncryptResponse")
                        .addField(field("ciphertext", 1, Type.TYPE_BYTES))
                        .addField(field("key_id", 2, Type.TYPE_STRING)), "EncryptResponse", 3))
                .addMessageType(withAnnotations(DescriptorProto.newBuilder().setName("EncryptedObject")
                        .addField(field("encryptedData", 1, Type.TYPE_BYTES))
                        .addField(field("keyID", 2, Type.TYPE_STRING))
                        .addField(field("encryptedDEKSource", 3, Type.TYPE_BYTES)), "EncryptedObject", 4)
                        .addField(field("encryptedDEKSourceType", 5, Type.TYPE_ENUM).toBuilder().setTypeName(".v2.EncryptedDEKSourceType")))
                .addEnumType(EnumDescriptorProto.newBuilder().setName("EncryptedDEKSourceType")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("AES_GCM_KEY").setNumber(AES_GCM_KEY))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("HKDF_SHA256_XNONCE_AES_GCM_SEED")
                                .setNumber(HKDF_SHA256_XNONCE_AES_GCM_SEED)))
                .build();
        try {
            return FileDescriptor.buildFrom(proto, new FileDescriptor[0]);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("the KMS v2 descriptor is invalid", e);
        }
    }

    /** Adds {@code map<string, bytes> annotations = number} to a message. */
    private static DescriptorProto.Builder withAnnotations(DescriptorProto.Builder message, String name, int number) {
        return message
                .addNestedType(DescriptorProto.newBuilder().setName("AnnotationsEntry")
                        .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                        .addField(field("key", 1, Type.TYPE_STRING))
                        .addField(field("value", 2, Type.TYPE_BYTES)))
                .addField(FieldDescriptorProto.newBuilder().setName("annotations").setNumber(number).setLabel(Label.LABEL_REPEATED)
                        .setType(Type.TYPE_MESSAGE).setTypeName(".v2." + name + ".AnnotationsEntry"));
    }

    private static FieldDescriptorProto field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setLabel(Label.LABEL_OPTIONAL).setType(type).build();
    }

    private static MethodDescriptor<DynamicMessage, DynamicMessage> method(String name, Descriptor request, Descriptor response) {
        return MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(request)))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(response)))
                .build();
    }

    // ---- reading and writing fields ----

    static DynamicMessage.Builder message(Descriptor type) {
        return DynamicMessage.newBuilder(type);
    }

    static DynamicMessage.Builder set(DynamicMessage.Builder m, String field, Object value) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
        if (f.getType() == FieldDescriptor.Type.ENUM) value = f.getEnumType().findValueByNumber((Integer) value);
        return m.setField(f, value instanceof byte[] b ? ByteString.copyFrom(b) : value);
    }

    static String string(DynamicMessage m, String field) {
        return (String) m.getField(m.getDescriptorForType().findFieldByName(field));
    }

    static byte[] bytes(DynamicMessage m, String field) {
        return ((ByteString) m.getField(m.getDescriptorForType().findFieldByName(field))).toByteArray();
    }

    static int enumNumber(DynamicMessage m, String field) {
        return ((Descriptors.EnumValueDescriptor) m.getField(m.getDescriptorForType().findFieldByName(field))).getNumber();
    }

    static Map<String, byte[]> annotations(DynamicMessage m) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        FieldDescriptor f = m.getDescriptorForType().findFieldByName("annotations");
        for (Object o : (List<?>) m.getField(f)) {
            DynamicMessage entry = (DynamicMessage) o;
            out.put(string(entry, "key"), bytes(entry, "value"));
        }
        return out;
    }

    static DynamicMessage.Builder setAnnotations(DynamicMessage.Builder m, Map<String, byte[]> annotations) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName("annotations");
        for (Map.Entry<String, byte[]> a : annotations.entrySet()) {
            DynamicMessage.Builder entry = message(f.getMessageType());
            set(entry, "key", a.getKey());
            set(entry, "value", a.getValue());
            m.addRepeatedField(f, entry.build());
        }
        return m;
    }
}
