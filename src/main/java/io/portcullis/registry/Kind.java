package io.portcullis.registry;

import com.google.protobuf.Message;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Schema;
import io.portcullis.api.ResourceType.Subresource;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation.NameRule;
import io.portcullis.api.patch.PatchSchema;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import tools.jackson.databind.node.ObjectNode;

/** A strategy assembled from parts: most kinds differ only in a few of them; each kind's file assembles its own. */
final class Kind implements Strategy {
    interface Validator { List<FieldError> validate(Context ctx, ObjectNode obj, ObjectNode old); }
    interface Preparer { void prepare(Context ctx, ObjectNode obj, ObjectNode old); }

    private final ResourceType type;
    private final NameRule nameRule;
    private final Schema schema;
    private final Consumer<ObjectNode> defaults;
    private final Preparer onCreate;
    private final Preparer onUpdate;
    private final Validator validator;
    private final boolean status;
    private final boolean returnsDeletedObject;
    private final boolean createsOnUpdate;
    private final Predicate<ObjectNode> heldByOwnFinalizers;
    private final Consumer<ObjectNode> prepareForDeletion;
    private final Map<String, SubresourceHandler> handlers;
    private final Set<String> fieldLabels;
    private final Map<String, Function<ObjectNode, String>> derivedFields;
    private final List<Column> columns;

    private Kind(Builder b) {
        this.type = new ResourceType(b.group, b.version, b.resource, b.singular, b.kind, b.namespaced, b.verbs,
                b.shortNames, b.categories, b.subresources, b.model, b.patchSchema, b.protobuf);
        this.nameRule = b.nameRule;
        this.schema = Schema.of(b.model);
        this.defaults = b.defaults;
        this.onCreate = b.onCreate;
        this.onUpdate = b.onUpdate;
        this.validator = b.validator;
        this.status = b.status;
        this.returnsDeletedObject = b.returnsDeletedObject;
        this.createsOnUpdate = b.createsOnUpdate;
        this.heldByOwnFinalizers = b.heldByOwnFinalizers;
        this.prepareForDeletion = b.prepareForDeletion;
        this.handlers = Map.copyOf(b.handlers);
        this.fieldLabels = Set.copyOf(b.fieldLabels);
        this.derivedFields = Map.copyOf(b.derivedFields);
        this.columns = List.copyOf(b.columns);
    }

    /**
     * A kind served at group/version/resource, typed by its fabric8 model class (its schema), patched
     * with the patch schema's list strategies, and encoded by kubectl as the protobuf message.
     */
    static Builder of(String group, String version, String resource, Class<?> model, boolean namespaced, PatchSchema patchSchema,
                      Message protobuf) {
        return new Builder(group, version, resource, model, namespaced, patchSchema, protobuf);
    }

    @Override public ResourceType type() { return type; }
    @Override public NameRule nameRule() { return nameRule; }
    /** The kind's defaults, then what upstream's encoding leaves out: empty maps. */
    @Override public void applyDefaults(ObjectNode obj) {
        defaults.accept(obj);
        Schema.dropEmptyMaps(obj, schema);
    }
    @Override public void prepareForCreate(Context ctx, ObjectNode obj) { onCreate.prepare(ctx, obj, null); }
    @Override public void prepareForUpdate(Context ctx, ObjectNode obj, ObjectNode old) { onUpdate.prepare(ctx, obj, old); }
    @Override public List<FieldError> validate(Context ctx, ObjectNode obj, ObjectNode old) { return validator.validate(ctx, obj, old); }
    @Override public boolean hasStatus() { return status; }
    @Override public boolean returnsDeletedObject() { return returnsDeletedObject; }
    @Override public boolean createsOnUpdate() { return createsOnUpdate; }
    @Override public boolean heldByOwnFinalizers(ObjectNode obj) { return heldByOwnFinalizers.test(obj); }
    @Override public void prepareForDeletion(ObjectNode obj) { prepareForDeletion.accept(obj); }
    @Override public Map<String, SubresourceHandler> subresourceHandlers() { return handlers; }
    @Override public Set<String> fieldLabels() { return fieldLabels; }
    @Override public String field(ObjectNode obj, String label) {
        var derived = derivedFields.get(label);
        return derived != null ? derived.apply(obj) : Strategy.super.field(obj, label);
    }
    @Override public List<Column> columns() { return columns; }

    static final class Builder {
        final String group, version, resource, kind;
        final Class<?> model;
        final boolean namespaced;
        final PatchSchema patchSchema;
        final Message protobuf;
        String singular;
        List<String> verbs = ResourceType.ALL_VERBS;
        List<String> shortNames = List.of();
        List<String> categories = List.of();
        List<Subresource> subresources = new ArrayList<>();
        NameRule nameRule = NameRule.SUBDOMAIN;
        Consumer<ObjectNode> defaults = o -> {};
        Preparer onCreate = (c, o, old) -> {};
        Preparer onUpdate = (c, o, old) -> {};
        Validator validator = (c, o, old) -> List.of();
        boolean status;
        boolean returnsDeletedObject;
        boolean createsOnUpdate;
        Predicate<ObjectNode> heldByOwnFinalizers = o -> false;
        Consumer<ObjectNode> prepareForDeletion = o -> {};
        Map<String, SubresourceHandler> handlers = new LinkedHashMap<>();
        Set<String> fieldLabels = Set.of();
        Map<String, Function<ObjectNode, String>> derivedFields = new LinkedHashMap<>();
        List<Column> columns = new ArrayList<>();

        Builder(String group, String version, String resource, Class<?> model, boolean namespaced, PatchSchema patchSchema,
                Message protobuf) {
            this.model = model;
            this.patchSchema = patchSchema;
            this.protobuf = protobuf;
            this.kind = model.getSimpleName();
            this.group = group;
            this.version = version;
            this.resource = resource;
            this.namespaced = namespaced;
            this.singular = kind.toLowerCase(java.util.Locale.ROOT);
        }

        Builder verbs(List<String> v) { verbs = v; return this; }
        Builder shortNames(String... s) { shortNames = List.of(s); return this; }
        Builder categories(String... c) { categories = List.of(c); return this; }
        /** A subresource of this kind's own kind (status, finalize). */
        Builder subresource(String name, String... verbs) {
            subresources.add(new Subresource(name, group, version, kind, List.of(verbs), null, null));
            return this;
        }
        /** A subresource of another kind, created through its handler (serviceaccounts/token). */
        Builder subresource(String name, String g, String v, Class<?> model, Message protobuf, SubresourceHandler handler) {
            subresources.add(new Subresource(name, g, v, model.getSimpleName(), List.of("create"), model, protobuf));
            handlers.put(name, handler);
            return this;
        }
        Builder status() {
            status = true;
            return subresource("status", "get", "patch", "update");
        }
        Builder heldByOwnFinalizers(Predicate<ObjectNode> p) { heldByOwnFinalizers = p; return this; }
        Builder prepareForDeletion(Consumer<ObjectNode> p) { prepareForDeletion = p; return this; }
        Builder returnsDeletedObject() { returnsDeletedObject = true; return this; }
        Builder createsOnUpdate() { createsOnUpdate = true; return this; }
        Builder nameRule(NameRule r) { nameRule = r; return this; }
        Builder defaults(Consumer<ObjectNode> d) { defaults = d; return this; }
        Builder onCreate(Preparer p) { onCreate = p; return this; }
        Builder onUpdate(Preparer p) { onUpdate = p; return this; }
        Builder validate(Validator v) { validator = v; return this; }
        Builder fields(String... labels) { fieldLabels = Set.of(labels); return this; }
        /** A field label whose value is not the text at its own path; it must also be among {@link #fields}. */
        Builder field(String label, Function<ObjectNode, String> value) { derivedFields.put(label, value); return this; }
        Builder columns(Column... c) { columns = List.of(c); return this; }
        Kind build() { return new Kind(this); }
    }
}
