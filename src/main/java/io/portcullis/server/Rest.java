package io.portcullis.server;

import io.portcullis.api.ApiException;
import io.portcullis.api.FieldSelector;
import io.portcullis.api.Json;
import io.portcullis.api.LabelSelector;
import io.portcullis.api.ResourceType;
import io.portcullis.api.Statuses;
import io.portcullis.authn.UserInfo;
import io.portcullis.authz.Authorizer;
import io.portcullis.registry.Context;
import io.portcullis.registry.ListOptions;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.ApiObjects;
import io.portcullis.registry.Strategy;
import io.portcullis.registry.SubresourceHandler;
import io.portcullis.request.RequestInfo;
import io.portcullis.storage.cache.Item;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The REST verbs on stored resources: get, list, watch, create, update, patch, delete, deletecollection. */
final class Rest {

    private final ObjectStore objects;
    private final Bodies bodies;
    private final Watches watches;
    private final Patches patches;
    private final CreateRight createRight;
    private final ListBodies listBodies = new ListBodies();

    /** {@code authorizer} is the pipeline's: a verb a request implies beyond its own (an apply that creates) is asked of it too. */
    Rest(ObjectStore objects, Vertx vertx, Bodies bodies, java.time.Duration minRequestTimeout, Authorizer authorizer) {
        this.objects = objects;
        this.bodies = bodies;
        this.watches = new Watches(objects, vertx, minRequestTimeout);
        this.createRight = new CreateRight(authorizer);
        this.patches = new Patches(objects, createRight);
    }

    /**
     * True when a read can be answered at once from the cache, on the calling (event loop)
     * thread: it asks for the cache as it is (resourceVersion=0), or the cache is known fresh
     * without a round trip. Otherwise the read runs on a worker,
     * which may wait for the cache.
     */
    boolean servesInline(RequestInfo info) {
        String v = info.verb();
        if (!(v.equals("get") || v.equals("list") || v.equals("watch")) || info.param("continue") != null) return false;
        // resourceVersion=0 asks for what the cache holds now: no wait for the store's revision
        boolean fromCache = !v.equals("watch") && "0".equals(info.param("resourceVersion")) && info.param("resourceVersionMatch") == null;
        return fromCache || objects.cache().fresh();
    }

    /**
     * Serves a request the {@link Router} has routed to a stored kind: its path shape and method
     * are the kind's, and its namespace is the one it was authorized in (none for a cluster-scoped
     * kind, whose Namespace objects upstream authorizes in their own name).
     */
    void serve(Exchange ex, RequestInfo info, Strategy s, UserInfo user) {
        String ns = s.type().namespaced() ? info.namespace() : "";
        SubresourceHandler handler = s.subresourceHandlers().get(info.subresource());
        if (handler != null) {
            createSubresource(ex, info, s, handler, ns, user);
            return;
        }
        switch (info.verb()) {
            case "get" -> get(ex, info, s, ns);
            case "list" -> list(ex, info, s, ns);
            case "watch" -> watches.serve(ex, info, s, ns);
            case "create" -> create(ex, info, s, ns, user);
            case "update" -> update(ex, info, s, ns, user);
            case "patch" -> {
                ObjectStore.Written patched = patches.patch(ex, info, s, ns, user);
                ex.respondJson(patched.created() ? 201 : 200, patched.object());
            }
            case "delete" -> delete(ex, info, s, ns, user);
            case "deletecollection" -> deleteCollection(ex, info, s, ns, user);
            default -> throw new IllegalStateException("routed verb " + info.verb() + " has no REST handler");
        }
    }

    // --- reads ---------------------------------------------------------------------------

    private void get(Exchange ex, RequestInfo info, Strategy s, String ns) {
        String rv = info.param("resourceVersion");
        ObjectStore.parseResourceVersion(rv);
        Item item = "0".equals(rv)
                ? objects.peek(s, ns, info.name()).orElseThrow(() -> Statuses.notFound(s.type().groupResource(), info.name()))
                : objects.get(s, ns, info.name());
        if (Tables.wanted(ex.header("Accept"))) {
            String include = Tables.includeObject(info.param("includeObject"));
            ex.respondJson(200, Tables.table(s, List.of(item), item.object().path("metadata").path("resourceVersion").asString(""), null, include, true));
            return;
        }
        ex.respond(200, item.json());
    }

    private void list(Exchange ex, RequestInfo info, Strategy s, String ns) {
        ListOptions o = listOptions(info);
        boolean table = Tables.wanted(ex.header("Accept"));
        String include = table ? Tables.includeObject(info.param("includeObject")) : null;
        ObjectStore.Page page = objects.list(s, ns, o);
        String rv = Long.toString(page.revision());
        if (table) {
            ex.respondJson(200, Tables.table(s, page.items(), rv, page.continueToken(), include, true));
            return;
        }
        ResourceType t = s.type();
        StringBuilder head = new StringBuilder(160).append("{\"kind\":\"").append(t.listKind()).append("\",\"apiVersion\":\"")
                .append(t.apiVersion()).append("\",\"metadata\":{\"resourceVersion\":\"").append(rv).append('"');
        if (page.continueToken() != null) head.append(",\"continue\":\"").append(page.continueToken()).append('"');
        if (page.remaining() != null) head.append(",\"remainingItemCount\":").append(page.remaining());
        head.append("},\"items\":[");
        byte[] body = listBodies.body(s.type().prefix(ns), head.toString().getBytes(StandardCharsets.UTF_8), page.items());
        ex.respond(200, Exchange.JSON, body);
    }

    static ListOptions listOptions(RequestInfo info) {
        int limit = 0;
        String l = info.param("limit");
        if (l != null && !l.isEmpty()) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                throw Statuses.badRequest("limit: Invalid value: \"" + l + "\": must be an integer");
            }
            if (limit < 0) limit = 0;
        }
        return new ListOptions(LabelSelector.parse(info.param("labelSelector")), FieldSelector.parse(info.param("fieldSelector")),
                limit, info.param("continue"), info.param("resourceVersion"), info.param("resourceVersionMatch"));
    }

    // --- writes --------------------------------------------------------------------------

    private void create(Exchange ex, RequestInfo info, Strategy s, String ns, UserInfo user) {
        Context ctx = WriteContext.of(ex, info, user);
        ObjectNode body = bodies.read(ex, s.type(), info.param("fieldValidation"));
        ObjectNode created = objects.create(ctx, s, ns, body);
        ex.respondJson(201, created);
    }

    /** A review: its body read as its kind, answered, never stored. */
    void review(Exchange ex, RequestInfo info, Route.Review r, UserInfo user) {
        ObjectNode review = bodies.read(ex, r.type(), info.param("fieldValidation"));
        ex.respondJson(201, r.reviews().answer(r.type(), review, user, info.namespace()));
    }

    /** A subresource of another kind (a TokenRequest): its body checked against that kind, the answer its handler's. */
    private void createSubresource(Exchange ex, RequestInfo info, Strategy s, SubresourceHandler handler, String ns, UserInfo user) {
        ResourceType.Subresource sub = s.type().subresources().stream().filter(r -> r.name().equals(info.subresource())).findFirst()
                .orElseThrow();
        ObjectNode body = bodies.read(ex, sub, info.param("fieldValidation"));
        ex.respondJson(201, handler.create(objects, WriteContext.of(ex, info, user), ns, info.name(), body, ex::warn));
    }

    private void update(Exchange ex, RequestInfo info, Strategy s, String ns, UserInfo user) {
        Context ctx = WriteContext.of(ex, info, user);
        ObjectNode body = bodies.read(ex, s.type(), info.param("fieldValidation"));
        ObjectStore.Written updated = objects.update(ctx, s, ns, info.name(), info.subresource(), body, createRight.check(info, user));
        ex.respondJson(updated.created() ? 201 : 200, updated.object());
    }

    private void delete(Exchange ex, RequestInfo info, Strategy s, String ns, UserInfo user) {
        Context ctx = WriteContext.of(ex, info, user);
        DeleteOptions o = DeleteOptions.of(info, ex, bodies);
        Context c = o.dryRun() ? new Context(ctx.user(), true, ctx.fieldManager()) : ctx;
        ObjectStore.Deleted d = objects.delete(c, s, ns, info.name(), o.uid(), o.resourceVersion(), o.propagationPolicy());
        // as upstream: 202 only when the object stays and the client asked dependents not to be orphaned
        int code = !d.gone() && Boolean.FALSE.equals(o.orphanDependents()) ? 202 : 200;
        if (d.gone() && !s.returnsDeletedObject()) {
            ex.respondJson(code, Statuses.deleted(s.type().groupResource(), info.name(), ApiObjects.meta(d.object(), "uid")));
        } else {
            ex.respondJson(code, d.object());
        }
    }

    private void deleteCollection(Exchange ex, RequestInfo info, Strategy s, String ns, UserInfo user) {
        Context ctx = WriteContext.of(ex, info, user);
        DeleteOptions o = DeleteOptions.of(info, ex, bodies);
        Context c = o.dryRun() ? new Context(ctx.user(), true, ctx.fieldManager()) : ctx;
        ListOptions lo = listOptions(info);
        ObjectStore.Page page = objects.list(s, ns, new ListOptions(lo.labels(), lo.fields(), 0, null, null, null));
        // as upstream: the answer lists the objects as they were found
        List<ObjectNode> deleted = new ArrayList<>();
        for (Item it : page.items()) {
            try {
                objects.delete(c, s, it.namespace(), it.name(), null, null, o.propagationPolicy());
                deleted.add(it.object());
            } catch (ApiException e) {
                if (e.code() != 404) throw e;
            }
        }
        ObjectNode list = Json.object();
        list.put("kind", s.type().listKind());
        list.put("apiVersion", s.type().apiVersion());
        list.putObject("metadata").put("resourceVersion", Long.toString(page.revision()));
        ArrayNode items = list.putArray("items");
        deleted.forEach(items::add);
        ex.respondJson(200, list);
    }

}
