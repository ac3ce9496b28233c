package io.portcullis.admission;

import io.portcullis.api.ResourceType;
import io.portcullis.authn.UserInfo;
import tools.jackson.databind.node.ObjectNode;

/** A write on its way to storage: the object as it would be stored, and the old one on update and delete. */
public record AdmissionRequest(Operation operation, ResourceType type, String subresource, String namespace, String name,
                               ObjectNode object, ObjectNode oldObject, UserInfo user, boolean dryRun) {}
