// The schema of the `governance:` block (caps, budgets, alerts, anomaly, model approval,
// enforcement), shared by scenario files and standalone policy files for replay.
#pragma once

#include <string>

#include "goodhart/engine/policy.hpp"
#include "goodhart/engine/schema.hpp"

namespace goodhart::engine {

// The governance block; reads into PolicyConfig. Windows are not keys: timelines set them.
const SchemaNode& policy_schema();

// `meta:` of a standalone file (name, description, sources), all optional.
SchemaNode policy_meta_schema();

// Cross-key checks the schema cannot express (e.g. model approval needs a substitute).
// `node` is the governance block as validated, `path` its dotted path.
void check_policy(const YAML::Node& node, const PolicyConfig& policy, Reporter& out,
                  const std::string& path);

}  // namespace goodhart::engine
