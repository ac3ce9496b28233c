package io.portcullis.controllers;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.portcullis.api.ApiException;
import io.portcullis.api.Json;
import io.portcullis.authz.rbac.Aggregation;
import io.portcullis.authz.rbac.ClusterRoleLister;
import io.portcullis.authz.rbac.EscalationCheck;
import io.portcullis.registry.Context;
import io.portcullis.registry.ObjectStore;
import io.portcullis.registry.Strategy;
import java.util.List;

/**
 * As upstream's clusterrole-aggregation controller: every ClusterRole with an aggregationRule
 * holds the rules of the ClusterRoles its selectors match, rewritten whenever any ClusterRole
 * changes.
 */
public final class AggregationController implements AutoCloseable {
    private static final String KEY = "aggregate";
    private final ObjectStore objects;
    private final Strategy clusterRoles;
    private final ClusterRoleLister roles;
    private final Worker worker = new Worker("clusterrole-aggregation");

    private AggregationController(ObjectStore objects, ClusterRoleLister roles) {
        this.objects = objects;
        this.clusterRoles = objects.strategy(EscalationCheck.GROUP, "clusterroles");
        this.roles = roles;
    }

    /** @param roles the ClusterRoles as RBAC sees them, current before this controller hears of a change */
    public static AggregationController start(ObjectStore objects, ClusterRoleLister roles) {
        AggregationController c = new AggregationController(objects, roles);
        c.worker.listen(objects.cache(), c.clusterRoles.type().keyPrefix(), e -> c.worker.enqueue(KEY, c::aggregate));
        return c;
    }

    private void aggregate() {
        List<ClusterRole> all = roles.list();
        for (ClusterRole target : all) {
            if (target.getAggregationRule() == null) continue;
            List<PolicyRule> rules = Aggregation.aggregate(target, all);
            if (!Aggregation.changed(target, rules)) continue;
            try {
                objects.write(Context.SYSTEM, clusterRoles, "", target.getMetadata().getName(), "", 0, cur -> {
                    cur.set("rules", Json.MAPPER.valueToTree(rules));
                    return cur;
                });
            } catch (ApiException e) {
                if (!Worker.is(e, "NotFound")) throw e;
            }
        }
    }

    @Override
    public void close() {
        worker.close();
    }
}
