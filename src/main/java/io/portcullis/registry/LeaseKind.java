package io.portcullis.registry;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.portcullis.api.patch.PatchSchemas;
import io.portcullis.api.protobuf.Coordination;

/** Leases (coordination.k8s.io): who holds what, for how long. */
final class LeaseKind {
    private LeaseKind() {}

    static Strategy definition() {
        return Kind.of("coordination.k8s.io", "v1", "leases", Lease.class, true, PatchSchemas.ONLY_METADATA, Coordination.LEASE)
                .columns(Column.name("lease"), Column.of("Holder", "string", "The holder of the lease", o -> ApiObjects.at(o, "spec.holderIdentity")), Column.age())
                .createsOnUpdate()
                .build();
    }
}
