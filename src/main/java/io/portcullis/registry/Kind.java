package io.portcullis.registry;

import io.portcullis.api.ResourceType;
import io.portcullis.api.ResourceType.Subresource;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.Validation.NameRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.databind.node.ObjectNode;

/** A strategy assembled from parts: most kinds differ only in a few of them. */
final class Kind implements Strategy {
    interface Validator { List<FieldError> validate(Context ctx, ObjectNode obj, ObjectNode old); }
    interface Preparer { void prepare(Context ctx, ObjectNode obj, ObjectNode old); }

    private final ResourceType type;
    private final NameRule nameRule;
    private final Consumer<ObjectNode> defaults;
    private final Preparer onCreate;
    private final Preparer onUpdate;
    private final Validator validator;
    private final boolean status;
    private final boolean returnsDeletedObject;
    private final Set<String> fieldLabels;
    private final List<Column> columns;

    private Kind(Builder b) {
        this.type = new ResourceType(b.group, b.version, b.resource, b.singular, b.kind, b.namespaced, b.verbs,
                b.shortNames, b.categories, b.subresources, b.model);
        this.nameRule = b.nameRule;
        this.defaults = b.defaults;
        this.onCreate = b.onCreate;
        this.onUpdate = b.onUpdate;
        this.validator = b.validator;
        this.status = b.status;
        this.returnsDeletedObject = b.returnsDeletedObject;
        this.fieldLabels = Set.copyOf(b.fieldLabels);
        this.columns = List.copyOf(b.columns);
    }

    static Builder of(String group, String version, String resource, Class<?> model, boolean namespaced) {
        return new Builder(group, version, resource, model, namespaced);
    }

    @Override public ResourceType type() { return type; }
    @Override public NameRule nameRule() { return nameRule; }
    @Override public void applyDefaults(ObjectNode obj) { defaults.accept(obj); }
    @Override public void prepareForCreate(Context ctx, ObjectNode obj) { onCreate.prepare(ctx, obj, null); }
    @Override public void prepareForUpdate(Context ctx, ObjectNode obj, ObjectNode old) { onUpdate.prepare(ctx, obj, old); }
    @Override public List<FieldError> validate(Context ctx, ObjectNode obj, ObjectNode old) { return validator.validate(ctx, obj, old); }
    @Override public boolean hasStatus() { return status; }
    @Override public boolean returnsDeletedObject() { return returnsDeletedObject; }
    @Override public Set<String> fieldLabels() { return fieldLabels; }
    @Override public List<Column> columns() { return columns; }

    static final class Builder {
        final String group, version, resource, kind;
        final Class<?> model;
        final boolean namespaced;
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
        Set<String> fieldLabels = Set.of();
        List<Column> columns = new ArrayList<>();

        Builder(String group, String version, String resource, Class<?> model, boolean namespaced) {
            this.model = model;
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
        Builder subresource(String name, String g, String v, String k, String... verbs) {
            subresources.add(new Subresource(name, g, v, k, List.of(verbs)));
            return this;
        }
        Builder status() {
            status = true;
            return subresource("status", group, version, kind, "get", "patch", "update");
        }
        Builder returnsDeletedObject() { returnsDeletedObject = true; return this; }
        Builder nameRule(NameRule r) { nameRule = r; return this; }
        Builder defaults(Consumer<ObjectNode> d) { defaults = d; return this; }
        Builder onCreate(Preparer p) { onCreate = p; return this; }
        Builder onUpdate(Preparer p) { onUpdate = p; return this; }
        Builder validate(Validator v) { validator = v; return this; }
        Builder fields(String... labels) { fieldLabels = Set.of(labels); return this; }
        Builder columns(Column... c) { columns = List.of(c); return this; }
        Kind build() { return new Kind(this); }
    }
}
