package io.portcullis.admission;

import tools.jackson.databind.node.ObjectNode;

public interface MutatingPlugin extends AdmissionPlugin {
    /** The object to persist; the same one if unchanged. Throws ApiException to refuse. */
    ObjectNode admit(AdmissionRequest request);
}
