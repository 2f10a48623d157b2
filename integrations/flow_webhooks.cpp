#include "integrations/flow_webhooks.hpp"

#include <nlohmann/json.hpp>

#include "actors/bots/interpreter.hpp"
#include "integrations/egress.hpp"

namespace sb::integrations {

flow_webhook_caller make_flow_webhook_caller(egress_client& client, std::function<void(bool ok)> on_result) {
  return [&client, on_result](const bots::webhook_request& w, std::function<void(std::optional<nlohmann::json>)> done) {
    egress_request r;
    r.method = w.method.empty() ? "POST" : w.method;
    r.url = w.url;
    r.headers = {{"Accept", "application/json"}};
    if (!w.body.is_null()) {
      r.body = w.body.dump();
      r.headers.emplace_back("Content-Type", "application/json");
    }
    client.send(std::move(r), [done = std::move(done), on_result](egress_response res) {
      std::optional<nlohmann::json> answer;
      if (res.ok()) {
        if (res.body.empty()) {
          answer = nlohmann::json::object();
        } else if (auto j = nlohmann::json::parse(res.body, nullptr, false); !j.is_discarded()) {
          answer = std::move(j);
        }
      }
      if (on_result) on_result(answer.has_value());
      done(std::move(answer));
    });
  };
}

}  // namespace sb::integrations
