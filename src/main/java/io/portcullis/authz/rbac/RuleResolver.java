package io.portcullis.authz.rbac;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.portcullis.authn.UserInfo;
import java.util.List;

/** The rules a user holds in a namespace ("" for cluster-wide only), as SelfSubjectRulesReview shows them. */
public interface RuleResolver {
    Rules rulesFor(UserInfo user, String namespace);

    /**
     * Walks every rule that applies, with its source binding; an unresolvable role reference is
     * visited as an error with a null rule and source. Returning false stops the walk.
     */
    void visitRulesFor(UserInfo user, String namespace, RuleVisitor visitor);

    @FunctionalInterface
    interface RuleVisitor {
        boolean visit(BindingIndex.Binding source, PolicyRule rule, String error);
    }

    /**
     * Resource rules (those with resources) and non-resource rules (those with nonResourceURLs);
     * incomplete when some rules could not be listed; evaluationError joins resolution errors ("" if none).
     */
    record Rules(List<PolicyRule> resourceRules, List<PolicyRule> nonResourceRules, boolean incomplete, String evaluationError) {
        public Rules {
            resourceRules = List.copyOf(resourceRules);
            nonResourceRules = List.copyOf(nonResourceRules);
            evaluationError = evaluationError == null ? "" : evaluationError;
        }
    }
}
