package io.portcullis.registry;

import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation.NameRule;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * What is particular to one resource: its type, name rule, defaults, validation, field labels
 * for field selectors and the table kubectl prints. Everything else is the generic registry's.
 */
public interface Strategy {
    ResourceType type();

    default NameRule nameRule() {
        return NameRule.SUBDOMAIN;
    }

    /**
     * Sets upstream's defaults (the kind's SetDefaults_* of its version) on an object being written,
     * created or updated alike and by every verb, before anything admits, compares or validates it;
     * also on the stored object an update starts from, so both sides compare alike.
     */
    default void applyDefaults(ObjectNode obj) {}

    /** Sets server-owned fields on a new object (a mutable copy, already defaulted). */
    default void prepareForCreate(Context ctx, ObjectNode obj) {}

    /** Carries over what an update may not change (a mutable copy of the new object). */
    default void prepareForUpdate(Context ctx, ObjectNode obj, ObjectNode old) {}

    /** Field errors of the object; {@code old} is null on create. May throw an ApiException of its own (403, say). */
    default List<FieldError> validate(Context ctx, ObjectNode obj, ObjectNode old) {
        return List.of();
    }

    /** True when the kind has a status subresource: the main resource ignores status, /status only changes status. */
    default boolean hasStatus() {
        return false;
    }

    /**
     * True when a delete answers with the deleted object (upstream's ReturnDeletedObject: Pods,
     * ServiceAccounts, Namespaces); other kinds answer a Success Status naming what was deleted.
     */
    default boolean returnsDeletedObject() {
        return false;
    }

    /** Field selector labels beyond metadata.name and metadata.namespace. */
    default Set<String> fieldLabels() {
        return Set.of();
    }

    /** The value of a field label for selectors. */
    default String field(ObjectNode obj, String label) {
        return Objects.at(obj, label);
    }

    List<Column> columns();
}
