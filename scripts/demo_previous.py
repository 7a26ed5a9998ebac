#!/usr/bin/env python3
"""Writes assets/demo-previous.json: the demo organization's run a week before assets/demo.json,
so that `--demo` marks what changed since (deterministic; run from the repo root after demo_org.py).

Since that run: ml-research moved from Sandbox to Development, data-dev was renamed (it was
analytics-dev), observability joined, billing-legacy left, the OU Security was renamed (it was
SecOps), vpn-edge became blocked (it was reachable), the newest failed assignment is new, and
PowerUser rose from read to privileged (it was ReadOnlyAccess; PowerUserAccess since)."""
import copy
import json

demo = json.load(open("assets/demo.json"))
previous = copy.deepcopy(demo)
previous["saved_at"] = "2026-11-13T09:00:00Z"
root = previous["org"]["roots"][0]

def find(nodes, node_id):
    for node in nodes:
        if node["id"] == node_id:
            return nodes, node
        if node["kind"] == "ou":
            found = find(node["children"], node_id)
            if found:
                return found
    return None

def ou(node_id):
    return find(root["children"], node_id)[1]

# ml-research sat in Sandbox.
siblings, ml = find(root["children"], "389012345678")
siblings.remove(ml)
ou("ou-demo-sbx2n6vw")["children"].append(ml)
# data-dev was analytics-dev.
find(root["children"], "345678901234")[1]["name"] = "analytics-dev"
# observability had not joined yet.
siblings, observability = find(root["children"], "286208998628")
siblings.remove(observability)
previous["access"].pop("286208998628", None)
# billing-legacy was still a member.
ou("ou-demo-infr4b8x")["children"].append({
    "kind": "account", "id": "299792458000", "name": "billing-legacy", "email": "aws+billing-legacy@example.com",
    "status": "ACTIVE", "joined_method": "CREATED", "joined_at": "2020-01-15T10:00:00Z", "tags": {}, "management": False,
})
# Security was SecOps.
ou("ou-demo-sec9t1pz")["name"] = "SecOps"
# vpn-edge was reachable.
previous["access"]["161803398874"] = {
    "status": "reachable", "reason": None,
    "role_arn": "arn:aws:iam::161803398874:role/OrganizationAccountAccessRole", "message": None, "hint": None,
}
# The newest failure had not happened.
failures = [a for a in previous["assignments"] if a["status"] == "FAILED"]
newest = max(failures, key=lambda a: a["event_time"])
previous["assignments"].remove(newest)

# PowerUser was ReadOnlyAccess.
for permission_set in previous["identity_center"]["permission_sets"]:
    if permission_set["name"] == "PowerUser":
        permission_set["policies"]["managed"] = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]

with open("assets/demo-previous.json", "w") as out:
    json.dump(previous, out, indent=1, sort_keys=False)
    out.write("\n")
