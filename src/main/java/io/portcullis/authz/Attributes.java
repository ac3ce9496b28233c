package io.portcullis.authz;

import io.portcullis.authn.UserInfo;

/**
 * What is asked: a user and either a resource request (verb, apiGroup, apiVersion, resource,
 * subresource, namespace, name; empty strings where absent) or a non-resource request (verb,
 * path). Verbs are upstream's: get, list, watch, create, update, patch, delete,
 * deletecollection, and impersonate, bind, escalate, ...; for non-resource paths the
 * lower-cased HTTP method.
 */
public record Attributes(UserInfo user, String verb, boolean resourceRequest, String namespace, String apiGroup,
                         String apiVersion, String resource, String subresource, String name, String path) {
    public Attributes {
        namespace = nz(namespace);
        apiGroup = nz(apiGroup);
        apiVersion = nz(apiVersion);
        resource = nz(resource);
        subresource = nz(subresource);
        name = nz(name);
        path = nz(path);
    }

    public static Attributes resource(UserInfo user, String verb, String apiGroup, String resource, String subresource,
                                      String namespace, String name) {
        return new Attributes(user, verb, true, namespace, apiGroup, "*", resource, subresource, name, "");
    }

    public static Attributes nonResource(UserInfo user, String verb, String path) {
        return new Attributes(user, verb, false, "", "", "", "", "", "", path);
    }

    public Attributes withUser(UserInfo other) {
        return new Attributes(other, verb, resourceRequest, namespace, apiGroup, apiVersion, resource, subresource, name, path);
    }

    private static String nz(String s) { return s == null ? "" : s; }
}
