#include "goodhart/engine/usage.hpp"

namespace goodhart::engine {

Outcomes& Outcomes::operator+=(const Outcomes& o) {
  commits += o.commits;
  pull_requests += o.pull_requests;
  lines_added += o.lines_added;
  lines_removed += o.lines_removed;
  edits_accepted += o.edits_accepted;
  edits_rejected += o.edits_rejected;
  sessions += o.sessions;
  return *this;
}

}  // namespace goodhart::engine
