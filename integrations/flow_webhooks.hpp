#pragma once
// The caller of bot flows' webhook actions (chat_options::call_webhook) over the egress client:
// the node's method, URL and JSON body; a 2xx answer with a JSON body (or none, read as {})
// is the response the run stores; anything else (refused, timeout, non-2xx, not JSON) fails
// the call and the run takes the node's on_error edge. Failures are counted, never logged with
// their URL (it may carry a secret).
#include <functional>
#include <optional>

#include <nlohmann/json_fwd.hpp>

namespace sb::bots {
struct webhook_request;
}

namespace sb::integrations {

class egress_client;

using flow_webhook_caller =
    std::function<void(const bots::webhook_request&, std::function<void(std::optional<nlohmann::json>)>)>;

// `on_result(ok)` (metrics; may be empty) runs on the egress thread after each call.
flow_webhook_caller make_flow_webhook_caller(egress_client& client, std::function<void(bool ok)> on_result = {});

}  // namespace sb::integrations
