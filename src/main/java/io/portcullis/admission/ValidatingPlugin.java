package io.portcullis.admission;

public interface ValidatingPlugin extends AdmissionPlugin {
    /** Throws ApiException to refuse; never modifies the object. */
    void validate(AdmissionRequest request);
}
