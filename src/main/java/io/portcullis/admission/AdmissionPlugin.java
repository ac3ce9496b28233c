package io.portcullis.admission;

public interface AdmissionPlugin {
    /** Shown in Status messages and --enable-admission-plugins. */
    String name();

    boolean handles(Operation op);
}
