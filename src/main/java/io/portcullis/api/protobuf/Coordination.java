package io.portcullis.api.protobuf;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.kubernetes.client.proto.Meta;

/**
 * coordination.k8s.io/v1, which client-java-proto does not ship: its two messages described here with
 * upstream's field numbers (k8s.io/api coordination/v1 types.go), and parsed as dynamic messages.
 */
public final class Coordination {
    private Coordination() {}

    static final FileDescriptor FILE = build();
    public static final DynamicMessage LEASE = DynamicMessage.getDefaultInstance(FILE.findMessageTypeByName("Lease"));

    private static FileDescriptor build() {
        String meta = "." + Meta.getDescriptor().getPackage() + ".";
        String own = ".k8s.io.api.coordination.v1.";
        FileDescriptorProto proto = FileDescriptorProto.newBuilder()
                .setName("k8s.io/api/coordination/v1/generated.proto")
                .setPackage("k8s.io.api.coordination.v1")
                .addDependency(Meta.getDescriptor().getName())
                .addMessageType(DescriptorProto.newBuilder().setName("Lease")
                        .addField(message("metadata", 1, meta + "ObjectMeta"))
                        .addField(message("spec", 2, own + "LeaseSpec")))
                .addMessageType(DescriptorProto.newBuilder().setName("LeaseSpec")
                        .addField(scalar("holderIdentity", 1, Type.TYPE_STRING))
                        .addField(scalar("leaseDurationSeconds", 2, Type.TYPE_INT32))
                        .addField(message("acquireTime", 3, meta + "MicroTime"))
                        .addField(message("renewTime", 4, meta + "MicroTime"))
                        .addField(scalar("leaseTransitions", 5, Type.TYPE_INT32))
                        .addField(scalar("strategy", 6, Type.TYPE_STRING))
                        .addField(scalar("preferredHolder", 7, Type.TYPE_STRING)))
                .build();
        try {
            return FileDescriptor.buildFrom(proto, new FileDescriptor[] {Meta.getDescriptor()});
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("coordination.k8s.io/v1 descriptor is invalid", e);
        }
    }

    private static FieldDescriptorProto scalar(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setLabel(Label.LABEL_OPTIONAL).setType(type).build();
    }

    private static FieldDescriptorProto message(String name, int number, String typeName) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number)
                .setLabel(Label.LABEL_OPTIONAL).setType(Type.TYPE_MESSAGE).setTypeName(typeName).build();
    }
}
