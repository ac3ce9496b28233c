package io.portcullis.api;

import io.fabric8.kubernetes.api.model.Status;

/** A request refused with a Kubernetes Status. Built only by {@link Statuses}. */
public final class ApiException extends RuntimeException {
    private final transient Status status;

    ApiException(Status status) {
        super(status.getMessage(), null, false, false);
        this.status = status;
    }

    public Status status() { return status; }

    public int code() { return status.getCode(); }

    public String reason() { return status.getReason(); }
}
