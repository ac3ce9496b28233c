package io.portcullis.registry;

import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation.NameRule;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.node.ObjectNode;

/**
 * Everything particular to one served kind: its type (with its patch schema and protobuf
 * message), name rule, defaults, what create and update set or keep, validation, what deletion
 * does, field labels for field selectors, the table kubectl prints, and the handlers of
 * subresources whose kind is not its own. The generic registry ({@link ObjectStore}) knows no
 * kind by name. Each kind is defined in a file of its own and listed in {@link ServedKinds}.
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

    /**
     * Sets server-owned fields on a new object (a mutable copy, already defaulted; a kind with a
     * status subresource finds its status cleared, and sets the one a new object starts with).
     */
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

    /**
     * True when a PUT of a missing object creates it (upstream's AllowCreateOnUpdate: the RBAC kinds,
     * Leases, Events), for a user who may also create it; otherwise such a PUT is 404.
     */
    default boolean createsOnUpdate() {
        return false;
    }

    /**
     * True while the kind's own finalizers (a Namespace's spec.finalizers) still hold a deleted
     * object, beside metadata.finalizers.
     */
    default boolean heldByOwnFinalizers(ObjectNode obj) {
        return false;
    }

    /** Sets what an object shows once its deletion waits for finalizers (a Namespace's phase Terminating). */
    default void prepareForDeletion(ObjectNode obj) {}

    /** The handlers of subresources whose kind is not this one's (serviceaccounts/token), by subresource name. */
    default Map<String, SubresourceHandler> subresourceHandlers() {
        return Map.of();
    }

    /** Field selector labels beyond metadata.name and metadata.namespace. */
    default Set<String> fieldLabels() {
        return Set.of();
    }

    /** The value of a field label for selectors. */
    default String field(ObjectNode obj, String label) {
        return ApiObjects.at(obj, label);
    }

    List<Column> columns();
}
