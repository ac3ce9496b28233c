package io.portcullis.server;

import io.portcullis.api.Json;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.api.Statuses.FieldError;
import io.portcullis.api.patch.ApplyConflictException;
import io.portcullis.api.patch.JsonPatch;
import io.portcullis.api.patch.MergePatch;
import io.portcullis.api.patch.PatchException;
import io.portcullis.api.patch.ServerSideApply;
import io.portcullis.api.patch.StrategicMergePatch;
import io.portcullis.authn.UserInfo;
import io.portcullis.registry.ApiObjects;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import io.portcullis.request.RequestInfo;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * PATCH on a stored resource: the patch type its Content-Type names (JSON patch, merge patch,
 * strategic merge patch, server-side apply), the options that type takes, and the patched object
 * written through the registry. The patch semantics are {@code api/patch}'s.
 */
final class Patches {
    private static final List<String> TYPES = List.of("application/json-patch+json", "application/merge-patch+json",
            "application/apply-patch+yaml", "application/strategic-merge-patch+json");

    private final ObjectStore objects;
    private final CreateRight createRight;

    Patches(ObjectStore objects, CreateRight createRight) {
        this.objects = objects;
        this.createRight = createRight;
    }

    /**
     * The object as patched and stored (as it would be, on a dry run), and whether an apply created it. Bad options or body, a patch
     * that does not apply, or an apply conflict is an ApiException; an unknown patch type is 415.
     */
    ObjectStore.Written patch(Exchange ex, RequestInfo info, Strategy s, String ns, UserInfo user) {
        String media = Bodies.mediaType(ex.header("Content-Type"));
        ResourceType t = s.type();
        boolean apply = media.equals("application/apply-patch+yaml");
        String force = info.param("force");
        if (force != null && !apply) {
            throw Statuses.invalid("meta.k8s.io", "PatchOptions", "", List.of(FieldError.forbidden("force", "may not be specified for non-apply patch")));
        }
        String manager = info.param("fieldManager");
        if (apply && (manager == null || manager.isEmpty())) {
            throw Statuses.invalid("meta.k8s.io", "PatchOptions", "", List.of(FieldError.required("fieldManager", "is required for apply patch")));
        }
        Context ctx = WriteContext.of(ex, info, user);
        String fieldValidation = info.param("fieldValidation");
        Bodies.fieldValidation(fieldValidation);
        if (ex.body().length == 0) throw Statuses.badRequest("the request body is empty");
        try {
            return switch (media) {
                case "application/json-patch+json" -> {
                    JsonNode ops = Bodies.tree(ex.body(), false, media);
                    yield objects.patch(ctx, s, ns, info.name(), info.subresource(),
                            cur -> Bodies.checkPatched(ex, t, JsonPatch.apply(cur, ops), fieldValidation), null);
                }
                case "application/merge-patch+json" -> {
                    JsonNode p = Bodies.tree(ex.body(), false, media);
                    yield objects.patch(ctx, s, ns, info.name(), info.subresource(),
                            cur -> Bodies.checkPatched(ex, t, MergePatch.apply(cur, p), fieldValidation), null);
                }
                case "application/strategic-merge-patch+json" -> {
                    JsonNode p = Bodies.tree(ex.body(), false, media);
                    var schema = t.patchSchema();
                    yield objects.patch(ctx, s, ns, info.name(), info.subresource(),
                            cur -> Bodies.checkStrategicPatched(ex, t, StrategicMergePatch.apply(cur, p, schema), p, fieldValidation), null);
                }
                case "application/apply-patch+yaml" -> apply(ex, info, s, ns, ctx, manager, "true".equals(force), fieldValidation);
                default -> throw Statuses.unsupportedMediaType(media, TYPES);
            };
        } catch (ApplyConflictException e) {
            throw e.toApiException();
        } catch (PatchException e) {
            throw e.toApiException();
        }
    }

    /** Server-side apply: the body is the manager's whole intent; the fields it takes from others are conflicts unless forced. */
    private ObjectStore.Written apply(Exchange ex, RequestInfo info, Strategy s, String ns, Context ctx, String manager, boolean forced,
                             String fieldValidation) {
        ResourceType t = s.type();
        JsonNode p = Bodies.tree(ex.body(), true, "application/apply-patch+yaml");
        if (!(p instanceof ObjectNode applied)) throw Statuses.badRequest("the apply patch must be an object");
        Bodies.check(ex, t, applied, fieldValidation);
        if (Json.text(applied, "apiVersion").isEmpty() || Json.text(applied, "kind").isEmpty()) {
            throw Statuses.badRequest("apiVersion and kind must be set in an apply patch");
        }
        String bodyName = ApiObjects.meta(applied, "name");
        if (!bodyName.isEmpty() && !bodyName.equals(info.name())) {
            throw Statuses.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL (" + info.name() + ")");
        }
        var schema = t.patchSchema();
        // apply records its own managedFields entry; the registry records no Update entry for it
        Context applyCtx = new Context(ctx.user(), ctx.dryRun(), "");
        ObjectNode intent = ServerSideApply.scoped(applied, info.subresource(), s.hasStatus());
        // as upstream, an apply creates a missing object through the main resource only, and only for a
        // user who may also create it: the right to patch is not the right to create
        Runnable mayCreate = info.subresource().isEmpty() ? createRight.check(info, ctx.user()) : null;
        return objects.patch(applyCtx, s, ns, info.name(), info.subresource(),
                cur -> ServerSideApply.apply(cur, intent, manager, info.subresource(), forced, schema, Instant.now()),
                mayCreate);
    }
}
