package io.portcullis.registry;

import io.portcullis.api.FieldSelector;
import io.portcullis.api.LabelSelector;

/**
 * A list or watch as asked: selectors, page size and continue token, and the resourceVersion
 * semantics (null resourceVersion: the newest state; "0": any state; "N": not older than N, or
 * exactly N with resourceVersionMatch=Exact).
 */
public record ListOptions(LabelSelector labels, FieldSelector fields, int limit, String continueToken,
                          String resourceVersion, String resourceVersionMatch) {
    public static final ListOptions ALL = new ListOptions(LabelSelector.EVERYTHING, FieldSelector.EVERYTHING, 0, null, null, null);
}
